import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailerError } from 'o365-oauth-mailer';
import { startEmulator, type Emulator } from 'o365-oauth-mailer/emulator';
import { createGraphTransport, type GraphSentMessageInfo } from 'o365-oauth-mailer/nodemailer';

// transporter.sendMail() of a message over Graph's ~3 MB MIME request: a draft created from MIME without the large
// attachments, their bytes streamed through upload sessions, then /send: as mailer.send() does.

let emulator: Emulator;
let dir: string;
const FILE = randomBytes(5 * 1024 * 1024 + 17);
const STREAMED = randomBytes(4 * 1024 * 1024 + 3);

beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }] });
  dir = await mkdtemp(join(tmpdir(), 'o365-nm-large-'));
  await writeFile(join(dir, 'scan.pdf'), FILE);
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => emulator.reset());

/** The Graph requests, in order, as `METHOD /last/path/segments` (the token requests left out). */
const graphSequence = () =>
  emulator.requests
    .filter((r) => r.area === 'graph' || r.area === 'upload')
    .map((r) => `${r.method} ${r.area === 'upload' ? 'upload' : r.path.replace(/^.*\/users\/[^/]+/, '').replace(/\/messages\/[^/]+/, '/messages/{id}')}`);

/** A stream that yields `bytes` in 64 KiB pieces and records how far it was read. */
function chunked(bytes: Buffer): Readable {
  let at = 0;
  return new Readable({
    read() {
      if (at >= bytes.length) return this.push(null);
      this.push(bytes.subarray(at, (at += 64 * 1024)));
    },
  });
}

describe('a message over 3 MB through transporter.sendMail()', () => {
  it('goes as a MIME draft plus upload sessions plus /send: a real 5 MB file and a 4 MB stream arrive byte for byte', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    const info = (await transporter.sendMail({
      from: emulator.sender,
      to: 'ann@contoso.com',
      bcc: 'audit@contoso.com',
      subject: 'Large via nodemailer',
      text: 'plain',
      html: '<p>rich <img src="cid:logo@x"></p>',
      attachments: [
        { path: join(dir, 'scan.pdf') },
        { filename: 'data.bin', content: chunked(STREAMED) },
        { filename: 'small.txt', content: 'aGVsbG8=', encoding: 'base64' },
        { filename: 'logo.png', content: Buffer.from([137, 80, 78, 71]), cid: 'logo@x' },
      ],
    })) as GraphSentMessageInfo;
    expect(info).toMatchObject({
      accepted: ['ann@contoso.com', 'audit@contoso.com'],
      rejected: [],
      response: expect.stringMatching(/^202 Accepted \(Microsoft Graph draft \/send, request-id /),
      result: { route: 'draft', format: 'mime' },
    });
    const m = emulator.messages[0]!;
    expect(emulator.messages).toHaveLength(1);
    expect(m).toMatchObject({ format: 'mime', route: 'draft', messageId: info.messageId, text: 'plain', html: '<p>rich <img src="cid:logo@x"></p>', bcc: [{ address: 'audit@contoso.com' }] });
    const byName = (name: string) => m.attachments.find((a) => a.name === name);
    expect(byName('scan.pdf')?.content.equals(FILE)).toBe(true);
    expect(byName('scan.pdf')?.contentType).toBe('application/pdf');
    expect(byName('data.bin')?.content.equals(STREAMED)).toBe(true);
    expect(byName('small.txt')?.content.toString()).toBe('hello');
    expect(byName('logo.png')).toMatchObject({ isInline: true, contentId: 'logo@x' });
    // One draft from MIME (with the small parts), one upload session per large attachment, chunks, then /send.
    const seq = graphSequence();
    expect(seq[0]).toBe('POST /messages');
    expect(seq.filter((s) => s === 'POST /messages/{id}/attachments/createUploadSession')).toHaveLength(2);
    expect(seq.filter((s) => s === 'PUT upload').length).toBeGreaterThanOrEqual(4);
    expect(seq.at(-1)).toBe('POST /messages/{id}/send');
    expect(seq.filter((s) => s.endsWith('/sendMail'))).toEqual([]);
    expect(emulator.drafts).toEqual([]);
    transporter.close();
  });

  it('a message that is one large file and nothing else: the file is uploaded, the body is empty', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    const info = (await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', subject: 'just the file', attachments: [{ path: join(dir, 'scan.pdf') }] })) as GraphSentMessageInfo;
    expect(info.result.route).toBe('draft');
    const m = emulator.messages[0]!;
    expect(m).toMatchObject({ subject: 'just the file', messageId: info.messageId });
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ name: 'scan.pdf', contentType: 'application/pdf' });
    expect(m.attachments[0]?.content.equals(FILE)).toBe(true);
    transporter.close();
  });

  it('a missing file is a MESSAGE_INVALID naming it, before any Graph request', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    const err = (await transporter
      .sendMail({ from: emulator.sender, to: 'ann@contoso.com', text: 't', attachments: [{ content: 'x', filename: 'a.txt' }, { path: join(dir, 'gone.pdf') }] })
      .catch((e: unknown) => e)) as MailerError;
    expect(err).toMatchObject({ code: 'MESSAGE_INVALID' });
    expect(err.message).toMatch(/^The attachment "gone\.pdf": path does not exist: ".*gone\.pdf"/);
    expect(emulator.requests.filter((r) => r.area === 'graph')).toEqual([]);
    transporter.close();
  });

  it('an attachment stream that fails is a MESSAGE_INVALID MailerError; nothing is sent', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    const broken = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    const err = (await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', text: 't', attachments: [{ filename: 'd.bin', content: broken }] }).catch((e: unknown) => e)) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('MESSAGE_INVALID');
    expect(err.message).toContain('disk gone');
    expect(emulator.requests.filter((r) => r.area === 'graph')).toEqual([]);
    transporter.close();
  });

  it('without Mail.ReadWrite: ATTACHMENT_TOO_LARGE (step 2) before any Graph request, nothing sent', async () => {
    const small = await startEmulator({ apps: [{ roles: ['Mail.Send'] }] });
    try {
      const transporter = nodemailer.createTransport(createGraphTransport(small.mailerConfig()));
      const err = (await transporter.sendMail({ from: small.sender, to: 'ann@contoso.com', text: 'x', attachments: [{ path: join(dir, 'scan.pdf') }] }).catch((e: unknown) => e)) as MailerError;
      expect(err).toBeInstanceOf(MailerError);
      expect(err).toMatchObject({ code: 'ATTACHMENT_TOO_LARGE', step: 2 });
      expect(small.requests.filter((r) => r.area === 'graph')).toEqual([]);
      expect(small.messages).toEqual([]);
      transporter.close();
    } finally {
      await small.close();
    }
  });

  it('a large body that cannot be split: ATTACHMENT_TOO_LARGE, nothing sent', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    const err = (await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', text: 'x'.repeat(3_500_000) }).catch((e: unknown) => e)) as MailerError;
    expect(err).toMatchObject({ code: 'ATTACHMENT_TOO_LARGE' });
    expect(emulator.requests.filter((r) => r.area === 'graph')).toEqual([]);
    transporter.close();
  });

  it('an upload that fails for good deletes the draft; nothing is sent', async () => {
    emulator.faults.failChunk(10);
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig({ retry: { maxRetries: 1, maxDelayMs: 0 } })));
    const err = await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', text: 'x', attachments: [{ path: join(dir, 'scan.pdf') }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailerError);
    expect(emulator.messages).toEqual([]);
    expect(emulator.drafts).toEqual([]);
    expect(graphSequence().at(-1)).toBe('DELETE /messages/{id}');
    transporter.close();
  });

  it('a lost answer to /send: the same draft is sent again; delivered exactly once', async () => {
    emulator.faults.dropAfterAccept(1);
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    const info = (await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', subject: 'once', text: 'x', attachments: [{ path: join(dir, 'scan.pdf') }] })) as GraphSentMessageInfo;
    expect(info.result.route).toBe('draft');
    expect(emulator.messages.map((m) => m.subject)).toEqual(['once']);
    expect(emulator.drafts).toEqual([]);
    transporter.close();
  });
});
