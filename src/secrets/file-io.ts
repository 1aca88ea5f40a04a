import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { nodeCrypto, nodeFsPromises } from '../runtime/node-builtins';

/**
 * File helpers shared by the encrypted secret store and the file token cache: private folders, atomic writes and
 * an advisory lock file that works between processes.
 */

/** Mode of every file written here: read and write for the owner only. */
const FILE_MODE = 0o600;
/** Mode of every folder created here: owner only. */
const DIR_MODE = 0o700;

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Creates `dir` (and missing parents) with mode 0700. An existing folder is left as it is.
 *
 * @example
 * ```ts
 * await ensurePrivateDir('/var/lib/o365-mailer')
 * ```
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await nodeFsPromises().mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * The file's bytes, or `undefined` when it does not exist.
 *
 * @example
 * ```ts
 * const data = await readFileIfExists('/var/lib/o365-mailer/tokens.json')
 * ```
 */
export async function readFileIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await nodeFsPromises().readFile(path);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename durable. Windows cannot open a folder: there the rename is as durable as it gets.
  try {
    const fh = await nodeFsPromises().open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* not supported on this platform */
  }
}

/**
 * Replaces `path` atomically: writes a temporary file (mode 0600) in the same folder, fsyncs it, renames it over
 * `path` and fsyncs the folder. Readers see the old file or the new one, never a mix. The folder is created with
 * mode 0700 when missing.
 *
 * @example
 * ```ts
 * await atomicWriteFile('/var/lib/o365-mailer/tokens.json', JSON.stringify(state))
 * ```
 */
export async function atomicWriteFile(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await ensurePrivateDir(dir);
  await removeLeftovers(dir, basename(path));
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
  const fh = await nodeFsPromises().open(tmp, 'wx', FILE_MODE);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await nodeFsPromises().rename(tmp, path);
        break;
      } catch (e) {
        // Windows refuses to replace a file another process has open for a moment.
        if (attempt < 5 && ['EPERM', 'EACCES', 'EBUSY'].includes(errno(e) ?? '')) {
          await sleep(20 * (attempt + 1));
          continue;
        }
        throw e;
      }
    }
  } catch (e) {
    await nodeFsPromises().rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dir);
}

/** A leftover older than this is removed even when its writer's pid is alive (the pid was reused). */
const LEFTOVER_MS = 10 * 60_000;

function pidIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) !== 'ESRCH';
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes the temporary files a killed writer left next to `name` (`.<name>.<pid>.<random>.tmp`) and the lock
 * files it set aside (`<name>.lock.<random>.stale`): those whose writer is gone, or older than 10 minutes. Failures
 * are ignored: a leftover is untidy, never wrong (readers only read `name`).
 */
async function removeLeftovers(dir: string, name: string): Promise<void> {
  const temp = new RegExp(`^\\.${escapeRegExp(name)}\\.(\\d+)\\.[0-9a-f]{12}\\.tmp$`);
  const stale = new RegExp(`^${escapeRegExp(name)}(?:\\.[0-9a-f]{16})?\\.lock\\.[0-9a-f]{12}\\.stale$`);
  let names: string[];
  try {
    names = await nodeFsPromises().readdir(dir);
  } catch {
    return;
  }
  const now = Date.now();
  await Promise.all(
    names.map(async (entry) => {
      const match = temp.exec(entry);
      if (!match && !stale.test(entry)) return;
      const full = join(dir, entry);
      try {
        const info = await nodeFsPromises().stat(full);
        const old = now - info.mtimeMs > LEFTOVER_MS;
        if (old || (match && !pidIsAlive(Number(match[1]))) || (!match && now - info.mtimeMs > 60_000)) await nodeFsPromises().rm(full, { force: true });
      } catch {
        /* gone already, or not ours to remove */
      }
    }),
  );
}

/**
 * A FIFO mutex per key: {@link KeyedMutex.run} starts `fn` after every earlier call with the same key has settled.
 *
 * @example
 * ```ts
 * const mutex = new KeyedMutex()
 * await Promise.all([mutex.run('a', first), mutex.run('a', second)]) // second starts after first settles
 * ```
 */
export class KeyedMutex {
  readonly #chains = new Map<string, Promise<void>>();

  /**
   * Runs `fn` alone among the calls with this `key`. When the earlier calls have not settled within `timeoutMs`,
   * `fn` runs anyway and receives `false`.
   */
  async run<T>(key: string, fn: (acquired: boolean) => Promise<T>, timeoutMs = Infinity): Promise<T> {
    const previous = this.#chains.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#chains.set(key, tail);
    let acquired = true;
    if (Number.isFinite(timeoutMs)) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs))));
      acquired = await Promise.race([previous.then(() => true as const), timedOut]);
      clearTimeout(timer);
    } else {
      await previous;
    }
    try {
      return await fn(acquired);
    } finally {
      release();
      if (this.#chains.get(key) === tail) this.#chains.delete(key);
    }
  }
}

const processMutex = new KeyedMutex();

/**
 * Runs `fn` after every earlier call with the same `key` in this process has finished (a process-wide
 * {@link KeyedMutex}); after `timeoutMs` it runs anyway, receiving `false`.
 *
 * @example
 * ```ts
 * await withProcessMutex('/var/lib/o365-mailer/tokens.json', () => rewriteFile())
 * ```
 */
export function withProcessMutex<T>(key: string, fn: (acquired: boolean) => Promise<T>, timeoutMs?: number): Promise<T> {
  return processMutex.run(key, fn, timeoutMs);
}

/**
 * How long the lock file of an `EncryptedFileSecretStore` or `FileTokenCache` is waited for, and when a lock is
 * considered abandoned (its holder crashed).
 *
 * @example
 * ```ts
 * const options: FileLockOptions = { timeoutMs: 15_000, staleMs: 10_000 }
 * ```
 */
export interface FileLockOptions {
  /** Give up after this long. @default 15000 */
  timeoutMs?: number;
  /**
   * A lock file whose modification time is older than this is abandoned (its holder crashed) and is taken over.
   * A live holder refreshes the time every `staleMs / 3`. @default 10000
   */
  staleMs?: number;
}

/**
 * A held lock file. Call {@link FileLock.release} exactly once.
 *
 * @example
 * ```ts
 * const lock = await acquireFileLock(`${path}.lock`)
 * if (lock) try { await rewrite() } finally { await lock.release() }
 * ```
 */
export interface FileLock {
  /** Stops refreshing the lock and removes the lock file if it is still this holder's. */
  release(): Promise<void>;
}

interface LockOwner {
  pid?: number;
  host?: string;
  token?: string;
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await nodeFsPromises().readFile(lockPath, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function processIsGone(owner: LockOwner | undefined): boolean {
  if (!owner || owner.host !== hostname() || typeof owner.pid !== 'number') return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (e) {
    return errno(e) === 'ESRCH';
  }
}

/**
 * Removes the lock file if it is still the abandoned one that was looked at (same inode). Resolves false when it
 * could not be removed (someone else broke it first, or this process may not remove it: a lock file of another
 * user in a sticky folder, a read-only folder).
 */
async function breakStaleLock(lockPath: string, ino: number): Promise<boolean> {
  const aside = `${lockPath}.${nodeCrypto().randomBytes(6).toString('hex')}.stale`;
  try {
    await nodeFsPromises().rename(lockPath, aside);
  } catch {
    return false;
  }
  try {
    const moved = await nodeFsPromises().stat(aside);
    if (moved.ino !== ino) {
      // A new holder took the lock between our look and the rename: put its lock back.
      await nodeFsPromises().link(aside, lockPath).catch(() => undefined);
    }
  } finally {
    await nodeFsPromises().rm(aside, { force: true }).catch(() => undefined);
  }
  return true;
}

/**
 * Takes an advisory lock file (created with `O_CREAT | O_EXCL`, mode 0600) that excludes other processes and
 * other callers in this process. Resolves `undefined` when it could not be taken within `timeoutMs`. A lock file
 * left by a crashed process is taken over once it is older than `staleMs`, or at once when its holder's pid is
 * known to be gone on this host.
 *
 * Every try that fails is followed by a sleep (5 to 50 ms, with jitter), and the deadline is checked on every
 * path: a lock file this process can neither take nor remove costs at most `timeoutMs` of mostly idle waiting.
 *
 * @example
 * ```ts
 * const lock = await acquireFileLock('/var/lib/o365-mailer/secrets.enc.lock', { timeoutMs: 5000 })
 * if (!lock) throw new Error('busy')
 * try { await rewrite() } finally { await lock.release() }
 * ```
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<FileLock | undefined> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const staleMs = options.staleMs ?? 10_000;
  const token = nodeCrypto().randomBytes(12).toString('hex');
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    let retryNow = false;
    try {
      const fh = await nodeFsPromises().open(lockPath, 'wx', FILE_MODE);
      try {
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), token, at: new Date().toISOString() }));
      } finally {
        await fh.close();
      }
      return heldLock(lockPath, token, staleMs);
    } catch (e) {
      const code = errno(e);
      if (code === 'ENOENT') {
        await ensurePrivateDir(dirname(lockPath));
      } else if (code !== 'EEXIST') {
        throw e;
      } else {
        try {
          const info = await nodeFsPromises().stat(lockPath);
          if (Date.now() - info.mtimeMs > staleMs || processIsGone(await readOwner(lockPath))) {
            retryNow = await breakStaleLock(lockPath, info.ino);
          }
        } catch (err) {
          if (errno(err) !== 'ENOENT') throw err;
          retryNow = true; // released meanwhile
        }
      }
    }
    if (Date.now() >= deadline) return undefined;
    if (retryNow) continue;
    await sleep(Math.min(delay + Math.random() * delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 50);
  }
}

function heldLock(lockPath: string, token: string, staleMs: number): FileLock {
  const timer = setInterval(
    () => {
      const now = new Date();
      nodeFsPromises().utimes(lockPath, now, now).catch(() => undefined);
    },
    Math.max(50, Math.floor(staleMs / 3)),
  );
  timer.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      const owner = await readOwner(lockPath);
      if (owner?.token === token) await nodeFsPromises().rm(lockPath, { force: true });
    },
  };
}

/**
 * Runs `fn` holding the lock file `lockPath` (and an in-process mutex on the same path, so callers in one process
 * queue without polling). When the lock cannot be taken in time, `onTimeout` decides: return `'proceed'` to run
 * `fn` without it, or throw. With `proceedOnError`, a lock file that cannot be created at all (permissions, a
 * read-only folder) also runs `fn` without it.
 *
 * @example
 * ```ts
 * await withFileLock(`${path}.lock`, () => rewrite(), { onTimeout: () => { throw new Error('busy') } })
 * ```
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: FileLockOptions & { onTimeout: () => 'proceed'; proceedOnError?: boolean },
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  return withProcessMutex(
    lockPath,
    async (inTime) => {
      let lock: FileLock | undefined;
      if (inTime) {
        try {
          lock = await acquireFileLock(lockPath, { ...options, timeoutMs: Math.max(0, deadline - Date.now()) });
        } catch (e) {
          if (!options.proceedOnError) throw e;
        }
      }
      if (!lock) options.onTimeout();
      try {
        return await fn();
      } finally {
        // A lock file that cannot be removed is taken over once stale: never let that mask fn's outcome.
        await lock?.release().catch(() => undefined);
      }
    },
    timeoutMs,
  );
}
