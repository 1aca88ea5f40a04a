import { MailerError } from '../errors/mailer-error';

/** Matches one C0 control character (U+0000–U+001F, which includes CR, LF, NUL and TAB) or DEL (U+007F). */
export const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;

/** True when `text` contains a C0 control character or DEL (see {@link CONTROL_CHAR}). */
export function hasControlChar(text: string): boolean {
  return CONTROL_CHAR.test(text);
}

/**
 * A short, printable rendering of a value the caller gave, for an error message: JSON-quoted (so control
 * characters show as escapes such as `\r\n`) and cut to `max` characters.
 */
export function describeValue(value: unknown, max = 80): string {
  if (typeof value !== 'string') {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
  }
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}

/** The `MESSAGE_INVALID` error for `field` (e.g. `to[2]`, `headers.X-Foo`): the message starts with the field's name. */
export function invalid(field: string, problem: string, fix: string, cause?: unknown): MailerError {
  return new MailerError({
    code: 'MESSAGE_INVALID',
    message: `${field} ${problem}`,
    fix,
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
