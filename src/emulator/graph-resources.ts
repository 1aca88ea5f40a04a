import type { EmulatorContext } from './context';
import type { MailboxRecord } from './directory';
import { bodyPreview } from './html-text';
import type { DraftAttachment, DraftRecord } from './mail-store';
import type { ParsedMessage } from './message-validation';

/** A mailbox as Graph writes it in `@odata.context` URLs. */
export function odataUser(mailbox: MailboxRecord): string {
  return encodeURIComponent(mailbox.address);
}

/** A file attachment as Graph returns it (`contentBytes` only when asked). */
export function attachmentResource(ctx: EmulatorContext, mailbox: MailboxRecord, draft: DraftRecord, a: DraftAttachment, withBytes: boolean): Record<string, unknown> {
  return {
    '@odata.context': `${ctx.url}/v1.0/$metadata#users('${odataUser(mailbox)}')/messages('${encodeURIComponent(draft.id)}')/attachments/$entity`,
    '@odata.type': '#microsoft.graph.fileAttachment',
    '@odata.mediaContentType': a.contentType,
    id: a.id,
    lastModifiedDateTime: a.lastModified.toISOString().slice(0, 19) + 'Z',
    name: a.name,
    contentType: a.contentType,
    size: a.size,
    isInline: a.isInline,
    contentId: a.contentId ?? null,
    contentLocation: null,
    ...(withBytes ? { contentBytes: a.content.toString('base64') } : {}),
  };
}

/** Recipients in Graph's `{ emailAddress: { name, address } }` shape. */
export function recipientsJson(list: ParsedMessage['to']): unknown[] {
  return list.map((r) => ({ emailAddress: { name: r.name ?? r.address, address: r.address } }));
}

/** A draft as Graph returns it from `POST /messages` and `GET /messages/{id}`. */
export function messageResource(ctx: EmulatorContext, mailbox: MailboxRecord, draft: DraftRecord): Record<string, unknown> {
  const m = draft.message;
  const created = draft.createdAt.toISOString().slice(0, 19) + 'Z';
  const preview = bodyPreview(m.body, 255);
  return {
    '@odata.context': `${ctx.url}/v1.0/$metadata#users('${odataUser(mailbox)}')/messages/$entity`,
    '@odata.etag': `W/"${draft.changeKey}"`,
    id: draft.id,
    createdDateTime: created,
    lastModifiedDateTime: created,
    changeKey: draft.changeKey,
    categories: [],
    receivedDateTime: created,
    sentDateTime: created,
    hasAttachments: draft.attachments.some((a) => !a.isInline),
    internetMessageId: m.messageId ?? `<${draft.changeKey}@${mailbox.address.split('@')[1] ?? 'emulator'}>`,
    subject: m.subject,
    bodyPreview: preview,
    importance: m.importance ?? 'normal',
    parentFolderId: 'Drafts',
    conversationId: draft.id.slice(0, 40),
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
    isRead: true,
    isDraft: true,
    webLink: `${ctx.url}/#${encodeURIComponent(draft.id)}`,
    inferenceClassification: 'focused',
    body: { contentType: m.body.contentType, content: m.body.content },
    sender: m.from ? { emailAddress: { name: m.from.name ?? m.from.address, address: m.from.address } } : null,
    from: m.from ? { emailAddress: { name: m.from.name ?? m.from.address, address: m.from.address } } : null,
    toRecipients: recipientsJson(m.to),
    ccRecipients: recipientsJson(m.cc),
    bccRecipients: recipientsJson(m.bcc),
    replyTo: recipientsJson(m.replyTo),
    flag: { flagStatus: 'notFlagged' },
  };
}
