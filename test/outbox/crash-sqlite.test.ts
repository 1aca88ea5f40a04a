import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { crashAndRecover } from './crash-harness';

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadBasic.All'] }], latencyMs: [1, 15] });
  dir = mkdtempSync(join(tmpdir(), 'outbox-crash-'));
});
afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('crash test, SQLite file', () => {
  it('worker processes SIGKILLed at random moments lose nothing and deliver nothing twice', { timeout: 120_000 }, async () => {
    const { killed } = await crashAndRecover(emulator, { sqlite: join(dir, 'crash.db') }, { messages: 200, kills: 6, leaseMs: 600, windowMs: 1000 });
    expect(killed).toBeGreaterThanOrEqual(2);
  });
});
