import { Redis } from 'ioredis';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { MailerError, O365OAuthMailer, RedisTokenCache } from '../../src/index';
import { startRedis, type RedisServer } from '../helpers/redis';

/** The attacks: a Redis that died behind a caller's client, and a Redis whose password must never be printed. */
const PASSWORD = 'redis-Pa55word-0f-the-cache';
const WRONG = 'old-redis-password-still-secret';

function requireRedis(server: RedisServer): asserts server is Extract<RedisServer, { url: string }> {
  if ('skipReason' in server) throw new Error(`Redis is required for these tests: ${server.skipReason}`);
}

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

function printed(value: unknown): string {
  const error = value as Error & { cause?: unknown };
  return [inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value), error?.stack, inspect(error?.cause, { depth: 10, showHidden: true })].join('\n');
}

describe('a dead Redis behind a caller-supplied client', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    if ('stop' in redis) await redis.stop();
  });

  it('send() does not wait for ioredis to reconnect: one bounded wait, a warning, then a direct token request; the next send does not wait', async () => {
    requireRedis(redis);
    // ioredis's defaults: commands queue while it reconnects, 20 retries each.
    const client = new Redis(redis.url);
    client.on('error', () => {});
    await client.ping();
    await redis.stop();
    const warnings: string[] = [];
    const cache = new RedisTokenCache({ client });
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ tokenCache: cache, timeoutMs: 2000, logger: { warn: (m, d) => warnings.push(`${m} ${JSON.stringify(d)}`) } }));
    const started = performance.now();
    const result = await mailer.send({ to: 'qa@contoso.com', subject: 'redis is down', text: 'x' });
    const firstMs = performance.now() - started;
    expect(result.accepted).toEqual(['qa@contoso.com']);
    expect(emulator.tokenRequests).toBe(1);
    // The cache's limit is a quarter of timeoutMs (500 ms): the lock wait times out once, then the cache is left alone.
    expect(warnings.filter((w) => /did not answer/.test(w))).toHaveLength(1);
    expect(firstMs).toBeLessThan(10_000);
    await mailer.send({ to: 'qa@contoso.com', subject: 'still down', text: 'x' });
    expect(emulator.messages.map((m) => m.subject)).toEqual(['redis is down', 'still down']);
    expect(warnings.filter((w) => /did not answer/.test(w))).toHaveLength(1);
    await mailer.close();
    client.disconnect();
  });
});

describe('a Redis with a password (redis-server --requirepass)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis(5000, ['--requirepass', PASSWORD]);
  });
  afterAll(async () => {
    if ('stop' in redis) await redis.stop();
  });

  it('the right password in the URL works', async () => {
    requireRedis(redis);
    const cache = new RedisTokenCache({ url: redis.url.replace('redis://', `redis://:${PASSWORD}@`) });
    await cache.set('k', 'v', 60);
    expect(await cache.get('k')).toBe('v');
    expect(printed(cache)).not.toContain(PASSWORD);
    await cache.close();
  });

  it('a refused password: rejections and onError errors are MailerErrors that never print it (ioredis keeps AUTH args on its errors)', async () => {
    requireRedis(redis);
    const reported: unknown[] = [];
    const cache = new RedisTokenCache({ url: redis.url.replace('redis://', `redis://:${WRONG}@`), onError: (e) => reported.push(e) });
    const err = await cache.get('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailerError);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((err as MailerError).message).toMatch(/Redis refused the token cache's credentials/);
    expect(printed(err)).not.toContain(WRONG);
    for (const e of reported) {
      expect(e).toBeInstanceOf(MailerError);
      expect(printed(e)).not.toContain(WRONG);
    }
    await cache.close();
  });

  it('a mailer with that cache still sends, and nothing it logs carries the password', async () => {
    requireRedis(redis);
    const lines: string[] = [];
    const log = (m: string, d?: unknown) => lines.push(`${m} ${inspect(d, { depth: 10 })}`);
    const cache = new RedisTokenCache({ url: redis.url.replace('redis://', `redis://:${WRONG}@`), onError: (e) => lines.push(printed(e)) });
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ tokenCache: cache, logger: { warn: log, info: log, error: log, debug: log } }));
    await mailer.send({ to: 'qa@contoso.com', subject: 'despite redis', text: 'x' });
    expect(emulator.messages).toHaveLength(1);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(WRONG);
    await mailer.close();
    await cache.close();
  });
});
