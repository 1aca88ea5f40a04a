import { GRAPH_MESSAGES } from './graph-errors';
import type { EmulatorAddress, EmulatorAttachment, EmulatorMessage } from './types';

/** A Graph message body, checked and decoded: the captured message's content, before it is stored. */
export type ParsedMessage = Pick<
  EmulatorMessage,
  'to' | 'cc' | 'bcc' | 'replyTo' | 'subject' | 'body' | 'importance' | 'headers' | 'attachments' | 'format' | 'alternatives'
> &
  Partial<Pick<EmulatorMessage, 'messageId' | 'text' | 'html' | 'calendar' | 'inReplyTo' | 'references' | 'date' | 'mime'>> & {
  /** The `from` given in the request, if any (the mailbox sends as itself otherwise). */
  from?: EmulatorAddress;
  /** Recipients that Exchange would not resolve, reported when the message is submitted. */
  badRecipients?: string[];
};

/** A Graph validation failure. */
export interface GraphProblem {
  status: number;
  code: string;
  message: string;
}

/** Success or a Graph error to answer with. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: GraphProblem };

const MESSAGE_PROPERTIES = new Set(
  [
    'attachments', 'bccRecipients', 'body', 'bodyPreview', 'categories', 'ccRecipients', 'changeKey', 'conversationId',
    'conversationIndex', 'createdDateTime', 'extensions', 'flag', 'from', 'hasAttachments', 'id', 'importance',
    'inferenceClassification', 'internetMessageHeaders', 'internetMessageId', 'isDeliveryReceiptRequested', 'isDraft',
    'isRead', 'isReadReceiptRequested', 'lastModifiedDateTime', 'mentions', 'multiValueExtendedProperties',
    'parentFolderId', 'receivedDateTime', 'replyTo', 'sender', 'sentDateTime', 'singleValueExtendedProperties',
    'subject', 'toRecipients', 'uniqueBody', 'webLink',
  ].map((p) => p.toLowerCase()),
);

const ATTACHMENT_PROPERTIES = new Set(
  ['contentBytes', 'contentId', 'contentLocation', 'contentType', 'id', 'isInline', 'lastModifiedDateTime', 'name', 'size'].map(
    (p) => p.toLowerCase(),
  ),
);

const EMAIL = /^[^\s@<>()[\],;:"]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+$/u;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function problem(status: number, code: string, message: string): { ok: false; problem: GraphProblem } {
  return { ok: false, problem: { status, code, message } };
}

function bodyRead(message: string): { ok: false; problem: GraphProblem } {
  return problem(400, 'RequestBodyRead', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Property lookup ignoring case, as Graph's OData reader does. */
function prop(obj: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

function unknownProperty(obj: Record<string, unknown>, allowed: Set<string>): string | undefined {
  return Object.keys(obj).find((k) => !k.startsWith('@') && !k.includes('@') && !allowed.has(k.toLowerCase()));
}

function parseJson(raw: Buffer): Checked<unknown> {
  if (raw.length === 0) return bodyRead('Empty Payload. JSON content expected.');
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return bodyRead(GRAPH_MESSAGES.invalidJson);
  }
}

function recipient(value: unknown): EmulatorAddress | string {
  if (!isObject(value)) return String(value);
  const email = prop(value, 'emailAddress');
  if (!isObject(email)) return '';
  const address = prop(email, 'address');
  const name = prop(email, 'name');
  if (typeof address !== 'string') return '';
  return { address, ...(typeof name === 'string' && name !== '' ? { name } : {}) };
}

/** Recipients as sent; malformed entries are kept as strings for a later ErrorInvalidRecipients. */
function recipients(value: unknown, property: string): Checked<Array<EmulatorAddress | string>> {
  if (value === undefined || value === null) return { ok: true, value: [] };
  if (!Array.isArray(value)) {
    return bodyRead(
      `An unexpected 'StartObject' node was found for property named '${property}' when reading from the JSON reader. A 'StartArray' node was expected.`,
    );
  }
  return { ok: true, value: value.map(recipient) };
}

function attachment(value: unknown): Checked<EmulatorAttachment> {
  if (!isObject(value)) return bodyRead('Cannot create an abstract class.');
  const type = prop(value, '@odata.type');
  if (typeof type !== 'string') return bodyRead('Cannot create an abstract class.');
  const kind = type.replace(/^#/, '').toLowerCase();
  if (kind !== 'microsoft.graph.fileattachment') {
    if (kind === 'microsoft.graph.itemattachment' || kind === 'microsoft.graph.referenceattachment') {
      return problem(400, 'ErrorInvalidParameter', `The emulator supports only file attachments, not '${type}'.`);
    }
    return bodyRead(`A type named '${type.replace(/^#/, '')}' could not be resolved by the model. When a model is available, each type name must resolve to a valid type.`);
  }
  const extra = unknownProperty(value, ATTACHMENT_PROPERTIES);
  if (extra !== undefined) {
    return bodyRead(
      `The property '${extra}' does not exist on type 'microsoft.graph.fileAttachment'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
    );
  }
  const bytes = prop(value, 'contentBytes');
  if (typeof bytes !== 'string') return problem(400, 'ErrorRequiredPropertyMissing', 'Required property is missing.');
  const compact = bytes.replace(/\s+/g, '');
  if (!BASE64.test(compact)) return bodyRead(`Cannot convert the literal '${compact.slice(0, 40)}' to the expected type 'Edm.Binary'.`);
  const content = Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  const name = prop(value, 'name');
  const contentType = prop(value, 'contentType');
  const isInline = prop(value, 'isInline');
  const contentId = prop(value, 'contentId');
  return {
    ok: true,
    value: {
      name: typeof name === 'string' ? name : '',
      contentType: typeof contentType === 'string' && contentType !== '' ? contentType : 'application/octet-stream',
      size: content.length,
      isInline: isInline === true,
      ...(typeof contentId === 'string' && contentId !== '' ? { contentId } : {}),
      content,
    },
  };
}

/** Checks and decodes a message object (sendMail's `message`, or a draft). Recipients are checked at send time. */
export function parseMessage(value: unknown, typeName = 'microsoft.graph.message'): Checked<ParsedMessage> {
  if (!isObject(value)) return bodyRead(`An unexpected '${Array.isArray(value) ? 'StartArray' : 'PrimitiveValue'}' node was found when reading from the JSON reader. A 'StartObject' node was expected.`);
  const extra = unknownProperty(value, MESSAGE_PROPERTIES);
  if (extra !== undefined) {
    return bodyRead(
      `The property '${extra}' does not exist on type '${typeName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
    );
  }
  const lists: Record<'to' | 'cc' | 'bcc' | 'replyTo', Array<EmulatorAddress | string>> = { to: [], cc: [], bcc: [], replyTo: [] };
  for (const [key, property] of [
    ['to', 'toRecipients'],
    ['cc', 'ccRecipients'],
    ['bcc', 'bccRecipients'],
    ['replyTo', 'replyTo'],
  ] as const) {
    const parsed = recipients(prop(value, property), property);
    if (!parsed.ok) return parsed;
    lists[key] = parsed.value;
  }
  const badRecipients: string[] = [];
  const good = (list: Array<EmulatorAddress | string>): EmulatorAddress[] =>
    list.flatMap((r) => {
      if (typeof r === 'string' || !EMAIL.test(r.address)) {
        badRecipients.push(typeof r === 'string' ? r : r.address);
        return [];
      }
      return [r];
    });
  const to = good(lists.to);
  const cc = good(lists.cc);
  const bcc = good(lists.bcc);
  const replyTo = good(lists.replyTo);

  const subjectValue = prop(value, 'subject');
  if (subjectValue !== undefined && subjectValue !== null && typeof subjectValue !== 'string') {
    return bodyRead("Cannot convert a primitive value to the expected type 'Edm.String'.");
  }
  let body: ParsedMessage['body'] = { contentType: 'text', content: '' };
  const bodyValue = prop(value, 'body');
  if (bodyValue !== undefined && bodyValue !== null) {
    if (!isObject(bodyValue)) return bodyRead("An unexpected 'PrimitiveValue' node was found for property named 'body'. A 'StartObject' node was expected.");
    const type = prop(bodyValue, 'contentType') ?? 'text';
    const content = prop(bodyValue, 'content') ?? '';
    if (typeof type !== 'string' || !['text', 'html'].includes(type.toLowerCase())) {
      return bodyRead(`Requested value '${String(type)}' was not found.`);
    }
    if (typeof content !== 'string') return bodyRead("Cannot convert a primitive value to the expected type 'Edm.String'.");
    body = { contentType: type.toLowerCase() as 'text' | 'html', content };
  }
  const importanceValue = prop(value, 'importance');
  let importance: ParsedMessage['importance'];
  if (importanceValue !== undefined && importanceValue !== null) {
    if (typeof importanceValue !== 'string' || !['low', 'normal', 'high'].includes(importanceValue.toLowerCase())) {
      return bodyRead(`Requested value '${String(importanceValue)}' was not found.`);
    }
    importance = importanceValue.toLowerCase() as ParsedMessage['importance'];
  }
  const headers: ParsedMessage['headers'] = [];
  const headersValue = prop(value, 'internetMessageHeaders');
  if (headersValue !== undefined && headersValue !== null) {
    if (!Array.isArray(headersValue)) return bodyRead("An unexpected 'StartObject' node was found for property named 'internetMessageHeaders' when reading from the JSON reader. A 'StartArray' node was expected.");
    if (headersValue.length === 0) return problem(400, 'InvalidInternetMessageHeaderCollection', GRAPH_MESSAGES.headerEmpty);
    if (headersValue.length > 5) return problem(400, 'InvalidInternetMessageHeaderCollection', GRAPH_MESSAGES.headerCount);
    for (const h of headersValue) {
      const name = isObject(h) ? prop(h, 'name') : undefined;
      const headerValue = isObject(h) ? prop(h, 'value') : undefined;
      if (typeof name !== 'string' || !/^x-/i.test(name)) {
        return problem(400, 'InvalidInternetMessageHeader', GRAPH_MESSAGES.headerName(typeof name === 'string' ? name : ''));
      }
      headers.push({ name, value: typeof headerValue === 'string' ? headerValue : '' });
    }
  }
  const attachments: EmulatorAttachment[] = [];
  const attachmentsValue = prop(value, 'attachments');
  if (attachmentsValue !== undefined && attachmentsValue !== null) {
    if (!Array.isArray(attachmentsValue)) return bodyRead("An unexpected 'StartObject' node was found for property named 'attachments' when reading from the JSON reader. A 'StartArray' node was expected.");
    for (const a of attachmentsValue) {
      const parsed = attachment(a);
      if (!parsed.ok) return parsed;
      attachments.push(parsed.value);
    }
  }
  const internetMessageId = prop(value, 'internetMessageId');
  if (internetMessageId !== undefined && internetMessageId !== null && typeof internetMessageId !== 'string') {
    return bodyRead("Cannot convert a primitive value to the expected type 'Edm.String'.");
  }
  let from: EmulatorAddress | undefined;
  const fromValue = prop(value, 'from') ?? prop(value, 'sender');
  if (fromValue !== undefined && fromValue !== null) {
    const parsed = recipient(fromValue);
    if (typeof parsed === 'string') return problem(400, 'ErrorInvalidRecipients', GRAPH_MESSAGES.badRecipient(parsed));
    from = parsed;
  }
  return {
    ok: true,
    value: {
      ...(from ? { from } : {}),
      to,
      cc,
      bcc,
      replyTo,
      subject: typeof subjectValue === 'string' ? subjectValue : '',
      body,
      format: 'json',
      ...(typeof internetMessageId === 'string' && internetMessageId !== '' ? { messageId: internetMessageId } : {}),
      ...(body.contentType === 'html' ? { html: body.content } : { text: body.content }),
      alternatives: [],
      ...(importance ? { importance } : {}),
      headers,
      attachments,
      badRecipients,
    },
  };
}

/** The recipient problem Exchange reports when a message is submitted, if any. */
export function recipientProblem(message: ParsedMessage): GraphProblem | undefined {
  const bad = message.badRecipients?.[0];
  if (bad !== undefined) return { status: 400, code: 'ErrorInvalidRecipients', message: GRAPH_MESSAGES.badRecipient(bad) };
  if (message.to.length + message.cc.length + message.bcc.length === 0) {
    return { status: 400, code: 'ErrorInvalidRecipients', message: GRAPH_MESSAGES.noRecipients };
  }
  return undefined;
}

/** Checks a `sendMail` request body. */
export function parseSendMail(raw: Buffer): Checked<{ message: ParsedMessage; saveToSentItems: boolean }> {
  const json = parseJson(raw);
  if (!json.ok) return json;
  if (!isObject(json.value)) return bodyRead("An unexpected 'StartArray' node was found when reading from the JSON reader. A 'StartObject' node was expected.");
  const extra = Object.keys(json.value).find((k) => !['message', 'savetosentitems'].includes(k.toLowerCase()) && !k.startsWith('@'));
  if (extra !== undefined) {
    return bodyRead(`The parameter '${extra}' in the request payload is not a valid parameter for the operation 'sendMail'.`);
  }
  const messageValue = prop(json.value, 'message');
  if (messageValue === undefined || messageValue === null) {
    return problem(400, 'ErrorInvalidParameter', "The value of the parameter 'Message' is empty.");
  }
  const message = parseMessage(messageValue);
  if (!message.ok) return message;
  const save = prop(json.value, 'saveToSentItems');
  if (save !== undefined && save !== null && typeof save !== 'boolean') {
    return bodyRead("Cannot convert the literal to the expected type 'Edm.Boolean'.");
  }
  return { ok: true, value: { message: message.value, saveToSentItems: save !== false } };
}

/** Checks a draft (`POST /messages`) body. */
export function parseDraft(raw: Buffer): Checked<ParsedMessage> {
  const json = parseJson(raw);
  if (!json.ok) return json;
  return parseMessage(json.value);
}

/** Checks a `POST .../attachments` body. */
export function parseAttachmentPost(raw: Buffer): Checked<EmulatorAttachment> {
  const json = parseJson(raw);
  if (!json.ok) return json;
  return attachment(json.value);
}

/** What `createUploadSession` asks for. */
export interface UploadSessionRequest {
  name: string;
  size: number;
  contentType: string;
  isInline: boolean;
  contentId?: string;
}

/** Checks a `createUploadSession` body `{ AttachmentItem: { attachmentType: 'file', name, size, ... } }`. */
export function parseUploadSessionRequest(raw: Buffer): Checked<UploadSessionRequest> {
  const json = parseJson(raw);
  if (!json.ok) return json;
  if (!isObject(json.value)) return bodyRead("An unexpected 'StartArray' node was found when reading from the JSON reader. A 'StartObject' node was expected.");
  const item = prop(json.value, 'AttachmentItem');
  if (!isObject(item)) return problem(400, 'ErrorInvalidParameter', "The value of the parameter 'AttachmentItem' is empty.");
  const type = prop(item, 'attachmentType');
  if (typeof type !== 'string' || type.toLowerCase() !== 'file') {
    return problem(400, 'ErrorInvalidParameter', `The emulator supports only attachmentType 'file', got '${String(type)}'.`);
  }
  const name = prop(item, 'name');
  const size = prop(item, 'size');
  if (typeof name !== 'string' || name === '') return problem(400, 'ErrorInvalidParameter', "The value of the parameter 'name' is empty.");
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
    return problem(400, 'ErrorInvalidParameter', "The value of the parameter 'size' is invalid.");
  }
  const contentType = prop(item, 'contentType');
  const isInline = prop(item, 'isInline');
  const contentId = prop(item, 'contentId');
  return {
    ok: true,
    value: {
      name,
      size,
      contentType: typeof contentType === 'string' && contentType !== '' ? contentType : 'application/octet-stream',
      isInline: isInline === true,
      ...(typeof contentId === 'string' && contentId !== '' ? { contentId } : {}),
    },
  };
}
