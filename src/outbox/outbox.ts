import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { MailerError, validateMessage, type Logger, type MailMessage, type O365OAuthMailer, type TelemetryOptions } from '../index';
import { observeQueueDepth } from '../telemetry/queue-depth';
import { attachmentInputs } from './attachment-input';
import { runItem, toMailerError, type EngineSettings } from './engine';
import { encodeMessage } from './message-codec';
import type { ItemRow, OutboxBackend, StatsRow } from './store-types';
import type {
  EnqueueOptions,
  EnqueueResult,
  ListOptions,
  OutboxEvents,
  OutboxItem,
  OutboxSenderStats,
  OutboxStats,
} from './types';

/** Everything an {@link Outbox} is made of, resolved by `createOutbox`. */
export interface OutboxParts {
  backend: OutboxBackend;
  mailers: ReadonlyMap<string, O365OAuthMailer>;
  windowMs: number;
  policy: 'park' | 'resend';
  leaseMs: number;
  maxAgeMs: number;
  verifyIntervalMs: number;
  logger: Logger;
  now: () => number;
  /** A short name of the store for `util.inspect`. */
  describe: string;
  /** Where the queue depth gauge goes. */
  telemetry: TelemetryOptions;
  /** `o365.outbox.store` of the gauge. */
  storeKind: 'sqlite' | 'redis';
}

function toItem(row: ItemRow): OutboxItem {
  const item: OutboxItem = {
    id: row.id,
    state: row.state,
    attempts: row.attempts,
    messageId: row.messageId,
    sender: row.sender,
    createdAt: new Date(row.createdAt),
  };
  if (row.sentAt !== undefined) item.sentAt = new Date(row.sentAt);
  if (row.error !== undefined) item.error = toMailerError(row.error);
  if (row.parked) item.parked = true;
  if (row.idempotencyKey !== undefined) item.idempotencyKey = row.idempotencyKey;
  return item;
}

function toSenderStats(row: StatsRow): OutboxSenderStats {
  const out: OutboxSenderStats = { sender: row.sender, states: row.states, parked: row.parked };
  if (row.paused) out.paused = { code: row.paused.code, message: row.paused.message, since: new Date(row.paused.since) };
  if (row.throttledUntil !== undefined) out.throttledUntil = new Date(row.throttledUntil);
  return out;
}

/** A Message-ID for the sender's domain: `<uuid@domain>`. */
function newMessageId(sender: string): string {
  const domain = sender.split('@')[1] ?? 'localhost';
  return `<${randomUUID()}@${domain}>`;
}

/**
 * A durable outbox in front of one or more mailers. Create it with `createOutbox`. Events: `sent`, `failed`,
 * `unknown`, `paused` and `resumed`.
 *
 * @example
 * ```ts
 * const outbox = await createOutbox({ mailers: mailer, store: { sqlite: '/var/lib/app/outbox.db' } })
 * outbox.on('failed', ({ id, error }) => console.error(id, error.code, error.fix))
 * outbox.start()
 * const { id } = await outbox.enqueue({ to: 'qa@contoso.com', subject: 'Report', text: 'Attached.' })
 * ```
 */
export class Outbox extends EventEmitter<OutboxEvents> {
  readonly #p: OutboxParts;
  readonly #settings: EngineSettings;
  readonly #pausedHere = new Set<string>();
  #started = false;
  #closed = false;
  #verifyTimer: NodeJS.Timeout | undefined;
  #stopDepth: Promise<() => void> | undefined;
  #verifying = false;
  #drainWake: (() => void) | undefined;

  /** @internal Use `createOutbox`. */
  constructor(parts: OutboxParts) {
    super();
    this.#p = parts;
    this.#settings = {
      mailers: parts.mailers,
      windowMs: parts.windowMs,
      policy: parts.policy,
      leaseMs: parts.leaseMs,
      maxAgeMs: parts.maxAgeMs,
      logger: parts.logger,
      now: parts.now,
      emit: (event, ...args) => this.#emit(event, ...args),
    };
  }

  /**
   * Validates the message and stores it, with its attachments, durably: the promise resolves only once the
   * commit is on disk (SQLite) or in Redis. A `path` attachment is copied in, so the caller may delete the file
   * afterwards; large files are copied in chunks, never held in memory whole.
   *
   * @throws MailerError `MESSAGE_INVALID` for a message `send()` would refuse, `CONFIG_INVALID` for an unknown or
   *   missing sender.
   */
  async enqueue(message: MailMessage, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    this.#assertOpen();
    const validated = validateMessage(message);
    const sender = this.#senderFor(options.sender);
    const { attachments, ...rest } = message;
    const stored = encodeMessage(rest as Record<string, unknown>);
    // Fixed now, so that it is durable before the first send: it is how Sent Items finds the mail later.
    const messageId = validated.messageId ?? newMessageId(sender);
    delete stored.messageId;
    const id = randomUUID();
    const existing = await this.#p.backend.enqueue(
      {
        id,
        sender,
        messageId,
        message: stored,
        recipients: validated.recipients.length,
        createdAt: this.#p.now(),
        ...(options.idempotencyKey !== undefined ? { idempotencyKey: String(options.idempotencyKey) } : {}),
      },
      attachmentInputs(attachments),
    );
    return existing ? { id: existing.id, messageId: existing.messageId } : { id, messageId };
  }

  /** Starts sending in this process, for the senders it has mailers for. Idempotent. */
  start(): void {
    this.#assertOpen();
    if (this.#started) return;
    if (this.#p.mailers.size === 0) {
      throw new MailerError({
        code: 'CONFIG_INVALID',
        message: 'This outbox has no mailers, so it cannot send: start() needs at least one.',
        fix: 'Pass the mailers to createOutbox({ mailers: [mailer], store }) in the process that sends.',
      });
    }
    this.#started = true;
    this.#p.backend.start((item, ops) => runItem(this.#settings, item, ops));
    this.#verifyTimer = setInterval(() => void this.#checkPaused(), this.#p.verifyIntervalMs);
    this.#verifyTimer.unref();
    // Queued and sending items, read at each metric collection (nothing without @opentelemetry/api).
    this.#stopDepth = observeQueueDepth(
      {
        read: async () => {
          const { states } = await this.stats();
          return states.queued + states.sending;
        },
        attributes: { 'o365.outbox.store': this.#p.storeKind },
      },
      this.#p.telemetry,
    ).catch(() => () => undefined);
  }

  /**
   * Resolves when nothing is left to do but parked items: every item is `sent`, `failed` or a parked `unknown`,
   * or waits in the queue of a paused sender. Starts the outbox if it was not started and has mailers; without
   * mailers it waits for other processes to do the work.
   */
  async drain(): Promise<void> {
    if (this.#p.mailers.size > 0) this.start();
    for (;;) {
      if ((await this.#p.backend.pending()) === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#drainWake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#drainWake = undefined;
      this.#assertOpen();
    }
  }

  /** Stops taking items, waits for the sends in progress to be recorded, and closes the store. The mailers stay open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#verifyTimer) clearInterval(this.#verifyTimer);
    (await this.#stopDepth)?.();
    await this.#p.backend.close();
    this.#drainWake?.();
  }

  /** One item, or `undefined` when there is none with this ID. */
  async get(id: string): Promise<OutboxItem | undefined> {
    const row = await this.#p.backend.get(id);
    return row && toItem(row);
  }

  /** Items, oldest first. */
  async list(options: ListOptions = {}): Promise<OutboxItem[]> {
    return (await this.#p.backend.list(options)).map(toItem);
  }

  /**
   * Queues a `failed` or `unknown` item again. On an `unknown` item this is a person's decision that the mail did
   * not go out: it is sent again. Resolves false when there is no such item or it is not failed, unknown or queued.
   */
  async retry(id: string): Promise<boolean> {
    return this.#p.backend.retry(id);
  }

  /** Removes an item and its attachments (not while a worker is sending it). Resolves false when nothing was removed. */
  async drop(id: string): Promise<boolean> {
    return this.#p.backend.drop(id);
  }

  /** Resumes a sender paused by a setup error, once the setup is fixed. */
  async resume(sender: string): Promise<void> {
    const key = sender.toLowerCase();
    const was = await this.#p.backend.resume(key);
    if (was || this.#pausedHere.has(key)) this.#resumed(key);
  }

  /** Counts per state and sender, with paused and throttled senders. */
  async stats(): Promise<OutboxStats> {
    const rows = (await this.#p.backend.stats()).map(toSenderStats);
    const states = { queued: 0, sending: 0, sent: 0, failed: 0, unknown: 0 };
    let parked = 0;
    for (const r of rows) {
      for (const k of Object.keys(states) as Array<keyof typeof states>) states[k] += r.states[k];
      parked += r.parked;
    }
    return { states, parked, senders: rows };
  }

  /** A short description: the store and the senders, nothing secret. */
  [inspect.custom](): string {
    return `Outbox { store: ${this.#p.describe}, senders: ${inspect([...this.#p.mailers.keys()])} }`;
  }

  #emit<K extends keyof OutboxEvents>(event: K, ...args: OutboxEvents[K]): void {
    if (event === 'paused') {
      const { sender, error } = args[0] as OutboxEvents['paused'][0];
      if (this.#pausedHere.has(sender)) return;
      this.#pausedHere.add(sender);
      this.#p.logger.error?.(
        `Sending from ${sender} is paused by a setup problem (${error.code}): ${error.message} Its mail stays queued. Fix: ${error.fix ?? 'see the error code in docs/troubleshooting.md'} It resumes by itself once verify() passes, or with outbox.resume('${sender}').`,
        { sender, code: error.code },
      );
    }
    this.#drainWake?.();
    try {
      (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (err) {
      this.#p.logger.error?.(`A listener of the outbox's "${event}" event threw; the outbox carries on.`, { error: String((err as Error)?.message ?? err) });
    }
  }

  #resumed(sender: string): void {
    this.#pausedHere.delete(sender);
    this.#p.logger.info?.(`Sending from ${sender} resumes.`, { sender });
    this.#p.backend.wake();
    this.#emit('resumed', { sender });
  }

  async #checkPaused(): Promise<void> {
    if (this.#verifying || this.#closed) return;
    this.#verifying = true;
    try {
      const paused = await this.#p.backend.pausedSenders();
      for (const sender of paused.keys()) {
        const mailer = this.#p.mailers.get(sender);
        if (!mailer || this.#closed) continue;
        const report = await mailer.verify().catch(() => undefined);
        if (report?.ok && (await this.#p.backend.resume(sender))) this.#resumed(sender);
      }
    } catch (err) {
      this.#p.logger.warn?.('Checking paused senders failed; trying again later.', { error: String((err as Error)?.message ?? err) });
    } finally {
      this.#verifying = false;
    }
  }

  #senderFor(given: string | undefined): string {
    if (given !== undefined) {
      if (typeof given !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(given)) {
        throw new MailerError({
          code: 'CONFIG_INVALID',
          message: `enqueue(): sender must be a mailbox address like lab@contoso.com, not ${JSON.stringify(given)}.`,
          fix: "Pass the sender mailbox (the mailer's `sender`) as { sender }.",
        });
      }
      return given.toLowerCase();
    }
    if (this.#p.mailers.size === 1) return [...this.#p.mailers.keys()][0]!;
    throw new MailerError({
      code: 'CONFIG_INVALID',
      message: `enqueue(): this outbox has ${this.#p.mailers.size} mailers, so it cannot guess the sender.`,
      fix: `Pass { sender } to enqueue(), one of: ${[...this.#p.mailers.keys()].join(', ') || '(none)'}.`,
    });
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new MailerError({ code: 'CONFIG_INVALID', message: 'The outbox is closed.', fix: 'Create a new outbox with createOutbox().' });
    }
  }
}
