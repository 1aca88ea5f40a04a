import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { createOutbox, type OutboxOptions } from '../../src/outbox/index';
import { startRedis, type RedisServer } from '../helpers/redis';
import { afterRequests, startWorker } from './crash-harness';

const MESSAGES = 300;
const KILLS = 8;
const LEASE_MS = 1000;
const WINDOW_MS = 1500;

const server: RedisServer = await startRedis();
const skipRedis = 'skipReason' in server ? server.skipReason : undefined;
if (skipRedis) {
  if (process.env.CI) throw new Error(`The BullMQ crash test needs redis-server in CI: ${skipRedis}`);
  console.warn(`\n⚠️  Skipping the BullMQ crash test: ${skipRedis}. Install redis-server to run it.\n`);
}

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadBasic.All'] }], latencyMs: [1, 15] });
  dir = mkdtempSync(join(tmpdir(), 'outbox-crash-'));
});
afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
  if ('stop' in server) await server.stop();
});

/**
 * Enqueues MESSAGES messages, then lets worker processes drain them against an emulator with latency and faults
 * (throttling, a 504 after delivery, a connection dropped after delivery), SIGKILLing each at a random moment,
 * and finally lets a fresh process finish. Every message must be delivered exactly once.
 */
async function crashAndRecover(store: OutboxOptions['store']): Promise<void> {
  emulator.reset();
  const admin = await createOutbox({ mailers: [], store });
  const ids: string[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const { id } = await admin.enqueue({ to: `r${i}@contoso.com`, subject: `m-${i}`, text: `message ${i}` }, { sender: emulator.sender, idempotencyKey: `k-${i}` });
    ids.push(id);
  }
  let killed = 0;
  for (let round = 0; round < KILLS; round++) {
    emulator.faults.throttle(1, { retryAfterSeconds: 1 });
    emulator.faults.gatewayTimeout(1, { deliver: true });
    emulator.faults.dropAfterAccept(1);
    const worker = startWorker(emulator, store, { leaseMs: LEASE_MS, windowMs: WINDOW_MS });
    const when = await afterRequests(emulator, 5 + Math.floor(Math.random() * 60), worker);
    if (when === 'exited') break;
    worker.child.kill('SIGKILL');
    const { signal } = await worker.exited;
    if (signal === 'SIGKILL') killed++;
  }
  emulator.faults.clear();
  const last = startWorker(emulator, store, { leaseMs: LEASE_MS, windowMs: WINDOW_MS });
  const { code } = await last.exited;
  expect(code, last.output()).toBe(0);

  const items = await Promise.all(ids.map((id) => admin.get(id)));
  expect(items.filter((it) => it?.state !== 'sent').map((it) => `${it?.id} ${it?.state} ${it?.error?.code}`)).toEqual([]);
  const delivered = new Map<string, number>();
  for (const m of emulator.messages) delivered.set(m.subject, (delivered.get(m.subject) ?? 0) + 1);
  const twice = [...delivered].filter(([, count]) => count > 1);
  expect(twice).toEqual([]);
  expect(delivered.size).toBe(MESSAGES);
  expect(emulator.messages).toHaveLength(MESSAGES);
  // Each delivered mail carries the Message-ID fixed at enqueue.
  const byId = new Map(items.map((it) => [it!.messageId, it!]));
  expect(emulator.messages.every((m) => byId.has(m.internetMessageId))).toBe(true);
  expect(killed).toBeGreaterThan(0);
  // Ambiguous items were settled through Sent Items.
  expect(emulator.requests.some((r) => r.method === 'GET' && /\/mailFolders\/sentitems\/messages$/i.test(r.path))).toBe(true);
  await admin.close();
}

describe('crash test: workers SIGKILLed at random moments lose nothing and deliver nothing twice', () => {
  it('SQLite file', { timeout: 90_000 }, async () => {
    await crashAndRecover({ sqlite: join(dir, 'crash.db') });
  });

  it.skipIf(skipRedis !== undefined)('BullMQ on redis-server', { timeout: 90_000 }, async () => {
    await crashAndRecover({ redis: 'url' in server ? server.url : '', prefix: 'crash' });
  });
});
