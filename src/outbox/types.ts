import type { Logger, MailMessage, MailerError, O365OAuthMailer } from '../index';

/**
 * Where an outbox keeps its items: one SQLite file for one machine (several processes may share it), or Redis
 * through BullMQ for a fleet of workers.
 */
export type OutboxStoreOption =
  | {
      /** A SQLite database file (created when missing), or `':memory:'` for a throw-away outbox in tests. */
      sqlite: string;
    }
  | {
      /** A Redis URL (`redis://host:6379/0`) or ioredis options. Use AOF persistence (`appendonly yes`). */
      redis: string | Record<string, unknown>;
      /** Prefix of every Redis key the outbox and BullMQ write. @default 'o365-outbox' */
      prefix?: string;
    };

/** What happens to an `unknown` item that Sent Items never showed. */
export interface ReconcileOptions {
  /**
   * How long to keep looking for an `unknown` item in the sender's Sent Items (it can lag behind the send by
   * minutes). The item is looked up several times within the window. @default 900000 (15 minutes)
   */
  windowMs?: number;
  /**
   * Not found after the window: `'park'` leaves the item `unknown` for a person to decide (`retry(id)` sends it
   * again, `drop(id)` forgets it); `'resend'` queues it again. @default 'park'
   */
  policy?: 'park' | 'resend';
}

/**
 * Pacing per sender mailbox, across every process that shares the store. The defaults are Exchange Online's
 * published limits per app and mailbox.
 */
export interface PacingOptions {
  /** Requests in flight to Graph for one mailbox. @default 4 */
  maxInFlight?: number;
  /** Recipients (to, cc and bcc) per rolling 24 hours. @default 10000 */
  recipientsPerDay?: number;
  /** Attachment bytes per rolling 5 minutes. @default 157286400 (150 MB) */
  uploadBytesPer5Min?: number;
  /** Messages per minute. @default off */
  messagesPerMinute?: number;
}

/** Options of {@link createOutbox}. */
export interface OutboxOptions {
  /** One mailer per sender mailbox. A process without mailers can enqueue and manage items, but not send them. */
  mailers: O365OAuthMailer | readonly O365OAuthMailer[];
  /** `{ sqlite: path }` (the embedded default) or `{ redis: url | ioredis options }`. */
  store: OutboxStoreOption;
  /** Reconciliation of `unknown` items through the sender's Sent Items. */
  reconcile?: ReconcileOptions;
  /** Pacing per sender mailbox. */
  pacing?: PacingOptions;
  /**
   * How long a worker's claim on an item holds. A live worker renews it while it sends; after a crash, another
   * worker takes the item over once the lease runs out (as an ambiguous `sending` item). @default 30000
   */
  leaseMs?: number;
  /** How long provably-unsent failures (throttling, outages, network) are retried before the item fails. @default 86400000 (24 h) */
  maxAgeMs?: number;
  /** How often a paused sender's `verify()` is run to resume it by itself. @default 60000 */
  verifyIntervalMs?: number;
  /** Where the outbox logs pauses, resumes and reconciliations. @default silent */
  logger?: Logger;
}

/** Options of {@link Outbox.enqueue}. */
export interface EnqueueOptions {
  /** The sender mailbox. @default the sender of the only mailer */
  sender?: string;
  /** The same key twice gives the same item (and one mail). */
  idempotencyKey?: string;
}

/** What {@link Outbox.enqueue} resolves to once the message is durably committed. */
export interface EnqueueResult {
  /** The item's ID. */
  id: string;
  /** The Message-ID header the recipient will see, angle brackets included. */
  messageId: string;
}

/** The life of an item: `queued` → `sending` → `sent` | `failed` | `unknown`. */
export type OutboxItemState = 'queued' | 'sending' | 'sent' | 'failed' | 'unknown';

/** One item of the outbox. */
export interface OutboxItem {
  /** The item's ID. */
  id: string;
  /** Where it is. */
  state: OutboxItemState;
  /** Sends attempted so far (each one committed as `sending` first). */
  attempts: number;
  /** The Message-ID header, angle brackets included. */
  messageId: string;
  /** The sender mailbox. */
  sender: string;
  /** When it was enqueued. */
  createdAt: Date;
  /** When Graph accepted it (or when Sent Items showed it). */
  sentAt?: Date;
  /** Why it failed, or why it is `unknown`. */
  error?: MailerError;
  /** True for an `unknown` item that reconciliation gave up on: it waits for `retry(id)` or `drop(id)`. */
  parked?: boolean;
  /** The idempotency key it was enqueued with. */
  idempotencyKey?: string;
}

/** A paused sender mailbox. */
export interface OutboxPause {
  /** The setup error that paused it. */
  code: string;
  /** Its message. */
  message: string;
  /** When. */
  since: Date;
}

/** Counts of one sender mailbox. */
export interface OutboxSenderStats {
  /** The mailbox. */
  sender: string;
  /** Items per state. */
  states: Record<OutboxItemState, number>;
  /** `unknown` items waiting for a person. */
  parked: number;
  /** Set while the sender is paused by a setup error. */
  paused?: OutboxPause;
  /** Set while a `THROTTLED` answer holds the sender's whole queue. */
  throttledUntil?: Date;
}

/** What {@link Outbox.stats} returns. */
export interface OutboxStats {
  /** Items per state, all senders together. */
  states: Record<OutboxItemState, number>;
  /** `unknown` items waiting for a person. */
  parked: number;
  /** Per sender mailbox. */
  senders: OutboxSenderStats[];
}

/** Options of {@link Outbox.list}. */
export interface ListOptions {
  /** Only items in this state. */
  state?: OutboxItemState;
  /** Only items of this sender. */
  sender?: string;
  /** At most this many, oldest first. @default 100 */
  limit?: number;
}

/** Payloads of the outbox's events. */
export interface OutboxEvents {
  /** Graph accepted an item, or reconciliation found it in Sent Items (`reconciled: true`). */
  sent: [OutboxSentEvent];
  /** An item failed for good. */
  failed: [OutboxFailedEvent];
  /** An item may or may not have been sent; reconciliation looks for it in Sent Items. */
  unknown: [OutboxFailedEvent];
  /** A setup error paused a sender; its items stay `queued`. */
  paused: [OutboxPausedEvent];
  /** A paused sender resumes. */
  resumed: [OutboxResumedEvent];
}

/** The `sent` event of {@link OutboxEvents}. */
export interface OutboxSentEvent {
  /** The item's ID (what `enqueue()` returned). */
  id: string;
  /** The sending mailbox. */
  sender: string;
  /** The Message-ID recipients see, angle brackets included. */
  messageId: string;
  /** When Graph accepted it (or, reconciled, when Sent Items shows it sent). */
  sentAt: Date;
  /** True when reconciliation found it in Sent Items after an ambiguous send. */
  reconciled: boolean;
}

/** The `failed` and `unknown` events of {@link OutboxEvents}. */
export interface OutboxFailedEvent {
  /** The item's ID (what `enqueue()` returned). */
  id: string;
  /** The sending mailbox. */
  sender: string;
  /** The Message-ID the mail carries (or would have carried), angle brackets included. */
  messageId: string;
  /** Why: `code`, `step` and `fix`. */
  error: MailerError;
}

/** The `paused` event of {@link OutboxEvents}. */
export interface OutboxPausedEvent {
  /** The sending mailbox that is paused. */
  sender: string;
  /** The setup error that paused it: `code`, `step` and `fix`. */
  error: MailerError;
}

/** The `resumed` event of {@link OutboxEvents}. */
export interface OutboxResumedEvent {
  /** The sending mailbox that sends again. */
  sender: string;
}

/** The message as stored: everything but the attachments' bytes. */
export type StoredMessage = Omit<MailMessage, 'attachments'>;
