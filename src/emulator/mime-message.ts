import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressObject, ParsedMail } from 'mailparser';
import { MailerError } from '../errors/mailer-error';
import { GRAPH_MESSAGES } from './graph-errors';
import type { Checked, ParsedMessage } from './message-validation';
import type { EmulatorAddress, EmulatorAttachment } from './types';

/**
 * The emulator's one module that loads mailparser (lazily, on the first MIME request): it reads a MIME
 * `sendMail` or draft body as Graph does, base64 first, and turns the message into what the emulator stores.
 */
type SimpleParser = (typeof import('mailparser'))['simpleParser'];

/** Base64 as Graph takes it in a MIME body: the alphabet and padding, with line breaks and spaces anywhere. */
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/** True when a request's `Content-Type` says the body is MIME (`text/plain`). */
export function isMimeRequest(contentType: string | undefined): boolean {
  return /^\s*text\/plain\b/i.test(contentType ?? '');
}

/**
 * A file of this package to resolve its dependencies from: `__filename` in CommonJS (and under vitest), else the
 * `file://` URL of this function's own stack frame (`import.meta` cannot be written in a file built as CommonJS too).
 */
function packageFile(): string {
  if (typeof __filename === 'string') return __filename;
  const url = /(file:\/\/\/[^\s)]+?):\d+:\d+/.exec(new Error().stack ?? '')?.[1];
  return url ? fileURLToPath(url) : join(process.cwd(), 'index.js');
}

/** Whether a package can be found from this package, without loading it (mailparser takes a few hundred ms to load). */
function isInstalled(specifier: string): boolean {
  try {
    createRequire(packageFile()).resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/**
 * mailparser is an optional peer dependency (production code never needs it): the emulator checks at start that
 * it can be found, without loading it, so a missing package is one clear error rather than a failed MIME request.
 *
 * @throws MailerError `CONFIG_INVALID` naming the `npm install` to run.
 */
export function requireMimeParser(installed: (specifier: string) => boolean = isInstalled): void {
  if (installed('mailparser')) return;
  throw new MailerError({
    code: 'CONFIG_INVALID',
    message: 'The emulator needs the optional package mailparser (it reads the MIME messages clients send), which is not installed.',
    fix: 'Run `npm install --save-dev mailparser` next to o365-oauth-mailer (`npm install --global mailparser` for a global install): the emulator, the testing kit and `o365-mailer emulator` use it; sending mail does not.',
  });
}

/** Loads mailparser on first use, once per emulator. */
export class MimeReader {
  #parser: Promise<SimpleParser> | undefined;

  #load(): Promise<SimpleParser> {
    this.#parser ??= import('mailparser').then((m) => (m as { simpleParser?: SimpleParser }).simpleParser ?? (m as unknown as { default: { simpleParser: SimpleParser } }).default.simpleParser);
    return this.#parser;
  }

  /**
   * Decodes a base64 MIME body and parses it. Invalid base64 (or an empty body) answers 400
   * `ErrorMimeContentInvalidBase64String`, as Graph does.
   */
  async read(raw: Buffer): Promise<Checked<ParsedMessage>> {
    const compact = raw.toString('latin1').replace(/\s+/g, '');
    if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64_BODY.test(compact)) {
      return { ok: false, problem: { status: 400, code: 'ErrorMimeContentInvalidBase64String', message: GRAPH_MESSAGES.mimeInvalidBase64 } };
    }
    const mime = Buffer.from(compact, 'base64');
    const parse = await this.#load();
    let mail: ParsedMail;
    try {
      mail = await parse(mime, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
    } catch {
      return { ok: false, problem: { status: 400, code: 'ErrorMimeContentInvalidBase64String', message: GRAPH_MESSAGES.mimeInvalidBase64 } };
    }
    return { ok: true, value: toParsedMessage(mail, mime) };
  }
}

function addresses(field: AddressObject | AddressObject[] | undefined): { good: EmulatorAddress[]; bad: string[] } {
  const good: EmulatorAddress[] = [];
  const bad: string[] = [];
  const walk = (list: AddressObject['value']): void => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a.address)) good.push({ address: a.address, ...(a.name ? { name: a.name } : {}) });
      else bad.push(a.address || a.name || '');
    }
  };
  for (const f of field === undefined ? [] : Array.isArray(field) ? field : [field]) walk(f.value);
  return { good, bad };
}

function importanceOf(mail: ParsedMail): ParsedMessage['importance'] {
  const p = mail.headers.get('priority');
  return p === 'high' || p === 'low' ? p : p === 'normal' ? 'normal' : undefined;
}

function headerParam(a: ParsedMail['attachments'][number], name: string): string | undefined {
  const ct = a.headers.get('content-type') as { params?: Record<string, string> } | undefined;
  return ct?.params?.[name];
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=`); whitespace between two of them goes. */
export function decodeWords(value: string): string {
  return value.replace(/=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=(?:\s+(?==\?[^?\s]+\?[BbQq]\?))?/g, (word, charset: string, encoding: string, data: string) => {
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
    try {
      return new TextDecoder(charset.split('*')[0]).decode(bytes);
    } catch {
      return word;
    }
  });
}

function toParsedMessage(mail: ParsedMail, mime: Buffer): ParsedMessage {
  const to = addresses(mail.to);
  const cc = addresses(mail.cc);
  const bcc = addresses(mail.bcc);
  const replyTo = addresses(mail.replyTo);
  const from = addresses(mail.from).good[0];
  const attachments: EmulatorAttachment[] = [];
  const alternatives: ParsedMessage['alternatives'] = [];
  let calendar: ParsedMessage['calendar'];
  for (const a of mail.attachments) {
    const bodyPart = a.contentDisposition === undefined && a.filename === undefined;
    if (bodyPart && /^text\/calendar$/i.test(a.contentType) && calendar === undefined) {
      const method = headerParam(a, 'method');
      calendar = { ...(method ? { method } : {}), content: a.content.toString('utf8') };
      continue;
    }
    if (bodyPart) {
      alternatives.push({ contentType: a.contentType, content: a.content.toString('utf8') });
      continue;
    }
    const partHeaders = [...a.headers.entries()]
      .filter(([name, value]) => typeof value === 'string' && !/^content-(type|disposition|id|transfer-encoding)$/.test(name))
      .map(([name, value]) => ({ name, value: value as string }));
    attachments.push({
      ...(partHeaders.length > 0 ? { headers: partHeaders } : {}),
      name: a.filename ?? '',
      contentType: a.contentType || 'application/octet-stream',
      size: a.content.length,
      isInline: a.contentDisposition === 'inline' || a.related === true,
      ...(a.cid ? { contentId: a.cid } : {}),
      content: a.content,
    });
  }
  // Header values as the recipient reads them: unfolded, encoded words (RFC 2047) decoded.
  const headers = mail.headerLines.map((h) => {
    const colon = h.line.indexOf(':');
    return { name: h.line.slice(0, colon), value: decodeWords(h.line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim()) };
  });
  const text = typeof mail.text === 'string' ? mail.text : undefined;
  const html = typeof mail.html === 'string' ? mail.html : undefined;
  const references = mail.references === undefined ? undefined : Array.isArray(mail.references) ? mail.references : [mail.references];
  const importance = importanceOf(mail);
  return {
    ...(from ? { from } : {}),
    to: to.good,
    cc: cc.good,
    bcc: bcc.good,
    replyTo: replyTo.good,
    subject: mail.subject ?? '',
    body: html !== undefined ? { contentType: 'html', content: html } : { contentType: 'text', content: text ?? '' },
    format: 'mime',
    ...(mail.messageId ? { messageId: mail.messageId } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(html !== undefined ? { html } : {}),
    alternatives,
    ...(calendar ? { calendar } : {}),
    ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
    ...(references ? { references } : {}),
    ...(mail.date && mail.headers.has('date') ? { date: mail.date } : {}),
    ...(importance ? { importance } : {}),
    headers,
    attachments,
    mime,
    badRecipients: [...to.bad, ...cc.bad, ...bcc.bad],
  };
}
