import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeLogger } from '../../src/config/safe-logger';
import { MailerError, O365OAuthMailer, type Logger } from '../../src/index';
import { GRAPH, SECRET, SEND_PATH, fakeJwt, graphError, mailerConfig, tokenEndpoint, tokenReply } from '../helpers/microsoft';
import { DraftGraph, UploadServer, readWriteTokens } from '../reliability/draft-fakes';

/** Attacks by the caller's own code: a logger or callback that throws must never change what is sent. */
const throwing: Logger = {
  debug: () => {
    throw new Error('debug broke');
  },
  info: () => {
    throw new Error('info broke');
  },
  warn: () => {
    throw new Error('warn broke');
  },
  error: () => {
    throw new Error('error broke');
  },
};
const rejecting: Logger = { warn: async () => Promise.reject(new Error('async logger broke')), info: async () => Promise.reject(new Error('async')) };

const made: O365OAuthMailer[] = [];
afterEach(async () => {
  for (const m of made.splice(0)) await m.close();
});
function mailer(overrides: Record<string, unknown> = {}): O365OAuthMailer {
  const m = new O365OAuthMailer(mailerConfig({ retry: { maxRetries: 3, maxDelayMs: 10 }, ...overrides }));
  made.push(m);
  return m;
}

describe('a logger whose methods throw', () => {
  it.each([
    ['throws', throwing],
    ['rejects', rejecting],
  ])('that %s during a 429 retry: the retry goes on, the mail is accepted once, send() resolves', async (_how, logger) => {
    tokenEndpoint().reply(200, tokenReply());
    let posts = 0;
    nock(GRAPH)
      .post(SEND_PATH)
      .times(3)
      .reply(() => (++posts < 3 ? [429, graphError('ApplicationThrottled', 'slow down'), { 'Retry-After': '0' }] : [202, '', { 'request-id': 'r-3' }]));
    const result = await mailer({ logger }).send({ to: 'ann@contoso.com', subject: 'Report', text: 'x' });
    expect(result).toMatchObject({ accepted: ['ann@contoso.com'], attempts: 3, requestId: 'r-3' });
    expect(posts).toBe(3);
  });

  describe('on the draft route', () => {
    let upload: UploadServer;
    let graph: DraftGraph;
    beforeEach(async () => {
      upload = await new UploadServer().listen();
      graph = new DraftGraph(upload);
    });
    afterEach(async () => {
      await upload.close();
    });
    const big = () => ({ to: 'ann@contoso.com', text: 'x', attachments: [{ filename: 'big.bin', content: Buffer.alloc(5 * 1024 * 1024, 1) }] });

    it('…the lost /send answer is still confirmed (504, then 404): resolved, two /send POSTs, no DELETE', async () => {
      readWriteTokens();
      graph.sendReplies = [[504, graphError('GatewayTimeout', 'late')], [404, graphError('ErrorItemNotFound', 'gone')]];
      const result = await mailer({ logger: throwing }).send(big());
      expect(result.attempts).toBe(2);
      expect(graph.sends).toEqual(['draft-1', 'draft-1']);
      expect(graph.deletes).toEqual([]);
    });

    it('an onProgress that throws is called no more; the upload and the send go on, once', async () => {
      readWriteTokens();
      const warnings: string[] = [];
      let calls = 0;
      const result = await mailer({ logger: { warn: (m: string) => warnings.push(m) } }).send(big(), {
        onProgress: () => {
          calls++;
          throw new Error('progress bar broke');
        },
      });
      expect(result.route).toBe('draft');
      expect(calls).toBe(1);
      expect(graph.sends).toEqual(['draft-1']);
      expect(upload.puts).toHaveLength(2);
      expect(warnings.some((w) => /onProgress threw/.test(w))).toBe(true);
    });
  });
});

describe('custom secret stores', () => {
  const { clientSecret: _omit, ...withoutSecret } = mailerConfig();
  it('a store that never answers → TIMEOUT (retriable) after timeoutMs, no request', async () => {
    const store = { get: () => new Promise<string>(() => {}), set: async () => {}, delete: async () => {} };
    const m = new O365OAuthMailer({ ...withoutSecret, secretStore: store, timeoutMs: 200 });
    made.push(m);
    const err = await m.send({ to: 'ann@contoso.com', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailerError);
    expect(err).toMatchObject({ code: 'TIMEOUT', retriable: true });
    expect((err as MailerError).message).toMatch(/secret store did not answer within 200 ms/);
  });

  it.each([
    ['rejects with a TypeError', async () => Promise.reject(new TypeError('backend said no'))],
    ['throws synchronously', () => {
      throw new RangeError('backend said no');
    }],
  ])('a store that %s → SECRET_STORE_LOCKED carrying its message', async (_how, get) => {
    const m = new O365OAuthMailer({ ...withoutSecret, secretStore: { get, set: async () => {}, delete: async () => {} } as never });
    made.push(m);
    const err = (await m.send({ to: 'ann@contoso.com', text: 'x' }).catch((e: unknown) => e)) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('SECRET_STORE_LOCKED');
    expect(err.message).toContain('backend said no');
  });
});

describe('safeLogger', () => {
  it('scrubs secrets, tokens, bearer headers and upload URLs from details as well as the message', () => {
    const lines: Array<[string, unknown]> = [];
    const log = safeLogger({ warn: (m: string, d?: unknown) => lines.push([m, d]) }, () => [SECRET]);
    const jwt = fakeJwt();
    log.warn?.(`secret ${SECRET}`, {
      secret: SECRET,
      nested: { header: `Bearer ${jwt}`, url: 'https://up.example/s?authtoken=abc123&x=1', list: [jwt] },
    });
    const printed = JSON.stringify(lines);
    for (const leak of [SECRET, jwt, 'abc123']) expect(printed).not.toContain(leak);
    expect(printed).toContain('[REDACTED]');
  });

  it('details JSON cannot hold (a BigInt, a cycle) are printed by inspect, still scrubbed, and never throw', () => {
    const lines: unknown[] = [];
    const log = safeLogger({ info: (_m: string, d?: unknown) => lines.push(d) }, () => [SECRET]);
    const cyclic: Record<string, unknown> = { secret: SECRET, n: 10n };
    cyclic.self = cyclic;
    expect(() => log.info?.('x', cyclic)).not.toThrow();
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(JSON.stringify(lines)).toContain('10n');
  });
});
