import { MailerError, O365OAuthMailer, type Logger } from '../index';
import { Outbox } from './outbox';
import type { OutboxBackend, PacingLimits } from './store-types';
import type { OutboxOptions } from './types';

/** Exchange Online's published limits per app and mailbox. */
export const EXCHANGE_PACING: Readonly<PacingLimits> = {
  maxInFlight: 4,
  recipientsPerDay: 10_000,
  uploadBytesPer5Min: 150 * 1024 * 1024,
};

function invalid(field: string, problem: string, fix: string): MailerError {
  return new MailerError({ code: 'CONFIG_INVALID', message: `createOutbox(): ${field} ${problem}`, fix });
}

function positive(value: unknown, field: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(field, `must be a positive number, not ${JSON.stringify(value)}.`, `Set ${field} to a positive number, or leave it out for the default.`);
  }
  return value;
}

/** Resolved settings shared by both stores. */
export interface ResolvedOutboxOptions {
  mailers: Map<string, O365OAuthMailer>;
  limits: PacingLimits;
  windowMs: number;
  policy: 'park' | 'resend';
  leaseMs: number;
  maxAgeMs: number;
  verifyIntervalMs: number;
  logger: Logger;
}

function resolveOptions(options: OutboxOptions): ResolvedOutboxOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'are missing.', 'Call createOutbox({ mailers, store: { sqlite: "outbox.db" } }).');
  const list = Array.isArray(options.mailers) ? options.mailers : options.mailers === undefined ? [] : [options.mailers];
  const mailers = new Map<string, O365OAuthMailer>();
  list.forEach((m, i) => {
    if (!(m instanceof O365OAuthMailer)) throw invalid(`mailers[${i}]`, 'is not an O365OAuthMailer.', 'Pass the mailers created with new O365OAuthMailer(config), one per sender mailbox.');
    const key = m.sender.toLowerCase();
    if (mailers.has(key)) throw invalid('mailers', `has two mailers for ${m.sender}.`, 'Pass one mailer per sender mailbox: it holds the mailbox\'s request slots.');
    mailers.set(key, m);
  });
  const pacing = options.pacing ?? {};
  const limits: PacingLimits = {
    maxInFlight: Math.floor(positive(pacing.maxInFlight, 'pacing.maxInFlight', EXCHANGE_PACING.maxInFlight)!),
    recipientsPerDay: positive(pacing.recipientsPerDay, 'pacing.recipientsPerDay', EXCHANGE_PACING.recipientsPerDay)!,
    uploadBytesPer5Min: positive(pacing.uploadBytesPer5Min, 'pacing.uploadBytesPer5Min', EXCHANGE_PACING.uploadBytesPer5Min)!,
  };
  const mpm = positive(pacing.messagesPerMinute, 'pacing.messagesPerMinute', undefined);
  if (mpm !== undefined) limits.messagesPerMinute = Math.floor(mpm);
  const policy = options.reconcile?.policy ?? 'park';
  if (policy !== 'park' && policy !== 'resend') throw invalid('reconcile.policy', `must be 'park' or 'resend', not ${JSON.stringify(policy)}.`, "Use 'park' (a person decides) or 'resend'.");
  return {
    mailers,
    limits,
    windowMs: positive(options.reconcile?.windowMs, 'reconcile.windowMs', 15 * 60_000)!,
    policy,
    leaseMs: positive(options.leaseMs, 'leaseMs', 30_000)!,
    maxAgeMs: positive(options.maxAgeMs, 'maxAgeMs', 24 * 3_600_000)!,
    verifyIntervalMs: positive(options.verifyIntervalMs, 'verifyIntervalMs', 60_000)!,
    logger: options.logger ?? {},
  };
}

/**
 * Creates a durable outbox: messages are committed to a store before `enqueue()` resolves, then sent by workers
 * that pace each sender mailbox to Exchange's limits, never send one message twice, and settle ambiguous sends
 * through the sender's Sent Items.
 *
 * `store` is `{ sqlite: path }` (one machine; several processes may share the file; needs `better-sqlite3`) or
 * `{ redis: url | ioredis options }` (a fleet; BullMQ, one queue per sender mailbox; needs `bullmq`).
 *
 * @example
 * ```ts
 * import { createOutbox } from 'o365-oauth-mailer/outbox'
 * const outbox = await createOutbox({ mailers: [mailer], store: { sqlite: 'outbox.db' } })
 * outbox.start()
 * await outbox.enqueue({ to: 'qa@contoso.com', subject: 'Report', text: 'Attached.', attachments: [{ path: 'report.pdf' }] })
 * ```
 * @throws MailerError `CONFIG_INVALID` naming the option, or when the store's package is not installed.
 */
export async function createOutbox(options: OutboxOptions): Promise<Outbox> {
  const o = resolveOptions(options);
  const store = options.store as Record<string, unknown> | undefined;
  const now = Date.now;
  let backend: OutboxBackend;
  let describe: string;
  if (store && typeof store.sqlite === 'string' && store.sqlite !== '') {
    const [{ SqliteStore }, { SqliteBackend }] = await Promise.all([import('./sqlite-store'), import('./sqlite-backend')]);
    backend = new SqliteBackend(await SqliteStore.open(store.sqlite), { senders: [...o.mailers.keys()], limits: o.limits, leaseMs: o.leaseMs, now });
    describe = `sqlite ${store.sqlite}`;
  } else if (store && (typeof store.redis === 'string' || (typeof store.redis === 'object' && store.redis !== null))) {
    const { BullmqBackend } = await import('./bullmq-backend');
    backend = await BullmqBackend.open({
      connection: store.redis as string | Record<string, unknown>,
      prefix: typeof store.prefix === 'string' ? store.prefix : 'o365-outbox',
      senders: [...o.mailers.keys()],
      limits: o.limits,
      leaseMs: o.leaseMs,
      now,
    });
    describe = 'redis';
  } else {
    throw invalid('store', 'must be { sqlite: path } or { redis: url | ioredis options }.', "Pass store: { sqlite: 'outbox.db' } for one machine, or store: { redis: 'redis://host:6379' } for a fleet.");
  }
  return new Outbox({
    backend,
    mailers: o.mailers,
    windowMs: o.windowMs,
    policy: o.policy,
    leaseMs: o.leaseMs,
    maxAgeMs: o.maxAgeMs,
    verifyIntervalMs: o.verifyIntervalMs,
    logger: o.logger,
    now,
    describe,
    telemetry: options.telemetry ?? {},
    storeKind: describe === 'redis' ? 'redis' : 'sqlite',
  });
}
