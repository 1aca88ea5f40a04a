import { createOutbox } from '../outbox/create-outbox';
import type { Outbox } from '../outbox/outbox';
import type { OutboxOptions } from '../outbox/types';
import { createTestMailer, type TestMailer, type TestMailerOptions } from './index';

/** Options of {@link createTestOutbox}. */
export interface TestOutboxOptions extends TestMailerOptions {
  /** Outbox options (pacing, reconcile, …) except `mailers` and `store`. @default a 1 s reconciliation window */
  outbox?: Partial<Omit<OutboxOptions, 'mailers' | 'store'>>;
}

/** An outbox in memory (SQLite `:memory:`) in front of a test mailer and its emulator. */
export interface TestOutbox extends TestMailer {
  /** A real outbox: the same code as in production, with an in-memory SQLite store. */
  readonly outbox: Outbox;
}

/**
 * Starts an emulator, a mailer for it and an outbox in memory (needs `better-sqlite3`), for testing code that
 * enqueues mail. The app has Mail.Send and Mail.ReadBasic.All, so ambiguous sends are reconciled as in production.
 * Call `outbox.start()` or `await outbox.drain()` to send, then assert with `expectSent`.
 *
 * @example
 * ```ts
 * import { createTestOutbox } from 'o365-oauth-mailer/testing'
 * const t = await createTestOutbox()
 * await queueWelcomeMail(t.outbox, 'ann@contoso.com')   // your code
 * await t.outbox.drain()
 * t.expectSent({ to: 'ann@contoso.com', subject: /welcome/i }, 1)
 * await t.close()
 * ```
 */
export async function createTestOutbox(options: TestOutboxOptions = {}): Promise<TestOutbox> {
  const t = await createTestMailer({
    ...options,
    emulator: { apps: [{ roles: ['Mail.Send', 'Mail.ReadBasic.All'] }], ...options.emulator },
  });
  let outbox: Outbox;
  try {
    outbox = await createOutbox({ reconcile: { windowMs: 1000 }, ...options.outbox, mailers: t.mailer, store: { sqlite: ':memory:' } });
  } catch (err) {
    await t.close();
    throw err;
  }
  return {
    ...t,
    outbox,
    async close() {
      await outbox.close();
      await t.close();
    },
  };
}
