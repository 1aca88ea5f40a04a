import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '../../src/emulator/index';
import type { OutboxOptions } from '../../src/outbox/index';

const WORKER = fileURLToPath(new URL('./fixtures/outbox-worker.ts', import.meta.url));

/** A worker child process and what it printed. */
export interface WorkerChild {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `test/outbox/fixtures/outbox-worker.ts` in a child process. */
export function startWorker(emulator: Emulator, store: OutboxOptions['store'], opts: { leaseMs: number; windowMs: number; forever?: boolean }): WorkerChild {
  const args = JSON.stringify({ mailer: emulator.mailerConfig(), store, ...opts });
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

/** Resolves once the emulator has seen `count` more requests than now, or the child has exited. */
export async function afterRequests(emulator: Emulator, count: number, worker: WorkerChild): Promise<'requests' | 'exited'> {
  const target = emulator.requests.length + count;
  let exited = false;
  void worker.exited.then(() => (exited = true));
  while (!exited && emulator.requests.length < target) await new Promise((r) => setImmediate(r));
  return exited ? 'exited' : 'requests';
}
