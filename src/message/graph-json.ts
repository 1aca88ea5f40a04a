import type { BodyType, FileAttachment, Message, Recipient } from '@microsoft/microsoft-graph-types';
import type { NormalizedAttachment, NormalizedMessage } from './normalized';
import type { AddressObject } from './types';

/** A Graph `fileAttachment` as sent in a request: its `@odata.type` is required there. */
export type GraphFileAttachment = FileAttachment & { '@odata.type': '#microsoft.graph.fileAttachment' };

/** The body of `POST /users/{sender}/sendMail`. */
export interface SendMailBody {
  /** The message, possibly with `attachments`. */
  message: Message;
  /** Whether Exchange keeps a copy in the sender's Sent Items. */
  saveToSentItems: boolean;
}

function recipients(list: readonly AddressObject[]): Recipient[] {
  return list.map((a) => ({
    emailAddress: a.name !== undefined && a.name !== '' ? { name: a.name, address: a.address } : { address: a.address },
  }));
}

/**
 * A normalised message as a Graph `message` resource: `subject`, `body`, then `toRecipients`, `ccRecipients`,
 * `bccRecipients` and `replyTo` (each only when not empty), `importance` (only when given) and
 * `internetMessageHeaders` (only when there are headers). Attachments are added by the caller.
 *
 * `body.contentType` is sent as `'Text'` or `'HTML'`, the spelling of Graph's documentation (Graph reads it
 * case-insensitively; the type package spells it in lower case, hence the cast).
 */
export function toGraphMessage(m: NormalizedMessage): Message {
  const message: Message = {
    subject: m.subject,
    body: { contentType: m.body.contentType as unknown as BodyType, content: m.body.content },
  };
  if (m.from) message.from = recipients([m.from])[0];
  if (m.to.length > 0) message.toRecipients = recipients(m.to);
  if (m.cc.length > 0) message.ccRecipients = recipients(m.cc);
  if (m.bcc.length > 0) message.bccRecipients = recipients(m.bcc);
  if (m.replyTo.length > 0) message.replyTo = recipients(m.replyTo);
  if (m.importance !== undefined) message.importance = m.importance;
  if (m.headers.length > 0) message.internetMessageHeaders = m.headers.map((h) => ({ name: h.name, value: h.value }));
  return message;
}

/**
 * An attachment with its bytes as a Graph `fileAttachment`: `@odata.type`, `name`, `contentType`, `contentBytes`
 * (base64), `isInline`, and `contentId` only when the attachment has one.
 */
export function toGraphFileAttachment(a: NormalizedAttachment, bytes: Buffer): GraphFileAttachment {
  const out: GraphFileAttachment = {
    '@odata.type': '#microsoft.graph.fileAttachment',
    name: a.name,
    contentType: a.contentType,
    contentBytes: bytes.toString('base64'),
    isInline: a.isInline,
  };
  if (a.contentId !== undefined) out.contentId = a.contentId;
  return out;
}

/** The JSON body of a `sendMail` request: `{ message, saveToSentItems }`. */
export function sendMailBody(message: Message, saveToSentItems: boolean): SendMailBody {
  return { message, saveToSentItems };
}

/**
 * The JSON text of a `sendMail` request from the message's JSON text, with the attachments' JSON texts added as
 * its last property: exactly `JSON.stringify(sendMailBody({ ...message, attachments }, saveToSentItems))`, without
 * serialising the message a second time.
 */
export function sendMailJson(messageJson: string, saveToSentItems: boolean, attachmentsJson: readonly string[] = []): string {
  const message = attachmentsJson.length > 0 ? `${messageJson.slice(0, -1)},"attachments":[${attachmentsJson.join(',')}]}` : messageJson;
  return `{"message":${message},"saveToSentItems":${saveToSentItems}}`;
}
