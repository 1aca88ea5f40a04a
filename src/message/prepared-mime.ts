import type { NormalizedAttachment } from './normalized';

/**
 * The key of the mailer's method that sends a MIME message built elsewhere (by the nodemailer transport). A
 * registered symbol, so that the transport of one module system (ESM, CommonJS) finds it on a mailer of the other.
 *
 * @internal
 */
export const SEND_PREPARED_MIME: unique symbol = Symbol.for('o365-oauth-mailer.sendPreparedMime') as never;

/** A MIME message built outside the mailer, ready to send. @internal */
export interface PreparedMime {
  /** The RFC 822 message, at most about 3 MB (CRLF line ends, Bcc header kept). */
  mime: Buffer;
  /** Its To, Cc and Bcc addresses. */
  recipients: string[];
  /** Its Message-ID header, angle brackets included. */
  messageId: string;
  /**
   * Attachments left out of `mime`: the message then goes as a draft created from `mime`, these are added to it
   * (large ones streamed through upload sessions), and the draft is sent. The caller disposes them.
   */
  separate: readonly NormalizedAttachment[];
}
