import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import { callUser as call, TIMED_OUT, within } from '../reliability/user-code';
import { withTokenCacheLock } from '../token-cache/lockable';
import type { TokenCache } from '../token-cache/token-cache';
import { INSPECT_CUSTOM } from '../runtime/node-builtins';

/** msal-node asks for a new token this long before the current one expires; the local copy is trusted until then. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * Options of {@link createCachePlugin}.
 *
 * @example
 * ```ts
 * const options: CachePluginOptions = { onError: (e) => logger.warn?.('token cache unavailable', e) }
 * ```
 */
export interface CachePluginOptions {
  /** The clock, in epoch milliseconds. @default Date.now */
  now?: () => number;
  /**
   * Called with every error of the external cache (and unreadable cache contents). They never fail a token
   * request: msal-node falls back to its own memory and, at worst, requests a token from Entra ID.
   */
  onError?: (error: unknown) => void;
  /**
   * The longest any one call into the external cache (`get`, `set`, or waiting for `lock`) may take. A call that
   * takes longer is abandoned (its result ignored), the acquisition goes on without the cache, and the cache is
   * left alone for {@link CachePluginOptions.cooldownMs}, so an unreachable cache (Redis down behind an ioredis
   * client that queues commands while it reconnects) costs one such wait, not one per call.
   * @default Infinity
   */
  timeoutMs?: number;
  /** How long the cache is left alone after a call timed out. @default 30000 */
  cooldownMs?: number;
}

/** The external cache did not answer in time. */
class CacheTimeoutError extends Error {
  override readonly name = 'CacheTimeoutError';
}

/**
 * What {@link createCachePlugin} returns: msal-node's `ICachePlugin` plus a way to forget the local copy.
 *
 * @example
 * ```ts
 * const plugin: MailerCachePlugin = createCachePlugin(cache, `${clientId}.${tenantId}`)
 * plugin.invalidate() // the next acquisition reads the shared cache again
 * ```
 */
export interface MailerCachePlugin extends ICachePlugin {
  /** The key this plugin reads and writes in the external cache. */
  readonly partitionKey: string;
  /** Forgets the local copy, so that the next acquisition reads the external cache. */
  invalidate(): void;
  /**
   * True while the local copy holds an access token msal-node will use as it is (more than 5 minutes left, not past
   * its `refresh_on`): an acquisition now makes no token request and does not read the external cache.
   */
  readonly warm: boolean;
  /**
   * Runs a token acquisition so that mailers sharing the cache make one token request between them: when the local
   * copy is {@link MailerCachePlugin.warm} it just runs `fn`; otherwise it runs `fn` under the cache's
   * `lock(partitionKey)` when the cache has one (see `LockableTokenCache`), so the others wait and then find the
   * new token in the cache. Lock problems never fail `fn`.
   */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
}

interface SerializedAccessToken {
  expires_on?: string | number;
  refresh_on?: string | number;
}

/** The access tokens' `expires_on` and `refresh_on` (epoch seconds) of a serialized msal-node cache. */
function accessTokenTimes(serialized: string): { expiresOn: number; refreshOn?: number }[] {
  try {
    const parsed = JSON.parse(serialized) as { AccessToken?: Record<string, SerializedAccessToken> };
    const out: { expiresOn: number; refreshOn?: number }[] = [];
    for (const token of Object.values(parsed?.AccessToken ?? {})) {
      const expiresOn = Number(token?.expires_on);
      if (!Number.isFinite(expiresOn)) continue;
      const refreshOn = Number(token?.refresh_on);
      out.push(Number.isFinite(refreshOn) && token?.refresh_on !== undefined ? { expiresOn, refreshOn } : { expiresOn });
    }
    return out;
  } catch {
    return [];
  }
}

class CachePlugin implements MailerCachePlugin {
  readonly #cache: TokenCache;
  readonly #partitionKey: string;
  readonly #now: () => number;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #timeoutMs: number;
  readonly #cooldownMs: number;
  /** Until when (epoch ms) the external cache is left alone after a call timed out. */
  #skipUntil = 0;
  /** The last serialized cache this process read or wrote: the shared cache is only asked when it is not enough. */
  #local: string | undefined;

  constructor(cache: TokenCache, partitionKey: string, options: CachePluginOptions) {
    this.#cache = cache;
    this.#partitionKey = partitionKey;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError;
    this.#timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
  }

  /** True while the cache is left alone after a time-out. */
  #skipping(): boolean {
    return this.#now() < this.#skipUntil;
  }

  #timedOut(what: string): void {
    this.#skipUntil = this.#now() + this.#cooldownMs;
    this.#report(
      new CacheTimeoutError(
        `The shared token cache did not answer ${what} within ${this.#timeoutMs} ms; going on without it for ${Math.round(this.#cooldownMs / 1000)} s.`,
      ),
    );
  }

  /** One call into the external cache, bounded by `timeoutMs`: `undefined` when it failed or timed out. */
  async #bounded<T>(what: string, fn: () => Promise<T> | T): Promise<{ value: T } | undefined> {
    if (this.#skipping()) return undefined;
    try {
      const result = await within(call(fn), this.#timeoutMs);
      if (result === TIMED_OUT) {
        this.#timedOut(what);
        return undefined;
      }
      return { value: result };
    } catch (error) {
      this.#report(error);
      return undefined;
    }
  }

  get partitionKey(): string {
    return this.#partitionKey;
  }

  invalidate(): void {
    this.#local = undefined;
  }

  get warm(): boolean {
    return this.#localIsWarm();
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#localIsWarm() || this.#skipping()) return fn();
    const lock: { state: 'waiting' | 'running' | 'abandoned' } = { state: 'waiting' };
    const locked = call(() =>
      withTokenCacheLock(this.#cache, this.#partitionKey, () => {
        // The lock came after this acquisition went on without it: release it at once.
        if (lock.state === 'abandoned') return Promise.resolve(undefined as T);
        lock.state = 'running';
        return fn();
      }),
    );
    let waited: T | typeof TIMED_OUT;
    try {
      waited = await within(locked, this.#timeoutMs);
    } catch (error) {
      if (lock.state === 'running') throw error;
      this.#report(error); // the lock itself failed: acquire without it
      return fn();
    }
    if (waited !== TIMED_OUT) return waited;
    if (lock.state === 'running') return locked; // fn holds the lock and is under way: its own limits apply
    lock.state = 'abandoned';
    locked.catch(() => undefined);
    this.#timedOut('the lock');
    return fn();
  }

  /** True when the local copy holds an access token msal-node will still use (not due for refresh). */
  #localIsWarm(): boolean {
    if (this.#local === undefined) return false;
    const nowMs = this.#now();
    return accessTokenTimes(this.#local).some(
      (t) => t.expiresOn * 1000 - nowMs > REFRESH_MARGIN_MS && (t.refreshOn === undefined || t.refreshOn * 1000 > nowMs),
    );
  }

  #report(error: unknown): void {
    try {
      this.#onError?.(error);
    } catch {
      /* a failing logger must not fail a token request either */
    }
  }

  #deserialize(context: TokenCacheContext, serialized: string): boolean {
    try {
      context.tokenCache.deserialize(serialized);
      return true;
    } catch (error) {
      this.#report(error);
      return false;
    }
  }

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    if (this.#local !== undefined && this.#localIsWarm()) {
      this.#deserialize(context, this.#local);
      return;
    }
    const shared = (await this.#bounded('a read', () => this.#cache.get(this.#partitionKey)))?.value;
    if (typeof shared === 'string' && shared.length > 0 && this.#deserialize(context, shared)) {
      this.#local = shared;
    } else if (this.#local !== undefined) {
      // The shared cache is empty or unreachable: keep what this process already has.
      this.#deserialize(context, this.#local);
    }
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    if (!context.cacheHasChanged) return;
    let serialized: string;
    try {
      serialized = context.tokenCache.serialize();
    } catch (error) {
      this.#report(error);
      return;
    }
    this.#local = serialized;
    const times = accessTokenTimes(serialized);
    const latest = times.length > 0 ? Math.max(...times.map((t) => t.expiresOn)) : undefined;
    const ttlSeconds = latest === undefined ? undefined : Math.floor(latest - this.#now() / 1000);
    if (ttlSeconds !== undefined && ttlSeconds <= 0) return;
    await this.#bounded('a write', () => this.#cache.set(this.#partitionKey, serialized, ttlSeconds));
  }

  toJSON(): Record<string, string> {
    return { kind: 'MailerCachePlugin', partitionKey: this.#partitionKey };
  }

  [INSPECT_CUSTOM](): string {
    return `MailerCachePlugin { partitionKey: ${JSON.stringify(this.#partitionKey)} }`;
  }
}

/**
 * Bridges a {@link TokenCache} to msal-node's cache plugin, so that every `ConfidentialClientApplication` given a
 * plugin for the same cache and partition key shares one token per lifetime.
 *
 * msal-node calls the plugin on every acquisition, cache hits included, so the plugin keeps a process-local copy
 * of the serialized cache: while that copy holds an access token valid for more than 5 minutes (and not past its
 * `refresh_on`), it is handed to msal-node without asking the external cache. Otherwise the external cache is read
 * (`cache.get(partitionKey)`). When msal-node changed the cache (a new token), it is written back with
 * `cache.set(partitionKey, serialized, ttlSeconds)`, the TTL being the longest-lived access token's remaining
 * lifetime. Errors of the external cache are passed to `onError` and otherwise ignored: they never fail a send.
 *
 * Use the partition key `<clientId>.<tenantId>` (msal-node's guidance for app tokens). The plugin is safe to
 * print: it never shows the cached tokens.
 *
 * Without a lock, mailers that start cold at the same moment may each request a token once (msal-node does not
 * coalesce); wrap acquisitions in {@link MailerCachePlugin.withLock} to make that one request between them when
 * the cache is lockable (`MemoryTokenCache`, `FileTokenCache`, `RedisTokenCache`).
 *
 * @example
 * ```ts
 * const cachePlugin = createCachePlugin(tokenCache, `${clientId}.${tenantId}`, { onError: (e) => logger.warn?.(e) })
 * const app = new ConfidentialClientApplication({ auth: { clientId, authority, clientSecret }, cache: { cachePlugin } })
 * const result = await cachePlugin.withLock(() => app.acquireTokenByClientCredential({ scopes }))
 * ```
 */
export function createCachePlugin(
  cache: TokenCache,
  partitionKey: string,
  options: CachePluginOptions = {},
): MailerCachePlugin {
  return new CachePlugin(cache, partitionKey, options);
}
