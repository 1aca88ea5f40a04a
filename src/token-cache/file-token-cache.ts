import { withFileLock, type FileLockOptions } from '../secrets/file-io';
import { MapFile } from '../secrets/map-file';
import type { LockableTokenCache } from './lockable';
import { INSPECT_CUSTOM, nodeCrypto } from '../runtime/node-builtins';

interface Entry {
  value: string;
  /** Epoch milliseconds; absent when stored without a TTL. */
  expiresAt?: number;
}

/**
 * Options of {@link FileTokenCache}.
 *
 * @example
 * ```ts
 * const options: FileTokenCacheOptions = { path: '/var/lib/o365-mailer/tokens.enc', passphrase: process.env.MAILER_PASSPHRASE }
 * ```
 */
export interface FileTokenCacheOptions {
  /** The cache file (one file for all keys). Written with mode 0600; its folder is created with mode 0700. */
  path: string;
  /**
   * Encrypts the file with the same AES-256-GCM / scrypt envelope as {@link EncryptedFileSecretStore}. The key is
   * derived once per instance (about 0.3 s): share one instance. Without it the file is plain JSON that holds
   * access tokens, protected only by its mode.
   */
  passphrase?: string;
  /**
   * Timing of {@link FileTokenCache.lock}: how long a process waits for another one's token request before it
   * requests its own, and when a crashed holder's lock is taken over. @default { timeoutMs: 15000, staleMs: 10000 }
   */
  lock?: FileLockOptions;
}

/**
 * A {@link TokenCache} in one file that several processes on one machine can share.
 *
 * - One JSON document `key → { value, expiresAt }`, optionally encrypted as a whole (see `passphrase`).
 * - Mode 0600, folder 0700, atomic writes (temporary file, fsync, rename, folder fsync): readers never see a torn
 *   file and take no lock.
 * - `set` is a read-modify-write under `<path>.lock`, so processes writing different keys never lose each other's;
 *   expired entries are dropped then, and read as `undefined` before that.
 * - `lock(key, fn)` holds a per-key lock file (`<path>.<hash>.lock`) around `fn`, in this process and across
 *   processes: wrap the token request in it and only one process requests a token, the others find it in the cache.
 * - Safe to print: `util.inspect` and `JSON.stringify` show only the kind and path.
 *
 * @example
 * ```ts
 * const tokenCache = new FileTokenCache({ path: '/var/lib/o365-mailer/tokens.enc', passphrase: process.env.MAILER_PASSPHRASE })
 * const mailer = new O365OAuthMailer({ ...settings, tokenCache })
 * ```
 */
export class FileTokenCache implements LockableTokenCache {
  readonly #file: MapFile<Entry>;
  readonly #lock: FileLockOptions;

  constructor(options: FileTokenCacheOptions) {
    this.#file = new MapFile<Entry>({
      path: options.path,
      format: 'o365-oauth-mailer/token-cache',
      ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
      ...(options.lock ? { lock: options.lock } : {}),
    });
    this.#lock = options.lock ?? {};
  }

  /** The absolute path of the cache file. */
  get path(): string {
    return this.#file.path;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = (await this.#file.read())?.[key];
    if (!entry || typeof entry.value !== 'string') return undefined;
    if (typeof entry.expiresAt === 'number' && entry.expiresAt <= Date.now()) return undefined;
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    const now = Date.now();
    await this.#file.update((entries) => {
      for (const [k, e] of Object.entries(entries)) {
        if (typeof e?.expiresAt === 'number' && e.expiresAt <= now) delete entries[k];
      }
      if (ttlSeconds !== undefined && !(ttlSeconds > 0)) delete entries[key];
      else entries[key] = ttlSeconds === undefined ? { value } : { value, expiresAt: now + ttlSeconds * 1000 };
    });
  }

  async delete(key: string): Promise<void> {
    await this.#file.update((entries) => {
      if (!(key in entries)) return false;
      delete entries[key];
    });
  }

  /**
   * Runs `fn` holding a lock on `key` shared with every process using this file. When the lock is not free within
   * `lock.timeoutMs` (the holder hung) or cannot be created at all, `fn` runs anyway.
   */
  lock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const hash = nodeCrypto().createHash('sha256').update(key).digest('hex').slice(0, 16);
    const lockPath = `${this.#file.path}.${hash}.lock`;
    return withFileLock(lockPath, fn, { ...this.#lock, onTimeout: () => 'proceed', proceedOnError: true });
  }

  /** Only the kind and path: never a token or the passphrase. */
  toJSON(): Record<string, string> {
    return { kind: 'FileTokenCache', path: this.#file.path };
  }

  /** `util.inspect` shows only the kind and path. */
  [INSPECT_CUSTOM](): string {
    return `FileTokenCache { path: ${JSON.stringify(this.#file.path)} }`;
  }
}
