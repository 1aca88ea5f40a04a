import type { AccessTokenClaims } from './access-token';
import type { EmulatorContext, RouteRequest } from './context';
import type { MailboxRecord } from './directory';
import { GRAPH_MESSAGES, graphError, graphHeaders, type GraphIds } from './graph-errors';
import { emptyReply, header, jsonReply, readBody, type Reply } from './http-io';
import { matchesFilter, parseMessageFilter, readExtendedProperties, type MessageFilter } from './extended-properties';
import { isMimeRequest } from './mime-message';
import { dotnetTimestamp, newItemId, newOpaqueToken } from './ids';
import type { DraftAttachment, DraftRecord } from './mail-store';
import { attachmentResource, messageResource, odataUser } from './graph-resources';
import {
  parseAttachmentPost,
  parseDraft,
  parseSendMail,
  parseUploadSessionRequest,
  recipientProblem,
  type GraphProblem,
  type ParsedMessage,
} from './message-validation';

/** Whether a path is a Graph API path (`/v1.0/...`, `/beta/...`, or another version segment). */
export function isGraphPath(path: string): boolean {
  return /^\/(v\d+(\.\d+)?|beta)(\/|$)/i.test(path);
}

const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

const SEND = ['Mail.Send'];
const READ_WRITE = ['Mail.ReadWrite'];
const READ = ['Mail.ReadBasic', 'Mail.ReadBasic.All', 'Mail.Read', 'Mail.ReadWrite'];
const USER_READ = ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

type Action =
  | 'getUser'
  | 'sendMail'
  | 'createDraft'
  | 'listDrafts'
  | 'getMessage'
  | 'deleteMessage'
  | 'addAttachment'
  | 'listAttachments'
  | 'createUploadSession'
  | 'sendDraft'
  | 'listFolderMessages';

interface Route {
  action: Action;
  roles: string[];
  messageId?: string;
  folder?: string;
}

function problemReply(ids: GraphIds, p: GraphProblem): Reply {
  return graphError(ids, p.status, p.code, p.message);
}

function withGraphHeaders(reply: Reply, ids: GraphIds): Reply {
  return { ...reply, headers: { ...graphHeaders(ids), ...reply.headers } };
}

/** Resolves `/users/{u}/...` segments after the user to a route, or the segment Graph would call unknown. */
function resolveRoute(method: string, rest: string[]): Route | { unknownSegment: string } | { badMethod: true } {
  const names = rest.map((s) => s.toLowerCase());
  const allow = (m: string, route: Route): Route | { badMethod: true } => (method === m ? route : { badMethod: true });
  if (names.length === 0) return allow('GET', { action: 'getUser', roles: USER_READ });
  if (names[0] === 'sendmail' && names.length === 1) return allow('POST', { action: 'sendMail', roles: SEND });
  if (names[0] === 'mailfolders' && names.length === 3 && names[2] === 'messages') {
    return allow('GET', { action: 'listFolderMessages', roles: READ, folder: names[1]! });
  }
  if (names[0] !== 'messages') return { unknownSegment: rest[0]! };
  if (names.length === 1) {
    if (method === 'POST') return { action: 'createDraft', roles: READ_WRITE };
    return allow('GET', { action: 'listDrafts', roles: READ });
  }
  const messageId = rest[1]!;
  if (names.length === 2) {
    if (method === 'GET') return { action: 'getMessage', roles: READ, messageId };
    return allow('DELETE', { action: 'deleteMessage', roles: READ_WRITE, messageId });
  }
  if (names[2] === 'send' && names.length === 3) return allow('POST', { action: 'sendDraft', roles: SEND, messageId });
  if (names[2] === 'attachments') {
    if (names.length === 3) {
      if (method === 'POST') return { action: 'addAttachment', roles: READ_WRITE, messageId };
      return allow('GET', { action: 'listAttachments', roles: READ, messageId });
    }
    if (names.length === 4 && names[3] === 'createuploadsession') {
      return allow('POST', { action: 'createUploadSession', roles: READ_WRITE, messageId });
    }
    return { unknownSegment: rest[3]! };
  }
  return { unknownSegment: rest[2]! };
}

function sendAsProblem(mailbox: MailboxRecord, message: ParsedMessage): GraphProblem | undefined {
  if (!message.from) return undefined;
  const from = message.from.address.toLowerCase();
  if (from === mailbox.address.toLowerCase() || mailbox.sendAs.some((a) => a.toLowerCase() === from)) return undefined;
  return { status: 403, code: 'ErrorSendAsDenied', message: GRAPH_MESSAGES.sendAsDenied };
}

function messageBytes(message: ParsedMessage): number {
  return message.mime?.length ?? message.attachments.reduce((sum, a) => sum + a.size, 0);
}

function attachmentBytes(draft: DraftRecord): number {
  return draft.attachments.reduce((sum, a) => sum + a.size, 0);
}

function toDraftAttachment(a: Omit<DraftAttachment, 'id' | 'lastModified'>): DraftAttachment {
  return { ...a, id: newItemId(), lastModified: new Date() };
}

function authenticate(ctx: EmulatorContext, request: RouteRequest): { ok: true; claims: AccessTokenClaims } | { ok: false; reply: Reply } {
  const ids = request.ids;
  const unauthorized = (code: string, message: string): { ok: false; reply: Reply } => ({
    ok: false,
    reply: graphError(ids, 401, code, message, { 'www-authenticate': WWW_AUTHENTICATE }),
  });
  const auth = header(request.req, 'authorization') ?? '';
  const match = /^bearer\s+(.*)$/i.exec(auth.trim());
  const token = match?.[1]?.trim() ?? '';
  if (token === '') return unauthorized('InvalidAuthenticationToken', GRAPH_MESSAGES.tokenEmpty);
  const verified = ctx.signer.verify(token, ctx.graphAudiences);
  if (verified.ok) return verified;
  switch (verified.problem) {
    case 'expired':
      return unauthorized('InvalidAuthenticationToken', GRAPH_MESSAGES.tokenExpired);
    case 'notYetValid':
      return unauthorized('InvalidAuthenticationToken', GRAPH_MESSAGES.tokenNotYetValid);
    case 'audience':
      return unauthorized('InvalidAuthenticationToken', GRAPH_MESSAGES.audience);
    case 'malformed':
      return unauthorized('InvalidAuthenticationToken', token.includes('.') ? GRAPH_MESSAGES.tokenInvalid : GRAPH_MESSAGES.tokenMalformed);
    default:
      return unauthorized('InvalidAuthenticationToken', GRAPH_MESSAGES.tokenInvalid);
  }
}

/**
 * Answers Microsoft Graph: token validation, mailbox and permission checks, sendMail, drafts, attachments and
 * upload sessions. Every reply carries `request-id` and `client-request-id`.
 */
export async function handleGraph(ctx: EmulatorContext, request: RouteRequest): Promise<Reply> {
  const ids = request.ids;
  const read = await readBody(request.req, ctx.limits.maxRequestBytes);
  if (!read.ok && read.reason === 'aborted') return graphError(ids, 400, 'BadRequest', 'The request body was not received completely.');

  const auth = authenticate(ctx, request);
  if (!auth.ok) return auth.reply;
  const claims = auth.claims;

  if (!read.ok) return graphError(ids, 413, 'RequestEntityTooLarge', GRAPH_MESSAGES.tooLarge);
  const body = read.body;

  let segments: string[];
  try {
    segments = request.path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    return graphError(ids, 400, 'BadRequest', 'The request URI is not valid.');
  }
  const version = segments[0]!.toLowerCase();
  if (version !== 'v1.0' && version !== 'beta') return graphError(ids, 400, 'BadRequest', `Invalid version: ${segments[0]}`);
  const entity = segments[1]?.toLowerCase();
  if (entity === 'me') return graphError(ids, 400, 'BadRequest', GRAPH_MESSAGES.meWithAppOnly);
  if (entity !== 'users' || segments.length < 3) {
    return graphError(ids, 400, 'BadRequest', `Resource not found for the segment '${segments[1] ?? ''}'.`);
  }
  const userSegment = segments[2]!;
  const route = resolveRoute(request.method, segments.slice(3));
  if ('unknownSegment' in route) return graphError(ids, 400, 'BadRequest', `Resource not found for the segment '${route.unknownSegment}'.`);
  if ('badMethod' in route) {
    return graphError(ids, 405, 'BadRequest', `Unsupported HTTP method '${request.method}' for this resource.`);
  }

  const tokenRoles = claims.roles ?? [];
  // RBAC for Applications grants live in Exchange, not in the token: an app scoped that way has no roles at all.
  const rbac = ctx.directory.hasRbac(claims.appid);
  if (tokenRoles.length === 0 && !rbac) return graphError(ids, 401, 'NoPermissionsInAccessToken', GRAPH_MESSAGES.noPermissions);

  const mailbox = ctx.directory.findMailbox(claims.tid, userSegment);
  if (!mailbox) return graphError(ids, 404, 'ErrorInvalidUser', GRAPH_MESSAGES.invalidUser(userSegment));

  const roles = rbac ? [...tokenRoles, ...ctx.directory.rbacRoles(claims.appid, mailbox.address)] : tokenRoles;
  const hasRole = route.roles.some((r) => roles.includes(r));
  if (route.action === 'getUser') {
    if (!hasRole) return graphError(ids, 403, 'Authorization_RequestDenied', GRAPH_MESSAGES.insufficientPrivileges);
    return withGraphHeaders(
      jsonReply(200, {
        '@odata.context': `${ctx.url}/v1.0/$metadata#users/$entity`,
        businessPhones: [],
        displayName: mailbox.displayName,
        givenName: null,
        jobTitle: null,
        mail: mailbox.licensed ? mailbox.address : null,
        mobilePhone: null,
        officeLocation: null,
        preferredLanguage: null,
        surname: null,
        userPrincipalName: mailbox.address,
        id: mailbox.id,
      }),
      ids,
    );
  }
  if (!mailbox.licensed) return graphError(ids, 404, 'MailboxNotEnabledForRESTAPI', GRAPH_MESSAGES.mailboxNotEnabled);
  if (!hasRole) return graphError(ids, 403, 'ErrorAccessDenied', GRAPH_MESSAGES.accessDenied);
  if (mailbox.accessPolicyDenied) return graphError(ids, 403, 'ErrorAccessDenied', GRAPH_MESSAGES.accessPolicy);

  const reply = await act(ctx, request, route, mailbox, body);
  return withGraphHeaders(reply, ids);
}

function findDraft(ctx: EmulatorContext, mailbox: MailboxRecord, id: string | undefined): DraftRecord | undefined {
  if (id === undefined) return undefined;
  const draft = ctx.store.drafts.get(id);
  return draft && draft.mailboxId === mailbox.id ? draft : undefined;
}

async function act(ctx: EmulatorContext, request: RouteRequest, route: Route, mailbox: MailboxRecord, body: Buffer): Promise<Reply> {
  const ids = request.ids;
  const notFound = (): Reply => graphError(ids, 404, 'ErrorItemNotFound', GRAPH_MESSAGES.itemNotFound);
  const tooBig = (): Reply => graphError(ids, 400, 'ErrorMessageSizeExceeded', GRAPH_MESSAGES.messageTooLarge);
  switch (route.action) {
    case 'sendMail': {
      const mime = isMimeRequest(header(request.req, 'content-type'));
      const parsed = mime ? await ctx.mime.read(body) : parseSendMail(body);
      if (!parsed.ok) return problemReply(ids, parsed.problem);
      // A MIME sendMail has no saveToSentItems: Graph keeps a copy in Sent Items.
      const { message, saveToSentItems } = 'saveToSentItems' in parsed.value ? parsed.value : { message: parsed.value, saveToSentItems: true };
      if (mime && messageBytes(message) > ctx.limits.maxMessageBytes) return tooBig();
      const p = recipientProblem(message) ?? sendAsProblem(mailbox, message);
      if (p) return problemReply(ids, p);
      capture(ctx, mailbox, message, saveToSentItems, 'sendMail', ids.requestId);
      return emptyReply(202);
    }
    case 'createDraft': {
      const mime = isMimeRequest(header(request.req, 'content-type'));
      const parsed = mime ? await ctx.mime.read(body) : parseDraft(body);
      if (!parsed.ok) return problemReply(ids, parsed.problem);
      // A MIME body carries no Graph properties: extended properties come only with JSON.
      const properties = mime ? { ok: true as const, value: [] } : readExtendedProperties(JSON.parse(body.toString('utf8')));
      if (!properties.ok) return problemReply(ids, properties.problem);
      const { attachments, ...message } = parsed.value;
      const changeKey = newOpaqueToken().slice(0, 28);
      const draft: DraftRecord = {
        id: newItemId(),
        mailbox: mailbox.address,
        mailboxId: mailbox.id,
        tenantId: mailbox.tenantId,
        // Exchange gives a draft its Message-ID when it is created and keeps it when the draft is sent.
        message: { ...message, messageId: message.messageId ?? `<${changeKey}@${mailbox.address.split('@')[1] ?? 'emulator'}>`, attachments: [] },
        attachments: attachments.map(toDraftAttachment),
        createdAt: new Date(),
        changeKey,
        ...(properties.value.length > 0 ? { extendedProperties: properties.value } : {}),
      };
      if (attachmentBytes(draft) > ctx.limits.maxMessageBytes) return tooBig();
      ctx.store.drafts.set(draft.id, draft);
      return jsonReply(201, messageResource(ctx, mailbox, draft), { location: `${ctx.url}/v1.0/users/${odataUser(mailbox)}/messages/${encodeURIComponent(draft.id)}` });
    }
    case 'listDrafts': {
      const drafts = [...ctx.store.drafts.values()].filter((d) => d.mailboxId === mailbox.id);
      return jsonReply(200, {
        '@odata.context': `${ctx.url}/v1.0/$metadata#users('${odataUser(mailbox)}')/messages`,
        value: drafts.map((d) => messageResource(ctx, mailbox, d)),
      });
    }
    case 'getMessage': {
      const draft = findDraft(ctx, mailbox, route.messageId);
      return draft ? jsonReply(200, messageResource(ctx, mailbox, draft)) : notFound();
    }
    case 'deleteMessage': {
      const draft = findDraft(ctx, mailbox, route.messageId);
      if (!draft) return notFound();
      ctx.store.removeDraft(draft.id);
      return emptyReply(204);
    }
    case 'addAttachment': {
      const draft = findDraft(ctx, mailbox, route.messageId);
      if (!draft) return notFound();
      const parsed = parseAttachmentPost(body);
      if (!parsed.ok) return problemReply(ids, parsed.problem);
      if (attachmentBytes(draft) + parsed.value.size > ctx.limits.maxMessageBytes) return tooBig();
      const added = toDraftAttachment(parsed.value);
      draft.attachments.push(added);
      return jsonReply(201, attachmentResource(ctx, mailbox, draft, added, true));
    }
    case 'listAttachments': {
      const draft = findDraft(ctx, mailbox, route.messageId);
      if (!draft) return notFound();
      return jsonReply(200, {
        '@odata.context': `${ctx.url}/v1.0/$metadata#users('${odataUser(mailbox)}')/messages('${encodeURIComponent(draft.id)}')/attachments`,
        value: draft.attachments.map((a) => {
          const { '@odata.context': _ignored, ...rest } = attachmentResource(ctx, mailbox, draft, a, false);
          return rest;
        }),
      });
    }
    case 'createUploadSession': {
      const draft = findDraft(ctx, mailbox, route.messageId);
      if (!draft) return notFound();
      const parsed = parseUploadSessionRequest(body);
      if (!parsed.ok) return problemReply(ids, parsed.problem);
      const item = parsed.value;
      if (item.size < ctx.limits.minUploadSessionBytes) {
        return graphError(ids, 400, 'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize', GRAPH_MESSAGES.attachmentTooSmall);
      }
      if (item.size > ctx.limits.maxUploadSessionBytes || attachmentBytes(draft) + item.size > ctx.limits.maxMessageBytes) return tooBig();
      const id = newOpaqueToken().slice(0, 32);
      const token = newOpaqueToken();
      const expiresAt = new Date(Date.now() + 15 * 60_000);
      ctx.store.sessions.set(id, {
        id,
        token,
        draftId: draft.id,
        name: item.name,
        size: item.size,
        contentType: item.contentType,
        isInline: item.isInline,
        ...(item.contentId !== undefined ? { contentId: item.contentId } : {}),
        received: 0,
        buffer: Buffer.alloc(item.size),
        expiresAt,
      });
      return jsonReply(201, {
        '@odata.context': `${ctx.url}/v1.0/$metadata#microsoft.graph.uploadSession`,
        uploadUrl: `${ctx.url}/upload/${id}?authtoken=${token}`,
        expirationDateTime: dotnetTimestamp(expiresAt),
        nextExpectedRanges: ['0-'],
      });
    }
    case 'listFolderMessages':
      return listFolderMessages(ctx, request, mailbox, route.folder ?? '');
    case 'sendDraft': {
      const draft = findDraft(ctx, mailbox, route.messageId);
      if (!draft) return notFound();
      const p = recipientProblem(draft.message) ?? sendAsProblem(mailbox, draft.message);
      if (p) return problemReply(ids, p);
      const message: ParsedMessage = {
        ...draft.message,
        attachments: draft.attachments.map(({ id: _id, lastModified: _lm, ...a }) => a),
      };
      capture(ctx, mailbox, message, true, 'draft', ids.requestId);
      ctx.store.removeDraft(draft.id);
      return emptyReply(202);
    }
    default:
      return graphError(ids, 400, 'BadRequest', 'Unsupported request.');
  }
}

function capture(
  ctx: EmulatorContext,
  mailbox: MailboxRecord,
  message: ParsedMessage,
  saveToSentItems: boolean,
  route: 'sendMail' | 'draft',
  requestId: string,
): void {
  const { badRecipients: _bad, from, messageId, ...rest } = message;
  ctx.store.capture({
    mailbox: mailbox.address,
    from: from ?? { address: mailbox.address, name: mailbox.displayName },
    // Exchange stamps a Message-ID on a message that has none.
    messageId: messageId ?? `<${newOpaqueToken().slice(0, 32)}@${mailbox.address.split('@')[1] ?? 'emulator'}>`,
    ...rest,
    saveToSentItems,
    route,
    requestId,
  });
}

/**
 * `GET /users/{u}/mailFolders/{folder}/messages`: Sent Items (`sentitems`) holds the mail sent with
 * `saveToSentItems` (and every sent draft), Drafts (`drafts`) the drafts not yet sent or deleted; other folders are
 * empty. Supports `$filter=internetMessageId eq '…'` and
 * `$filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')` (any other filter: 400
 * ErrorInvalidUrlQueryFilter), and `$top`; `$select` is accepted and ignored (the basic properties are always returned).
 */
function listFolderMessages(ctx: EmulatorContext, request: RouteRequest, mailbox: MailboxRecord, folder: string): Reply {
  const ids = request.ids;
  const known = ['sentitems', 'inbox', 'drafts', 'deleteditems', 'outbox', 'archive', 'junkemail'];
  if (!known.includes(folder)) return graphError(ids, 404, 'ErrorInvalidIdMalformed', 'Id is malformed.');
  const filterText = request.query.get('$filter');
  let filter: MessageFilter | undefined;
  if (filterText !== null) {
    filter = parseMessageFilter(filterText);
    if (!filter) return graphError(ids, 400, 'ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.');
  }
  const top = Number(request.query.get('$top') ?? '10');
  const limit = Math.max(1, Math.min(1000, Number.isFinite(top) ? top : 10));
  const context = `${ctx.url}/v1.0/$metadata#users('${odataUser(mailbox)}')/mailFolders('${folder}')/messages`;
  if (folder === 'drafts') {
    const drafts = [...ctx.store.drafts.values()]
      .filter((d) => d.mailboxId === mailbox.id)
      .filter((d) => filter === undefined || matchesFilter(filter, { ...(d.message.messageId !== undefined ? { messageId: d.message.messageId } : {}), ...(d.extendedProperties ? { extendedProperties: d.extendedProperties } : {}) }))
      .slice(0, limit)
      .map((d) => {
        const { '@odata.context': _ignored, ...rest } = messageResource(ctx, mailbox, d);
        return rest;
      });
    return jsonReply(200, { '@odata.context': context, value: drafts });
  }
  const sent = folder === 'sentitems' ? ctx.store.messages.filter((m) => m.mailbox === mailbox.address && m.saveToSentItems) : [];
  const value = sent
    .filter((m) => filter === undefined || (filter.kind === 'internetMessageId' && matchesFilter(filter, { messageId: m.messageId })))
    .slice(-limit)
    .map((m) => ({
      id: m.id,
      createdDateTime: m.receivedAt.toISOString().slice(0, 19) + 'Z',
      sentDateTime: m.receivedAt.toISOString().slice(0, 19) + 'Z',
      subject: m.subject,
      internetMessageId: m.messageId,
      parentFolderId: 'SentItems',
      isDraft: false,
    }));
  return jsonReply(200, { '@odata.context': context, value });
}
