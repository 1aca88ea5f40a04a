import type { Readable } from 'node:stream';
import { MailerError } from '../errors/mailer-error';
import { generateMessageId, normalizeMessageId, normalizeReferences } from './message-id';
import type { NormalizedAttachment, NormalizedMessage } from './normalized';
import type { AddressObject, Attachment, MailMessage } from './types';
import { describeValue, invalid, isPlainObject } from './validation';
import { nodeFsPromises } from '../runtime/node-builtins';

/**
 * The one module that loads nodemailer, and only when a message needs MIME: importing the library never loads it.
 * Messages are compiled by nodemailer's MailComposer through its stream transport, so priority and List-*
 * headers come out exactly as nodemailer writes them.
 */
type NodemailerModule = typeof import('nodemailer');
type AddressParser = (typeof import('nodemailer/lib/addressparser'))['default'];

/** What a MIME message is built from. */
export interface MimeInput {
  /** The caller's message, already validated by `normalizeMessage`. */
  message: MailMessage;
  normalized: NormalizedMessage;
  /** The resolved attachments, in the order of `message.attachments`. */
  attachments: readonly NormalizedAttachment[];
  /** The From the recipient sees (the send-as address, else the mailbox). */
  from: AddressObject;
  /** The Message-ID, in angle brackets. */
  messageId: string;
  /** Indexes of attachments left out of the MIME (uploaded to the draft separately). */
  omit?: ReadonlySet<number>;
  /** Passed to nodemailer for `icalEvent.path`. */
  disableFileAccess: boolean;
}

/** A `raw` message ready to send. */
export interface RawMime {
  /** The message, with a Message-ID header added when it had none. */
  mime: Buffer;
  /** The addresses of its To, Cc and Bcc headers. */
  recipients: string[];
  /** Its Message-ID, in angle brackets. */
  messageId: string;
}

const PRIORITY_HEADERS: Readonly<Record<string, string>> = { high: 'high', low: 'low' };

/** Compiles messages to MIME with nodemailer, loading it on first use. One per mailer. */
export class MimeComposer {
  #nodemailer: Promise<NodemailerModule> | undefined;
  #addressparser: Promise<AddressParser> | undefined;

  #load(): Promise<NodemailerModule> {
    this.#nodemailer ??= import('nodemailer').then((m) => ((m as unknown as { default?: NodemailerModule }).default ?? m) as NodemailerModule);
    return this.#nodemailer;
  }

  #loadAddressParser(): Promise<AddressParser> {
    this.#addressparser ??= import('nodemailer/lib/addressparser').then((m) => ((m as { default?: AddressParser }).default ?? m) as AddressParser);
    return this.#addressparser;
  }

  /** Builds the RFC 822 message (CRLF line ends, Bcc kept so that Exchange delivers to it). */
  async compose(input: MimeInput): Promise<Buffer> {
    const nodemailer = await this.#load();
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    const { message: m, normalized: n } = input;
    const data: Record<string, unknown> = {
      from: input.from,
      subject: n.subject,
      messageId: input.messageId,
      xMailer: false,
      disableUrlAccess: true,
      disableFileAccess: input.disableFileAccess,
    };
    if (n.to.length) data['to'] = n.to;
    if (n.cc.length) data['cc'] = n.cc;
    if (n.bcc.length) data['bcc'] = n.bcc;
    if (n.replyTo.length) data['replyTo'] = n.replyTo;
    if (m.sender !== undefined && m.sender !== null) data['sender'] = m.sender;
    if (typeof m.text === 'string') data['text'] = m.text;
    if (typeof m.html === 'string') data['html'] = m.html;
    if (typeof m.watchHtml === 'string') data['watchHtml'] = m.watchHtml;
    if (m.textEncoding) data['textEncoding'] = m.textEncoding;
    if (typeof m.xMailer === 'string') data['xMailer'] = m.xMailer;
    if (m.alternatives) data['alternatives'] = m.alternatives.map((a) => ({ ...a }));
    if (m.icalEvent) data['icalEvent'] = { ...m.icalEvent };
    if (m.date !== undefined && m.date !== null) data['date'] = new Date(m.date);
    if (m.inReplyTo) data['inReplyTo'] = normalizeMessageId(m.inReplyTo, 'inReplyTo');
    if (m.references !== undefined && m.references !== null) data['references'] = normalizeReferences(m.references);
    if (m.list) data['list'] = m.list;
    if (n.importance && PRIORITY_HEADERS[n.importance]) data['priority'] = PRIORITY_HEADERS[n.importance];
    if (n.headers.length) data['headers'] = n.headers.map((h) => ({ key: h.name, value: h.value }));
    const specs = m.attachments ?? [];
    const attachments: Array<Record<string, unknown>> = [];
    for (let i = 0; i < specs.length; i++) {
      if (input.omit?.has(i)) continue;
      attachments.push(await mimeAttachment(specs[i] as Attachment, input.attachments[i] as NormalizedAttachment));
    }
    if (attachments.length) data['attachments'] = attachments;
    try {
      const info = (await transport.sendMail(data)) as unknown as { message: Buffer };
      return info.message;
    } catch (err) {
      throw new MailerError({
        code: 'MESSAGE_INVALID',
        message: `The message could not be built as MIME: ${(err as Error)?.message ?? String(err)}.`,
        fix: 'Check the message fields named in the error (a missing icalEvent.path file, an unreadable stream).',
        cause: err,
      });
    }
  }

  /**
   * Reads a `raw` message (at most `maxBytes`), finds its recipients and Message-ID in its header block, and adds
   * a Message-ID header when it has none.
   *
   * @throws MailerError `MESSAGE_INVALID` naming `raw` (no header block, no recipient, unreadable file or stream),
   *   or `ATTACHMENT_TOO_LARGE` when it is over `maxBytes`.
   */
  async prepareRaw(raw: NonNullable<MailMessage['raw']>, maxBytes: number, domain: string): Promise<RawMime> {
    const bytes = await readRaw(raw, maxBytes);
    const split = headerEnd(bytes);
    if (split === undefined) {
      throw invalid('raw', 'has no header block (headers, then a blank line, then the body).', 'Give raw as a whole RFC 822 message, e.g. an .eml file.');
    }
    const headers = parseHeaderBlock(bytes.subarray(0, split.start).toString('latin1'));
    const parse = await this.#loadAddressParser();
    const recipients: string[] = [];
    for (const name of ['to', 'cc', 'bcc']) {
      for (const value of headers.get(name) ?? []) {
        for (const a of parse(value, { flatten: true }) as Array<{ address?: string }>) if (a.address) recipients.push(a.address);
      }
    }
    if (recipients.length === 0) {
      throw invalid('raw', 'has no recipient: its header block has no To, Cc or Bcc address.', 'Add a To, Cc or Bcc header to the raw message.');
    }
    const existing = headers.get('message-id')?.[0];
    if (existing !== undefined) return { mime: bytes, recipients, messageId: normalizeMessageId(existing, 'raw Message-ID header') };
    const messageId = generateMessageId(domain);
    const eol = split.eol;
    return { mime: Buffer.concat([Buffer.from(`Message-ID: ${messageId}${eol}`, 'latin1'), bytes]), recipients, messageId };
  }
}

async function mimeAttachment(spec: Attachment, a: NormalizedAttachment): Promise<Record<string, unknown>> {
  if (spec.raw !== undefined && spec.raw !== null) return { raw: spec.raw };
  const out: Record<string, unknown> = {
    filename: a.name,
    contentType: a.contentType,
    content: a.size <= 64 * 1024 ? await a.read() : a.open(),
  };
  if (a.contentId !== undefined) out['cid'] = a.contentId;
  if (spec.contentDisposition) out['contentDisposition'] = spec.contentDisposition;
  if (spec.headers && Object.keys(spec.headers).length) out['headers'] = spec.headers;
  return out;
}

async function readRaw(raw: NonNullable<MailMessage['raw']>, maxBytes: number): Promise<Buffer> {
  const tooLarge = (size: number) =>
    new MailerError({
      code: 'ATTACHMENT_TOO_LARGE',
      message: `The raw message is ${size > maxBytes ? `over ${maxBytes}` : size} bytes; Microsoft Graph takes a MIME message of at most about 3 MB (4 MB once base64-encoded) in one request, and a raw message cannot be split.`,
      fix: 'Send the message from fields (text, html, attachments) instead of raw: large attachments then go through upload sessions.',
    });
  if (typeof raw === 'string') {
    const b = Buffer.from(raw, 'utf8');
    if (b.length > maxBytes) throw tooLarge(b.length);
    return b;
  }
  if (Buffer.isBuffer(raw)) {
    if (raw.length > maxBytes) throw tooLarge(raw.length);
    return raw;
  }
  if (isPlainObject(raw) && typeof (raw as { path?: unknown }).path === 'string') {
    const path = (raw as { path: string }).path;
    try {
      const st = await nodeFsPromises().stat(path);
      if (!st.isFile()) throw invalid('raw.path', `is not a regular file: ${describeValue(path)}.`, 'Give raw.path as the path of an .eml file.');
      if (st.size > maxBytes) throw tooLarge(st.size);
      return await nodeFsPromises().readFile(path);
    } catch (err) {
      if (err instanceof MailerError) throw err;
      throw invalid('raw.path', `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${describeValue(path)}.`, 'Check that raw.path names an existing file that this process can read.', err);
    }
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of raw as Readable) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array);
      total += b.length;
      if (total > maxBytes) {
        (raw as Readable).destroy?.();
        throw tooLarge(total);
      }
      chunks.push(b);
    }
  } catch (err) {
    if (err instanceof MailerError) throw err;
    throw invalid('raw', `could not be read: the stream failed (${(err as Error)?.message ?? String(err)}).`, 'Check the stream given as raw; it emitted an error before it ended.', err);
  }
  return Buffer.concat(chunks, total);
}

/** Where the header block ends: the offset of its blank line and the line end the message uses. */
function headerEnd(bytes: Buffer): { start: number; eol: string } | undefined {
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { start: crlf, eol: '\r\n' };
  if (lf >= 0) return { start: lf, eol: '\n' };
  return undefined;
}

/** Unfolds a header block into lower-case name → values. */
function parseHeaderBlock(block: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const list = out.get(name) ?? [];
    list.push(line.slice(colon + 1).trim());
    out.set(name, list);
  }
  return out;
}
