import { parseAddresses } from './addresses';
import { attachmentMimeReasons, validateAttachmentSpecs } from './attachment-specs';
import { checkMessageFields } from './fields';
import { checkMimeFields } from './mime-fields';
import type { NormalizedMessage } from './normalized';
import type { MailMessage } from './types';
import { describeValue, hasControlChar, invalid, isPlainObject } from './validation';

export { validateAttachmentSpecs } from './attachment-specs';

/** Most recipients (to, cc and bcc together) Exchange Online takes in one message. */
export const MAX_RECIPIENTS = 500;

/** Most custom internet headers Graph takes in one JSON message; more go as MIME. */
export const MAX_HEADERS = 5;

/** An HTTP/RFC 7230 token: a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A header name Graph's JSON message takes: `X-` or `x-` and at least one more character. */
const JSON_HEADER_NAME = /^[xX]-[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers the message's own fields write, by lower-case name: the field to use instead. */
const HEADERS_SET_BY_FIELDS: Readonly<Record<string, string>> = {
  from: 'from',
  sender: 'sender',
  to: 'to',
  cc: 'cc',
  bcc: 'bcc',
  'reply-to': 'replyTo',
  subject: 'subject',
  'message-id': 'messageId',
  'in-reply-to': 'inReplyTo',
  references: 'references',
  date: 'date',
  importance: 'priority',
  'x-priority': 'priority',
  'x-msmail-priority': 'priority',
  'mime-version': 'the message body fields',
  'content-type': 'the message body fields',
  'content-transfer-encoding': 'the message body fields',
  'content-disposition': 'the message body fields',
};

/** A run of line breaks (CR, LF, CRLF) with the spaces and tabs around it. */
const LINE_BREAKS = /[ \t]*(?:\r\n|\r|\n)[ \t\r\n]*/g;

const IMPORTANCE = ['low', 'normal', 'high'] as const;

/**
 * Validates a message and puts it in the shape Graph needs, without any I/O.
 *
 * - Recipients: `to`, `cc`, `bcc` and `replyTo` are parsed with {@link parseAddresses}; at least one and at most
 *   {@link MAX_RECIPIENTS} recipients across to, cc and bcc (`replyTo` does not count).
 * - Subject: a line break (CR, LF or CRLF, with the spaces and tabs around it; a run of them counts as one) is
 *   folded to one space; any other control character is rejected. Missing means `''`.
 * - Body: the JSON body is `html` (`HTML`) when given, else `text` (`Text`), else an empty `Text` body; with
 *   both, the message goes as MIME (`multipart/alternative`) and keeps both.
 * - `importance` or nodemailer's `priority`: `'low' | 'normal' | 'high'` when given (they must agree).
 * - `headers`: any header names (tokens, case-insensitively unique; not one a field writes, such as `Subject`),
 *   values (a string, or an array for a repeated header) free of control characters. Up to {@link MAX_HEADERS}
 *   `X-` headers travel as JSON; others make the message MIME.
 * - `attachments`: metadata only, with {@link validateAttachmentSpecs}; their bytes are resolved later.
 * - `from`: one address, when given (send as another address); `sender`: one address (MIME).
 * - `messageId`, `inReplyTo`, `references`, `date`, `alternatives`, `icalEvent`, `list`, `raw`: see
 *   {@link checkMimeFields}. `mimeReasons` lists the fields that need MIME.
 *
 * A field it does not know (a typo such as `attachment`), or one Graph cannot carry (`envelope`, `dsn`, `amp`,
 * attachment `href`), is refused. `null` counts as not given.
 *
 * @throws MailerError `MESSAGE_INVALID` naming the offending field (`to[2]`, `subject`, `headers.X-Foo`, ...).
 */
export function normalizeMessage(message: MailMessage, options: { disableFileAccess?: boolean } = {}): NormalizedMessage {
  if (!isPlainObject(message as unknown)) {
    throw invalid('message', `must be an object, not ${describeValue(message)}.`, 'Pass an object like { to, subject, text }.');
  }
  checkMessageFields(message as Record<string, unknown>);
  const fileAccessOption: unknown = message.disableFileAccess;
  if (fileAccessOption !== undefined && fileAccessOption !== null && typeof fileAccessOption !== 'boolean') {
    throw invalid('disableFileAccess', `must be true or false, not ${describeValue(fileAccessOption)}.`, 'Set disableFileAccess to true or false, or leave it out.');
  }
  const disableFileAccess = options.disableFileAccess === true || fileAccessOption === true;
  const mime = checkMimeFields(message, disableFileAccess);
  if (mime.reasons[0] === 'raw') return { to: [], cc: [], bcc: [], replyTo: [], subject: '', body: { contentType: 'Text', content: '' }, headers: [], recipients: [], mimeReasons: mime.reasons };
  const to = parseAddresses(message.to, 'to');
  const cc = parseAddresses(message.cc, 'cc');
  const bcc = parseAddresses(message.bcc, 'bcc');
  const replyTo = parseAddresses(message.replyTo, 'replyTo');
  const total = to.length + cc.length + bcc.length;
  if (total === 0) {
    throw invalid('to', 'is missing: the message has no recipient in to, cc or bcc.', 'Give at least one recipient in to, cc or bcc.');
  }
  if (total > MAX_RECIPIENTS) {
    throw invalid(
      'to/cc/bcc',
      `have ${total} recipients in all; Exchange Online takes at most ${MAX_RECIPIENTS} per message.`,
      `Split the recipients over several messages of at most ${MAX_RECIPIENTS} each.`,
    );
  }
  const headers = normalizeHeaders(message.headers);
  const result: NormalizedMessage = {
    to,
    cc,
    bcc,
    replyTo,
    subject: normalizeSubject(message.subject),
    body: normalizeBody(message),
    headers,
    recipients: [...to, ...cc, ...bcc].map((a) => a.address),
  };
  if (mime.messageId !== undefined) result.messageId = mime.messageId;
  if (message.sender !== undefined && message.sender !== null) {
    const sender = parseAddresses(message.sender, 'sender');
    if (sender.length !== 1) {
      throw invalid('sender', `has ${sender.length} addresses; a message has one Sender.`, 'Give one Sender address, or leave it out.');
    }
  }
  const from = parseAddresses(message.from ?? undefined, 'from');
  if (from.length > 1) {
    throw invalid('from', `has ${from.length} addresses; a message has one.`, 'Give one From address, or leave it out to send from the configured mailbox.');
  }
  if (from[0]) result.from = from[0];
  const importance: unknown = message.importance;
  if (importance !== undefined && importance !== null) {
    if (!IMPORTANCE.includes(importance as (typeof IMPORTANCE)[number])) {
      throw invalid('importance', `must be 'low', 'normal' or 'high', not ${describeValue(importance)}.`, "Set importance to 'low', 'normal' or 'high', or leave it out.");
    }
    result.importance = importance as (typeof IMPORTANCE)[number];
  }
  const priority: unknown = message.priority;
  if (priority !== undefined && priority !== null) {
    if (!IMPORTANCE.includes(priority as (typeof IMPORTANCE)[number])) {
      throw invalid('priority', `must be 'high', 'normal' or 'low', not ${describeValue(priority)}.`, "Set priority to 'high', 'normal' or 'low', or leave it out.");
    }
    if (result.importance !== undefined && result.importance !== priority) {
      throw invalid('priority', `is ${describeValue(priority)} but importance is ${describeValue(result.importance)}; they are the same setting.`, 'Give priority or importance, not both.');
    }
    result.importance = priority as (typeof IMPORTANCE)[number];
  }
  validateAttachmentSpecs(message.attachments, { disableFileAccess });
  const reasons = [...mime.reasons, ...attachmentMimeReasons(message.attachments)];
  if (headers.length > MAX_HEADERS || headers.some((h) => !JSON_HEADER_NAME.test(h.name)) || hasRepeatedName(headers)) reasons.push('headers');
  if (reasons.length > 0) {
    // MIME has no way to write a header without a value: nodemailer leaves it out, which would drop it silently.
    const empty = headers.find((h) => h.value.trim() === '');
    if (empty) {
      throw invalid(`headers.${empty.name}`, 'has an empty value, and this message goes as MIME, where a header without a value is left out.', `Give ${empty.name} a value, or leave the header out.`);
    }
    result.mimeReasons = reasons;
  }
  return result;
}

function hasRepeatedName(headers: ReadonlyArray<{ name: string }>): boolean {
  for (let i = 1; i < headers.length; i++) if (headers[i]!.name === headers[i - 1]!.name) return true;
  return false;
}

/**
 * The subject with each run of line breaks (and the spaces and tabs around it) folded to one space.
 *
 * @throws MailerError `MESSAGE_INVALID` naming `subject` when it is not a string or has another control character.
 */
export function normalizeSubject(subject: unknown): string {
  if (subject === undefined || subject === null) return '';
  if (typeof subject !== 'string') {
    throw invalid('subject', `must be a string, not ${describeValue(subject)}.`, 'Give subject as a string.');
  }
  const folded = subject.replace(LINE_BREAKS, ' ');
  if (hasControlChar(folded)) {
    throw invalid('subject', `contains a control character: ${describeValue(subject)}.`, 'Remove tabs, NUL and other control characters from subject.');
  }
  return folded;
}

function normalizeBody(message: MailMessage): NormalizedMessage['body'] {
  const { html, text } = message as { html?: unknown; text?: unknown };
  for (const [name, value] of [['html', html], ['text', text]] as const) {
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw invalid(name, `must be a string, not ${describeValue(value)}.`, `Give ${name} as a string.`);
    }
  }
  if (typeof html === 'string') return { contentType: 'HTML', content: html };
  if (typeof text === 'string') return { contentType: 'Text', content: text };
  return { contentType: 'Text', content: '' };
}

/**
 * Validates custom headers and lists them as `{ name, value }` in the order given (an array value gives one entry
 * per element, in a row).
 *
 * @throws MailerError `MESSAGE_INVALID` naming `headers` or `headers.<name>`.
 */
export function normalizeHeaders(headers: unknown): Array<{ name: string; value: string }> {
  if (headers === undefined || headers === null) return [];
  if (!isPlainObject(headers)) {
    throw invalid('headers', `must be an object of name: value pairs, not ${describeValue(headers)}.`, "Give headers like { 'X-Order-Id': '42' }.");
  }
  const seen = new Set<string>();
  return Object.entries(headers).flatMap(([name, value]) => {
    const field = name === '' ? 'headers[""]' : `headers.${hasControlChar(name) ? JSON.stringify(name) : name}`;
    if (name === '') {
      throw invalid(field, 'has an empty name.', "Give every header a name, like 'X-Order-Id'.");
    }
    if (!HEADER_NAME.test(name)) {
      throw invalid(
        field,
        `is not an allowed header name: a header name is made of ASCII letters, digits and - (no spaces, colons or control characters).`,
        "Rename the header to use only letters, digits and hyphens, like 'X-Order-Id'.",
      );
    }
    const key = name.toLowerCase();
    const owner = Object.prototype.hasOwnProperty.call(HEADERS_SET_BY_FIELDS, key) ? HEADERS_SET_BY_FIELDS[key] : undefined;
    if (owner !== undefined) {
      throw invalid(field, `is written from the message's fields, so a value here would be overwritten or clash.`, `Remove ${name} from headers and use ${owner} instead.`);
    }
    if (seen.has(key)) {
      throw invalid(field, 'is given twice (header names are case-insensitive).', `Give ${name} once (an array value repeats a header).`);
    }
    seen.add(key);
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.length === 0) throw invalid(field, 'is an empty array.', `Give ${name} a value, or leave it out.`);
    return values.map((v) => {
      if (typeof v !== 'string') {
        throw invalid(field, `must have a string value, not ${describeValue(v)}.`, `Give the value of ${name} as a string.`);
      }
      if (hasControlChar(v)) {
        throw invalid(field, `has a value with a line break or another control character: ${describeValue(v)}.`, `Remove line breaks and other control characters from the value of ${name}.`);
      }
      return { name, value: v };
    });
  });
}
