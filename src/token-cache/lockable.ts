import type { TokenCache } from './token-cache';

/**
 * A {@link TokenCache} that can also hold a lock on a key, so that only one of the mailers sharing it (in this
 * process or, for file and Redis caches, in other processes) requests a token at a time. Wrap the token
 * acquisition in `lock(partitionKey, ...)`: the others wait, then find the token in the cache.
 *
 * The lock is advisory and bounded: if it cannot be had in time (a holder hung or crashed), `fn` runs anyway, so a
 * lock problem costs at most an extra token request, never a failed send.
 *
 * @example
 * ```ts
 * const result = await withTokenCacheLock(cache, partitionKey, () => app.acquireTokenByClientCredential({ scopes }))
 * ```
 */
export interface LockableTokenCache extends TokenCache {
  /** Runs `fn` while holding the lock for `key`, and resolves with its result. */
  lock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * True when `cache` offers {@link LockableTokenCache.lock}.
 *
 * @example
 * ```ts
 * if (isLockableTokenCache(cache)) await cache.lock(key, acquire)
 * ```
 */
export function isLockableTokenCache(cache: TokenCache): cache is LockableTokenCache {
  return typeof (cache as Partial<LockableTokenCache>).lock === 'function';
}

/**
 * Runs `fn` under `cache.lock(key)` when the cache has one, otherwise runs it directly.
 *
 * @example
 * ```ts
 * const token = await withTokenCacheLock(cache, `${clientId}.${tenantId}`, () => app.acquireTokenByClientCredential({ scopes }))
 * ```
 */
export function withTokenCacheLock<T>(cache: TokenCache, key: string, fn: () => Promise<T>): Promise<T> {
  return isLockableTokenCache(cache) ? cache.lock(key, fn) : fn();
}
