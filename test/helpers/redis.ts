import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

/** A running throw-away redis-server, or why there is none. */
export type RedisServer = { url: string; port: number; stop(): Promise<void> } | { skipReason: string };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Sends PING over RESP and resolves true on `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (d) => {
      answer += d.toString();
      // A server with --requirepass answers -NOAUTH: it is up all the same.
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG') || answer.startsWith('-NOAUTH'));
    });
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/**
 * Starts `redis-server --port <free port> --bind 127.0.0.1 --save '' --appendonly no` and waits until it answers
 * PING (`extraArgs` are added, e.g. `['--requirepass', pw]`). Resolves `{ skipReason }` when redis-server is not installed or does not come up within `timeoutMs`.
 */
export async function startRedis(timeoutMs = 5000, extraArgs: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    return { skipReason: `cannot start redis-server: ${(e as Error).message}` };
  }
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const spawnError = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve(`cannot start redis-server: ${e.message}`));
    child.once('exit', (code) => resolve(`redis-server exited with code ${code}: ${stderr.trim()}`));
  });
  let failure: string | undefined;
  spawnError.then((reason) => (failure ??= reason));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failure) return { skipReason: failure };
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}/0`, port, stop: stopper(child) };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopper(child)();
  return { skipReason: failure ?? `redis-server did not answer PING on port ${port} within ${timeoutMs} ms` };
}

/**
 * Starts a redis-server for one test file. Under `CI` a missing or broken redis-server fails the file; elsewhere it
 * warns and the caller skips its Redis tests with `describe.skipIf(skipReason !== undefined)`.
 */
export async function redisForSuite(what: string): Promise<{ server: RedisServer; skipReason: string | undefined }> {
  const server = await startRedis();
  const skipReason = 'skipReason' in server ? server.skipReason : undefined;
  if (skipReason) {
    if (process.env.CI) throw new Error(`${what} needs redis-server in CI: ${skipReason}`);
    console.warn(`\n⚠️  Skipping ${what}: ${skipReason}. Install redis-server to run it.\n`);
  }
  return { server, skipReason };
}
