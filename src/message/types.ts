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

/** A file to attach. Give `content`, `path` or `raw`. */
export interface Attachment {
  /** The file name shown to recipients. Required with `content`; defaults to the base name of `path`. */
  filename?: string;
  /** The bytes: a string (UTF-8 unless `encoding` says otherwise), a Buffer, a Uint8Array, or a readable stream. */
  content?: string | Buffer | Uint8Array | Readable;
  /** A file to read. Large files are streamed, never read into memory whole. Refused under `disableFileAccess`. */
  path?: string;
  /**
   * How a string `content` is encoded: `'base64'`, `'base64url'`, `'hex'`, `'binary'` / `'latin1'`, `'ascii'`,
   * `'utf8'` / `'utf-8'`, `'utf16le'` / `'ucs2'`. The attachment carries the decoded bytes. @default 'utf8'
   */
  encoding?: AttachmentEncoding;
  /** MIME type. @default guessed from the file name, else `application/octet-stream` */
  contentType?: string;
  /**
   * `'attachment'` or `'inline'`. `'inline'` without `cid` sends the message as MIME.
   * @default 'inline' with `cid`, else 'attachment'
   */
  contentDisposition?: 'attachment' | 'inline';
  /** Content-ID for an inline image referenced as `<img src="cid:...">`: sets `isInline` and `contentId`. */
  cid?: string;
  /** Extra MIME headers of this attachment's part (the message then goes as MIME). */
  headers?: Record<string, string | string[]>;
  /**
   * A whole prepared MIME part (headers, blank line, body) used as is, like nodemailer's attachment `raw`. The
   * message then goes as MIME; give no other field but `raw`.
   */
  raw?: string | Buffer;
}

/** Encodings a string attachment `content` may be in (Node.js Buffer encodings). */
export type AttachmentEncoding =
  | 'base64'
  | 'base64url'
  | 'hex'
  | 'binary'
  | 'latin1'
  | 'ascii'
  | 'utf8'
  | 'utf-8'
  | 'utf16le'
  | 'ucs2';

/** A body in another format, as nodemailer's `alternatives` entry: sent as one more part of `multipart/alternative`. */
export interface AlternativeBody {
  /** The MIME type of this part, e.g. `text/x-web-markdown` or `text/amp+html`. */
  contentType: string;
  /** The content: a string (UTF-8 unless `encoding` says otherwise) or a Buffer. */
  content: string | Buffer;
  /** How a string `content` is encoded (see {@link Attachment.encoding}). @default 'utf8' */
  encoding?: AttachmentEncoding;
}

/** A calendar invitation, as nodemailer's `icalEvent`: sent as a `text/calendar` part Outlook shows as an invitation. */
export interface CalendarEvent {
  /** The iTIP method: `'REQUEST'` (an invitation), `'PUBLISH'`, `'CANCEL'`, `'REPLY'`… @default 'PUBLISH' */
  method?: string;
  /** The iCalendar text (`BEGIN:VCALENDAR…`). Give `content` or `path`. */
  content?: string | Buffer;
  /** A `.ics` file to read. Refused under `disableFileAccess`. */
  path?: string;
  /** The file name of the attached copy. @default 'invite.ics' */
  filename?: string;
  /** How a string `content` is encoded. @default 'utf8' */
  encoding?: AttachmentEncoding;
}

/** One List-* header value: a URL (`https://…`, `mailto:…`) or a URL with a comment. */
export type ListHeaderValue =
  | string
  | {
      /** The URL (`https://…`, `mailto:…`); written in angle brackets. */
      url: string;
      /** A comment written after the URL, in parentheses. */
      comment?: string;
    };

/**
 * List-* headers as nodemailer's `list`: the key names the header after `List-` (`unsubscribe`, `help`,
 * `subscribe`, `post`, `owner`, `archive`, `id`), e.g. `{ unsubscribe: 'https://example.com/u?id=1' }` gives
 * `List-Unsubscribe: <https://example.com/u?id=1>`.
 */
export type ListHeaders = Record<string, ListHeaderValue | Array<ListHeaderValue | ListHeaderValue[]>>;

/**
 * A message, with nodemailer's field names so existing code ports easily. Every field is honoured or refused:
 * an unknown field (a typo such as `attachment` or `replyto`) is a `MESSAGE_INVALID` error naming it.
 *
 * A message that Graph's JSON model represents exactly goes as JSON `sendMail`; one that needs more (text and
 * html together, alternatives, a calendar part, threading headers, other headers, `raw`…) goes as MIME built by
 * nodemailer's MailComposer. See docs/coming-from-nodemailer.md for the table.
 */
export interface MailMessage {
  /**
   * Send as another address, e.g. a shared mailbox. The sender mailbox needs Send As rights on it in Exchange
   * (else `SEND_AS_DENIED`). @default the configured `sender` mailbox
   */
  from?: string | AddressObject;
  /** The `Sender` header (sending on behalf of `from`). Sends the message as MIME. */
  sender?: string | AddressObject;
  /** Recipients. At least one of `to`, `cc` or `bcc` is required; at most 500 in all. */
  to?: Address;
  /** Copy recipients. */
  cc?: Address;
  /** Blind-copy recipients. */
  bcc?: Address;
  /** Where replies go. */
  replyTo?: Address;
  /** The Message-ID this message replies to (`<id@host>`): keeps the thread. Sends the message as MIME. */
  inReplyTo?: string;
  /** Message-IDs of the thread, oldest first (a string of ids or an array). Sends the message as MIME. */
  references?: string | string[];
  /** The subject. A line break is folded to a space. */
  subject?: string;
  /** Plain-text body. With `html` as well, both are sent as `multipart/alternative` (MIME). */
  text?: string;
  /** HTML body. */
  html?: string;
  /**
   * An Apple Watch body (`text/watch-html`), one more part of `multipart/alternative` as nodemailer writes it.
   * Sends the message as MIME.
   */
  watchHtml?: string;
  /**
   * Turn `data:` images in `html` (`<img src="data:image/png;base64,…">`) into inline attachments referenced by
   * `cid:`, as nodemailer does: many mail clients do not show data: images. Works on both routes (JSON carries
   * inline attachments). @default false
   */
  attachDataUrls?: boolean;
  /**
   * The Content-Transfer-Encoding of the text parts: `'quoted-printable'` or `'base64'`.
   * Sends the message as MIME. @default nodemailer's choice (quoted-printable for mostly ASCII text)
   */
  textEncoding?: 'quoted-printable' | 'base64';
  /** An `X-Mailer` header naming the sending software; `false` (the default) writes none. Sends the message as MIME. */
  xMailer?: string | false;
  /**
   * nodemailer's switch against fetching URLs while building the message. Accepted for compatibility; this library
   * never fetches a URL (`href` is refused), so it is always on. @default true
   */
  disableUrlAccess?: boolean;
  /** More bodies in other formats, each one more part of `multipart/alternative`. Sends the message as MIME. */
  alternatives?: AlternativeBody[];
  /** A calendar invitation (`text/calendar`). Sends the message as MIME. */
  icalEvent?: CalendarEvent;
  /** The `Date` header. Sends the message as MIME. @default when Exchange submits it */
  date?: Date | string;
  /**
   * The Message-ID header, e.g. `<order-42@shop.example>` (angle brackets added when missing).
   * @default a new `<uuid@sender-domain>`; either way `SendResult.messageId` returns it
   */
  messageId?: string;
  /** nodemailer's priority: sets Graph's importance (JSON) or the X-Priority/Importance headers (MIME). */
  priority?: 'high' | 'normal' | 'low';
  /** Files to attach. */
  attachments?: Attachment[];
  /** Importance flag (Graph's name for `priority`). @default Graph's default, 'normal' */
  importance?: 'low' | 'normal' | 'high';
  /**
   * Internet headers, any name (e.g. `{ 'X-Order-Id': '42', 'Auto-Submitted': 'auto-generated' }`); an array
   * value repeats the header. Up to 5 `X-` headers travel as JSON; anything else sends the message as MIME.
   * Headers that fields set (To, Subject, Message-ID, Content-Type…) are refused: use the field.
   */
  headers?: Record<string, string | string[]>;
  /** List-* headers such as `List-Unsubscribe`. Sends the message as MIME. */
  list?: ListHeaders;
  /**
   * A whole RFC 822 message (string, Buffer, `{ path }` or a readable stream), sent as is: recipients, subject and
   * Message-ID are read from its headers (a Message-ID is added when it has none). No other field may be given.
   */
  raw?:
    | string
    | Buffer
    | Readable
    | {
        /** A file holding the message (refused under `disableFileAccess`). */
        path: string;
      };
  /** Refuse `path` attachments and files for this message (nodemailer's option). @default the mailer's `disableFileAccess` */
  disableFileAccess?: boolean;
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
  /**
   * Refuse every file path in the message (`attachments[].path`, `icalEvent.path`, `raw.path`) with
   * `MESSAGE_INVALID`, for services that build messages from user input. @default the mailer's `disableFileAccess`
   */
  disableFileAccess?: boolean;
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
  /**
   * How the message was written: Graph's JSON message, or MIME built by nodemailer's MailComposer (for what the
   * JSON model cannot carry: text and html together, alternatives, calendar, threading and other headers, `raw`).
   */
  format: 'json' | 'mime';
  /**
   * The Message-ID header the recipient sees, angle brackets included (`<…@…>`): the caller's `messageId`, else
   * one generated for this message. Log it; it finds the message in Sent Items.
   */
  messageId: string;
}
