import { MailerError } from '../errors/mailer-error';

/** Options of {@link O365OAuthMailer.findSent}. */
export interface FindSentOptions {
  /** Ignore mail sent before this moment (the time the message was first handed over is a good choice). */
  since?: Date;
  /** Cancels the lookup with `ABORTED`. */
  signal?: AbortSignal;
}

/** A mail found in the sender's Sent Items. */
export interface SentMessage {
  /** Graph's ID of the item in Sent Items. */
  id: string;
  /** Its Message-ID header, angle brackets included. */
  internetMessageId: string;
  /** When Exchange sent it. */
  sentAt?: Date;
  /** Its subject. */
  subject?: string;
}

/** Reads one Graph message resource of a Sent Items listing. */
export function toSentMessage(value: unknown): SentMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || typeof v.internetMessageId !== 'string') return undefined;
  const out: SentMessage = { id: v.id, internetMessageId: v.internetMessageId };
  if (typeof v.sentDateTime === 'string' && !Number.isNaN(Date.parse(v.sentDateTime))) out.sentAt = new Date(v.sentDateTime);
  if (typeof v.subject === 'string') out.subject = v.subject;
  return out;
}

/**
 * A 403 on the Sent Items lookup means the app may send but not read this mailbox: `CONSENT_MISSING`, with a
 * message and fix that name the read permission instead of Mail.Send.
 */
export function readDenied(err: unknown, sender: string): unknown {
  if (!(err instanceof MailerError) || err.status !== 403 || (err.code !== 'CONSENT_MISSING' && err.code !== 'MAILBOX_ACCESS_DENIED')) return err;
  return new MailerError({
    code: 'CONSENT_MISSING',
    step: 2,
    status: 403,
    ...(err.requestId !== undefined ? { requestId: err.requestId } : {}),
    message: `Microsoft Graph refused to read the Sent Items of ${sender}: the app has no read permission on this mailbox, so a sent mail cannot be looked up (403).`,
    fix: 'In the app registration, add Microsoft Graph › Application permissions › Mail.ReadBasic.All and grant admin consent (steps 2 and 3); with RBAC for Applications, assign the role "Application Mail.ReadBasic" scoped to this mailbox instead.',
    cause: err,
  });
}
