import { normalizeMessage } from './normalize';
import type { MailMessage } from './types';

/** What {@link validateMessage} found in a valid message. */
export interface ValidatedMessage {
  /** Every recipient address of to, cc and bcc, in order. */
  recipients: string[];
  /** The message's own Message-ID, angle brackets included, when it gives one (`messageId`, or in `raw`/`headers`). */
  messageId?: string;
}

/**
 * Checks a message the way `send()` does before any request, without I/O: addresses, subject, body, headers and
 * attachment fields (files named by `path` are not opened here). Use it to refuse bad input early, e.g. when
 * queuing mail for later.
 *
 * @example
 * ```ts
 * const { recipients } = validateMessage({ to: 'ann@contoso.com', subject: 'Hi', text: 'Hello' })
 * ```
 * @throws MailerError `MESSAGE_INVALID` naming the offending field.
 */
export function validateMessage(message: MailMessage): ValidatedMessage {
  const normalized = normalizeMessage(message);
  return { recipients: normalized.recipients, ...(normalized.messageId !== undefined ? { messageId: normalized.messageId } : {}) };
}
