import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { redisForSuite } from '../helpers/redis';
import { crashAndRecover } from './crash-harness';

const { server, skipReason } = await redisForSuite('the BullMQ crash test');

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadBasic.All'] }], latencyMs: [1, 15] });
});
afterAll(async () => {
  await emulator?.close();
  if ('stop' in server) await server.stop();
});

describe.skipIf(skipReason !== undefined)('crash test, BullMQ on a real redis-server', () => {
  it('worker processes SIGKILLed at random moments lose nothing and deliver nothing twice', { timeout: 120_000 }, async () => {
    const url = 'url' in server ? server.url : '';
    const { killed } = await crashAndRecover(emulator, { redis: url, prefix: 'crash' }, { messages: 200, kills: 6, leaseMs: 600, windowMs: 1000 });
    expect(killed).toBeGreaterThanOrEqual(2);
  });
});
