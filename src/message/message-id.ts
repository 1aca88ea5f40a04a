import { describeValue, invalid } from './validation';
import { nodeCrypto } from '../runtime/node-builtins';

/** `id-left@id-right` of RFC 5322 msg-id, pragmatically: printable ASCII without spaces, angle brackets or a second `@`. */
const MSG_ID = /^[!#-'*-;=?A-Z^-~]+@[!#-'*-;=?A-Z^-~[\]]+$/;

/**
 * A Message-ID in angle brackets: `'<a@b>'` and `'a@b'` both give `'<a@b>'`.
 *
 * @throws MailerError `MESSAGE_INVALID` naming `field` when it is not one `left@right` id of printable ASCII.
 */
export function normalizeMessageId(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw invalid(field, `must be a string like <order-42@shop.example>, not ${describeValue(value)}.`, `Give ${field} as a string like <order-42@shop.example>.`);
  }
  const bare = value.trim().replace(/^<(.*)>$/, '$1');
  if (!MSG_ID.test(bare) || bare.length > 900) {
    throw invalid(
      field,
      `is not a Message-ID like <order-42@shop.example>: ${describeValue(value)}.`,
      `Give ${field} as one id of the form <unique-part@domain>, in printable ASCII without spaces.`,
    );
  }
  return `<${bare}>`;
}

/**
 * Message-IDs of a `references` value (a string of ids separated by spaces or commas, or an array of ids).
 *
 * @throws MailerError `MESSAGE_INVALID` naming `references` or `references[i]`.
 */
export function normalizeReferences(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : undefined;
  if (list === undefined) {
    throw invalid('references', `must be a string of Message-IDs or an array of them, not ${describeValue(value)}.`, 'Give references as an array like [\'<a@host>\', \'<b@host>\'].');
  }
  return list.map((id: unknown, i) => normalizeMessageId(id, Array.isArray(value) ? `references[${i}]` : 'references'));
}

/** A new Message-ID `<uuid@domain>`, as nodemailer makes them (domain: the From address's). */
export function generateMessageId(domain: string): string {
  return `<${nodeCrypto().randomUUID()}@${domain}>`;
}
