import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { createOutbox } from '../../src/outbox/index';
import { redisForSuite } from '../helpers/redis';
import { startWorker, type WorkerChild } from './crash-harness';

const { server, skipReason } = await redisForSuite('the BullMQ fleet test');

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    apps: [{ roles: ['Mail.Send', 'Mail.ReadBasic.All'] }],
    mailboxes: ['sender@contoso.onmicrosoft.com'],
    latencyMs: [20, 40],
  });
});
afterAll(async () => {
  await emulator?.close();
  if ('stop' in server) await server.stop();
});

describe.skipIf(skipReason !== undefined)('BullMQ fleet: three worker processes on one redis-server', () => {
  it('never has more than 4 requests in flight for the mailbox, and sends each message once', { timeout: 90_000 }, async () => {
    const store = { redis: 'url' in server ? server.url : '', prefix: 'fleet' };
    const admin = await createOutbox({ mailers: [], store });
    const total = 120;
    for (let i = 0; i < total; i++) await admin.enqueue({ to: `r${i}@contoso.com`, subject: `f-${i}`, text: 'x' }, { sender: emulator.sender });
    const workers: WorkerChild[] = [];
    for (let i = 0; i < 3; i++) workers.push(await startWorker(emulator, store, { leaseMs: 30_000, windowMs: 60_000, forever: true }));
    try {
      await admin.drain();
      expect(emulator.messages).toHaveLength(total);
      expect(new Set(emulator.messages.map((m) => m.subject)).size).toBe(total);
      // Each process alone could put 4 in flight: together they must not exceed the mailbox's 4.
      expect(emulator.peakInFlight(emulator.sender)).toBe(4);
      // Every process took part.
      const stats = await admin.stats();
      expect(stats.states.sent).toBe(total);
    } finally {
      for (const w of workers) w.child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
      await admin.close();
    }
  });
});
