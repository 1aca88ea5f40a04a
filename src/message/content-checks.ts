import { describeValue, invalid } from './validation';

/** Buffer encodings a string `content` may be given in. */
export const CONTENT_ENCODINGS: ReadonlySet<string> = new Set([
  'base64',
  'base64url',
  'hex',
  'binary',
  'latin1',
  'ascii',
  'utf8',
  'utf-8',
  'utf16le',
  'ucs2',
]);

/**
 * Checks an `encoding` value.
 *
 * @throws MailerError `MESSAGE_INVALID` naming `field` unless it is one of {@link CONTENT_ENCODINGS}.
 */
export function checkEncoding(value: unknown, field: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || !CONTENT_ENCODINGS.has(value.toLowerCase())) {
    throw invalid(field, `must be one of ${[...CONTENT_ENCODINGS].join(', ')}, not ${describeValue(value)}.`, `Give ${field} as 'base64', 'hex', 'binary' or 'utf8', or leave it out for UTF-8 text.`);
  }
}

/** The `MESSAGE_INVALID` error for a file path given while file access is disabled. */
export function fileAccessRefused(field: string): ReturnType<typeof invalid> {
  return invalid(
    field,
    'is a file path, and file access is disabled (disableFileAccess), so no file is read.',
    `Pass the bytes as content instead of ${field}, or turn off disableFileAccess if this message does not come from user input.`,
  );
}

