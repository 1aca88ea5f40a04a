import type { NormalizedMessage } from './normalized';
import { estimateSendMailBytes, GRAPH_REQUEST_LIMIT_BYTES } from './size';
import type { AddressObject } from './types';
import { describeValue, invalid } from './validation';
import { SNAPSHOT_PROTOTYPE } from '../config/own-properties';

/**
 * Limits on what a message may carry, checked before any request. They keep out what Exchange refuses anyway (more
 * than 500 recipients, more than 250 attachments) and what only serves to deceive or break a reader: bidirectional
 * overrides that make `invoice_fdp.exe` display as `invoice_exe.pdf`, control and separator characters, NUL in a
 * body, lone UTF-16 surrogates, names thousands of characters long.
 */

/** Recipients Exchange Online takes per message, across to, cc, bcc and replyTo. */
export const MAX_RECIPIENTS_ALL_FIELDS = 500;
/** Attachments Exchange Online takes per message. */
export const MAX_ATTACHMENTS = 250;
/** Longest attachment file name, in characters (what file systems allow). */
export const MAX_FILENAME_CHARS = 255;
/** Longest display name of an address, in characters. */
export const MAX_DISPLAY_NAME_CHARS = 256;
/** Longest subject, in characters (RFC 5322's line length). */
export const MAX_SUBJECT_CHARS = 998;

/** Bidirectional embedding, override and isolate characters (U+202A–U+202E, U+2066–U+2069). */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
/** C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators. */
const CONTROL_OR_SEPARATOR = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** C1 controls and the Unicode line and paragraph separators (C0 in a subject is handled where it is folded). */
const C1_OR_SEPARATOR = /[\u007f-\u009f\u2028\u2029]/;

/** True when `text` holds a lone UTF-16 surrogate (which no mail system can encode). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** Printable ASCII only: no control, separator, bidirectional or surrogate character can be in such a text. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** True when `text` passes every {@link checkText} rule at a glance: printable ASCII within `max` characters. */
function plainText(text: string, max: number): boolean {
  return text.length <= max && PRINTABLE_ASCII.test(text);
}

function checkText(field: string, text: string, rules: { max?: number; bidi?: boolean; controls: RegExp; what: string }): void {
  if (hasLoneSurrogate(text)) {
    throw invalid(field, 'contains a lone UTF-16 surrogate (half of an emoji or other character), which cannot be encoded.', `Check how ${field} was built: a string was probably cut in the middle of a character.`);
  }
  if (rules.controls.test(text)) {
    throw invalid(field, `contains a control or line/paragraph separator character: ${describeValue(text)}.`, `Remove control characters (and U+2028/U+2029) from ${field}.`);
  }
  if (rules.bidi && BIDI_CONTROL.test(text)) {
    throw invalid(
      field,
      `contains a bidirectional override character (U+202A–U+202E or U+2066–U+2069), which can make ${rules.what} display as something else (invoice_fdp.exe as invoice_exe.pdf): ${describeValue(text)}.`,
      `Remove the bidirectional control characters from ${field}.`,
    );
  }
  if (rules.max !== undefined && text.length > rules.max) {
    throw invalid(field, `is ${text.length} characters long; at most ${rules.max} are accepted.`, `Shorten ${field} to at most ${rules.max} characters.`);
  }
}

/**
 * Checks a message's fields before normalisation: `headers` must be a plain object (a `Map` or a class instance
 * would otherwise be read as empty, dropping every header silently); the subject has no C1 control, U+2028/2029 or
 * lone surrogate and at most {@link MAX_SUBJECT_CHARS} characters; `text` and `html` have no NUL and no lone
 * surrogate; at most {@link MAX_ATTACHMENTS} attachments, each `filename` free of controls, bidirectional overrides
 * and lone surrogates and at most {@link MAX_FILENAME_CHARS} characters.
 *
 * @throws MailerError `MESSAGE_INVALID` naming the field.
 */
export function checkInputLimits(message: Record<string, unknown>): void {
  const { headers, subject, text, html, attachments } = message;
  if (headers !== undefined && headers !== null && typeof headers === 'object' && !Array.isArray(headers)) {
    const proto = Object.getPrototypeOf(headers) as unknown;
    if (proto !== null && proto !== Object.prototype && proto !== SNAPSHOT_PROTOTYPE) {
      throw invalid(
        'headers',
        `must be a plain object of name: value pairs, not ${headers instanceof Map ? 'a Map' : 'an instance of a class'}, whose entries would not be read.`,
        "Give headers like { 'X-Order-Id': '42' } (for a Map: Object.fromEntries(map)).",
      );
    }
  }
  if (typeof subject === 'string' && !plainText(subject, MAX_SUBJECT_CHARS)) checkText('subject', subject, { max: MAX_SUBJECT_CHARS, controls: C1_OR_SEPARATOR, what: 'the subject' });
  for (const [name, body] of [['text', text], ['html', html]] as const) {
    if (typeof body !== 'string') continue;
    if (body.includes('\u0000')) throw invalid(name, 'contains a NUL character, which mail cannot carry.', `Remove NUL characters (\\u0000) from ${name}.`);
    if (hasLoneSurrogate(body)) {
      throw invalid(name, 'contains a lone UTF-16 surrogate (half of an emoji or other character), which cannot be encoded.', `Check how ${name} was built: a string was probably cut in the middle of a character.`);
    }
  }
  if (Array.isArray(attachments)) {
    if (attachments.length > MAX_ATTACHMENTS) {
      throw invalid('attachments', `has ${attachments.length} attachments; Exchange Online takes at most ${MAX_ATTACHMENTS} per message.`, `Send at most ${MAX_ATTACHMENTS} attachments per message, or zip them into one.`);
    }
    attachments.forEach((a, i) => {
      const filename = (a as { filename?: unknown } | null)?.filename;
      if (typeof filename === 'string' && !plainText(filename, MAX_FILENAME_CHARS)) checkText(`attachments[${i}].filename`, filename, { max: MAX_FILENAME_CHARS, bidi: true, controls: CONTROL_OR_SEPARATOR, what: 'the file name' });
    });
  }
}

/**
 * Checks the parsed addresses: at most {@link MAX_RECIPIENTS_ALL_FIELDS} across to, cc, bcc and replyTo (Exchange
 * counts them all), and display names free of controls, separators, bidirectional overrides and lone surrogates,
 * at most {@link MAX_DISPLAY_NAME_CHARS} characters.
 *
 * @throws MailerError `MESSAGE_INVALID` naming the field.
 */
export function checkAddressLimits(fields: Readonly<Record<string, readonly AddressObject[]>>): void {
  const recipients = ['to', 'cc', 'bcc', 'replyTo'].reduce((sum, f) => sum + (fields[f]?.length ?? 0), 0);
  if (recipients > MAX_RECIPIENTS_ALL_FIELDS) {
    throw invalid(
      'to/cc/bcc/replyTo',
      `have ${recipients} addresses in all; Exchange Online takes at most ${MAX_RECIPIENTS_ALL_FIELDS} per message, replyTo included.`,
      `Split the recipients over several messages of at most ${MAX_RECIPIENTS_ALL_FIELDS} addresses each (replyTo included).`,
    );
  }
  for (const [field, list] of Object.entries(fields)) {
    list.forEach((a, i) => {
      if (typeof a.name === 'string' && !plainText(a.name, MAX_DISPLAY_NAME_CHARS)) checkText(`${field}[${i}].name`, a.name, { max: MAX_DISPLAY_NAME_CHARS, bidi: true, controls: CONTROL_OR_SEPARATOR, what: 'the sender or recipient' });
    });
  }
}

/**
 * Refuses a message whose body and fields alone (no attachments) exceed Graph's 4 MB request limit (`bytes`: the
 * estimate of its `sendMail` JSON without attachments, when the caller has it already): neither
 * `sendMail` nor a draft can carry it, whatever the permissions, since attachments are the only part that can be
 * uploaded separately.
 *
 * @throws MailerError `MESSAGE_INVALID` naming the body.
 */
export function assertBodyFits(message: NormalizedMessage, bytes: number = estimateSendMailBytes(message, [])): void {
  if (bytes > GRAPH_REQUEST_LIMIT_BYTES) {
    const field = message.body.contentType === 'HTML' ? 'html' : 'text';
    throw invalid(
      field,
      `makes the message ${(bytes / 1024 / 1024).toFixed(1)} MiB without any attachment; Microsoft Graph takes at most 4 MB per request, and only attachments can be uploaded separately. Nothing was sent.`,
      `Shorten the body, or put the long content in an attachment (which can be up to 150 MB with Mail.ReadWrite).`,
    );
  }
}
