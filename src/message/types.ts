import type { Readable } from 'node:stream';

/** An address with an optional display name, as nodemailer takes it. */
export interface AddressObject {
  /** Display name, e.g. `Ann Lee`. */
  name?: string;
  /** The email address, e.g. `ann@contoso.com`. */
  address: string;
}

/**
 * One or more addresses: `'a@x.com'`, `'Ann Lee <ann@x.com>'`, a comma-separated list of those,
 * `{ name, address }`, or an array of any of these.
 */
export type Address = string | AddressObject | Array<string | AddressObject>;

/** A file to attach. Give `content` or `path`. */
export interface Attachment {
  /** The file name shown to recipients. Required with `content`; defaults to the base name of `path`. */
  filename?: string;
  /** The bytes: a string (UTF-8), a Buffer, a Uint8Array, or a readable stream. */
  content?: string | Buffer | Uint8Array | Readable;
  /** A file to read. Large files are streamed, never read into memory whole. */
  path?: string;
  /** MIME type. @default guessed from the file name, else `application/octet-stream` */
  contentType?: string;
  /** Content-ID for an inline image referenced as `<img src="cid:...">`: sets `isInline` and `contentId`. */
  cid?: string;
}

/** A message, with nodemailer's field names so existing code ports easily. */
export interface MailMessage {
  /**
   * Send as another address, e.g. a shared mailbox. The sender mailbox needs Send As rights on it in Exchange
   * (else `SEND_AS_DENIED`). @default the configured `sender` mailbox
   */
  from?: string | AddressObject;
  /** Recipients. At least one of `to`, `cc` or `bcc` is required; at most 500 in all. */
  to?: Address;
  /** Copy recipients. */
  cc?: Address;
  /** Blind-copy recipients. */
  bcc?: Address;
  /** Where replies go. */
  replyTo?: Address;
  /** The subject. A line break is folded to a space. */
  subject?: string;
  /** Plain-text body. */
  text?: string;
  /** HTML body. Graph carries one body: when both `html` and `text` are given, `html` wins. */
  html?: string;
  /** Files to attach. */
  attachments?: Attachment[];
  /** Importance flag. @default Graph's default, 'normal' */
  importance?: 'low' | 'normal' | 'high';
  /** Custom internet headers. Names must start with `X-`; Graph takes at most 5. */
  headers?: Record<string, string>;
}

/** Progress of attachment uploads on the large-attachment path. */
export interface SendProgress {
  /** Bytes of attachments uploaded so far. */
  sentBytes: number;
  /** Bytes of attachments to upload in all. */
  totalBytes: number;
}

/** Options of one {@link O365OAuthMailer.send} call. */
export interface SendOptions {
  /** Aborts the send at any stage (queued, token, request, upload) with `ABORTED`. */
  signal?: AbortSignal;
  /** Called as large attachments upload. */
  onProgress?: (progress: SendProgress) => void;
}

/** What a successful send returns. */
export interface SendResult {
  /** Every recipient address (to, cc and bcc) that Exchange accepted for delivery. */
  accepted: string[];
  /** Graph's `request-id` of the request that sent the mail: quote it in a support ticket. */
  requestId?: string;
  /** HTTP attempts the sending request took (1 when nothing was retried). */
  attempts: number;
  /** How the mail went: one `sendMail` request, or a draft with uploaded attachments. */
  route: 'sendMail' | 'draft';
}
