import { Readable } from 'node:stream';
import { MailerError, type Attachment, type Logger, type MailMessage, type O365OAuthMailer } from '../index';
import { classifySendFailure, isReadPermissionError } from './classify';
import { decodeMessage } from './message-codec';
import { storedError, type StoredError } from './stored-error';
import type { OutboxEvents, StoredMessage } from './types';

/** An attachment as stored: its fields, and its bytes elsewhere in the store. */
export interface AttachmentMeta {
  filename: string;
  contentType?: string;
  cid?: string;
  size: number;
}

/** An item a worker holds (SQLite: under a lease; BullMQ: as an active job). */
export interface ClaimedItem {
  id: string;
  sender: string;
  /** `sending` here means a worker stopped (crash, lost lease) before recording Graph's answer. */
  state: 'queued' | 'sending' | 'unknown';
  attempts: number;
  messageId: string;
  createdAt: number;
  reconcileUntil?: number;
  message: StoredMessage;
  attachments: AttachmentMeta[];
}

/** What became of one turn of an item; the store commits it, then the outbox emits the event. */
export type Outcome =
  | { kind: 'sent'; sentAt: number; reconciled: boolean }
  | { kind: 'failed'; error: StoredError }
  /** Newly ambiguous: look for it in Sent Items until `reconcileUntil`, first at `checkAt`. */
  | { kind: 'unknown'; error: StoredError; reconcileUntil: number; checkAt: number }
  /** Still ambiguous: look again at `at`. */
  | { kind: 'check'; at: number }
  | { kind: 'park'; note?: string }
  | { kind: 'resend' }
  /** Provably not sent: try again at `at`. */
  | { kind: 'retry'; at: number; error: StoredError }
  /** Provably not sent: the sender's whole queue waits until `until`. */
  | { kind: 'throttle'; until: number; error: StoredError }
  /** Provably not sent: the sender is paused by a setup error. */
  | { kind: 'pause'; error: StoredError };

/** What a store does for the engine around one claimed item. */
export interface ItemOps {
  /** Write-ahead: commits the item as `sending` (attempts + 1) before anything goes to Graph. */
  markSending(): Promise<void>;
  /** Commits the outcome. */
  commit(outcome: Outcome): Promise<void>;
  /** Streams attachment `index`'s bytes from the store. */
  openAttachment(index: number): Readable;
  /** Extends the claim while a send runs; resolves false when it was lost. */
  renew(): Promise<boolean>;
}

/** Settings the engine works with. */
export interface EngineSettings {
  mailers: ReadonlyMap<string, O365OAuthMailer>;
  windowMs: number;
  policy: 'park' | 'resend';
  leaseMs: number;
  maxAgeMs: number;
  logger: Logger;
  now: () => number;
  emit: <K extends keyof OutboxEvents>(event: K, ...args: OutboxEvents[K]) => void;
}

/** How often an `unknown` item is looked up within the reconciliation window. */
export function checkInterval(windowMs: number): number {
  return Math.min(60_000, Math.max(200, Math.round(windowMs / 5)));
}

/** Backoff for provably-unsent failures: 2 s doubling per attempt, at most 5 minutes, with jitter. */
export function retryDelay(attempts: number): number {
  const ceiling = Math.min(300_000, 2_000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

const CRASHED =
  'The worker that was sending this item stopped (a crash, a kill or a lost lease) before it recorded Microsoft Graph\'s answer: the mail may have been sent. It is looked up in Sent Items instead of being sent again.';

/** The message `send()` gets: the stored fields, the Message-ID fixed at enqueue, and attachments streamed from the store. */
export function rebuildMessage(item: ClaimedItem, ops: ItemOps): MailMessage {
  const attachments: Attachment[] = item.attachments.map((a, i) => ({
    filename: a.filename,
    content: ops.openAttachment(i),
    ...(a.contentType !== undefined ? { contentType: a.contentType } : {}),
    ...(a.cid !== undefined ? { cid: a.cid } : {}),
  }));
  return { ...decodeMessage(item.message), messageId: item.messageId, ...(attachments.length ? { attachments } : {}) } as MailMessage;
}

/**
 * One turn of one claimed item: an ambiguous item is reconciled through Sent Items; a queued one is committed as
 * `sending`, sent, and committed as what Graph answered. Commits through `ops`, then emits the event.
 */
export async function runItem(s: EngineSettings, item: ClaimedItem, ops: ItemOps): Promise<Outcome> {
  const outcome = await decide(s, item, ops);
  await ops.commit(outcome);
  announce(s, item, outcome);
  return outcome;
}

async function decide(s: EngineSettings, item: ClaimedItem, ops: ItemOps): Promise<Outcome> {
  const now = s.now();
  if (item.state === 'sending') {
    return { kind: 'unknown', error: { code: 'DELIVERY_UNKNOWN', message: CRASHED }, reconcileUntil: now + s.windowMs, checkAt: now };
  }
  const mailer = s.mailers.get(item.sender.toLowerCase());
  if (!mailer) throw new Error(`No mailer for ${item.sender}`);
  if (item.state === 'unknown') return reconcile(s, item, mailer);

  await ops.markSending();
  const renewal = setInterval(() => {
    ops.renew().catch(() => undefined);
  }, Math.max(100, Math.floor(s.leaseMs / 3)));
  try {
    await mailer.send(rebuildMessage(item, ops));
    return { kind: 'sent', sentAt: s.now(), reconciled: false };
  } catch (err) {
    return afterFailure(s, item, err);
  } finally {
    clearInterval(renewal);
  }
}

function afterFailure(s: EngineSettings, item: ClaimedItem, err: unknown): Outcome {
  const error = err instanceof MailerError ? err : new MailerError({ code: 'UNKNOWN', message: `send() failed unexpectedly: ${String((err as Error)?.message ?? err)}`, cause: err });
  const stored = storedError(error);
  const now = s.now();
  const tooOld = now - item.createdAt > s.maxAgeMs;
  switch (classifySendFailure(error.code)) {
    case 'throttle': {
      if (tooOld) return { kind: 'failed', error: stored };
      const until = now + (error.retryAfterMs ?? retryDelay(item.attempts + 1));
      return { kind: 'throttle', until, error: stored };
    }
    case 'retry':
      if (tooOld) return { kind: 'failed', error: stored };
      return { kind: 'retry', at: now + (error.retryAfterMs ?? retryDelay(item.attempts + 1)), error: stored };
    case 'pause':
      return { kind: 'pause', error: stored };
    case 'failed':
      return { kind: 'failed', error: stored };
    default:
      // Sent Items usually shows a sent mail within seconds: a first look soon, then every interval.
      return { kind: 'unknown', error: stored, reconcileUntil: now + s.windowMs, checkAt: now + Math.min(1000, checkInterval(s.windowMs)) };
  }
}

async function reconcile(s: EngineSettings, item: ClaimedItem, mailer: O365OAuthMailer): Promise<Outcome> {
  const until = item.reconcileUntil ?? s.now();
  try {
    const found = await mailer.findSent(item.messageId, { since: new Date(item.createdAt - 60_000) });
    if (found) return { kind: 'sent', sentAt: found.sentAt?.getTime() ?? s.now(), reconciled: true };
  } catch (err) {
    const code = err instanceof MailerError ? err.code : undefined;
    if (isReadPermissionError(code)) {
      s.logger.warn?.(
        `Cannot look up ${item.messageId} in the Sent Items of ${item.sender} (${code}): the item stays unknown. Grant the app Microsoft Graph › Application permission Mail.ReadBasic.All to let the outbox reconcile.`,
        { id: item.id },
      );
      return { kind: 'park', note: 'no read permission' };
    }
    // A failed lookup proves nothing either way: look again, whatever the window says.
    s.logger.warn?.(`Looking up ${item.messageId} in Sent Items failed; trying again.`, { id: item.id, code });
    return { kind: 'check', at: s.now() + checkInterval(s.windowMs) };
  }
  const now = s.now();
  if (now < until) return { kind: 'check', at: Math.min(until, now + checkInterval(s.windowMs)) };
  if (s.policy === 'resend') {
    s.logger.warn?.(`${item.messageId} is not in the Sent Items of ${item.sender} after the reconciliation window: sending it again (policy 'resend').`, { id: item.id });
    return { kind: 'resend' };
  }
  s.logger.warn?.(`${item.messageId} is not in the Sent Items of ${item.sender} after the reconciliation window: parked for a person to decide (retry or drop).`, { id: item.id });
  return { kind: 'park' };
}

function announce(s: EngineSettings, item: ClaimedItem, outcome: Outcome): void {
  const { id, sender, messageId } = item;
  switch (outcome.kind) {
    case 'sent':
      s.emit('sent', { id, sender, messageId, sentAt: new Date(outcome.sentAt), reconciled: outcome.reconciled });
      break;
    case 'failed':
      s.emit('failed', { id, sender, messageId, error: toMailerError(outcome.error) });
      break;
    case 'unknown':
      s.emit('unknown', { id, sender, messageId, error: toMailerError(outcome.error) });
      break;
    case 'pause':
      s.emit('paused', { sender, error: toMailerError(outcome.error) });
      break;
    default:
      break;
  }
}

/** Turns a stored error back into a {@link MailerError}. */
export function toMailerError(e: StoredError): MailerError {
  return new MailerError(e as ConstructorParameters<typeof MailerError>[0]);
}

/** Stream of the given buffers, pulled one at a time. */
export function pullStream(next: () => Buffer | null): Readable {
  return new Readable({
    read() {
      try {
        this.push(next());
      } catch (err) {
        this.destroy(err as Error);
      }
    },
  });
}
