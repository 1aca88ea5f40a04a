/**
 * Outbox benchmark (never run by `npm test`): `npx tsx bench/outbox.ts [messages]`.
 * Enqueues N messages, then measures how fast one worker drains them at 4 in flight per mailbox against the local
 * emulator over real HTTPS: from a SQLite file, and from BullMQ on a throw-away redis-server (skipped when
 * redis-server is not installed). Exported as `benchOutbox()` for bench/run.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { O365OAuthMailer } from '../src/index';
import { startEmulator, type Emulator } from '../src/emulator/index';
import { createOutbox, type OutboxOptions } from '../src/outbox/index';
import { startRedis } from '../test/helpers/redis';

/** One measured store. */
export interface OutboxBenchRow {
  store: 'sqlite' | 'bullmq';
  messages: number;
  enqueuePerSecond: number;
  drainPerSecond: number;
  peakInFlight: number;
}

async function measure(emulator: Emulator, store: OutboxOptions['store'], name: OutboxBenchRow['store'], n: number): Promise<OutboxBenchRow> {
  emulator.reset();
  const mailer = new O365OAuthMailer(emulator.mailerConfig());
  await mailer.send({ to: 'warm@contoso.com', subject: 'warm-up', text: 'x' });
  emulator.reset();
  const outbox = await createOutbox({ mailers: mailer, store });
  let t = performance.now();
  for (let i = 0; i < n; i++) await outbox.enqueue({ to: `r${i}@contoso.com`, subject: `bench ${i}`, text: 'x' });
  const enqueueMs = performance.now() - t;
  t = performance.now();
  await outbox.drain();
  const drainMs = performance.now() - t;
  if (emulator.messages.length !== n) throw new Error(`expected ${n} messages, the emulator got ${emulator.messages.length}`);
  await outbox.close();
  await mailer.close();
  return { store: name, messages: n, enqueuePerSecond: (n * 1000) / enqueueMs, drainPerSecond: (n * 1000) / drainMs, peakInFlight: emulator.peakInFlight(emulator.sender) };
}

/** Runs the benchmark for both stores. */
export async function benchOutbox(n = 500): Promise<OutboxBenchRow[]> {
  const emulator = await startEmulator();
  const dir = mkdtempSync(join(tmpdir(), 'outbox-bench-'));
  const rows: OutboxBenchRow[] = [];
  try {
    rows.push(await measure(emulator, { sqlite: join(dir, 'outbox.db') }, 'sqlite', n));
    const redis = await startRedis();
    if ('url' in redis) {
      try {
        rows.push(await measure(emulator, { redis: redis.url, prefix: 'bench' }, 'bullmq', n));
      } finally {
        await redis.stop();
      }
    } else {
      console.warn(`BullMQ skipped: ${redis.skipReason}`);
    }
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 500);
  const rows = await benchOutbox(n);
  for (const r of rows) {
    console.log(
      `${r.store.padEnd(7)} ${r.messages} messages: enqueue ${r.enqueuePerSecond.toFixed(0)}/s (durable commits), drain ${r.drainPerSecond.toFixed(1)} messages/s at 4 in flight (peak ${r.peakInFlight})`,
    );
  }
}
