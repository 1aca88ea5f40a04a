import type { NormalizedAttachment } from './normalized';
import { base64Length, GRAPH_REQUEST_LIMIT_BYTES, SIZE_ESTIMATE_MARGIN_BYTES } from './size';
import type { MailMessage } from './types';

/**
 * Largest MIME message one Graph request carries: the request is the message in base64, at most
 * {@link GRAPH_REQUEST_LIMIT_BYTES} (4 MB) with {@link SIZE_ESTIMATE_MARGIN_BYTES} to spare: about 3 MB.
 */
export const MAX_MIME_BYTES = Math.floor((GRAPH_REQUEST_LIMIT_BYTES - SIZE_ESTIMATE_MARGIN_BYTES) / 4) * 3;

/** Room for headers, boundaries and part headers of a MIME message, on top of its contents. */
const MIME_OVERHEAD_BYTES = 8 * 1024;

/** MIME bytes of an attachment of `size` bytes: base64 in 76-character lines with CRLF, plus its part headers. */
export function mimeAttachmentBytes(size: number): number {
  return Math.ceil((base64Length(size) * 78) / 76) + 512;
}

function textBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (Buffer.isBuffer(value)) return value.length;
  return 0;
}

/**
 * A conservative upper estimate of the MIME message nodemailer builds from `message`, without the attachments
 * whose indexes are in `omit`: bodies count three times their UTF-8 size (quoted-printable's worst case),
 * attachments as {@link mimeAttachmentBytes}. No bytes are read.
 */
export function estimateMimeBytes(message: MailMessage, attachments: readonly NormalizedAttachment[], omit: ReadonlySet<number> = new Set()): number {
  let bytes = MIME_OVERHEAD_BYTES;
  bytes += 3 * (textBytes(message.text) + textBytes(message.html) + textBytes(message.watchHtml) + textBytes(message.subject));
  for (const alt of message.alternatives ?? []) bytes += 3 * textBytes(alt.content);
  if (message.icalEvent) bytes += message.icalEvent.path !== undefined ? 256 * 1024 : 6 * textBytes(message.icalEvent.content);
  for (const h of Object.entries(message.headers ?? {})) bytes += 3 * JSON.stringify(h).length;
  if (message.list) bytes += 3 * JSON.stringify(message.list).length;
  attachments.forEach((a, i) => {
    if (!omit.has(i)) bytes += mimeAttachmentBytes(a.size);
  });
  return bytes;
}
