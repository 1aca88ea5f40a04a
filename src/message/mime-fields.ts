import { CONTENT_TYPE, isReadableLike } from './attachment-specs';
import { checkEncoding, fileAccessRefused } from './content-checks';
import { normalizeMessageId, normalizeReferences } from './message-id';
import type { MailMessage } from './types';
import { describeValue, hasControlChar, invalid, isPlainObject } from './validation';
import { isNodeReadable } from '../runtime/node-builtins';


const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function checkContentType(value: unknown, field: string): void {
  if (typeof value !== 'string' || hasControlChar(value) || !CONTENT_TYPE.test(value)) {
    throw invalid(field, `is not a MIME type like text/plain: ${describeValue(value)}.`, `Give ${field} as a MIME type like text/x-web-markdown.`);
  }
}

function checkOnly(value: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  const extra = Object.keys(value).find((k) => value[k] !== undefined && !allowed.includes(k));
  if (extra !== undefined) {
    throw invalid(`${field}.${extra}`, `is not a field of ${field}; it would be dropped without a word.`, `Remove ${field}.${extra}; ${field} takes ${allowed.join(', ')}.`);
  }
}

function checkContent(value: unknown, field: string): void {
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) {
    throw invalid(field, `must be a string or a Buffer, not ${describeValue(value)}.`, `Give ${field} as a string or a Buffer.`);
  }
}

function checkAlternatives(value: unknown): void {
  if (!Array.isArray(value)) {
    throw invalid('alternatives', `must be an array, not ${describeValue(value)}.`, "Give alternatives as [{ contentType: 'text/x-web-markdown', content }].");
  }
  value.forEach((alt: unknown, i) => {
    const f = `alternatives[${i}]`;
    if (!isPlainObject(alt)) throw invalid(f, `must be an object, not ${describeValue(alt)}.`, `Give ${f} as { contentType, content }.`);
    if (alt['href'] !== undefined) throw invalid(`${f}.href`, 'would make this process download a URL while sending (SSRF risk).', `Download it yourself and pass ${f}.content.`);
    checkOnly(alt, f, ['contentType', 'content', 'encoding']);
    checkContentType(alt['contentType'], `${f}.contentType`);
    checkContent(alt['content'], `${f}.content`);
    checkEncoding(alt['encoding'], `${f}.encoding`);
  });
}

function checkIcalEvent(value: unknown, disableFileAccess: boolean): void {
  const f = 'icalEvent';
  if (!isPlainObject(value)) throw invalid(f, `must be an object, not ${describeValue(value)}.`, "Give icalEvent as { method: 'REQUEST', content: 'BEGIN:VCALENDAR…' }.");
  if (value['href'] !== undefined) throw invalid(`${f}.href`, 'would make this process download a URL while sending (SSRF risk).', 'Download the .ics yourself and pass it as icalEvent.content.');
  checkOnly(value, f, ['method', 'content', 'path', 'filename', 'encoding']);
  const { method, content, path, filename } = value;
  if (method !== undefined && (typeof method !== 'string' || !TOKEN.test(method))) {
    throw invalid(`${f}.method`, `must be an iTIP method like REQUEST, PUBLISH or CANCEL, not ${describeValue(method)}.`, "Give icalEvent.method as 'REQUEST' for an invitation.");
  }
  if ((content === undefined) === (path === undefined)) {
    throw invalid(f, 'needs exactly one of content and path.', 'Give icalEvent.content (the iCalendar text) or icalEvent.path (a .ics file).');
  }
  if (content !== undefined) checkContent(content, `${f}.content`);
  if (path !== undefined) {
    if (typeof path !== 'string' || path === '' || path.includes('\u0000')) {
      throw invalid(`${f}.path`, `must be a file path, not ${describeValue(path)}.`, 'Give icalEvent.path as the path of a .ics file.');
    }
    if (disableFileAccess) throw fileAccessRefused(`${f}.path`);
  }
  if (filename !== undefined && (typeof filename !== 'string' || filename.trim() === '' || hasControlChar(filename) || /[/\\]/.test(filename))) {
    throw invalid(`${f}.filename`, `must be a plain file name like invite.ics, not ${describeValue(filename)}.`, 'Give icalEvent.filename like invite.ics.');
  }
  checkEncoding(value['encoding'], `${f}.encoding`);
}

function checkList(value: unknown): void {
  if (!isPlainObject(value)) {
    throw invalid('list', `must be an object like { unsubscribe: 'https://…' }, not ${describeValue(value)}.`, "Give list as { unsubscribe: 'https://example.com/unsubscribe?id=1' }.");
  }
  for (const [key, entry] of Object.entries(value)) {
    const f = `list.${key}`;
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(key)) {
      throw invalid(f, 'is not a List-* header name.', 'Name list entries after the header without "List-": unsubscribe, help, subscribe, post, owner, archive, id.');
    }
    const values: unknown[] = Array.isArray(entry) ? entry.flat() : [entry];
    if (values.length === 0) throw invalid(f, 'is empty.', `Give ${f} a URL, or leave it out.`);
    for (const v of values) {
      const url = typeof v === 'string' ? v : isPlainObject(v) ? v['url'] : undefined;
      const comment = isPlainObject(v) ? v['comment'] : undefined;
      if (isPlainObject(v)) checkOnly(v, f, ['url', 'comment']);
      if (typeof url !== 'string' || url.trim() === '' || hasControlChar(url)) {
        throw invalid(f, `must be a URL like https://example.com/unsubscribe or { url, comment }, not ${describeValue(v)}.`, `Give ${f} as a URL without line breaks.`);
      }
      if (comment !== undefined && (typeof comment !== 'string' || hasControlChar(comment))) {
        throw invalid(`${f}.comment`, `must be a string without line breaks, not ${describeValue(comment)}.`, `Give ${f}.comment as one line of text.`);
      }
    }
  }
}

function checkDate(value: unknown): void {
  const ok = value instanceof Date ? !Number.isNaN(value.getTime()) : typeof value === 'string' && !hasControlChar(value) && !Number.isNaN(Date.parse(value));
  if (!ok) throw invalid('date', `must be a valid Date or date string, not ${describeValue(value)}.`, 'Give date as a Date, e.g. new Date(), or leave it out.');
}

/** True for a `raw` value: a string, a Buffer, a readable stream or `{ path }`. */
function checkRaw(value: unknown, disableFileAccess: boolean): void {
  if (typeof value === 'string' || Buffer.isBuffer(value) || value instanceof Uint8Array || isNodeReadable(value) || isReadableLike(value)) return;
  if (isPlainObject(value)) {
    checkOnly(value, 'raw', ['path']);
    const path = value['path'];
    if (typeof path !== 'string' || path === '' || path.includes('\u0000')) {
      throw invalid('raw.path', `must be a file path, not ${describeValue(path)}.`, 'Give raw as { path: "message.eml" }.');
    }
    if (disableFileAccess) throw fileAccessRefused('raw.path');
    return;
  }
  throw invalid('raw', `must be a string, a Buffer, a readable stream or { path }, not ${describeValue(value)}.`, 'Give raw as the whole RFC 822 message (a string or Buffer), a stream of it, or { path: "message.eml" }.');
}

/**
 * Checks the fields only MIME carries (everything Graph's JSON message model would lose) and lists the ones that
 * are present: the reasons the message goes as MIME. `messageId` is checked but is no reason: JSON carries it as
 * `internetMessageId`.
 *
 * @returns `{ reasons, messageId?, inReplyTo?, references? }`; `reasons` is empty for a JSON message.
 * @throws MailerError `MESSAGE_INVALID` naming the field.
 */
export function checkMimeFields(
  message: MailMessage,
  disableFileAccess: boolean,
): { reasons: string[]; messageId?: string; inReplyTo?: string; references?: string[] } {
  const m = message as Record<string, unknown>;
  const present = (k: string) => m[k] !== undefined && m[k] !== null;
  const reasons: string[] = [];
  const out: { reasons: string[]; messageId?: string; inReplyTo?: string; references?: string[] } = { reasons };
  if (present('raw')) {
    const other = Object.keys(m).find((k) => k !== 'raw' && k !== 'disableFileAccess' && k !== 'disableUrlAccess' && present(k));
    if (other !== undefined) {
      throw invalid(other, 'is given together with raw; raw is the whole message, so this field would be ignored.', `Put ${other} into the raw message itself, or build the message from fields without raw.`);
    }
    checkRaw(m['raw'], disableFileAccess);
    reasons.push('raw');
    return out;
  }
  if (present('messageId')) out.messageId = normalizeMessageId(m['messageId'], 'messageId');
  if (present('inReplyTo')) {
    out.inReplyTo = normalizeMessageId(m['inReplyTo'], 'inReplyTo');
    reasons.push('inReplyTo');
  }
  if (present('references')) {
    out.references = normalizeReferences(m['references']);
    if (out.references.length > 0) reasons.push('references');
  }
  if (typeof m['text'] === 'string' && typeof m['html'] === 'string') reasons.push('text+html');
  if (present('alternatives')) {
    checkAlternatives(m['alternatives']);
    if ((m['alternatives'] as unknown[]).length > 0) reasons.push('alternatives');
  }
  if (present('icalEvent')) {
    checkIcalEvent(m['icalEvent'], disableFileAccess);
    reasons.push('icalEvent');
  }
  if (present('date')) {
    checkDate(m['date']);
    reasons.push('date');
  }
  if (present('list')) {
    checkList(m['list']);
    if (Object.keys(m['list'] as object).length > 0) reasons.push('list');
  }
  if (present('sender')) reasons.push('sender');
  if (present('watchHtml')) {
    if (typeof m['watchHtml'] !== 'string') throw invalid('watchHtml', `must be a string, not ${describeValue(m['watchHtml'])}.`, 'Give watchHtml as a string of HTML.');
    reasons.push('watchHtml');
  }
  if (present('textEncoding')) {
    if (m['textEncoding'] !== 'quoted-printable' && m['textEncoding'] !== 'base64') {
      throw invalid('textEncoding', `must be 'quoted-printable' or 'base64', not ${describeValue(m['textEncoding'])}.`, "Set textEncoding to 'quoted-printable' or 'base64', or leave it out.");
    }
    reasons.push('textEncoding');
  }
  if (present('xMailer') && m['xMailer'] !== false) {
    const x = m['xMailer'];
    if (typeof x !== 'string' || x.trim() === '' || hasControlChar(x)) {
      throw invalid('xMailer', `must be one line of text or false, not ${describeValue(x)}.`, "Give xMailer as the software's name, e.g. 'Shop 2.1', or false for no X-Mailer header.");
    }
    reasons.push('xMailer');
  }
  for (const flag of ['attachDataUrls', 'disableUrlAccess']) {
    if (present(flag) && typeof m[flag] !== 'boolean') throw invalid(flag, `must be true or false, not ${describeValue(m[flag])}.`, `Set ${flag} to true or false, or leave it out.`);
  }
  return out;
}
