import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveAttachments } from '../../src/message/attachments';
import type { NormalizedAttachment } from '../../src/message/normalized';
import type { Attachment } from '../../src/message/types';
import { expectMailerError, rejected } from './helpers';

const MiB = 1024 * 1024;

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

/** A stream of `total` bytes of `data`, in chunks of `chunk` bytes, produced lazily. */
function chunked(data: Buffer, chunk = 64 * 1024): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) {
        this.push(null);
        return;
      }
      this.push(data.subarray(offset, offset + chunk));
      offset += chunk;
    },
  });
}

let work: string; // files the tests read
let spool: string; // tmpDir given to resolveAttachments, so spooled files can be seen

beforeEach(async () => {
  work = await fsp.mkdtemp(join(tmpdir(), 'msg-test-'));
  spool = await fsp.mkdtemp(join(tmpdir(), 'msg-spool-'));
});

afterEach(async () => {
  await fsp.rm(work, { recursive: true, force: true });
  await fsp.rm(spool, { recursive: true, force: true });
});

/** Byte-for-byte equality, fast for large buffers (deep equality is too slow for megabytes). */
function expectBytes(actual: Buffer, expected: Buffer, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  expect(actual.equals(expected), `${label} bytes`).toBe(true);
}

async function expectRanges(a: NormalizedAttachment, data: Buffer): Promise<void> {
  expect(a.size).toBe(data.length);
  expectBytes(await collect(a.open()), data);
  expectBytes(await collect(a.open(0)), data);
  expectBytes(await collect(a.open(0, data.length)), data);
  const n = data.length;
  const cuts: Array<[number, number]> = [
    [0, 1],
    [1, Math.min(3, n)],
    [Math.floor(n / 3), Math.floor((2 * n) / 3)],
    [n - 1, n],
    [n, n],
    [0, 0],
  ];
  for (const [s, e] of cuts) expectBytes(await collect(a.open(s, e)), data.subarray(s, e), `[${s}, ${e})`);
  // reopening works, as a retried upload needs
  expectBytes(await collect(a.open(1)), data.subarray(1));
  expect(() => a.open(-1, 2)).toThrow(RangeError);
  expect(() => a.open(2, 1)).toThrow(RangeError);
  expect(() => a.open(0, n + 1)).toThrow(RangeError);
  expect(() => a.open(0.5, 1)).toThrow(RangeError);
}

describe('resolveAttachments: in-memory content', () => {
  it('encodes a string as UTF-8', async () => {
    const [a] = await resolveAttachments([{ filename: 'note.txt', content: 'héllo ✓' }]);
    if (!a) throw new Error('no attachment');
    const bytes = Buffer.from('héllo ✓', 'utf8');
    expect(a).toMatchObject({ name: 'note.txt', contentType: 'text/plain', isInline: false, size: bytes.length });
    expect('contentId' in a).toBe(false);
    expect(a.size).toBe(10);
    expectBytes(await a.read(), bytes);
    expect(await text(a.open())).toBe('héllo ✓');
    await expectRanges(a, bytes);
    await a.dispose();
    await a.dispose();
  });

  it('keeps a Buffer and a Uint8Array view', async () => {
    const buf = randomBytes(1000);
    const backing = new Uint8Array(100);
    backing.set([9, 8, 7, 6, 5], 10);
    const view = backing.subarray(10, 15);
    const [a, b, c] = await resolveAttachments([
      { filename: 'a.bin', content: buf },
      { filename: 'b.png', content: view, cid: 'img1@x' },
      { filename: 'empty.csv', content: Buffer.alloc(0), contentType: 'text/csv; charset=utf-8' },
    ]);
    if (!a || !b || !c) throw new Error('missing attachment');
    expect(a).toMatchObject({ name: 'a.bin', contentType: 'application/octet-stream', isInline: false, size: 1000 });
    await expectRanges(a, buf);
    expectBytes(await a.read(), buf);
    expect(b).toMatchObject({ name: 'b.png', contentType: 'image/png', isInline: true, contentId: 'img1@x', size: 5 });
    expect(await b.read()).toStrictEqual(Buffer.from([9, 8, 7, 6, 5]));
    await expectRanges(b, Buffer.from([9, 8, 7, 6, 5]));
    expect(c).toMatchObject({ name: 'empty.csv', contentType: 'text/csv; charset=utf-8', size: 0 });
    expectBytes(await collect(c.open()), Buffer.alloc(0));
    expect(await fsp.readdir(spool)).toStrictEqual([]);
  });

  it('gives [] for no attachments', async () => {
    expect(await resolveAttachments([])).toStrictEqual([]);
  });

  it('validates specs first', async () => {
    expectMailerError(await rejected(resolveAttachments([{ content: 'x' }])), 'MESSAGE_INVALID', 'attachments[0].filename');
  });
});

describe('resolveAttachments: path', () => {
  it('stats the file and streams byte ranges', async () => {
    const data = randomBytes(9 * MiB + 7);
    const file = join(work, 'Quarterly Report.PDF');
    await fsp.writeFile(file, data);
    const [a] = await resolveAttachments([{ path: file }]);
    if (!a) throw new Error('no attachment');
    expect(a).toMatchObject({ name: 'Quarterly Report.PDF', contentType: 'application/pdf', isInline: false, size: data.length });
    await expectRanges(a, data);
    const chunk = 3_932_160;
    const parts: Buffer[] = [];
    for (let start = 0; start < a.size; start += chunk) {
      const end = Math.min(start + chunk, a.size);
      const part = await collect(a.open(start, end));
      expect(part.length).toBe(end - start);
      parts.push(part);
    }
    expect(parts).toHaveLength(3);
    expectBytes(Buffer.concat(parts), data);
    expectBytes(await a.read(), data);
    await a.dispose();
    await a.dispose();
    expectBytes(await fsp.readFile(file), data); // dispose never deletes the caller's file
  });

  it('never reads a path whole: a 3 GiB sparse file (too big for readFile) resolves and streams a range', async () => {
    const file = join(work, 'huge.iso');
    const size = 3 * 1024 * MiB;
    const handle = await fsp.open(file, 'w');
    await handle.truncate(size);
    await handle.write(Buffer.from('TAIL'), 0, 4, size - 4);
    await handle.close();
    const [a] = await resolveAttachments([{ path: file }]);
    if (!a) throw new Error('no attachment');
    expect(a.size).toBe(size);
    expect(a.contentType).toBe('application/octet-stream');
    expectBytes(await collect(a.open(size - 6, size)), Buffer.from('\0\0TAIL', 'latin1'));
    expectBytes(await collect(a.open(1000, 1010)), Buffer.alloc(10));
  });

  it('uses the given filename, contentType and cid', async () => {
    const file = join(work, 'x.bin');
    await fsp.writeFile(file, 'abc');
    const [a] = await resolveAttachments([{ path: file, filename: 'logo.gif', contentType: 'image/png', cid: 'logo' }]);
    expect(a).toMatchObject({ name: 'logo.gif', contentType: 'image/png', isInline: true, contentId: 'logo', size: 3 });
  });

  it('reports the size at resolve time, not the file length later', async () => {
    const file = join(work, 'grow.txt');
    await fsp.writeFile(file, '0123456789');
    const [a] = await resolveAttachments([{ path: file }]);
    await fsp.appendFile(file, 'more');
    expect(a?.size).toBe(10);
    expect(await text((a as NormalizedAttachment).open())).toBe('0123456789');
  });

  it('names a missing file', async () => {
    const file = join(work, 'a.txt');
    await fsp.writeFile(file, 'a');
    const e = expectMailerError(
      await rejected(resolveAttachments([{ path: file }, { path: join(work, 'missing.pdf') }])),
      'MESSAGE_INVALID',
      'attachments[1].path',
    );
    expect(e.message).toMatch(/does not exist/);
    expect(e.message).toContain('missing.pdf');
  });

  it('names a folder given as a file', async () => {
    const e = expectMailerError(await rejected(resolveAttachments([{ path: work }])), 'MESSAGE_INVALID', 'attachments[0].path');
    expect(e.message).toMatch(/not a regular file/);
  });
});

describe('resolveAttachments: streams', () => {
  it('keeps a small stream in memory', async () => {
    const [a] = await resolveAttachments([{ filename: 's.txt', content: Readable.from(['ab', Buffer.from('cd'), new Uint8Array([101])]) }], {
      tmpDir: spool,
    });
    if (!a) throw new Error('no attachment');
    expect(a).toMatchObject({ name: 's.txt', contentType: 'text/plain', size: 5 });
    expect((await a.read()).toString()).toBe('abcde');
    await expectRanges(a, Buffer.from('abcde'));
    expect(await fsp.readdir(spool)).toStrictEqual([]);
  });

  it('keeps a stream of exactly 3 MiB in memory', async () => {
    const data = randomBytes(3 * MiB);
    const [a] = await resolveAttachments([{ filename: 'x.bin', content: chunked(data) }], { tmpDir: spool });
    expect(a?.size).toBe(3 * MiB);
    expect(await fsp.readdir(spool)).toStrictEqual([]);
    expectBytes((await a?.read()) ?? Buffer.alloc(0), data);
  });

  it.each([3 * MiB + 1, 7 * MiB + 123])('spools a stream of %i bytes to a 0600 temp file that dispose removes', async (size) => {
    const data = randomBytes(size);
    const [a] = await resolveAttachments([{ filename: 'big.zip', content: chunked(data, 100_000) }], { tmpDir: spool });
    if (!a) throw new Error('no attachment');
    expect(a).toMatchObject({ name: 'big.zip', contentType: 'application/zip', isInline: false, size });
    const dirs = await fsp.readdir(spool);
    expect(dirs).toHaveLength(1);
    expect(dirs[0]).toMatch(/^o365-mailer-/);
    const files = await fsp.readdir(join(spool, dirs[0] as string));
    expect(files).toHaveLength(1);
    const spooled = join(spool, dirs[0] as string, files[0] as string);
    const st = await fsp.stat(spooled);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(size);
    await expectRanges(a, data);
    expectBytes(await a.read(), data);
    await a.dispose();
    expect(await fsp.readdir(spool)).toStrictEqual([]);
    await a.dispose(); // twice is safe
  });

  it('respects backpressure: the stream is read no faster than it is written', async () => {
    const total = 12 * MiB;
    const chunk = 256 * 1024;
    let produced = 0;
    let maxBuffered = 0;
    const source = new Readable({
      highWaterMark: chunk,
      read() {
        maxBuffered = Math.max(maxBuffered, this.readableLength);
        if (produced >= total) {
          this.push(null);
          return;
        }
        produced += chunk;
        this.push(Buffer.alloc(chunk, produced % 251));
      },
    });
    const [a] = await resolveAttachments([{ filename: 'x.bin', content: source }], { tmpDir: spool });
    expect(a?.size).toBe(total);
    expect(maxBuffered).toBeLessThanOrEqual(2 * chunk);
    await a?.dispose();
  });

  it('decodes a stream with an encoding set', async () => {
    const s = new PassThrough();
    s.setEncoding('base64');
    s.end(Buffer.from([0, 255, 1, 254]));
    const [a] = await resolveAttachments([{ filename: 'x.bin', content: s }]);
    expectBytes((await a?.read()) ?? Buffer.alloc(0), Buffer.from([0, 255, 1, 254]));
  });

  it('rejects an object-mode stream of non-bytes', async () => {
    expectMailerError(
      await rejected(resolveAttachments([{ filename: 'x.json', content: Readable.from([{ a: 1 }]) }])),
      'MESSAGE_INVALID',
      'attachments[0].content',
    );
  });

  it('names a stream that fails, and removes its spooled file', async () => {
    const data = randomBytes(4 * MiB);
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent >= data.length) {
          this.destroy(new Error('disk on fire'));
          return;
        }
        this.push(data.subarray(sent, sent + MiB));
        sent += MiB;
      },
    });
    const e = expectMailerError(
      await rejected(resolveAttachments([{ filename: 'ok.txt', content: 'ok' }, { filename: 'x.bin', content: failing }], { tmpDir: spool })),
      'MESSAGE_INVALID',
      'attachments[1].content',
    );
    expect(e.message).toContain('disk on fire');
    expect(sent).toBeGreaterThan(3 * MiB); // it did spool before failing
    expect(await fsp.readdir(spool)).toStrictEqual([]);
  });

  it('disposes spooled attachments when a later one fails', async () => {
    const e = expectMailerError(
      await rejected(
        resolveAttachments(
          [
            { filename: 'a.bin', content: chunked(randomBytes(4 * MiB)) },
            { filename: 'b.bin', content: chunked(randomBytes(4 * MiB)) },
            { path: join(work, 'nope.txt') },
          ],
          { tmpDir: spool },
        ),
      ),
      'MESSAGE_INVALID',
      'attachments[2].path',
    );
    expect(e).toBeDefined();
    expect(await fsp.readdir(spool)).toStrictEqual([]);
  });

  it('reports an unwritable temp folder', async () => {
    const e = await rejected(
      resolveAttachments([{ filename: 'a.bin', content: chunked(randomBytes(4 * MiB)) }], { tmpDir: join(work, 'no', 'such', 'dir') }),
    );
    expectMailerError(e, 'UNKNOWN', 'attachments[0].content');
  });
});

describe('resolveAttachments: abort', () => {
  it('rejects at once with ABORTED when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const e = await rejected(resolveAttachments([{ filename: 'a.txt', content: 'a' }], { signal: ac.signal }));
    expect(e).toMatchObject({ name: 'MailerError', code: 'ABORTED' });
  });

  it('stops a stream that never ends, and removes what was spooled', async () => {
    const ac = new AbortController();
    let pushed = 0;
    const endless = new Readable({
      read() {
        pushed += 1;
        this.push(Buffer.alloc(MiB, 1));
        if (pushed === 5) setTimeout(() => ac.abort(new Error('user cancelled')), 5);
      },
    });
    const stalled = new PassThrough(); // never ends: the abort must interrupt a pending read
    const specs: Attachment[] = [
      { filename: 'a.bin', content: chunked(randomBytes(4 * MiB)) },
      { filename: 'endless.bin', content: endless },
    ];
    const e = await rejected(resolveAttachments(specs, { signal: ac.signal, tmpDir: spool }));
    expect(e).toMatchObject({ name: 'MailerError', code: 'ABORTED' });
    expect(endless.destroyed).toBe(true);
    expect(await fsp.readdir(spool)).toStrictEqual([]);

    const ac2 = new AbortController();
    setTimeout(() => ac2.abort(), 20);
    stalled.write('partial');
    const e2 = await rejected(resolveAttachments([{ filename: 'p.txt', content: stalled }], { signal: ac2.signal, tmpDir: spool }));
    expect(e2).toMatchObject({ name: 'MailerError', code: 'ABORTED' });
    expect(stalled.destroyed).toBe(true);
  });
});
