import { parseAddresses } from './addresses';
import { validateAttachmentSpecs } from './attachment-specs';
import type { NormalizedMessage } from './normalized';
import type { MailMessage } from './types';
import { describeValue, hasControlChar, invalid, isPlainObject } from './validation';

export { validateAttachmentSpecs } from './attachment-specs';

/** Most recipients (to, cc and bcc together) Exchange Online takes in one message. */
export const MAX_RECIPIENTS = 500;

/** Most custom internet headers Graph takes in one message. */
export const MAX_HEADERS = 5;

/** An HTTP/RFC 7230 token that starts with `X-` or `x-` and has at least one more character. */
const HEADER_NAME = /^[xX]-[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

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
 * - Body: `html` wins over `text` when both are given (`HTML`), else `text` (`Text`), else an empty `Text` body.
 * - `importance`: `'low' | 'normal' | 'high'` when given.
 * - `headers`: at most {@link MAX_HEADERS}, names `X-…` tokens (case-insensitively unique), values free of control
 *   characters.
 * - `attachments`: metadata only, with {@link validateAttachmentSpecs}; their bytes are resolved later.
 *
 * - `from`: one address, when given (send as another address).
 *
 * Fields it does not know (such as nodemailer's `sender` or `envelope`) are ignored. `null` counts as not given.
 *
 * @throws MailerError `MESSAGE_INVALID` naming the offending field (`to[2]`, `subject`, `headers.X-Foo`, ...).
 */
export function normalizeMessage(message: MailMessage): NormalizedMessage {
  if (!isPlainObject(message as unknown)) {
    throw invalid('message', `must be an object, not ${describeValue(message)}.`, 'Pass an object like { to, subject, text }.');
  }
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
  const result: NormalizedMessage = {
    to,
    cc,
    bcc,
    replyTo,
    subject: normalizeSubject(message.subject),
    body: normalizeBody(message),
    headers: normalizeHeaders(message.headers),
    recipients: [...to, ...cc, ...bcc].map((a) => a.address),
  };
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
  validateAttachmentSpecs(message.attachments);
  return result;
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
 * Validates custom headers and lists them as `{ name, value }` in the order given.
 *
 * @throws MailerError `MESSAGE_INVALID` naming `headers` or `headers.<name>`.
 */
export function normalizeHeaders(headers: unknown): Array<{ name: string; value: string }> {
  if (headers === undefined || headers === null) return [];
  if (!isPlainObject(headers)) {
    throw invalid('headers', `must be an object of name: value pairs, not ${describeValue(headers)}.`, "Give headers like { 'X-Order-Id': '42' }.");
  }
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) {
    throw invalid('headers', `has ${entries.length} headers; Graph takes at most ${MAX_HEADERS}.`, `Send at most ${MAX_HEADERS} custom headers.`);
  }
  const seen = new Set<string>();
  return entries.map(([name, value]) => {
    const field = name === '' ? 'headers[""]' : `headers.${hasControlChar(name) ? JSON.stringify(name) : name}`;
    if (name === '') {
      throw invalid(field, 'has an empty name.', "Give every header a name that starts with X-, like 'X-Order-Id'.");
    }
    if (!HEADER_NAME.test(name)) {
      throw invalid(
        field,
        `is not an allowed header name: Graph takes only names that start with X- and are made of letters, digits and - (no spaces, colons or control characters).`,
        "Rename the header to start with X- and use only letters, digits and hyphens, like 'X-Order-Id'.",
      );
    }
    const key = name.toLowerCase();
    if (seen.has(key)) {
      throw invalid(field, 'is given twice (header names are case-insensitive).', `Give ${name} once.`);
    }
    seen.add(key);
    if (typeof value !== 'string') {
      throw invalid(field, `must have a string value, not ${describeValue(value)}.`, `Give the value of ${name} as a string.`);
    }
    if (hasControlChar(value)) {
      throw invalid(field, `has a value with a line break or another control character: ${describeValue(value)}.`, `Remove line breaks and other control characters from the value of ${name}.`);
    }
    return { name, value };
  });
}
