import { didYouMean } from '../config/did-you-mean';
import { invalid } from './validation';

/** Every field of {@link MailMessage} that `send()` honours. */
export const MESSAGE_FIELDS: ReadonlySet<string> = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'inReplyTo',
  'references',
  'subject',
  'text',
  'html',
  'alternatives',
  'icalEvent',
  'date',
  'messageId',
  'priority',
  'importance',
  'headers',
  'list',
  'attachments',
  'raw',
  'disableFileAccess',
]);

/** Every field of an {@link Attachment} that `send()` honours. */
export const ATTACHMENT_FIELDS: ReadonlySet<string> = new Set([
  'filename',
  'content',
  'path',
  'encoding',
  'contentType',
  'contentDisposition',
  'cid',
  'headers',
  'raw',
]);

/** nodemailer message fields Graph cannot honour, with why and what to do instead. */
const REFUSED_MESSAGE_FIELDS: Readonly<Record<string, { why: string; fix: string }>> = {
  envelope: {
    why: 'is an SMTP envelope; Microsoft Graph takes the recipients from the message itself and has no separate envelope.',
    fix: 'Remove envelope and put every recipient in to, cc or bcc (bcc recipients are not shown to the others).',
  },
  dsn: {
    why: 'asks for SMTP delivery status notifications, which Microsoft Graph cannot request; Exchange sends a non-delivery report to the sender mailbox on its own.',
    fix: "Remove dsn; watch the sender mailbox for non-delivery reports instead.",
  },
  amp: {
    why: 'is an AMP for Email body; Exchange Online does not deliver AMP parts, so it would be dropped.',
    fix: 'Remove amp and send the content as html (and text).',
  },
  watchHtml: {
    why: 'is an Apple Watch body this library does not send.',
    fix: "Remove watchHtml, or send it as alternatives: [{ contentType: 'text/watch-html', content }].",
  },
  attachDataUrls: {
    why: 'turns data: images in html into attachments, which this library does not do.',
    fix: 'Attach each image with a cid and reference it as <img src="cid:...">.',
  },
  dkim: {
    why: 'signs with DKIM, but Exchange Online signs outgoing mail with the domain’s own DKIM keys and a signature added before submission would break.',
    fix: 'Remove dkim and enable DKIM for the domain in Microsoft Defender (Email authentication settings).',
  },
  textEncoding: {
    why: 'chooses the MIME transfer encoding, which this library leaves to nodemailer.',
    fix: 'Remove textEncoding.',
  },
  encoding: {
    why: 'is not a message field (attachments and alternatives have one).',
    fix: 'Remove encoding, or set it on the attachment it belongs to.',
  },
};

/** nodemailer attachment fields Graph cannot honour. */
const REFUSED_ATTACHMENT_FIELDS: Readonly<Record<string, { why: string; fix: string }>> = {
  href: {
    why: 'would make this process download a URL while sending: a message built from user input could make the server fetch any address (SSRF), and a download that fails would leave the attachment out.',
    fix: 'Download the file yourself and pass its bytes as content, or its file as path.',
  },
  httpHeaders: {
    why: 'belongs to href, which is refused.',
    fix: 'Download the file yourself and pass its bytes as content.',
  },
};

function checkFields(
  value: Record<string, unknown>,
  prefix: string,
  known: ReadonlySet<string>,
  refused: Readonly<Record<string, { why: string; fix: string }>>,
  kind: string,
): void {
  for (const key of Object.keys(value)) {
    if (known.has(key)) continue;
    if (value[key] === undefined) continue;
    const field = `${prefix}${key}`;
    const why = Object.prototype.hasOwnProperty.call(refused, key) ? refused[key] : undefined;
    if (why) throw invalid(field, why.why, why.fix);
    // Longest first, so that a cut-off name (`contentTyp`) means `contentType`, not `content`.
    const guess = didYouMean(key, [...known].sort((a, b) => b.length - a.length));
    throw invalid(
      field,
      `is not a field of ${kind}${guess ? ` (did you mean ${guess}?)` : ''}; it would be dropped without a word, so the message is refused.`,
      guess ? `Rename ${field} to ${prefix}${guess}.` : `Remove ${field}; the fields are listed in docs/coming-from-nodemailer.md.`,
    );
  }
}

/**
 * Refuses, before any request, a field `send()` would not honour: an unknown name (a typo such as `attachment`
 * or `replyto`, with the likely intended name in the fix) or a nodemailer field Graph cannot carry (`envelope`,
 * `dsn`, `amp`, attachment `href`…, with why). A field whose value is `undefined` counts as absent.
 *
 * @throws MailerError `MESSAGE_INVALID` naming the field (`attachment`, `attachments[0].href`).
 */
export function checkMessageFields(message: Record<string, unknown>): void {
  checkFields(message, '', MESSAGE_FIELDS, REFUSED_MESSAGE_FIELDS, 'a message');
}

/** Like {@link checkMessageFields}, for one attachment at `attachments[i]`. */
export function checkAttachmentFields(attachment: Record<string, unknown>, prefix: string): void {
  checkFields(attachment, `${prefix}.`, ATTACHMENT_FIELDS, REFUSED_ATTACHMENT_FIELDS, 'an attachment');
}
