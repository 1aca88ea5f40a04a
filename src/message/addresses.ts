import { domainToASCII } from 'node:url';
import type { Address, AddressObject } from './types';
import { describeValue, hasControlChar, invalid, isPlainObject } from './validation';

/** Longest local part (before the `@`) RFC 5321 allows, in octets. */
export const MAX_LOCAL_PART_OCTETS = 64;

/** Longest address RFC 5321 allows (a 256-octet path minus its angle brackets), in octets. */
export const MAX_ADDRESS_OCTETS = 254;

/** RFC 5321 dot-atom: atext runs separated by single dots. */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
/** RFC 5321 Quoted-string: printable ASCII and space, `"` and `\` only as quoted pairs. Not empty. */
const QUOTED_LOCAL = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])+"$/;
/** A domain label as written: letters (any script), digits, marks and hyphens. */
const RAW_LABEL = /^[\p{L}\p{M}\p{N}-]+$/u;
/**
 * A valid domain of plain ASCII labels (letters, digits, inner hyphens, 1 to 63 characters), none of them
 * punycode (`xn--`), whose last label is not one the URL parser reads as a number. IDNA conversion would only
 * lower-case such a domain, so {@link domainProblem} accepts it with one test, without `domainToASCII` or the
 * Unicode label check; every other domain takes the full check (the result is the same: a test pins it).
 */
const PLAIN_DOMAIN = /^(?!(?:[^.]*\.)*xn--)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?![0-9]+$|0x[0-9a-f]*$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
/** A label after IDNA conversion: LDH, no hyphen at either end. */
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;
/** atext plus space: a display name made only of these needs no quotes. */
const PLAIN_PHRASE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

function addressFix(field: string): string {
  return `Give ${field} as an address like ann@contoso.com or Ann Lee <ann@contoso.com>, and put a display name that contains a comma in double quotes.`;
}

function controlFix(field: string): string {
  return `Remove line breaks and other control characters from ${field}.`;
}

/**
 * Parses recipients in any of the forms {@link Address} allows into validated `{ name?, address }` objects.
 *
 * Accepts `'a@x.com'`, `'Ann Lee <ann@x.com>'`, `'"Lee, Ann" <ann@x.com>'` (a quoted display name may contain commas
 * and `\"` escapes), comma-separated lists of these, `{ name?, address }` objects and arrays of any of these.
 * Empty entries of a list (`'a@x.com, '`) are skipped; `undefined` and `null` give `[]`.
 *
 * Addresses are checked pragmatically against RFC 5321: a dot-atom or quoted local part of at most 64 octets,
 * an `@`, and a domain of at least two labels (internationalised labels allowed), at most 254 octets in all.
 * Addresses and names keep their spelling (no case folding, no punycode); surrounding whitespace is trimmed.
 *
 * @param input - The recipients as the caller gave them.
 * @param field - The message field being parsed (`to`, `cc`, `bcc`, `replyTo`), used in error messages.
 * @returns The addresses in order, flattened.
 * @throws MailerError `MESSAGE_INVALID` naming `field[i]`, where `i` counts addresses in order across the
 *   whole (flattened) input, when an entry is malformed or contains a control character (U+0000–U+001F, U+007F).
 */
export function parseAddresses(input: Address | undefined, field: string): AddressObject[] {
  if (input === undefined || input === null) return [];
  if (typeof input !== 'string' && !Array.isArray(input) && !isPlainObject(input)) {
    throw invalid(
      field,
      `must be an address string, an { name, address } object or an array of these, not ${describeValue(input)}.`,
      addressFix(field),
    );
  }
  const out: AddressObject[] = [];
  const items: unknown[] = Array.isArray(input) ? input : [input];
  for (const item of items) {
    const label = `${field}[${out.length}]`;
    if (typeof item === 'string') {
      for (const raw of splitList(item)) {
        const entryLabel = `${field}[${out.length}]`;
        if (hasControlChar(raw)) {
          throw invalid(entryLabel, `contains a line break or another control character: ${describeValue(raw)}.`, controlFix(entryLabel));
        }
        const entry = raw.trim();
        if (entry === '') continue;
        out.push(parseEntry(entry, entryLabel));
      }
    } else if (isPlainObject(item)) {
      out.push(parseObject(item, label));
    } else {
      throw invalid(label, `must be an address string or an { name, address } object, not ${describeValue(item)}.`, addressFix(label));
    }
  }
  return out;
}

/**
 * Formats an address for display or for re-parsing: `ann@x.com`, `Ann Lee <ann@x.com>`, or `"Lee, Ann" <ann@x.com>`
 * when the name needs quotes. `parseAddresses(formatAddress(a), f)` gives back `[a]` for any valid `a`.
 */
export function formatAddress(a: AddressObject): string {
  if (a.name === undefined || a.name === '') return a.address;
  const name = PLAIN_PHRASE.test(a.name) && a.name.trim() === a.name ? a.name : `"${a.name.replace(/["\\]/g, '\\$&')}"`;
  return `${name} <${a.address}>`;
}

/**
 * Why `address` is not a valid address, or `undefined` when it is valid. `address` must already be trimmed and
 * free of control characters.
 */
export function addressProblem(address: string): string | undefined {
  if (address === '') return 'it is empty';
  const at = address.lastIndexOf('@');
  if (at < 0) return 'it has no @';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local === '') return 'nothing comes before the @';
  if (domain === '') return 'no domain follows the @';
  if (local.startsWith('"')) {
    if (!QUOTED_LOCAL.test(local)) return 'the quoted part before the @ is malformed';
  } else if (!DOT_ATOM.test(local)) {
    return 'the part before the @ has a character or a dot that is not allowed there';
  }
  const localOctets = utf8(local);
  if (localOctets > MAX_LOCAL_PART_OCTETS) {
    return `its local part is ${localOctets} octets long; at most ${MAX_LOCAL_PART_OCTETS} are allowed`;
  }
  const checked = domainProblem(domain);
  if (checked.problem !== undefined) return checked.problem;
  const octets = Math.max(utf8(address), localOctets + 1 + checked.ascii.length);
  if (octets > MAX_ADDRESS_OCTETS) {
    return `it is ${octets} octets long; at most ${MAX_ADDRESS_OCTETS} are allowed`;
  }
  return undefined;
}

/** `domainToASCII(domain)`, without calling it for a plain ASCII domain (which it would only lower-case). */
export function asciiDomain(domain: string): string {
  return domain.length <= 253 && PLAIN_DOMAIN.test(domain) ? domain.toLowerCase() : domainToASCII(domain);
}

/**
 * What is wrong with a domain, if anything, and its ASCII (IDNA) form. Internal; `fastPath: false` exists so a
 * test can compare the plain-ASCII shortcut with the full check.
 */
export function domainProblem(domain: string, fastPath = true): { problem?: string; ascii: string } {
  if (fastPath && domain.length <= 253 && PLAIN_DOMAIN.test(domain)) return { ascii: domain.toLowerCase() };
  const labels = domain.split('.');
  if (labels.length < 2) return { problem: 'its domain has no dot, as in contoso.com', ascii: '' };
  for (const label of labels) {
    if (label === '') return { problem: 'its domain has two dots in a row, or a dot at one end', ascii: '' };
    if (!RAW_LABEL.test(label) || label.startsWith('-') || label.endsWith('-')) {
      return { problem: `its domain label ${JSON.stringify(label)} is not allowed`, ascii: '' };
    }
  }
  const ascii = domainToASCII(domain);
  if (ascii === '') return { problem: 'its domain is not a valid domain name', ascii };
  const asciiLabels = ascii.split('.');
  for (const label of asciiLabels) {
    if (label.length > 63) return { problem: `its domain label ${JSON.stringify(label.slice(0, 20) + '…')} is longer than 63 octets`, ascii };
    if (!ASCII_LABEL.test(label)) return { problem: `its domain label ${JSON.stringify(label)} is not allowed`, ascii };
  }
  if (/^[0-9]+$/.test(asciiLabels[asciiLabels.length - 1] ?? '')) {
    return { problem: 'its domain ends in a number; IP addresses are not supported', ascii };
  }
  if (ascii.length > 253) return { problem: `its domain is ${ascii.length} octets long; at most 253 are allowed`, ascii };
  return { ascii };
}

function parseObject(item: Record<string, unknown>, label: string): AddressObject {
  const { address, name } = item;
  if (typeof address !== 'string') {
    throw invalid(`${label}.address`, `must be a string, not ${describeValue(address)}.`, addressFix(`${label}.address`));
  }
  if (name !== undefined && name !== null && typeof name !== 'string') {
    throw invalid(`${label}.name`, `must be a string, not ${describeValue(name)}.`, `Give ${label}.name as a string, or leave it out.`);
  }
  if (hasControlChar(address)) {
    throw invalid(`${label}.address`, `contains a line break or another control character: ${describeValue(address)}.`, controlFix(`${label}.address`));
  }
  if (typeof name === 'string' && hasControlChar(name)) {
    throw invalid(`${label}.name`, `contains a line break or another control character: ${describeValue(name)}.`, controlFix(`${label}.name`));
  }
  return build(typeof name === 'string' ? name.trim() : undefined, address.trim(), label, address);
}

function build(name: string | undefined, address: string, label: string, raw: string): AddressObject {
  const problem = addressProblem(address);
  if (problem !== undefined) {
    throw invalid(label, `is not a valid email address (${describeValue(raw)}): ${problem}.`, addressFix(label));
  }
  return name ? { name, address } : { address };
}

/** Index of the quote that closes the quoted string opening at `open`, or -1. */
function closingQuote(s: string, open: number): number {
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

/** Splits a comma-separated list at commas outside double quotes and angle brackets. Entries are not trimmed. */
function splitList(s: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      const close = closingQuote(s, i);
      if (close < 0) break; // unterminated: the rest is one entry, which parseEntry rejects
      i = close;
    } else if (c === '<') angle = true;
    else if (c === '>') angle = false;
    else if (c === ',' && !angle) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** Index of the first `ch` at or after `from` that is outside double quotes; -2 on an unterminated quote. */
function findOutsideQuotes(s: string, ch: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '"') {
      const close = closingQuote(s, i);
      if (close < 0) return -2;
      i = close;
    } else if (s[i] === ch) return i;
  }
  return -1;
}

/** Parses one trimmed, control-free entry: `a@x`, `"q"@x`, `Name <a@x>` or `"Name" <a@x>`. */
function parseEntry(entry: string, label: string): AddressObject {
  const unterminated = (): never => {
    throw invalid(label, `has a double quote that is never closed: ${describeValue(entry)}.`, addressFix(label));
  };
  const lt = findOutsideQuotes(entry, '<', 0);
  if (lt === -2) unterminated();
  if (lt < 0) {
    if (findOutsideQuotes(entry, '>', 0) >= 0) {
      throw invalid(label, `has a > without a matching <: ${describeValue(entry)}.`, addressFix(label));
    }
    return build(undefined, entry, label, entry);
  }
  const gt = findOutsideQuotes(entry, '>', lt + 1);
  if (gt === -2) unterminated();
  if (gt < 0) throw invalid(label, `has a < without a matching >: ${describeValue(entry)}.`, addressFix(label));
  if (gt !== entry.length - 1) {
    throw invalid(label, `has text after the closing >: ${describeValue(entry)}.`, addressFix(label));
  }
  const name = decodePhrase(entry.slice(0, lt), label, entry);
  return build(name, entry.slice(lt + 1, gt).trim(), label, entry);
}

/** A display name as written (atoms and quoted strings) to its text: quotes removed, `\x` pairs unescaped. */
function decodePhrase(phrase: string, label: string, entry: string): string | undefined {
  let out = '';
  for (let i = 0; i < phrase.length; i++) {
    const c = phrase[i] as string;
    if (c !== '"') {
      out += c;
      continue;
    }
    const close = closingQuote(phrase, i);
    if (close < 0) throw invalid(label, `has a double quote that is never closed: ${describeValue(entry)}.`, addressFix(label));
    out += phrase.slice(i + 1, close).replace(/\\(.)/g, '$1');
    i = close;
  }
  const name = out.trim();
  return name === '' ? undefined : name;
}
