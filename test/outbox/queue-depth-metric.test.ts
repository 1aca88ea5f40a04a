import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestReader } from '../helpers/metric-reader';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { O365OAuthMailer } from '../../src/index';
import { createOutbox, type OutboxEvents } from '../../src/outbox/index';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

describe('the outbox reports its queue depth to OpenTelemetry', () => {
  it('a started outbox: o365.outbox.queue.depth counts queued and sending items, until close()', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const depth = async () => {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics
        .flatMap((s) => s.metrics)
        .filter((m) => m.descriptor.name === 'o365.outbox.queue.depth')
        .flatMap((m) => m.dataPoints.map((p) => ({ value: p.value, attributes: p.attributes })));
    };
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ retry: { maxRetries: 0 } }));
    const outbox = await createOutbox({ mailers: mailer, store: { sqlite: ':memory:' }, pacing: { maxInFlight: 1 }, telemetry: { meterProvider } });
    try {
      // A sender without a licence pauses the outbox on the first send: the three items stay queued.
      emulator.updateMailbox(emulator.sender, { licensed: false });
      const paused = new Promise<OutboxEvents['paused'][0]>((resolve) => outbox.once('paused', resolve));
      for (let i = 0; i < 3; i++) await outbox.enqueue({ to: 'ann@contoso.com', subject: `q${i}`, text: 'x' });
      expect(await depth()).toEqual([]); // not started: nothing reported
      outbox.start();
      await paused;
      await outbox.drain();
      expect(await depth()).toEqual([{ value: 3, attributes: { 'o365.outbox.store': 'sqlite' } }]);
    } finally {
      await outbox.close();
      await mailer.close();
    }
    // Closed: the gauge's callback is gone, so a collection no longer reads the closed store (it would fail).
    expect((await reader.collect()).errors).toEqual([]);
    await meterProvider.shutdown();
  });
});
