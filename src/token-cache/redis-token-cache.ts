import { MailerError } from '../errors/mailer-error';
import { loadOptionalModule } from '../secrets/optional-module';
import type { LockableTokenCache } from './lockable';
import { INSPECT_CUSTOM, nodeCrypto } from '../runtime/node-builtins';

/**
 * The commands {@link RedisTokenCache} sends, as an ioredis client (`new Redis(...)`) offers them.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis'
 * const client: RedisClientLike = new Redis(process.env.REDIS_URL!)
 * ```
 */
export interface RedisClientLike {
  /** `GET key` */
  get(key: string): Promise<string | null>;
  /** `SET key value` */
  set(key: string, value: string): Promise<unknown>;
  /** `SET key value EX seconds` */
  set(key: string, value: string, secondsToken: 'EX', seconds: number): Promise<unknown>;
  /** `SET key value PX milliseconds NX` (the lock): resolves `'OK'` when set. */
  set(key: string, value: string, millisecondsToken: 'PX', milliseconds: number, nx: 'NX'): Promise<unknown>;
  /** `DEL key` */
  del(key: string): Promise<number>;
  /** Used to release a {@link RedisTokenCache.lock} only if it is still ours; without it the lock expires by itself. */
  eval?(script: string, numKeys: number, key: string, arg: string): Promise<unknown>;
  /** Closes a client the cache created from a URL, politely. */
  quit?(): Promise<unknown>;
  /** Closes it at once, when `quit` does not answer. */
  disconnect?(): void;
  /** Connection errors of a client the cache created from a URL go to `onError`. */
  on?(event: 'error', listener: (error: unknown) => void): unknown;
}

/** What both forms of {@link RedisTokenCacheOptions} take. */
export interface RedisTokenCacheCommonOptions {
  /** Prepended to every key. @default 'o365-oauth-mailer:token-cache:' */
  keyPrefix?: string;
  /** How long {@link RedisTokenCache.lock} waits for another mailer's token request. @default 15000 */
  lockTimeoutMs?: number;
  /** A lock's own expiry, after which a crashed holder's lock is gone. @default 30000 */
  lockTtlMs?: number;
}

/**
 * Options of {@link RedisTokenCache}: an existing ioredis client (yours to close), or a URL (the cache creates the
 * client with the optional peer dependency `ioredis`, and {@link RedisTokenCache.close} closes it).
 *
 * @example
 * ```ts
 * const byUrl: RedisTokenCacheOptions = { url: 'redis://cache.internal:6379/0' }
 * const byClient: RedisTokenCacheOptions = { client: new Redis(process.env.REDIS_URL!) }
 * ```
 */
export type RedisTokenCacheOptions =
  | (RedisTokenCacheCommonOptions & {
      /** An ioredis client (or one with the same `get`/`set`/`del`/`eval`). */
      client: RedisClientLike;
      /** Not with `client`. */
      url?: never;
    })
  | (RedisTokenCacheCommonOptions & {
      /** A `redis://` or `rediss://` URL; credentials in it are never printed. */
      url: string;
      /** Not with `url`. */
      client?: never;
      /** Each command gives up after this long, so a Redis outage cannot hold up sending. @default 2000 */
      commandTimeoutMs?: number;
      /** Called with connection errors of the client created from `url`. */
      onError?: (error: unknown) => void;
    });

const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface IoRedisModule {
  Redis?: new (url: string, options: Record<string, unknown>) => RedisClientLike;
  default?: (new (url: string, options: Record<string, unknown>) => RedisClientLike) & {
    Redis?: new (url: string, options: Record<string, unknown>) => RedisClientLike;
  };
}

/** The user name and password of a `redis://user:password@host` URL (decoded), to scrub from errors. */
function urlCredentials(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const u = new URL(url);
    return [u.password, decodeURIComponent(u.password), u.username && u.password ? decodeURIComponent(u.username) : '']
      .filter((v) => v.length > 0);
  } catch {
    return [];
  }
}

/**
 * A Redis failure as a {@link MailerError} that is safe to print: ioredis hangs the failed command on its errors,
 * `AUTH` arguments (the password) included; the copy keeps only the scrubbed message, name and code.
 */
function redisError(error: unknown, secrets: readonly string[]): MailerError {
  if (error instanceof MailerError) return error;
  const text = String((error as Error)?.message ?? error);
  const errno = (error as { code?: unknown })?.code;
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(text)) {
    return new MailerError(
      {
        code: 'CONFIG_INVALID',
        message: `Redis refused the token cache's credentials: ${text}`,
        fix: 'Check the user name and password in the Redis URL (redis://user:password@host:6379/0) or the options of your client.',
        cause: error,
      },
      secrets,
    );
  }
  const unreachable =
    /Connection is closed|Command timed out|Stream isn't writeable|Reached the max retries|connect ETIMEDOUT|ECONNREFUSED|ENOTFOUND|EAI_AGAIN/i.test(text) ||
    (typeof errno === 'string' && /^E(CONNREFUSED|CONNRESET|TIMEDOUT|HOSTUNREACH|NETUNREACH|PIPE)$/.test(errno));
  return new MailerError(
    {
      code: unreachable ? 'NETWORK' : 'UNKNOWN',
      message: `The Redis token cache failed: ${text}`,
      fix: unreachable
        ? 'Check that Redis is running and reachable from this server; meanwhile tokens come from Entra ID directly.'
        : 'Check the Redis server and the URL or client given to RedisTokenCache; meanwhile tokens come from Entra ID directly.',
      retriable: unreachable,
      cause: error,
    },
    secrets,
  );
}

/**
 * A {@link TokenCache} in Redis, shared by mailers in any number of processes and machines. Values are stored with
 * `SET key value EX <ttlSeconds>`, so Redis drops them when the token expires. `lock(key, fn)` is a Redis lock
 * (`SET NX PX`, released only by its holder) so that only one of them requests a token at a time. Safe to print:
 * `util.inspect` and `JSON.stringify` show only the kind and key prefix (never the URL, which may hold a password).
 *
 * @example
 * ```ts
 * const tokenCache = new RedisTokenCache({ url: process.env.REDIS_URL! })
 * const mailer = new O365OAuthMailer({ ...settings, tokenCache })
 * process.on('SIGTERM', () => tokenCache.close())
 * ```
 */
export class RedisTokenCache implements LockableTokenCache {
  readonly #prefix: string;
  readonly #ownsClient: boolean;
  readonly #lockTimeoutMs: number;
  readonly #lockTtlMs: number;
  readonly #url: string | undefined;
  readonly #commandTimeoutMs: number;
  readonly #onError: ((error: unknown) => void) | undefined;
  #client: Promise<RedisClientLike> | undefined;
  #closed = false;

  constructor(options: RedisTokenCacheOptions) {
    this.#prefix = options.keyPrefix ?? 'o365-oauth-mailer:token-cache:';
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 15_000;
    this.#lockTtlMs = options.lockTtlMs ?? 30_000;
    if (options.client) {
      this.#ownsClient = false;
      this.#client = Promise.resolve(options.client);
      this.#url = undefined;
      this.#commandTimeoutMs = 0;
      this.#onError = undefined;
    } else if (typeof options.url === 'string' && options.url.length > 0) {
      this.#ownsClient = true;
      this.#url = options.url;
      this.#commandTimeoutMs = options.commandTimeoutMs ?? 2000;
      this.#onError = options.onError;
    } else {
      throw new MailerError({
        code: 'CONFIG_INVALID',
        message: 'RedisTokenCache needs `client` (an ioredis client) or `url` (redis://host:port/db).',
      });
    }
  }

  async get(key: string): Promise<string | undefined> {
    return this.#guard(async () => (await (await this.#redis()).get(this.#prefix + key)) ?? undefined);
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    await this.#guard(async () => {
      const client = await this.#redis();
      if (ttlSeconds === undefined) await client.set(this.#prefix + key, value);
      else if (ttlSeconds >= 1) await client.set(this.#prefix + key, value, 'EX', Math.floor(ttlSeconds));
      else await client.del(this.#prefix + key);
    });
  }

  async delete(key: string): Promise<void> {
    await this.#guard(async () => {
      await (await this.#redis()).del(this.#prefix + key);
    });
  }

  /** Runs a Redis call; its failure leaves as a {@link MailerError} that carries no password (see {@link redisError}). */
  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw redisError(error, this.#passwords());
    }
  }

  /** The credentials in `url`, scrubbed from every error. */
  #passwords(): string[] {
    return urlCredentials(this.#url);
  }

  /**
   * Runs `fn` holding a Redis lock on `key` (`<prefix><key>:lock`, `SET NX PX lockTtlMs`). When it is not free
   * within `lockTimeoutMs`, or Redis fails, `fn` runs anyway.
   */
  async lock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lockKey = `${this.#prefix}${key}:lock`;
    const token = nodeCrypto().randomBytes(12).toString('hex');
    let client: RedisClientLike | undefined;
    let held = false;
    try {
      client = await this.#redis();
      const deadline = Date.now() + this.#lockTimeoutMs;
      let delay = 10;
      while (!(held = (await client.set(lockKey, token, 'PX', this.#lockTtlMs, 'NX')) === 'OK')) {
        if (Date.now() >= deadline) break;
        await sleep(Math.min(delay + Math.random() * delay, Math.max(1, deadline - Date.now())));
        delay = Math.min(delay * 2, 200);
      }
    } catch {
      held = false; // Redis is unreachable: run unlocked, the cache calls will report the problem.
    }
    try {
      return await fn();
    } finally {
      if (held && client) {
        if (client.eval) await client.eval(RELEASE_SCRIPT, 1, lockKey, token).catch(() => undefined);
        // Without EVAL the lock simply expires after lockTtlMs.
      }
    }
  }

  /** Closes the client this cache created from `url`; a client you passed in is left open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#ownsClient || !this.#client) return;
    const client = await this.#client.catch(() => undefined);
    if (!client) return;
    try {
      await client.quit?.();
    } catch {
      client.disconnect?.();
    }
  }

  /** Same as {@link RedisTokenCache.close}. */
  quit(): Promise<void> {
    return this.close();
  }

  #redis(): Promise<RedisClientLike> {
    if (this.#closed) {
      return Promise.reject(new MailerError({ code: 'CONFIG_INVALID', message: 'RedisTokenCache was closed.' }));
    }
    if (!this.#client) {
      const url = this.#url!;
      const created = loadOptionalModule<IoRedisModule>('ioredis', 'RedisTokenCache({ url })').then((mod) => {
        const Redis = mod.Redis ?? mod.default?.Redis ?? mod.default;
        if (typeof Redis !== 'function') {
          throw new MailerError({
            code: 'CONFIG_INVALID',
            message: 'RedisTokenCache could not find the Redis class in the installed ioredis.',
            fix: 'Run `npm install ioredis@6` (or pass your own `client`).',
          });
        }
        const client = new Redis(url, {
          commandTimeout: this.#commandTimeoutMs,
          connectTimeout: Math.max(this.#commandTimeoutMs, 1000),
          maxRetriesPerRequest: 1,
          lazyConnect: false,
        });
        client.on?.('error', (error) => {
          try {
            this.#onError?.(redisError(error, this.#passwords()));
          } catch {
            /* a failing listener must not take the client down */
          }
        });
        return client;
      });
      created.catch(() => {
        if (this.#client === created) this.#client = undefined; // try again on the next call
      });
      this.#client = created;
    }
    return this.#client;
  }

  /** Only the kind and key prefix: never a token or the URL (which may hold a password). */
  toJSON(): Record<string, string> {
    return { kind: 'RedisTokenCache', keyPrefix: this.#prefix };
  }

  /** `util.inspect` shows only the kind and key prefix. */
  [INSPECT_CUSTOM](): string {
    return `RedisTokenCache { keyPrefix: ${JSON.stringify(this.#prefix)} }`;
  }
}
