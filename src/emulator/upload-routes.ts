import type { EmulatorContext, RouteRequest } from './context';
import { GRAPH_MESSAGES } from './graph-errors';
import { emptyReply, header, jsonReply, readBody, type Reply } from './http-io';
import { dotnetTimestamp, newItemId } from './ids';

/** Whether a path is an upload session URL (`/upload/{sessionId}`). */
export function isUploadPath(path: string): boolean {
  return /^\/upload\/[^/]+\/?$/.test(path);
}

function outlookHeaders(request: RouteRequest): Record<string, string> {
  return { 'request-id': request.ids.requestId, 'client-request-id': request.ids.clientRequestId };
}

/** An error in the Outlook REST shape the upload host uses: `{ error: { code, message } }` (no innerError). */
export function outlookError(request: RouteRequest, status: number, code: string, message: string, extra: Record<string, unknown> = {}): Reply {
  return jsonReply(status, { error: { code, message }, ...extra }, outlookHeaders(request));
}

const RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

/**
 * Answers PUT and DELETE on a pre-authenticated upload URL (the stand-in for `outlook.office.com/.../AttachmentSessions`).
 * Chunks must arrive in order, carry `Content-Range: bytes a-b/total`, be at most 4 MB and come without `Authorization`.
 */
export async function handleUpload(ctx: EmulatorContext, request: RouteRequest): Promise<Reply> {
  const sessionId = request.path.split('/').filter(Boolean)[1] ?? '';
  const session = ctx.store.sessions.get(sessionId);
  const rangeHeader = header(request.req, 'content-range')?.trim() ?? '';
  const range = RANGE.exec(rangeHeader);
  const start = range ? Number(range[1]) : NaN;
  const end = range ? Number(range[2]) : NaN;
  const total = range ? Number(range[3]) : NaN;
  const declared = end - start + 1;
  const read = await readBody(request.req, Math.max(0, Math.min(ctx.limits.maxChunkBytes, Number.isFinite(declared) ? declared : ctx.limits.maxChunkBytes)));

  if (header(request.req, 'authorization') !== undefined) {
    return outlookError(
      request,
      401,
      'InvalidAudience',
      `The audience claim value is invalid for current resource. Audience claim is '${ctx.url}', request url is '${ctx.url}/upload/${sessionId}' and resource type is 'Attachment'.`,
    );
  }
  if (!session) return outlookError(request, 404, 'ErrorItemNotFound', GRAPH_MESSAGES.itemNotFound);
  if (request.query.get('authtoken') !== session.token) {
    return outlookError(request, 401, 'InvalidAuthenticationToken', 'The authtoken of the upload URL is missing or invalid.');
  }
  if (request.method === 'DELETE') {
    ctx.store.sessions.delete(session.id);
    return emptyReply(204, outlookHeaders(request));
  }
  if (request.method !== 'PUT') return outlookError(request, 405, 'ErrorInvalidRequest', `The method '${request.method}' is not allowed on an upload URL.`);
  if (!range) {
    return outlookError(request, 400, 'ErrorInvalidRequest', 'The Content-Range header is missing or not of the form bytes {start}-{end}/{total}.');
  }
  if (total !== session.size) {
    return outlookError(request, 400, 'ErrorInvalidRequest', `The total size ${total} in Content-Range does not match the size ${session.size} of the upload session.`);
  }
  if (end < start || end >= total) return outlookError(request, 400, 'ErrorInvalidRequest', `The range ${start}-${end} is not valid for a file of ${total} bytes.`);
  if (declared > ctx.limits.maxChunkBytes) return outlookError(request, 413, 'RequestEntityTooLarge', GRAPH_MESSAGES.tooLarge);
  const next = { nextExpectedRanges: [String(session.received)] };
  if (start !== session.received) {
    return outlookError(request, 416, 'InvalidRange', `The range ${start}-${end} does not start at the next expected byte ${session.received}.`, next);
  }
  if (!read.ok || read.body.length !== declared) {
    const got = read.ok ? read.body.length : read.received;
    return outlookError(request, 400, 'ErrorInvalidRequest', `Received ${got} bytes but Content-Range announced ${declared}.`, next);
  }
  read.body.copy(session.buffer, start);
  session.received = end + 1;
  const draft = ctx.store.drafts.get(session.draftId);
  if (!draft) {
    ctx.store.sessions.delete(session.id);
    return outlookError(request, 404, 'ErrorItemNotFound', GRAPH_MESSAGES.itemNotFound);
  }
  if (session.received < session.size) {
    return jsonReply(
      200,
      {
        '@odata.context': `${ctx.url}/api/v2.0/$metadata#Users('${encodeURIComponent(draft.mailboxId)}')/Messages('${encodeURIComponent(draft.id)}')/AttachmentSessions/$entity`,
        ExpirationDateTime: dotnetTimestamp(session.expiresAt),
        nextExpectedRanges: [String(session.received)],
      },
      outlookHeaders(request),
    );
  }
  const attachmentId = newItemId();
  draft.attachments.push({
    id: attachmentId,
    lastModified: new Date(),
    name: session.name,
    contentType: session.contentType,
    size: session.size,
    isInline: session.isInline,
    ...(session.contentId !== undefined ? { contentId: session.contentId } : {}),
    content: session.buffer,
  });
  ctx.store.sessions.delete(session.id);
  return emptyReply(201, {
    ...outlookHeaders(request),
    location: `${ctx.url}/api/v2.0/Users('${draft.mailboxId}@${draft.tenantId}')/Messages('${draft.id}')/Attachments('${attachmentId}')`,
  });
}
