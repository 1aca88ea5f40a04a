import type { Message } from '@microsoft/microsoft-graph-types';
import type { Logger } from '../config/types';
import { MailerError, isMailerError } from '../errors/mailer-error';
import type { HttpClient } from '../http/http-client';
import { toGraphFileAttachment } from '../message/graph-json';
import type { NormalizedAttachment } from '../message/normalized';
import { fitsInOneRequest, UPLOAD_CHUNK_BYTES } from '../message/size';
import type { RetryPolicy } from '../reliability/retry-policy';
import { graphErrorCode, mayHaveDelivered, type GraphOutcome, type GraphRunner } from './graph-runner';
import { uploadAttachment } from './upload-session';

/** What sending through a draft needs. */
export interface DraftSendOptions {
  runner: GraphRunner;
  http: HttpClient;
  policy: RetryPolicy;
  logger: Logger;
  secrets: () => readonly string[];
  /** `/users/{encoded sender}` */
  userPath: string;
  /** The draft as Graph JSON, or… */
  message?: Message;
  /** …`message` already serialised (sent as it is), or… */
  messageJson?: string;
  /** …as a base64 MIME message (the draft is then created from MIME). */
  mime?: string;
  attachments: readonly NormalizedAttachment[];
  clientRequestId: string;
  signal?: AbortSignal;
  onProgress?: (progress: { sentBytes: number; totalBytes: number }) => void;
}

/**
 * The large-attachment route (needs Mail.ReadWrite): create a draft, attach small files by POST and stream large
 * ones through upload sessions, then send the draft. Any failure before the send deletes the draft, so no orphan
 * is left. If the answer to `/send` is lost, the same draft is sent once more: a 404 ErrorItemNotFound then proves
 * the first one went out (a sent draft leaves Drafts), so the mail is delivered exactly once.
 */
export async function sendViaDraft(o: DraftSendOptions): Promise<GraphOutcome> {
  const { runner, userPath, clientRequestId, signal } = o;
  const base = { clientRequestId, ...(signal ? { signal } : {}) };
  const content = o.mime !== undefined ? { mime: o.mime } : o.messageJson !== undefined ? { json: o.messageJson } : { body: o.message };
  const created = await runner
    .run({ ...base, method: 'POST', path: `${userPath}/messages`, ...content, couldDeliver: false, doing: 'creating the draft' })
    .catch((err: unknown) => {
      throw draftRefused(err, o.secrets());
    });
  const id = (created.reply.body as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string' || id === '') {
    throw new MailerError({ code: 'UNKNOWN', message: 'Microsoft Graph created the draft but did not return its id; nothing was sent.' }, o.secrets());
  }
  const messagePath = `${userPath}/messages/${encodeURIComponent(id)}`;
  const totalBytes = o.attachments.reduce((sum, a) => sum + a.size, 0);
  let sentBytes = 0;
  let progressFailed = false;
  const progress = (bytes: number) => {
    sentBytes += bytes;
    if (!o.onProgress || progressFailed) return;
    try {
      o.onProgress({ sentBytes, totalBytes });
    } catch (err) {
      // The caller's callback is told about progress; it never decides whether or what is sent.
      progressFailed = true;
      o.logger.warn?.('options.onProgress threw; it is not called again for this message.', { error: String((err as Error)?.message ?? err) });
    }
  };
  try {
    for (const attachment of o.attachments) {
      if (fitsInOneRequest(attachment)) {
        const body = toGraphFileAttachment(attachment, await attachment.read());
        await runner.run({ ...base, method: 'POST', path: `${messagePath}/attachments`, body, couldDeliver: false, doing: `attaching ${attachment.name}` });
        progress(attachment.size);
        continue;
      }
      const session = await runner.run({
        ...base,
        method: 'POST',
        path: `${messagePath}/attachments/createUploadSession`,
        body: {
          AttachmentItem: {
            attachmentType: 'file',
            name: attachment.name,
            size: attachment.size,
            contentType: attachment.contentType,
            isInline: attachment.isInline,
            ...(attachment.contentId !== undefined ? { contentId: attachment.contentId } : {}),
          },
        },
        couldDeliver: false,
        doing: `starting the upload of ${attachment.name}`,
      });
      const uploadUrl = (session.reply.body as { uploadUrl?: unknown } | undefined)?.uploadUrl;
      if (typeof uploadUrl !== 'string') {
        throw new MailerError({ code: 'UNKNOWN', message: `Microsoft Graph opened no upload session for ${attachment.name}; nothing was sent.` }, o.secrets());
      }
      await uploadAttachment({
        http: o.http,
        uploadUrl,
        attachment,
        chunkBytes: UPLOAD_CHUNK_BYTES,
        policy: o.policy,
        logger: o.logger,
        secrets: o.secrets(),
        ...(signal ? { signal } : {}),
        slot: (fn) => runner.withSlot(fn, signal),
        onChunk: progress,
      });
    }
  } catch (err) {
    await deleteDraft(o, messagePath);
    throw err;
  }
  return sendDraft(o, messagePath);
}

async function sendDraft(o: DraftSendOptions, messagePath: string): Promise<GraphOutcome> {
  const op = {
    method: 'POST' as const,
    path: `${messagePath}/send`,
    clientRequestId: o.clientRequestId,
    couldDeliver: true,
    doing: 'sending the draft',
    ...(o.signal ? { signal: o.signal } : {}),
  };
  try {
    return await o.runner.run(op);
  } catch (err) {
    if (!isMailerError(err, 'DELIVERY_UNKNOWN')) {
      // Deleting a draft whose /send may have gone out (a cancel mid-request) could race Exchange's submission and
      // hide the sent copy: only a draft that provably was not sent is deleted.
      if (!mayHaveDelivered(err)) await deleteDraft(o, messagePath);
      throw err;
    }
    // The answer was lost. Sending the same draft again is safe: if the first went out, the draft is gone (404).
    o.logger.warn?.('The answer to the draft\'s /send was lost; sending the same draft once more to learn whether it went out.');
    try {
      const again = await o.runner.run({ ...op, doing: 'confirming the draft was sent' });
      return { reply: again.reply, attempts: again.attempts + 1 };
    } catch (second) {
      if (isMailerError(second) && second.status === 404 && graphErrorCode(second) === 'ErrorItemNotFound') {
        o.logger.info?.('The draft is no longer in Drafts: the first /send delivered it.');
        return { reply: { status: 202, headers: new Headers(), body: undefined, ...(second.requestId ? { requestId: second.requestId } : {}) }, attempts: 2 };
      }
      throw err;
    }
  }
}

async function deleteDraft(o: DraftSendOptions, messagePath: string): Promise<void> {
  try {
    await o.runner.run({ method: 'DELETE', path: messagePath, clientRequestId: o.clientRequestId, couldDeliver: false, doing: 'deleting the unsent draft' });
  } catch (err) {
    o.logger.warn?.(`Could not delete the unsent draft; delete it from the sender's Drafts folder.`, { error: isMailerError(err) ? err.code : String(err) });
  }
}

/**
 * A 403 on creating the draft means the app may not write to the mailbox: Mail.ReadWrite is missing (it is tried
 * when the token carries no roles, as with Exchange RBAC for Applications). Nothing was sent.
 */
function draftRefused(err: unknown, secrets: readonly string[]): unknown {
  if (!(err instanceof MailerError) || err.status !== 403 || err.code === 'SEND_AS_DENIED') return err;
  return new MailerError(
    {
      code: 'ATTACHMENT_TOO_LARGE',
      message: `The message is over Microsoft Graph's 4 MB request limit, and Microsoft Graph refused to create the draft the large-attachment route needs (${err.message}). Nothing was sent.`,
      step: 2,
      fix: 'Grant the app Mail.ReadWrite as well: as a Microsoft Graph application permission with admin consent (steps 2 and 3), or, for an app scoped with Exchange RBAC for Applications, as the role "Application Mail.ReadWrite" on the same management scope (`New-ManagementRoleAssignment -App <client ID> -Role "Application Mail.ReadWrite" -CustomResourceScope <scope>`). Or send attachments under 3 MB in total.',
      retriable: false,
      status: 403,
      ...(err.requestId ? { requestId: err.requestId } : {}),
      cause: err,
    },
    secrets,
  );
}
