import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { startRedis, type RedisServer } from '../helpers/redis';
import { crashAndRecover } from './crash-harness';

const server: RedisServer = await startRedis();
const skipReason = 'skipReason' in server ? server.skipReason : undefined;
if (skipReason) {
  if (process.env.CI) throw new Error(`The BullMQ crash test needs redis-server in CI: ${skipReason}`);
  console.warn(`\n⚠️  Skipping the BullMQ crash test: ${skipReason}. Install redis-server to run it.\n`);
}

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
