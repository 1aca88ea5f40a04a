import type { Message } from '@microsoft/microsoft-graph-types';
import type { Logger } from '../config/types';
import { MailerError, isMailerError } from '../errors/mailer-error';
import type { HttpClient } from '../http/http-client';
import { toGraphFileAttachment } from '../message/graph-json';
import type { NormalizedAttachment } from '../message/normalized';
import { fitsInOneRequest, UPLOAD_CHUNK_BYTES } from '../message/size';
import type { RetryPolicy } from '../reliability/retry-policy';
import { sleep } from '../reliability/abortable';
import { graphErrorCode, mayHaveDelivered, provablyNotSent, type GraphOutcome, type GraphRunner } from './graph-runner';
import { uploadAttachment } from './upload-session';

/** What every route of one send works with: the mailer's runner, HTTP client and policy, and the caller's options. */
export interface RouteContext {
  runner: GraphRunner;
  http: HttpClient;
  policy: RetryPolicy;
  logger: Logger;
  secrets: () => readonly string[];
  /** `/users/{encoded sender}` */
  userPath: string;
  signal?: AbortSignal;
  onProgress?: (progress: { sentBytes: number; totalBytes: number }) => void;
}

/** What sending through a draft needs. */
export interface DraftSendOptions extends RouteContext {
  /** The draft as Graph JSON, or… */
  message?: Message;
  /** …`message` already serialised (sent as it is), or… */
  messageJson?: string;
  /** …as a base64 MIME message (the draft is then created from MIME). */
  mime?: string;
  /**
   * The Message-ID in `mime`: MIME carries no Graph properties, so an ambiguous MIME draft creation is looked up by
   * it (`internetMessageId`). Without it such a creation is reported, not resolved.
   */
  messageId?: string;
  attachments: readonly NormalizedAttachment[];
  clientRequestId: string;
}

/**
 * The single-value extended property every draft this library creates from JSON carries: a String in the library's
 * own property set, whose value is the send's client request ID. It is how a create-draft whose answer was lost
 * finds the draft it made (`$filter=singleValueExtendedProperties/Any(…)`). Outlook does not show it.
 */
export const DRAFT_TAG_PROPERTY = 'String {a5aa2888-523b-4f10-9a43-15d336ecb9bf} Name o365MailerClientRequestId';

/**
 * The large-attachment route (needs Mail.ReadWrite): create a draft, attach small files by POST and stream large
 * ones through upload sessions, then send the draft. Any failure before the send deletes the draft, so no orphan
 * is left. If the answer to `/send` is lost, the same draft is sent once more: a 404 ErrorItemNotFound then proves
 * the first one went out (a sent draft leaves Drafts), so the mail is delivered exactly once.
 *
 * A create-draft without a clear answer (a 5xx other than 503, a broken connection, a timeout, a cancel) may have
 * made the draft: before creating another, the draft is looked up in Drafts by its tag ({@link DRAFT_TAG_PROPERTY}
 * for JSON; for MIME, which carries no Graph properties, its Message-ID). A JSON draft found is used (it holds exactly
 * what was asked for); a MIME draft found is deleted and made again (the same Message-ID may be an older attempt's).
 * After a send that had such an ambiguity, Drafts is looked at once more and any late copy is deleted.
 */
export async function sendViaDraft(o: DraftSendOptions): Promise<GraphOutcome> {
  const { userPath, clientRequestId, signal } = o;
  const base = { clientRequestId, ...(signal ? { signal } : {}) };
  const { id, ambiguous } = await createDraft(o);
  const messagePath = `${userPath}/messages/${encodeURIComponent(id)}`;
  try {
    await addAttachments(o, messagePath, base);
    return await sendDraft(o, messagePath);
  } finally {
    if (ambiguous) await deleteLateCopies(o, id);
  }
}

/** What `POST /messages` carries: the JSON message with the tag, or the MIME as it is. */
function draftContent(o: DraftSendOptions): { mime: string } | { json: string } | { body: Message } {
  if (o.mime !== undefined) return { mime: o.mime };
  const tag = [{ id: DRAFT_TAG_PROPERTY, value: o.clientRequestId }];
  if (o.messageJson === undefined) return { body: { ...o.message, singleValueExtendedProperties: tag } };
  // The serialised message gains one property at its end: no second serialisation of a large body.
  const open = o.messageJson.trimEnd().slice(0, -1).trimEnd();
  return { json: `${open}${open.endsWith('{') ? '' : ','}"singleValueExtendedProperties":${JSON.stringify(tag)}}` };
}

/**
 * True when a failed create-draft may have made the draft all the same: Graph answered a 5xx that does not say "not
 * processed" (503 does), or the request may have reached Graph before the connection broke, the time ran out or the
 * caller cancelled.
 */
function mayHaveCreated(err: unknown): boolean {
  if (!(err instanceof MailerError)) return false;
  if (err.status !== undefined) return err.status >= 500 && err.status !== 503;
  return (err.code === 'NETWORK' || err.code === 'TIMEOUT' || err.code === 'ABORTED') && !provablyNotSent(err);
}

/** Creates the draft, resolving an ambiguous creation by looking for the draft before making another. */
async function createDraft(o: DraftSendOptions): Promise<{ id: string; ambiguous: boolean }> {
  const content = draftContent(o);
  const reuse = o.mime === undefined;
  let ambiguous = false;
  for (let retries = 0; ; retries++) {
    let created: GraphOutcome;
    try {
      created = await o.runner.run({
        clientRequestId: o.clientRequestId,
        ...(o.signal ? { signal: o.signal } : {}),
        method: 'POST',
        path: `${o.userPath}/messages`,
        ...content,
        couldDeliver: false,
        doing: 'creating the draft',
      });
    } catch (err) {
      if (!mayHaveCreated(err) || (o.mime !== undefined && o.messageId === undefined)) throw draftRefused(err, o.secrets());
      ambiguous = true;
      const cancelled = o.signal?.aborted === true;
      o.logger.warn?.('Creating the draft got no clear answer; looking for it in Drafts before making another.', { error: (err as MailerError).code });
      let found: string[];
      try {
        // After a cancel the look-up runs all the same (bounded by timeoutMs): it is the clean-up of the cancelled call.
        found = await findOwnDrafts(o, cancelled ? undefined : o.signal);
      } catch (lookup) {
        throw lookupFailed(err as MailerError, lookup, o.secrets());
      }
      const keep = reuse && !cancelled ? found[0] : undefined;
      for (const id of found) if (id !== keep) await deleteDraft(o, `${o.userPath}/messages/${encodeURIComponent(id)}`);
      if (keep !== undefined) {
        o.logger.info?.('Found the draft the unanswered request had made; using it.');
        return { id: keep, ambiguous };
      }
      if (cancelled || retries >= o.policy.maxRetries) throw noDraftLeft(err as MailerError, o.secrets());
      await sleep(o.policy.backoff(retries), o.signal, 'creating the draft');
      continue;
    }
    const id = (created.reply.body as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || id === '') {
      throw new MailerError({ code: 'UNKNOWN', message: 'Microsoft Graph created the draft but did not return its id; nothing was sent.' }, o.secrets());
    }
    return { id, ambiguous };
  }
}

/** The IDs of this send's drafts in Drafts: by the tag of a JSON draft, by the Message-ID of a MIME one. */
async function findOwnDrafts(o: DraftSendOptions, signal: AbortSignal | undefined): Promise<string[]> {
  const quote = (s: string) => s.replace(/'/g, "''");
  const filter =
    o.mime !== undefined
      ? `internetMessageId eq '${quote(o.messageId ?? '')}'`
      : `singleValueExtendedProperties/Any(ep: ep/id eq '${DRAFT_TAG_PROPERTY}' and ep/value eq '${quote(o.clientRequestId)}')`;
  const outcome = await o.runner.run({
    method: 'GET',
    path: `${o.userPath}/mailFolders/drafts/messages?$filter=${encodeURIComponent(filter)}&$select=id&$top=50`,
    clientRequestId: o.clientRequestId,
    couldDeliver: false,
    doing: 'looking for the draft in Drafts',
    ...(signal ? { signal } : {}),
  });
  const value = (outcome.reply.body as { value?: unknown } | undefined)?.value;
  return (Array.isArray(value) ? value : []).map((m: unknown) => (m as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string' && id !== '');
}

/** After a send whose draft creation was ambiguous: a copy that appeared late in Drafts is deleted (never `sent`). */
async function deleteLateCopies(o: DraftSendOptions, sent: string): Promise<void> {
  try {
    for (const id of await findOwnDrafts(o, undefined)) {
      if (id !== sent) await deleteDraft(o, `${o.userPath}/messages/${encodeURIComponent(id)}`);
    }
  } catch (err) {
    o.logger.warn?.("Could not check Drafts for a late copy of the draft; look in the sender's Drafts folder.", { error: isMailerError(err) ? err.code : String(err) });
  }
}

/** Creating the draft had no clear answer, and Drafts was checked: nothing was sent and no draft is left. */
function noDraftLeft(create: MailerError, secrets: readonly string[]): MailerError {
  return new MailerError(
    {
      code: create.code,
      message: `${create.message} Nothing was sent, and no draft of this message was left in Drafts.`,
      ...(create.fix !== undefined ? { fix: create.fix } : {}),
      retriable: create.retriable,
      ...(create.status !== undefined ? { status: create.status } : {}),
      ...(create.requestId ? { requestId: create.requestId } : {}),
      cause: create,
    },
    secrets,
  );
}

/** Creating the draft had no clear answer and looking for it failed too: say so, and what may be left. */
function lookupFailed(create: MailerError, lookup: unknown, secrets: readonly string[]): MailerError {
  const why = lookup instanceof Error ? lookup.message : String(lookup);
  return new MailerError(
    {
      code: create.code,
      message: `Creating the draft got no clear answer (${create.message}), and looking for it in Drafts failed too (${why}). Nothing was sent, and no second draft was made; a draft of this message may be left in the sender's Drafts folder.`,
      fix: `Nothing was sent, so sending again cannot make a duplicate. Delete the leftover draft from the sender's Drafts folder if there is one. ${create.fix ?? ''}`.trim(),
      retriable: create.retriable,
      ...(create.status !== undefined ? { status: create.status } : {}),
      ...(create.requestId ? { requestId: create.requestId } : {}),
      cause: lookup,
    },
    secrets,
  );
}

/** Attaches small files by POST and streams large ones; any failure deletes the draft. */
async function addAttachments(o: DraftSendOptions, messagePath: string, base: { clientRequestId: string; signal?: AbortSignal }): Promise<void> {
  const { runner, signal } = o;
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
