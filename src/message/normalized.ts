import type { Readable } from 'node:stream';
import type { AddressObject } from './types';

/**
 * A validated, normalised attachment. Its bytes are not held unless they were given in memory: `open()` streams
 * them on demand, as often as needed (a retried upload re-opens from an offset).
 */
export interface NormalizedAttachment {
  /** File name shown to recipients (validated: no control characters). */
  name: string;
  /** MIME type (given, or guessed from the file name). */
  contentType: string;
  /** True when `cid` was given. */
  isInline: boolean;
  /** The Content-ID, when inline. */
  contentId?: string;
  /** Exact size in bytes. */
  size: number;
  /** The bytes from `start` (inclusive) to `end` (exclusive; default the end), as a stream. */
  open(start?: number, end?: number): Readable;
  /**
   * The bytes from `start` to `end` (exclusive), read into `scratch` (at least `end - start` long) and returned as
   * a view of it, or, for bytes already in memory, a view of those (never copied). Uploads reuse one `scratch`
   * per attachment instead of allocating per chunk. Optional: without it, uploads copy from {@link open}.
   */
  readRange?(start: number, end: number, scratch: Buffer): Promise<Uint8Array>;
  /** All bytes in memory. Only called for attachments small enough to travel inline (under 3 MB). */
  read(): Promise<Buffer>;
  /** Frees what `resolveAttachments` created for it (a spooled temp file). Safe to call twice. */
  dispose(): Promise<void>;
}

/** A validated message with its parts in Graph's shape, ready to build a request from. */
export interface NormalizedMessage {
  /** Send-as address, when it differs from the sender mailbox. */
  from?: AddressObject;
  to: AddressObject[];
  cc: AddressObject[];
  bcc: AddressObject[];
  replyTo: AddressObject[];
  subject: string;
  body: { contentType: 'Text' | 'HTML'; content: string };
  importance?: 'low' | 'normal' | 'high';
  /** Internet headers in order (an array value repeated). JSON carries them only when `mimeReasons` is unset. */
  headers: Array<{ name: string; value: string }>;
  /** Every recipient address of to, cc and bcc, in order, as given. */
  recipients: string[];
  /** The caller's Message-ID, in angle brackets, when given. */
  messageId?: string;
  /**
   * The fields Graph's JSON message would lose (`text+html`, `alternatives`, `icalEvent`, `inReplyTo`, `headers`,
   * `raw`, `attachments[1].headers`…): when set, the message goes as MIME. Unset for a JSON message.
   */
  mimeReasons?: string[];
}
