import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { MemoryTokenCache } from '../../src/token-cache/memory-token-cache';
import { withTokenCacheLock } from '../../src/token-cache/lockable';
import type { TokenCache } from '../../src/token-cache/token-cache';
import { PARTITION_KEY, SCOPE, countingCache, createApp, createFakeEntra } from './fake-entra';

const request = { scopes: [SCOPE] };

describe('createCachePlugin with real msal-node', () => {
  it('two apps sharing one MemoryTokenCache make one token request between them', async () => {
    const entra = createFakeEntra();
    const cache = countingCache(new MemoryTokenCache());
    const a = createApp(cache, entra);
    const b = createApp(cache, entra);

    const first = await a.app.acquireTokenByClientCredential(request);
    const second = await b.app.acquireTokenByClientCredential(request);

    expect(entra.tokenRequests).toBe(1);
    expect(first?.accessToken).toBe(entra.issued[0]);
    expect(second?.accessToken).toBe(entra.issued[0]);
    expect(second?.fromCache).toBe(true);
    expect(cache.calls.set).toBe(1);
    expect(entra.metadataRequests).toBeGreaterThanOrEqual(1); // the OpenID configuration GET went to the fake
  });

  it('a warm acquisition on the same app does not call cache.get again', async () => {
    const entra = createFakeEntra();
    const cache = countingCache(new MemoryTokenCache());
    const { app } = createApp(cache, entra);

    await app.acquireTokenByClientCredential(request);
    const getsAfterFirst = cache.calls.get;
    const warm = await app.acquireTokenByClientCredential(request);
    const warmer = await app.acquireTokenByClientCredential(request);

    expect(warm?.fromCache).toBe(true);
    expect(warmer?.accessToken).toBe(entra.issued[0]);
    expect(cache.calls.get).toBe(getsAfterFirst);
    expect(entra.tokenRequests).toBe(1);
  });

  it('a second app reads the shared cache once, then serves from its local copy', async () => {
    const entra = createFakeEntra();
    const cache = countingCache(new MemoryTokenCache());
    await createApp(cache, entra).app.acquireTokenByClientCredential(request);
    const { app } = createApp(cache, entra);
    const before = cache.calls.get;
    await app.acquireTokenByClientCredential(request);
    expect(cache.calls.get).toBe(before + 1);
    await app.acquireTokenByClientCredential(request);
    expect(cache.calls.get).toBe(before + 1);
    expect(entra.tokenRequests).toBe(1);
  });

  it('stores the cache with a TTL taken from the access token expiry', async () => {
    const entra = createFakeEntra({ expiresIn: 3599 });
    const set = vi.fn<TokenCache['set']>(async () => undefined);
    const cache: TokenCache = { get: async () => undefined, set };
    await createApp(cache, entra).app.acquireTokenByClientCredential(request);
    expect(set).toHaveBeenCalledTimes(1);
    const [key, value, ttl] = set.mock.calls[0]!;
    expect(key).toBe(PARTITION_KEY);
    expect(JSON.parse(value).AccessToken).toBeTypeOf('object');
    expect(ttl).toBeGreaterThanOrEqual(3590);
    expect(ttl).toBeLessThanOrEqual(3599);
  });

  it('goes back to the shared cache when the local token is within 5 minutes of expiry', async () => {
    const entra = createFakeEntra();
    const cache = countingCache(new MemoryTokenCache());
    let now = Date.now();
    const { app } = createApp(cache, entra, { now: () => now });
    await app.acquireTokenByClientCredential(request);
    const gets = cache.calls.get;
    now += (3599 - 299) * 1000; // 4m59s left: msal-node would refresh, so another process may have a newer token
    await app.acquireTokenByClientCredential(request);
    expect(cache.calls.get).toBe(gets + 1);
  });

  it('concurrent cold acquisitions under plugin.withLock make one token request', async () => {
    const entra = createFakeEntra({ tokenDelayMs: 50 });
    const cache = new MemoryTokenCache();
    const apps = [createApp(cache, entra), createApp(cache, entra), createApp(cache, entra)];
    const results = await Promise.all(apps.map(({ app, plugin }) => plugin.withLock(() => app.acquireTokenByClientCredential(request))));
    expect(entra.tokenRequests).toBe(1);
    expect(new Set(results.map((r) => r?.accessToken)).size).toBe(1);
    // withTokenCacheLock gives the same with the partition key.
    const more = createApp(cache, entra);
    await withTokenCacheLock(cache, PARTITION_KEY, () => more.app.acquireTokenByClientCredential(request));
    expect(entra.tokenRequests).toBe(1);
  });

  it('withLock() skips the lock while the local copy is warm, and survives a failing lock', async () => {
    const entra = createFakeEntra();
    const inner = new MemoryTokenCache();
    const lock = vi.fn(<T>(key: string, fn: () => Promise<T>) => inner.lock(key, fn));
    const cache = { get: (k: string) => inner.get(k), set: (k: string, v: string, ttl?: number) => inner.set(k, v, ttl), lock };
    const { app, plugin } = createApp(cache, entra);
    expect(plugin.warm).toBe(false);
    await plugin.withLock(() => app.acquireTokenByClientCredential(request));
    expect(lock).toHaveBeenCalledTimes(1);
    expect(plugin.warm).toBe(true);
    await plugin.withLock(() => app.acquireTokenByClientCredential(request));
    expect(lock).toHaveBeenCalledTimes(1);

    const onError = vi.fn();
    const plain = new MemoryTokenCache();
    const broken = { get: (k: string) => plain.get(k), set: (k: string, v: string, ttl?: number) => plain.set(k, v, ttl), lock: async () => Promise.reject(new Error('lock down')) };
    const other = createApp(broken, entra, { onError });
    const result = await other.plugin.withLock(() => other.app.acquireTokenByClientCredential(request));
    expect(result?.accessToken).toBeTruthy();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'lock down' }));
  });

  it('errors of the external cache are reported and never fail the acquisition', async () => {
    const entra = createFakeEntra();
    const onError = vi.fn();
    const broken: TokenCache = {
      get: async () => {
        throw new Error('cache down');
      },
      set: async () => {
        throw new Error('cache down');
      },
    };
    const { app } = createApp(broken, entra, { onError });
    const result = await app.acquireTokenByClientCredential(request);
    expect(result?.accessToken).toBe(entra.issued[0]);
    expect(onError).toHaveBeenCalled();
    // The local copy still spares msal-node a second request.
    await app.acquireTokenByClientCredential(request);
    expect(entra.tokenRequests).toBe(1);
  });

  it('garbage in the external cache is reported, not thrown', async () => {
    const entra = createFakeEntra();
    const onError = vi.fn();
    const cache = new MemoryTokenCache();
    await cache.set(PARTITION_KEY, '{not json', 60);
    const result = await createApp(cache, entra, { onError }).app.acquireTokenByClientCredential(request);
    expect(result?.accessToken).toBe(entra.issued[0]);
    expect(onError).toHaveBeenCalled();
  });

  it('invalidate() makes the next acquisition read the shared cache', async () => {
    const entra = createFakeEntra();
    const cache = countingCache(new MemoryTokenCache());
    const { app, plugin } = createApp(cache, entra);
    expect(plugin.partitionKey).toBe(PARTITION_KEY);
    await app.acquireTokenByClientCredential(request);
    const gets = cache.calls.get;
    plugin.invalidate();
    await app.acquireTokenByClientCredential(request);
    expect(cache.calls.get).toBe(gets + 1);
  });

  it('never prints the cached token', async () => {
    const entra = createFakeEntra();
    const cache = new MemoryTokenCache();
    const { app, plugin } = createApp(cache, entra);
    await app.acquireTokenByClientCredential(request);
    const token = entra.issued[0]!;
    for (const printed of [inspect(plugin, { showHidden: true, depth: 10 }), JSON.stringify(plugin), inspect(cache, { showHidden: true }), JSON.stringify(cache)]) {
      expect(printed).not.toContain(token);
      expect(printed).not.toContain(token.split('.')[1]);
    }
  });
});
