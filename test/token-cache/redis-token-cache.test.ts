import { Redis } from 'ioredis';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTokenCache, withTokenCacheLock } from '../../src/token-cache/index';
import { startRedis, type RedisServer } from '../helpers/redis';
import { PARTITION_KEY, SCOPE, createApp, createFakeEntra, fakeJwt } from './fake-entra';

const server: RedisServer = await startRedis();
const skipReason = 'skipReason' in server ? server.skipReason : undefined;
if (skipReason) {
  if (process.env.CI) throw new Error(`RedisTokenCache tests need redis-server in CI: ${skipReason}`);
  console.warn(`\n⚠️  Skipping RedisTokenCache tests against a real Redis: ${skipReason}. Install redis-server to run them.\n`);
}
const url = 'url' in server ? server.url : '';
const request = { scopes: [SCOPE] };

describe.skipIf(skipReason !== undefined)('RedisTokenCache against a real redis-server', () => {
  let admin: Redis;
  const caches: RedisTokenCache[] = [];
  const byUrl = (keyPrefix?: string) => {
    const cache = new RedisTokenCache({ url, ...(keyPrefix ? { keyPrefix } : {}) });
    caches.push(cache);
    return cache;
  };

  beforeAll(() => {
    admin = new Redis(url, { lazyConnect: false });
  });

  afterAll(async () => {
    await Promise.all(caches.map((c) => c.close()));
    await admin?.quit();
    if ('stop' in server) await server.stop();
  });

  it('sets, gets and deletes under the key prefix, with EX from ttlSeconds', async () => {
    const cache = byUrl('test:basic:');
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', 'v', 120);
    expect(await cache.get('k')).toBe('v');
    expect(await admin.get('test:basic:k')).toBe('v');
    const ttl = await admin.ttl('test:basic:k');
    expect(ttl).toBeGreaterThan(115);
    expect(ttl).toBeLessThanOrEqual(120);
    await cache.set('forever', 'v');
    expect(await admin.ttl('test:basic:forever')).toBe(-1);
    await cache.delete('k');
    expect(await cache.get('k')).toBeUndefined();
  });

  it('the msal cache is stored with a TTL taken from the token expiry', async () => {
    const entra = createFakeEntra({ expiresIn: 3599 });
    const cache = byUrl('test:ttl:');
    await createApp(cache, entra).app.acquireTokenByClientCredential(request);
    const ttl = await admin.ttl(`test:ttl:${PARTITION_KEY}`);
    expect(ttl).toBeGreaterThan(3590);
    expect(ttl).toBeLessThanOrEqual(3599);
    expect(JSON.parse((await admin.get(`test:ttl:${PARTITION_KEY}`))!).AccessToken).toBeTypeOf('object');
  });

  it('two mailers (each with its own client and msal app) make one token request', async () => {
    const entra = createFakeEntra();
    const first = await createApp(byUrl('test:share:'), entra).app.acquireTokenByClientCredential(request);
    const second = await createApp(byUrl('test:share:'), entra).app.acquireTokenByClientCredential(request);
    expect(entra.tokenRequests).toBe(1);
    expect(second?.accessToken).toBe(first?.accessToken);
    expect(second?.fromCache).toBe(true);
  });

  it('concurrent cold mailers under plugin.withLock() (a Redis lock) make one token request', async () => {
    const entra = createFakeEntra({ tokenDelayMs: 100 });
    const mailers = [byUrl('test:lock:'), byUrl('test:lock:'), byUrl('test:lock:')].map((cache) => createApp(cache, entra));
    const results = await Promise.all(mailers.map(({ app, plugin }) => plugin.withLock(() => app.acquireTokenByClientCredential(request))));
    expect(entra.tokenRequests).toBe(1);
    expect(new Set(results.map((r) => r?.accessToken)).size).toBe(1);
    expect(await admin.exists(`test:lock:${PARTITION_KEY}:lock`)).toBe(0);
  });

  it('accepts an existing client and leaves it open on close()', async () => {
    const client = new Redis(url);
    try {
      const cache = new RedisTokenCache({ client, keyPrefix: 'test:client:' });
      await cache.set('k', 'v', 30);
      expect(await cache.get('k')).toBe('v');
      await cache.close();
      expect(await client.ping()).toBe('PONG');
    } finally {
      await client.quit();
    }
  });

  it('is safe to print', async () => {
    const token = fakeJwt(7);
    const cache = byUrl('test:print:');
    await cache.set('k', token, 30);
    await cache.get('k');
    for (const printed of [inspect(cache, { showHidden: true, depth: 10 }), JSON.stringify(cache)]) {
      expect(printed).not.toContain(token);
      expect(printed).not.toContain(url);
    }
    expect(JSON.parse(JSON.stringify(cache))).toEqual({ kind: 'RedisTokenCache', keyPrefix: 'test:print:' });
  });
});

describe('RedisTokenCache without a server', () => {
  it('an unreachable Redis makes cache calls fail fast, and the plugin still gets a token', async () => {
    const errors: unknown[] = [];
    const cache = new RedisTokenCache({ url: 'redis://127.0.0.1:1/0', commandTimeoutMs: 300, onError: (e) => errors.push(e) });
    try {
      const entra = createFakeEntra();
      const started = Date.now();
      const result = await withTokenCacheLock(cache, PARTITION_KEY, () =>
        createApp(cache, entra, { onError: (e) => errors.push(e) }).app.acquireTokenByClientCredential(request),
      );
      expect(result?.accessToken).toBe(entra.issued[0]);
      expect(errors.length).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await cache.close();
    }
  });

  it('needs a client or a url', () => {
    expect(() => new RedisTokenCache({} as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
