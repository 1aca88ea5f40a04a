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
  /**
   * Its To, Cc and Bcc addresses and its Message-ID header (angle brackets included), or `'raw'` for a message
   * given whole (nodemailer's `raw`): the mailer then reads them from its header block, as for `send({ raw })`,
   * and adds a Message-ID header when it has none.
   */
  envelope: { recipients: string[]; messageId: string } | 'raw';
  /**
   * Attachments left out of `mime`: the message then goes as a draft created from `mime`, these are added to it
   * (large ones streamed through upload sessions), and the draft is sent.
   */
  separate: readonly NormalizedAttachment[];
  /** Frees what preparing created (spooled temp files); the mailer calls it once the send is settled. */
  dispose(): Promise<void>;
}

/** What the mailer tells the code that prepares a message. @internal */
export interface PrepareContext {
  /** The mailer's `disableFileAccess`: refuse every file path in the message. */
  disableFileAccess: boolean;
  signal?: AbortSignal;
}

/** Builds the message to send, under the mailer's policy. @internal */
export type PrepareMime = (context: PrepareContext) => Promise<PreparedMime>;
