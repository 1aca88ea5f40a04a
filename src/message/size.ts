import { MailerError } from '../errors/mailer-error';
import { sendMailJson, toGraphFileAttachment, toGraphMessage } from './graph-json';
import type { NormalizedAttachment, NormalizedMessage } from './normalized';

/** Largest request Graph accepts (4 MB): a `sendMail` with its attachments in base64 must fit. */
export const GRAPH_REQUEST_LIMIT_BYTES = 4 * 1024 * 1024;

/** On the draft path, files under this size are attached with one POST; larger ones use an upload session. */
export const INLINE_ATTACHMENT_LIMIT_BYTES = 3 * 1024 * 1024;

/** Size of one upload-session chunk: a multiple of 320 KiB (12 × 320 KiB) and at most 4 MB, as Graph requires. */
export const UPLOAD_CHUNK_BYTES = 3_932_160;

/** Largest attachment Graph's upload sessions take (150 MB). */
export const MAX_ATTACHMENT_BYTES = 150 * 1024 * 1024;

/** Slack added to {@link estimateSendMailBytes}, so that a serializer's small differences never cross the limit. */
export const SIZE_ESTIMATE_MARGIN_BYTES = 1024;

/** How a message travels: one `sendMail` request, a draft with uploads, or not at all. */
export type SendRoute = 'sendMail' | 'draft' | 'too-large';

/** Length of the base64 encoding of `bytes` bytes (with padding). */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/**
 * A conservative upper estimate, in bytes, of the JSON body of one `sendMail` request carrying `m` and
 * `attachments`: the exact UTF-8 length of `JSON.stringify` of the message, plus for each attachment its JSON
 * metadata and its base64 content (4/3 of its size), plus {@link SIZE_ESTIMATE_MARGIN_BYTES}. No bytes are read.
 */
export function estimateSendMailBytes(m: NormalizedMessage, attachments: readonly NormalizedAttachment[]): number {
  return estimateSendMailJsonBytes(JSON.stringify(toGraphMessage(m)), attachments);
}

/** {@link estimateSendMailBytes} from the message's Graph JSON text, when the caller has it already. */
export function estimateSendMailJsonBytes(messageJson: string, attachments: readonly NormalizedAttachment[]): number {
  let bytes = Buffer.byteLength(sendMailJson(messageJson, false), 'utf8');
  if (attachments.length > 0) {
    bytes += Buffer.byteLength(',"attachments":[]', 'utf8');
    const empty = Buffer.alloc(0);
    for (const a of attachments) {
      bytes += Buffer.byteLength(JSON.stringify(toGraphFileAttachment(a, empty)), 'utf8') + base64Length(a.size) + 1;
    }
  }
  return bytes + SIZE_ESTIMATE_MARGIN_BYTES;
}

/**
 * True when `attachment` can be added to a draft with one `POST …/attachments` request: its base64 JSON
 * (Graph's 4 MB request limit applies to the encoded request, not to the file) fits in
 * {@link GRAPH_REQUEST_LIMIT_BYTES}, with {@link SIZE_ESTIMATE_MARGIN_BYTES} to spare. Larger files go through an
 * upload session.
 */
export function fitsInOneRequest(attachment: NormalizedAttachment): boolean {
  const json = Buffer.byteLength(JSON.stringify(toGraphFileAttachment(attachment, Buffer.alloc(0))), 'utf8');
  return json + base64Length(attachment.size) + SIZE_ESTIMATE_MARGIN_BYTES <= GRAPH_REQUEST_LIMIT_BYTES;
}

/**
 * Picks the route for a message of `estimate` bytes (from {@link estimateSendMailBytes}): `sendMail` when it fits
 * in {@link GRAPH_REQUEST_LIMIT_BYTES}; else `draft` when the app has Mail.ReadWrite; else `too-large`.
 */
export function chooseRoute(estimate: number, hasMailReadWrite: boolean): SendRoute {
  if (estimate <= GRAPH_REQUEST_LIMIT_BYTES) return 'sendMail';
  return hasMailReadWrite ? 'draft' : 'too-large';
}

/**
 * Rejects any attachment larger than {@link MAX_ATTACHMENT_BYTES}.
 *
 * @throws MailerError `ATTACHMENT_TOO_LARGE` naming the first such attachment (`attachments[i]` and its name).
 */
export function assertAttachmentSizes(attachments: ReadonlyArray<Pick<NormalizedAttachment, 'name' | 'size'>>): void {
  attachments.forEach((a, i) => {
    if (a.size > MAX_ATTACHMENT_BYTES) {
      throw new MailerError({
        code: 'ATTACHMENT_TOO_LARGE',
        message: `attachments[${i}] (${JSON.stringify(a.name)}) is ${a.size} bytes (${(a.size / 1024 / 1024).toFixed(1)} MiB); Graph takes at most 150 MiB (${MAX_ATTACHMENT_BYTES} bytes) per attachment.`,
        fix: `Share ${a.name} as a link (OneDrive or SharePoint) or split it into parts of at most 150 MiB.`,
      });
    }
  });
}
