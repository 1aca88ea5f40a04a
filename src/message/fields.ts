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
  'watchHtml',
  'attachDataUrls',
  'textEncoding',
  'xMailer',
  'disableUrlAccess',
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
export const REFUSED_MESSAGE_FIELDS: Readonly<Record<string, { why: string; fix: string }>> = {
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
  dkim: {
    why: 'signs with DKIM, but Exchange Online rewrites the message when it submits it (it re-encodes the MIME and adds headers), which breaks a signature made before, and it signs outgoing mail with the domain’s own DKIM keys.',
    fix: 'Remove dkim and enable DKIM for the domain in Microsoft Defender (Email authentication settings).',
  },
  encoding: {
    why: 'is ambiguous in nodemailer (documented as the encoding of the text and html strings, applied as their transfer encoding), so either meaning could be lost.',
    fix: "Give text and html as decoded strings; to choose the transfer encoding use textEncoding: 'quoted-printable' or 'base64'.",
  },
  otp: {
    why: 'writes the draft OTP-Token header (draft-goto-otp-token), which this library does not build.',
    fix: `Remove otp, or write the header yourself: headers: { 'OTP-Token': '"123456"; origin="https://example.com"' }.`,
  },
  normalizeHeaderKey: {
    why: 'rewrites header names in nodemailer’s own output; this library writes header names as you give them in headers.',
    fix: 'Remove normalizeHeaderKey and write the header names in headers in the case you want.',
  },
  newline: {
    why: 'chooses the line ends of the MIME nodemailer writes; Microsoft Graph needs CRLF, which the library always uses.',
    fix: 'Remove newline.',
  },
  baseBoundary: {
    why: 'chooses MIME boundaries; Exchange Online converts a message to its own format and writes new MIME when it delivers it, so they would not reach the recipient.',
    fix: 'Remove baseBoundary.',
  },
  boundaryPrefix: {
    why: 'chooses MIME boundaries; Exchange Online converts a message to its own format and writes new MIME when it delivers it, so they would not reach the recipient.',
    fix: 'Remove boundaryPrefix.',
  },
  maxRecipients: {
    why: 'is an SMTP transport limit; Exchange Online takes at most 500 recipients per message, which send() enforces.',
    fix: 'Remove maxRecipients, or check the count yourself before sending.',
  },
  signal: {
    why: 'is a send option here, not a message field.',
    fix: 'Pass it as the second argument: mailer.send(message, { signal }).',
  },
  auth: {
    why: 'is per-message SMTP authentication; this library authenticates to Microsoft Graph with the mailer’s app credentials.',
    fix: 'Remove auth; to send from another mailbox, create a mailer for it or use from with Send As rights.',
  },
  ses: {
    why: 'holds Amazon SES options, which Microsoft Graph has no use for.',
    fix: 'Remove ses.',
  },
  requireTLSExtensionEnabled: {
    why: 'is an SMTP REQUIRETLS option; Microsoft Graph is always reached over HTTPS and Exchange Online applies its own TLS policy to delivery.',
    fix: 'Remove requireTLSExtensionEnabled; enforce TLS for partner domains with an Exchange Online connector.',
  },
};
/** nodemailer attachment fields Graph cannot honour. */
export const REFUSED_ATTACHMENT_FIELDS: Readonly<Record<string, { why: string; fix: string }>> = {
  href: {
    why: 'would make this process download a URL while sending: a message built from user input could make the server fetch any address (SSRF), and a download that fails would leave the attachment out.',
    fix: 'Download the file yourself and pass its bytes as content, or its file as path.',
  },
  httpHeaders: {
    why: 'belongs to href, which is refused.',
    fix: 'Download the file yourself and pass its bytes as content.',
  },
  tls: {
    why: 'belongs to href (TLS options of the download), which is refused.',
    fix: 'Download the file yourself and pass its bytes as content.',
  },
  contentTransferEncoding: {
    why: 'chooses how the attachment is encoded in MIME; the library keeps the encoding that carries any bytes safely (base64), as a chosen one such as 7bit would corrupt binary content.',
    fix: 'Remove contentTransferEncoding; the attachment arrives with the same bytes.',
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
