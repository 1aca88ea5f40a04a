import fc from 'fast-check';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, NESTED_CONFIG_KEYS } from '../../src/config/known-keys';
import { MailerError, O365OAuthMailer } from '../../src/index';
import { GRAPH, SEND_PATH, mailerConfig, tokenEndpoint, tokenReply } from '../helpers/microsoft';

/** Attacks through the shape of the caller's objects: inherited fields, getters and Proxies that throw, odd values. */
const made: O365OAuthMailer[] = [];
afterEach(async () => {
  for (const m of made.splice(0)) await m.close();
});
function mailer(config: unknown): O365OAuthMailer {
  const m = new O365OAuthMailer(config as never);
  made.push(m);
  return m;
}
function constructionError(config: unknown): MailerError {
  try {
    mailer(config);
  } catch (e) {
    expect(e).toBeInstanceOf(MailerError);
    return e as MailerError;
  }
  throw new Error('expected the constructor to throw');
}
async function sendError(m: O365OAuthMailer, message: unknown): Promise<MailerError> {
  const e = await m.send(message as never).then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(MailerError);
  return e as MailerError;
}
/** Captures the sendMail body. */
function graphAccepts(): { body?: { message: Record<string, unknown> } } {
  const seen: { body?: { message: Record<string, unknown> } } = {};
  tokenEndpoint().reply(200, tokenReply());
  nock(GRAPH)
    .post(SEND_PATH, (body) => ((seen.body = body as never), true))
    .reply(202);
  return seen;
}

describe('messages: only own properties are read', () => {
  it('JSON with a "__proto__" key merged by Object.assign cannot attach /etc/passwd', async () => {
    const polluted = Object.assign({}, JSON.parse('{"to":"ann@contoso.com","subject":"hi","text":"x","__proto__":{"attachments":[{"path":"/etc/passwd"}]}}'));
    expect((polluted as { attachments?: unknown }).attachments).toBeDefined(); // the attack is real: it is inherited
    const seen = graphAccepts();
    await mailer(mailerConfig()).send(polluted);
    expect(seen.body!.message).not.toHaveProperty('attachments');
    expect(JSON.stringify(seen.body)).not.toContain('root:');
  });

  it('an attachment inheriting `path` from its prototype sends its own content, not the file', async () => {
    const attachment = Object.assign(Object.create({ path: '/etc/passwd' }), { filename: 'note.txt', content: 'mine' });
    const seen = graphAccepts();
    await mailer(mailerConfig()).send({ to: 'ann@contoso.com', text: 'x', attachments: [attachment] });
    const sent = (seen.body!.message.attachments as Array<{ contentBytes: string }>)[0]!;
    expect(Buffer.from(sent.contentBytes, 'base64').toString()).toBe('mine');
  });

  it('a throwing getter, a throwing Proxy, a BigInt, a Symbol, a cycle → MESSAGE_INVALID naming the field, before any request', async () => {
    const m = mailer(mailerConfig());
    const getter = { to: 'ann@contoso.com', text: 'x', get subject(): string { throw new TypeError('boom'); } };
    expect(await sendError(m, getter)).toMatchObject({ code: 'MESSAGE_INVALID', message: expect.stringContaining('`message.subject` threw when read (boom)') });
    const proxy = new Proxy({ to: 'ann@contoso.com' }, { ownKeys() { throw new Error('trap'); } });
    expect(await sendError(m, proxy)).toMatchObject({ code: 'MESSAGE_INVALID', message: expect.stringContaining('`message` could not be read (trap)') });
    expect(await sendError(m, { to: 'ann@contoso.com', text: 'x', priority: 10n })).toMatchObject({ code: 'MESSAGE_INVALID', message: expect.stringContaining('`message.priority` is a bigint') });
    expect(await sendError(m, { to: 'ann@contoso.com', text: 'x', subject: Symbol('s') })).toMatchObject({ code: 'MESSAGE_INVALID' });
    const cyclic: Record<string, unknown> = { to: 'ann@contoso.com', text: 'x' };
    cyclic.headers = { 'X-Loop': cyclic };
    expect(await sendError(m, cyclic)).toMatchObject({ code: 'MESSAGE_INVALID', message: expect.stringContaining('nested more than') });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(await sendError(m, revoked.proxy)).toMatchObject({ code: 'MESSAGE_INVALID' });
  });
});

describe('configuration: only own properties are read, and every refusal is CONFIG_INVALID', () => {
  it('an inherited `cloud` is not used: the mailer talks to the global cloud', () => {
    const config = Object.assign(Object.create({ cloud: { authorityHost: 'https://evil.example', graphEndpoint: 'https://evil.example' } }), mailerConfig());
    expect(mailer(config).toJSON().cloud).toBe('global');
  });

  it('an inherited clientSecret does not count', () => {
    const { clientSecret, ...rest } = mailerConfig();
    const config = Object.assign(Object.create({ clientSecret }), rest);
    expect(constructionError(config)).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('`clientSecret` is missing') });
  });

  it('a null-prototype config works', () => {
    expect(mailer(Object.assign(Object.create(null), mailerConfig())).sender).toBe('lab@contoso.com');
  });

  it.each([
    ['a BigInt', { timeoutMs: 10n }, '`config.timeoutMs` is a bigint'],
    ['a Symbol', { authType: Symbol('oauth2') }, '`config.authType` is a symbol'],
    ['a BigInt nested', { retry: { maxRetries: 1n } }, '`config.retry.maxRetries` is a bigint'],
    ['a null-prototype value', { authType: Object.create(null) }, '`authType`'],
  ])('%s → CONFIG_INVALID naming the field', (_what, overrides, text) => {
    expect(constructionError(mailerConfig(overrides)).message).toContain(text);
  });

  it('a throwing getter and a throwing Proxy → CONFIG_INVALID naming the field', () => {
    const getter = Object.defineProperty(mailerConfig(), 'tenantId', { enumerable: true, get: () => { throw new Error('vault offline'); } });
    expect(constructionError(getter)).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('`config.tenantId` threw when read (vault offline)') });
    const proxy = new Proxy(mailerConfig(), { getOwnPropertyDescriptor() { throw new Error('trap'); } });
    expect(constructionError(proxy).code).toBe('CONFIG_INVALID');
    const logger = new Proxy({}, { get() { throw new Error('no logger'); } });
    expect(constructionError(mailerConfig({ logger })).message).toContain('`logger.debug` threw when read');
  });
});

/** Any JS value, including the ones JSON cannot hold. */
const weird = fc.oneof(
  fc.anything({ withBigInt: true, withNullPrototype: true, withMap: true, withSet: true, withTypedArray: true, withDate: true, withBoxedValues: true, withSparseArray: true }),
  fc.constant(Symbol('x')),
  fc.constant(() => 'fn'),
);

describe('fuzzing: the constructor and send() throw MailerError or nothing', () => {
  it('config objects with arbitrary values in every field', () => {
    const fields = ['authType', 'tenantId', 'clientId', 'clientSecret', 'sender', 'cloud', 'tls', 'proxy', 'timeoutMs', 'retry', 'logger', 'tokenCache', 'secretStore', 'secretName', 'secretExpiresAt', 'saveToSentItems', 'maxConcurrency'];
    fc.assert(
      fc.property(fc.subarray(fields, { minLength: 1 }), fc.array(weird, { minLength: 17, maxLength: 17 }), fc.boolean(), (keys, values, nullProto) => {
        const config: Record<string, unknown> = nullProto ? Object.create(null) : {};
        Object.assign(config, mailerConfig());
        keys.forEach((k, i) => (config[k] = values[i]));
        try {
          new O365OAuthMailer(config as never).close();
        } catch (e) {
          expect(e).toBeInstanceOf(MailerError);
          expect((e as MailerError).code).toBe('CONFIG_INVALID');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every configuration key (the list the validator checks against), top level and nested, with arbitrary values', () => {
    // CONFIG_KEYS grows with each new setting (credentials, telemetry…): they are all fuzzed without editing this test.
    const nested = Object.entries(NESTED_CONFIG_KEYS).flatMap(([parent, keys]) => keys.map((k) => [parent, k] as const));
    fc.assert(
      fc.property(
        fc.subarray([...CONFIG_KEYS], { minLength: 1, maxLength: 4 }),
        fc.subarray(nested, { maxLength: 3 }),
        fc.array(weird, { minLength: 7, maxLength: 7 }),
        (keys, inner, values) => {
          const config: Record<string, unknown> = { ...mailerConfig() };
          keys.forEach((k, i) => (config[k] = values[i]));
          inner.forEach(([parent, k], i) => (config[parent] = { [k]: values[4 + i] }));
          try {
            new O365OAuthMailer(config as never).close();
          } catch (e) {
            expect(e).toBeInstanceOf(MailerError);
            expect((e as MailerError).code).toBe('CONFIG_INVALID');
            expect((e as MailerError).fix).toEqual(expect.any(String));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('send options with arbitrary values (a refused message or an aborted signal keeps it from the network)', async () => {
    const m = mailer(mailerConfig());
    await fc.assert(
      fc.asyncProperty(fc.subarray(['signal', 'onProgress', 'disableFileAccess'], { minLength: 1 }), fc.array(weird, { minLength: 3, maxLength: 3 }), async (keys, values) => {
        const options: Record<string, unknown> = {};
        keys.forEach((k, i) => (options[k] = values[i]));
        // An invalid message: whatever the options, nothing may leave, and the failure is a MailerError.
        const e = await m.send({ to: 'not an address' } as never, options as never).then(() => undefined, (err: unknown) => err);
        expect(e).toBeInstanceOf(MailerError);
        expect(['MESSAGE_INVALID', 'CONFIG_INVALID', 'ABORTED']).toContain((e as MailerError).code);
      }),
      { numRuns: 300 },
    );
  });

  it('messages with arbitrary values in every field (cancelled before sending: no request is made)', async () => {
    const m = mailer(mailerConfig());
    const fields = ['to', 'cc', 'bcc', 'replyTo', 'from', 'subject', 'text', 'html', 'headers', 'attachments', 'importance'];
    const signal = AbortSignal.abort();
    await fc.assert(
      fc.asyncProperty(fc.subarray(fields, { minLength: 1 }), fc.array(weird, { minLength: 11, maxLength: 11 }), async (keys, values) => {
        const message: Record<string, unknown> = { to: 'ann@contoso.com', text: 'x' };
        keys.forEach((k, i) => (message[k] = values[i]));
        const e = await m.send(message as never, { signal }).then(() => undefined, (err: unknown) => err);
        expect(e).toBeInstanceOf(MailerError);
        expect(['MESSAGE_INVALID', 'ABORTED']).toContain((e as MailerError).code);
      }),
      { numRuns: 300 },
    );
  });
});
