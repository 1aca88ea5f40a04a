import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailerError } from '../../src/index';
import { fakeJwt, tokenEndpoint, tokenReply } from '../helpers/microsoft';
import { AUTHTOKEN, DraftGraph, USER_PATH, UploadServer, graphError, readWriteTokens } from './draft-fakes';
import { rejectionOf, trackedMailers } from './helpers';

const CHUNK = 3_932_160;
const LARGE = 9 * 1024 * 1024; // 9,437,184 bytes: three chunks
const RANGES = [`bytes 0-${CHUNK - 1}/${LARGE}`, `bytes ${CHUNK}-${2 * CHUNK - 1}/${LARGE}`, `bytes ${2 * CHUNK}-${LARGE - 1}/${LARGE}`];

/** Deterministic, incompressible-looking bytes. */
function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.writeUInt32LE(x, i);
  }
  return out;
}
const BIG = bytes(LARGE);
const BIG_SHA = createHash('sha256').update(BIG).digest('hex');
const SMALL = Buffer.from('sample,result\nS-42,ok\n');

let upload: UploadServer;
let graph: DraftGraph;
const mailer = trackedMailers({ retry: { maxRetries: 3, maxDelayMs: 10 } });

beforeEach(async () => {
  upload = await new UploadServer().listen();
  graph = new DraftGraph(upload);
});

afterEach(async () => {
  await upload.close();
});

const message = (extra: Record<string, unknown> = {}) => ({
  to: 'ann@contoso.com',
  subject: 'Spectra',
  text: 'Attached.',
  attachments: [
    { filename: 'summary.csv', content: SMALL },
    { filename: 'spectra.bin', content: BIG, contentType: 'application/octet-stream' },
  ],
  ...extra,
});

describe('the large-attachment route (Mail.ReadWrite)', () => {
  it('creates a draft, attaches the small file, uploads the large one in exact ≤ 4 MB chunks without Authorization, then sends', async () => {
    readWriteTokens();
    const progress: Array<{ sentBytes: number; totalBytes: number }> = [];
    const result = await mailer().send(message(), { onProgress: (p) => progress.push({ ...p }) });

    expect(result.route).toBe('draft');
    expect(result.attempts).toBe(1);
    expect(graph.creates).toBe(1);
    expect(graph.attachments).toHaveLength(1);
    expect(graph.attachments[0]!.body).toMatchObject({
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: 'summary.csv',
      contentBytes: SMALL.toString('base64'),
    });
    expect(graph.sessionsOpened).toEqual([
      { draft: 'draft-1', item: { attachmentType: 'file', name: 'spectra.bin', size: LARGE, contentType: 'application/octet-stream', isInline: false } },
    ]);
    expect(upload.puts.map((p) => p.contentRange)).toEqual(RANGES);
    expect(upload.puts.every((p) => p.authorization === undefined)).toBe(true);
    expect(upload.puts.every((p) => p.bytes <= 4 * 1024 * 1024)).toBe(true);
    expect(upload.mismatches).toEqual([]);
    expect(upload.digest('s1')).toBe(BIG_SHA);
    expect(graph.sends).toEqual(['draft-1']);
    expect(graph.deletes).toEqual([]);
    // Every Graph call carries the bearer token and the message's one client-request-id.
    expect(graph.authorizations.every((a) => a === `Bearer ${graph.authorizations[0]!.slice(7)}` && a.startsWith('Bearer eyJ'))).toBe(true);
    expect(new Set(graph.clientRequestIds).size).toBe(1);
    // The draft is tagged with that client-request-id, in the library's own extended property (found again after a lost answer).
    expect(graph.createBodies).toHaveLength(1);
    expect((graph.createBodies[0] as Record<string, unknown>)['singleValueExtendedProperties']).toEqual([
      { id: 'String {a5aa2888-523b-4f10-9a43-15d336ecb9bf} Name o365MailerClientRequestId', value: graph.clientRequestIds[0] },
    ]);
    expect(graph.createBodies[0]).toMatchObject({ subject: 'Spectra', body: { contentType: 'Text', content: 'Attached.' } });
    const total = SMALL.length + LARGE;
    expect(progress).toEqual([
      { sentBytes: SMALL.length, totalBytes: total },
      { sentBytes: SMALL.length + CHUNK, totalBytes: total },
      { sentBytes: SMALL.length + 2 * CHUNK, totalBytes: total },
      { sentBytes: total, totalBytes: total },
    ]);
  });

  it('refuses a message over 4 MB with ATTACHMENT_TOO_LARGE before any Graph request when the token lacks Mail.ReadWrite', async () => {
    const token = tokenEndpoint().reply(200, tokenReply(fakeJwt({ roles: ['Mail.Send'] })));
    const err = (await rejectionOf(mailer().send(message()))) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('ATTACHMENT_TOO_LARGE');
    expect(err.retriable).toBe(false);
    expect(err.fix).toMatch(/Mail\.ReadWrite/);
    expect(token.isDone()).toBe(true);
    expect(graph.authorizations).toEqual([]);
    expect(upload.puts).toEqual([]);
  });
});

describe('a dropped chunk is resumed from the session', () => {
  it('a PUT answering 500 → GET nextExpectedRanges → the same range again', async () => {
    readWriteTokens();
    upload.fault = ({ index }) => (index === 1 ? '500' : 'ok');
    const progress: number[] = [];
    await mailer().send(message(), { onProgress: (p) => progress.push(p.sentBytes) });
    expect(upload.puts.map((p) => p.contentRange)).toEqual([RANGES[0], RANGES[1], RANGES[1], RANGES[2]]);
    expect(upload.gets).toHaveLength(1);
    expect([...upload.puts, ...upload.gets].every((r) => r.authorization === undefined)).toBe(true);
    expect(upload.mismatches).toEqual([]);
    expect(upload.digest('s1')).toBe(BIG_SHA);
    expect(progress.at(-1)).toBe(SMALL.length + LARGE);
    expect(graph.sends).toEqual(['draft-1']);
    expect(graph.deletes).toEqual([]);
  });

  it('a connection dropped before the chunk was stored → the same range again', async () => {
    readWriteTokens();
    upload.fault = ({ index }) => (index === 1 ? 'drop-before-store' : 'ok');
    await mailer().send(message());
    expect(upload.puts.map((p) => p.contentRange)).toEqual([RANGES[0], RANGES[1], RANGES[1], RANGES[2]]);
    expect(upload.gets).toHaveLength(1);
    expect(upload.digest('s1')).toBe(BIG_SHA);
    expect(graph.sends).toEqual(['draft-1']);
  });

  it('a connection dropped after the chunk was stored → resumes where the session says, and progress still reaches the total', async () => {
    readWriteTokens();
    upload.fault = ({ index }) => (index === 1 ? 'drop-after-store' : 'ok');
    const progress: number[] = [];
    await mailer().send(message(), { onProgress: (p) => progress.push(p.sentBytes) });
    expect(upload.puts.map((p) => p.contentRange)).toEqual([RANGES[0], RANGES[1], RANGES[2]]);
    expect(upload.gets).toHaveLength(1);
    expect(upload.mismatches).toEqual([]);
    expect(upload.digest('s1')).toBe(BIG_SHA);
    expect(progress.at(-1)).toBe(SMALL.length + LARGE);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(graph.sends).toEqual(['draft-1']);
  });

  it('the answer to the LAST chunk lost after it was stored → the session has nothing left to expect → the draft is sent', async () => {
    readWriteTokens();
    upload.fault = ({ index }) => (index === 2 ? 'drop-after-store' : 'ok');
    const progress: number[] = [];
    const result = await mailer().send(message(), { onProgress: (p) => progress.push(p.sentBytes) });
    expect(result.route).toBe('draft');
    expect(upload.puts.map((p) => p.contentRange)).toEqual(RANGES);
    expect(upload.gets).toHaveLength(1);
    expect(upload.digest('s1')).toBe(BIG_SHA);
    expect(progress.at(-1)).toBe(SMALL.length + LARGE);
    expect(graph.sends).toEqual(['draft-1']);
    expect(graph.deletes).toEqual([]);
  });
});

describe('a failure before /send deletes the draft', () => {
  it('an upload that keeps failing → error, DELETE of the draft exactly once, no /send, no upload URL in the error', async () => {
    readWriteTokens();
    upload.fault = ({ index }) => (index >= 1 ? '500' : 'ok');
    const err = (await rejectionOf(mailer({ retry: { maxRetries: 2, maxDelayMs: 10 } }).send(message()))) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.message).toMatch(/not sent/);
    expect(err.retriable).toBe(false);
    expect(JSON.stringify({ ...err.toJSON(), stack: err.stack })).not.toContain(AUTHTOKEN);
    // The first chunk, then the second one three times (two retries).
    expect(upload.puts).toHaveLength(4);
    expect(graph.deletes).toEqual(['draft-1']);
    expect(graph.sends).toEqual([]);
  });

  it('createUploadSession refused → DELETE once, no /send', async () => {
    readWriteTokens();
    graph.sessionReply = [403, graphError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.')];
    const err = (await rejectionOf(mailer().send(message()))) as MailerError;
    expect(err.status).toBe(403);
    expect(graph.deletes).toEqual(['draft-1']);
    expect(graph.sends).toEqual([]);
    expect(upload.puts).toEqual([]);
  });

  it('/send refused with a definite error → DELETE once', async () => {
    readWriteTokens();
    graph.sendReplies = [[400, graphError('ErrorInvalidRecipients', 'At least one recipient is not valid.')]];
    const err = (await rejectionOf(mailer().send(message()))) as MailerError;
    expect(err.code).toBe('MESSAGE_INVALID');
    expect(graph.sends).toEqual(['draft-1']);
    expect(graph.deletes).toEqual(['draft-1']);
  });
});

describe('a create-draft answered 504 after the draft was made', () => {
  it("looks the draft up with Microsoft's documented filter on the library's extended property, URL-encoded, and uses it", async () => {
    readWriteTokens();
    graph.createReplies = [[504, graphError('GatewayTimeout', 'The gateway did not receive a response in time.')]];
    const result = await mailer().send(message());
    expect(result.route).toBe('draft');
    expect(graph.creates).toBe(1);
    const id = graph.clientRequestIds[0]!;
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq 'String {a5aa2888-523b-4f10-9a43-15d336ecb9bf} Name o365MailerClientRequestId' and ep/value eq '${id}')`;
    // Spaces, '/' and ':' encoded as Microsoft asks; the URL parser also encodes the quotes (%27) on the wire.
    const expected = `${USER_PATH}/mailFolders/drafts/messages?$filter=${encodeURIComponent(filter).replace(/'/g, '%27')}&$select=id&$top=50`;
    // The look-up before using the draft, and the check for late copies after the send.
    expect(graph.lookups).toEqual([expected, expected]);
    expect(graph.lookups[0]).toContain('singleValueExtendedProperties%2FAny(ep%3A%20ep%2Fid%20eq%20');
    expect(graph.sends).toEqual(['draft-1']);
    expect(graph.deletes).toEqual([]);
    expect(graph.live.size).toBe(0);
  });
});

describe('a lost /send reply is resolved by sending the same draft once more', () => {
  const notFound: [number, unknown] = [404, graphError('ErrorItemNotFound', 'The specified object was not found in the store.')];

  it('504 on /send, then 404 ErrorItemNotFound → resolved, exactly two /send POSTs of the same draft, no DELETE', async () => {
    readWriteTokens();
    graph.sendReplies = [[504, graphError('GatewayTimeout', '')], notFound];
    const result = await mailer().send(message());
    expect(result.route).toBe('draft');
    expect(result.attempts).toBe(2);
    expect(graph.sends).toEqual(['draft-1', 'draft-1']);
    expect(graph.deletes).toEqual([]);
  });

  it('the /send connection reset, then 404 ErrorItemNotFound → resolved, exactly two /send POSTs', async () => {
    readWriteTokens();
    graph.sendReplies = ['reset', notFound];
    const result = await mailer().send(message());
    expect(result.attempts).toBe(2);
    expect(graph.sends).toEqual(['draft-1', 'draft-1']);
    expect(graph.deletes).toEqual([]);
  });

  it('504, then 202 (the first had not gone out) → resolved once, exactly two /send POSTs', async () => {
    readWriteTokens();
    graph.sendReplies = [[504], [202]];
    const result = await mailer().send(message());
    expect(result.attempts).toBe(2);
    expect(graph.sends).toEqual(['draft-1', 'draft-1']);
  });

  it('both /send replies lost → DELIVERY_UNKNOWN, exactly two /send POSTs, the draft is left alone', async () => {
    readWriteTokens();
    graph.sendReplies = [[504], [502]];
    const err = (await rejectionOf(mailer().send(message()))) as MailerError;
    expect(err.code).toBe('DELIVERY_UNKNOWN');
    expect(err.retriable).toBe(false);
    expect(err.message).toMatch(/Sent Items/);
    expect(graph.sends).toEqual(['draft-1', 'draft-1']);
    expect(graph.deletes).toEqual([]);
  });
});

describe('cancellation during the upload', () => {
  it('aborting while a chunk is in flight → ABORTED promptly, the draft deleted once, no /send', async () => {
    readWriteTokens();
    // The second PUT's fault is chosen as it arrives: that is the moment to cancel.
    let secondArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (secondArrived = resolve));
    upload.fault = ({ index }) => {
      if (index !== 1) return 'ok';
      secondArrived();
      return 'hang';
    };
    const controller = new AbortController();
    const sending = mailer().send(message(), { signal: controller.signal });
    await arrived;
    const started = performance.now();
    controller.abort();
    const err = (await rejectionOf(sending)) as MailerError;
    expect(err.code).toBe('ABORTED');
    // Promptly: far below the 30 s time limit the hung PUT would otherwise wait for (generous for a busy machine).
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(graph.deletes).toEqual(['draft-1']);
    expect(graph.sends).toEqual([]);
    expect(upload.puts).toHaveLength(2);
  });
});

const stuckMessage = () => ({
  to: 'ann@contoso.com',
  subject: 'Spectra',
  text: 'Attached.',
  attachments: [{ filename: 'spectra.bin', content: BIG, contentType: 'application/octet-stream' }],
});

describe('an upload session that makes no progress', () => {
  it('answers every chunk 200 with the same nextExpectedRanges → a bounded number of PUTs, SERVICE_UNAVAILABLE, the draft deleted, no /send', async () => {
    readWriteTokens();
    upload.fault = () => 'stuck';
    const err = (await rejectionOf(mailer().send(stuckMessage()))) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(err.retriable).toBe(true);
    expect(err.message).toMatch(/spectra\.bin made no progress/);
    expect(err.message).toMatch(/not sent/);
    // The first chunk once plus its three retries: then it stops.
    expect(upload.puts).toHaveLength(4);
    expect(upload.puts.every((p) => p.contentRange === `bytes 0-${CHUNK - 1}/${LARGE}`)).toBe(true);
    expect(graph.deletes).toEqual(['draft-1']);
    expect(graph.sends).toEqual([]);
  });

  it('a session stuck on the second chunk still ends, within chunks × (retries + 1) PUTs', async () => {
    readWriteTokens();
    upload.fault = ({ start }) => (start === 0 ? 'ok' : 'stuck');
    const err = (await rejectionOf(mailer().send(stuckMessage()))) as MailerError;
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(upload.puts.length).toBeLessThanOrEqual(3 * 4);
    expect(graph.deletes).toEqual(['draft-1']);
    expect(graph.sends).toEqual([]);
  });

  it('the retry count starts again after each accepted chunk (docs/reliability.md): every chunk failing maxRetries times still uploads', async () => {
    readWriteTokens();
    // Each chunk: three 500s (= maxRetries), then accepted. Twelve PUTs in all, and the mail goes out.
    const failures = new Map<number, number>();
    upload.fault = ({ start }) => {
      const seen = failures.get(start) ?? 0;
      failures.set(start, seen + 1);
      return seen < 3 ? '500' : 'ok';
    };
    const result = await mailer().send(stuckMessage());
    expect(result.route).toBe('draft');
    expect(upload.puts).toHaveLength(12);
    expect(upload.mismatches).toEqual([]);
    expect(graph.sends).toEqual(['draft-1']);
    expect(graph.deletes).toEqual([]);
  });
});
