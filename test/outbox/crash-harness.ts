import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect } from 'vitest';
import type { Emulator } from '../../src/emulator/index';
import { createOutbox, type OutboxOptions } from '../../src/outbox/index';

const SOURCE = fileURLToPath(new URL('./fixtures/outbox-worker.ts', import.meta.url));
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/o365-outbox-tests/', import.meta.url));

let bundled: Promise<string> | undefined;

/**
 * The worker script bundled into one ES module (packages stay external), so each child process starts in well
 * under a second instead of compiling the sources again.
 */
export function workerScript(): Promise<string> {
  bundled ??= (async () => {
    mkdirSync(CACHE, { recursive: true });
    const outfile = `${CACHE}worker-${process.pid}.mjs`;
    await build({ entryPoints: [SOURCE], bundle: true, platform: 'node', format: 'esm', packages: 'external', target: 'node20', outfile, logLevel: 'silent' });
    return outfile;
  })();
  return bundled;
}

/** A worker child process and what it printed. */
export interface WorkerChild {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the outbox worker (`fixtures/outbox-worker.ts`) in a child process. */
export async function startWorker(
  emulator: Emulator,
  store: OutboxOptions['store'],
  opts: { leaseMs: number; windowMs: number; forever?: boolean },
): Promise<WorkerChild> {
  const args = JSON.stringify({ mailer: emulator.mailerConfig(), store, ...opts });
  const child = spawn(process.execPath, [await workerScript(), args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, NO_COLOR: '1' } });
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
  while (!exited && emulator.requests.length < target) await new Promise((r) => setTimeout(r, 5));
  return exited ? 'exited' : 'requests';
}

/** Settings of {@link crashAndRecover}. */
export interface CrashSettings {
  messages: number;
  kills: number;
  leaseMs: number;
  windowMs: number;
}

/**
 * Enqueues `messages` messages, then lets worker processes drain them against an emulator with latency and faults
 * (throttling, a 504 after delivery, a connection dropped after delivery), SIGKILLing each after a random number
 * of requests, and finally lets a fresh process finish. Asserts that every message was delivered exactly once,
 * with the Message-ID fixed at enqueue, and that ambiguous items were looked up in Sent Items.
 */
export async function crashAndRecover(emulator: Emulator, store: OutboxOptions['store'], s: CrashSettings): Promise<{ killed: number }> {
  emulator.reset();
  const admin = await createOutbox({ mailers: [], store });
  const ids: string[] = [];
  for (let i = 0; i < s.messages; i++) {
    const { id } = await admin.enqueue({ to: `r${i}@contoso.com`, subject: `m-${i}`, text: `message ${i}` }, { sender: emulator.sender, idempotencyKey: `k-${i}` });
    ids.push(id);
  }
  let killed = 0;
  for (let round = 0; round < s.kills; round++) {
    emulator.faults.throttle(1, { retryAfterSeconds: 1 });
    emulator.faults.gatewayTimeout(1, { deliver: true });
    emulator.faults.dropAfterAccept(1);
    const worker = await startWorker(emulator, store, s);
    const when = await afterRequests(emulator, 5 + Math.floor(Math.random() * 50), worker);
    if (when === 'exited') break;
    worker.child.kill('SIGKILL');
    const { signal } = await worker.exited;
    if (signal === 'SIGKILL') killed++;
  }
  emulator.faults.clear();
  const last = await startWorker(emulator, store, s);
  const { code } = await last.exited;
  expect(code, last.output()).toBe(0);

  const items = await Promise.all(ids.map((id) => admin.get(id)));
  expect(items.filter((it) => it?.state !== 'sent').map((it) => `${it?.id} ${it?.state} ${it?.error?.code}`)).toEqual([]);
  const delivered = new Map<string, number>();
  for (const m of emulator.messages) delivered.set(m.subject, (delivered.get(m.subject) ?? 0) + 1);
  expect([...delivered].filter(([, count]) => count > 1)).toEqual([]);
  expect(delivered.size).toBe(s.messages);
  expect(emulator.messages).toHaveLength(s.messages);
  const messageIds = new Set(items.map((it) => it!.messageId));
  expect(emulator.messages.every((m) => messageIds.has(m.messageId))).toBe(true);
  expect(emulator.requests.some((r) => r.method === 'GET' && /\/mailFolders\/sentitems\/messages$/i.test(r.path))).toBe(true);
  await admin.close();
  return { killed };
}
