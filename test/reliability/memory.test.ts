import { createHash } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { O365OAuthMailer } from '../../src/index';
import { READ_WRITE_TOKEN, USER_PATH, UploadServer } from './draft-fakes';
import { authorityServer, exposeGc, httpsServer, json, localConfig, makeCert, type LocalServer, type TestCert } from './helpers';

const SIZE = 100 * 1024 * 1024;
const CHUNK = 3_932_160;
const MB = 1024 * 1024;
const LIMIT = 32 * MB;

/** 100 MB of deterministic pseudo-random bytes, produced 1 MB at a time (never whole in memory). */
function* pieces(): Generator<Buffer> {
  let x = 12345;
  for (let done = 0; done < SIZE; done += MB) {
    const piece = Buffer.allocUnsafe(MB);
    for (let i = 0; i < MB; i += 4) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      piece.writeUInt32LE(x, i);
    }
    yield piece;
  }
}

let dir: string;
let file: string;
let sha: string;
const gc = exposeGc();

beforeAll(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'o365-reliability-'));
  file = join(dir, 'big.bin');
  const hash = createHash('sha256');
  await pipeline(
    Readable.from(
      (function* () {
        for (const p of pieces()) {
          hash.update(p);
          yield p;
        }
      })(),
    ),
    createWriteStream(file),
  );
  sha = hash.digest('hex');
}, 30_000);

afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

// Everything here runs against local servers with nock's interception switched off: nock's fetch interceptor
// clones every request body (even the ones it lets through), which would measure nock, not the mailer.
let cert: TestCert;
let authority: LocalServer;
let graph: LocalServer;
let upload: UploadServer;
let mailer: O365OAuthMailer;
const sends: string[] = [];
const deletes: string[] = [];

beforeAll(async () => {
  nock.restore();
  cert = await makeCert();
});
afterAll(() => {
  nock.activate();
});

beforeEach(async () => {
  sends.length = 0;
  deletes.length = 0;
  upload = await new UploadServer().listen();
  authority = await authorityServer(cert, { token: READ_WRITE_TOKEN });
  let drafts = 0;
  graph = await httpsServer(cert, (req, res) => {
    const path = req.path.split('?')[0]!;
    if (req.method === 'POST' && path === `${USER_PATH}/messages`) return json(res, 201, { id: `draft-${++drafts}` });
    const m = /\/messages\/([^/]+)(\/attachments\/createUploadSession|\/send)?$/.exec(path);
    if (req.method === 'POST' && m?.[2] === '/attachments/createUploadSession') {
      const size = (JSON.parse(req.body.toString()) as { AttachmentItem: { size: number } }).AttachmentItem.size;
      return json(res, 201, { uploadUrl: upload.create(size), nextExpectedRanges: ['0-'] });
    }
    if (req.method === 'POST' && m?.[2] === '/send') {
      sends.push(m[1]!);
      return json(res, 202, undefined);
    }
    if (req.method === 'DELETE' && m) {
      deletes.push(m[1]!);
      return json(res, 204, undefined);
    }
    return json(res, 400, { error: { code: 'BadRequest', message: `unexpected ${req.method} ${path}` } });
  });
  mailer = new O365OAuthMailer(localConfig(cert, authority, graph));
  // Warm up the whole route (modules, JIT, connection pools) so that the measurement sees only the upload.
  await mailer.send({ to: 'warm@contoso.com', subject: 'warm-up', attachments: [{ filename: 'w.bin', content: Buffer.alloc(5 * MB, 1) }] });
});
afterEach(async () => {
  await mailer.close();
  await Promise.all([upload.close(), authority.close(), graph.close()]);
});

/** Sends `attachment`, sampling RSS every few ms and at each progress report; returns the growth over the baseline. */
async function measure(attachment: Record<string, unknown>) {
  gc();
  gc();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 5);
  const progress: number[] = [];
  const started = performance.now();
  try {
    const result = await mailer.send(
      { to: 'ann@contoso.com', subject: '100 MB', text: 'Attached.', attachments: [attachment] },
      {
        onProgress: (p) => {
          // Collect after each chunk: V8 lets up to ~64 MB of dead external buffers pile up before it collects on
          // its own, which would measure V8's slack rather than what the mailer holds. The sampler still sees
          // everything alive between two chunks.
          sample();
          gc();
          progress.push(p.sentBytes);
          expect(p.totalBytes).toBe(SIZE);
        },
      },
    );
    expect(result.route).toBe('draft');
  } finally {
    clearInterval(timer);
  }
  return { growth: peak - baseline, progress, ms: performance.now() - started };
}

function expectWholeUpload(progress: number[]) {
  const session = [...upload.sessions.keys()].at(-1)!;
  expect(upload.digest(session)).toBe(sha);
  const puts = upload.puts.filter((p) => p.session === session);
  expect(puts).toHaveLength(Math.ceil(SIZE / CHUNK));
  expect(puts.every((p) => p.authorization === undefined && p.bytes <= 4 * MB)).toBe(true);
  expect(puts.at(-1)!.contentRange).toBe(`bytes ${Math.floor(SIZE / CHUNK) * CHUNK}-${SIZE - 1}/${SIZE}`);
  expect(upload.mismatches).toEqual([]);
  expect(progress.at(-1)).toBe(SIZE);
  expect(sends).toEqual(['draft-1', 'draft-2']);
  expect(deletes).toEqual([]);
}

describe('memory stays bounded for a 100 MB attachment', () => {
  it('from a path: peak RSS growth under 32 MB', async () => {
    const { growth, progress, ms } = await measure({ path: file, contentType: 'application/octet-stream' });
    console.info(`100 MB from path: RSS +${(growth / MB).toFixed(1)} MB, ${ms.toFixed(0)} ms`);
    expectWholeUpload(progress);
    expect(growth).toBeLessThan(LIMIT);
  }, 30_000);

  it('from a stream: peak RSS growth under 32 MB', async () => {
    const { growth, progress, ms } = await measure({ filename: 'stream.bin', content: Readable.from(pieces()) });
    console.info(`100 MB from a stream: RSS +${(growth / MB).toFixed(1)} MB, ${ms.toFixed(0)} ms`);
    expectWholeUpload(progress);
    expect(growth).toBeLessThan(LIMIT);
  }, 30_000);
});
