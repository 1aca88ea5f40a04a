import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { O365OAuthMailer } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { createOutbox, type Outbox, type OutboxEvents } from '../../src/outbox/index';
import { redisForSuite } from '../helpers/redis';

const { server, skipReason } = await redisForSuite('the BullMQ pacing tests');
const url = 'url' in server ? server.url : '';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadBasic.All'] }] });
});
afterAll(async () => {
  await emulator?.close();
  if ('stop' in server) await server.stop();
});
beforeEach(() => emulator?.reset());

function next<K extends keyof OutboxEvents>(outbox: Outbox, event: K): Promise<OutboxEvents[K][0]> {
  return new Promise((resolve) => (outbox as unknown as { once(e: string, l: (v: unknown) => void): void }).once(event, (v) => resolve(v as OutboxEvents[K][0])));
}

let n = 0;
describe.skipIf(skipReason !== undefined)('BullMQ outbox: budgets and pauses hold the sender queue', () => {
  it('holds the sender once recipientsPerDay is spent, through BullMQ\'s rate limiter, for the rest of the 24 hours', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const prefix = `pace${++n}`;
    const outbox = await createOutbox({ mailers: mailer, store: { redis: url, prefix }, pacing: { recipientsPerDay: 3 } });
    try {
      const first = await outbox.enqueue({ to: ['a@contoso.com', 'b@contoso.com'], subject: 'one', text: 'x' });
      const second = await outbox.enqueue({ to: ['c@contoso.com', 'd@contoso.com'], subject: 'two', text: 'x' });
      const sent = next(outbox, 'sent');
      outbox.start();
      expect((await sent).id).toBe(first.id);
      // The second message would make 4 recipients of 3: the worker rate-limits the sender's queue until the first
      // message's share leaves the 24-hour window.
      const { Queue } = await import('bullmq');
      const queue = new Queue(`mailbox-${emulator.sender}`, { connection: { url }, prefix });
      let ttl = 0;
      while (ttl <= 0) {
        ttl = await queue.getRateLimitTtl();
        if (ttl <= 0) await new Promise((r) => setTimeout(r, 20));
      }
      await queue.close();
      expect(ttl).toBeGreaterThan(23 * 3_600_000);
      expect(ttl).toBeLessThanOrEqual(24 * 3_600_000);
      expect(await outbox.get(second.id)).toMatchObject({ state: 'queued', attempts: 0 });
      expect(emulator.messages.map((m) => m.subject)).toEqual(['one']);
    } finally {
      await outbox.close();
      await mailer.close();
    }
  });

  it('pauses the sender queue on a setup error and sends everything after resume(sender)', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ retry: { maxRetries: 0 } }));
    const outbox = await createOutbox({ mailers: mailer, store: { redis: url, prefix: `pause${++n}` } });
    try {
      emulator.updateMailbox(emulator.sender, { licensed: false });
      const paused = next(outbox, 'paused');
      for (let i = 0; i < 3; i++) await outbox.enqueue({ to: 'ann@contoso.com', subject: `p${i}`, text: 'x' });
      outbox.start();
      expect((await paused).error.code).toBe('MAILBOX_NOT_FOUND');
      await outbox.drain();
      const stats = await outbox.stats();
      expect(stats.states.queued).toBe(3);
      expect(stats.senders[0]?.paused?.code).toBe('MAILBOX_NOT_FOUND');
      emulator.updateMailbox(emulator.sender, { licensed: true });
      await outbox.resume(emulator.sender);
      await outbox.drain();
      expect(emulator.messages.map((m) => m.subject).sort()).toEqual(['p0', 'p1', 'p2']);
      expect((await outbox.stats()).senders[0]?.paused).toBeUndefined();
    } finally {
      await outbox.close();
      await mailer.close();
    }
  });

  it('gives the same item for the same idempotency key', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const outbox = await createOutbox({ mailers: mailer, store: { redis: url, prefix: `idem${++n}` } });
    try {
      const a = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'once', text: 'x' }, { idempotencyKey: 'order-1' });
      const b = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'once', text: 'x' }, { idempotencyKey: 'order-1' });
      expect(b).toEqual(a);
      await outbox.drain();
      expect(await outbox.enqueue({ to: 'ann@contoso.com', subject: 'once', text: 'x' }, { idempotencyKey: 'order-1' })).toEqual(a);
      await outbox.drain();
      expect(emulator.messages).toHaveLength(1);
    } finally {
      await outbox.close();
      await mailer.close();
    }
  });
});
