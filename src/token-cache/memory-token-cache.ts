import { KeyedMutex } from '../secrets/file-io';
import type { LockableTokenCache } from './lockable';
import { INSPECT_CUSTOM } from '../runtime/node-builtins';

interface Entry {
  value: string;
  /** Epoch milliseconds; absent when stored without a TTL. */
  expiresAt?: number;
}

/**
 * Options of {@link MemoryTokenCache}.
 *
 * @example
 * ```ts
 * const options: MemoryTokenCacheOptions = { lockTimeoutMs: 5000 }
 * ```
 */
export interface MemoryTokenCacheOptions {
  /** How long {@link MemoryTokenCache.lock} waits for an earlier holder before running anyway. @default 15000 */
  lockTimeoutMs?: number;
}

/**
 * A {@link TokenCache} in this process's memory, shared by the mailers given the same instance. Entries stored with
 * `ttlSeconds` read as `undefined` once it has passed. `lock(key, fn)` serializes token requests of the mailers
 * sharing it. Safe to print: `util.inspect` and `JSON.stringify` show only its kind.
 *
 * @example
 * ```ts
 * const tokenCache = new MemoryTokenCache()
 * const a = new O365OAuthMailer({ ...settings, sender: 'a@contoso.com', tokenCache })
 * const b = new O365OAuthMailer({ ...settings, sender: 'b@contoso.com', tokenCache }) // one token between them
 * ```
 */
export class MemoryTokenCache implements LockableTokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #mutex = new KeyedMutex();
  readonly #lockTimeoutMs: number;

  constructor(options: MemoryTokenCacheOptions = {}) {
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 15_000;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    if (ttlSeconds !== undefined && !(ttlSeconds > 0)) {
      this.#entries.delete(key);
      return;
    }
    this.#entries.set(key, ttlSeconds === undefined ? { value } : { value, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  /** Runs `fn` once earlier holders of `key` are done, or after `lockTimeoutMs` regardless. */
  lock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.#mutex.run(key, () => fn(), this.#lockTimeoutMs);
  }

  /** Only the kind: never a token. */
  toJSON(): Record<string, string> {
    return { kind: 'MemoryTokenCache' };
  }

  /** `util.inspect` shows only the kind. */
  [INSPECT_CUSTOM](): string {
    return 'MemoryTokenCache {}';
  }
}
