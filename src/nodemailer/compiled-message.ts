import type { Readable } from 'node:stream';
import { MailerError } from '../errors/mailer-error';
import { tooLarge } from '../graph/mime-sender';
import { resolveAttachments } from '../message/attachments';
import { MAX_MIME_BYTES, mimeAttachmentBytes } from '../message/mime-size';
import type { NormalizedAttachment } from '../message/normalized';
import type { PrepareContext, PreparedMime } from '../message/prepared-mime';
import type { Attachment } from '../message/types';
import { fileAccessRefused } from '../message/content-checks';
import { invalid } from '../message/validation';

/**
 * The part of nodemailer's MimeNode (the compiled message tree) the transport reads. Anything it does not find in
 * this shape is left in the message as nodemailer compiled it.
 */
export interface CompiledNode {
  childNodes: CompiledNode[];
  multipart?: string | false;
  filename?: string;
  contentType?: string;
  content?: unknown;
  _raw?: unknown;
  _headers?: Array<{ key: string; value: unknown }>;
  disableFileAccess?: boolean;
  rootNode?: CompiledNode;
  getHeader(key: string): unknown;
  setContent(content: unknown): unknown;
  setHeader(key: string, value: string): unknown;
  remove(): unknown;
  createReadStream(): Readable;
  keepBcc?: boolean;
  getEnvelope(): { from: string | false; to: string[] };
  messageId(): string;
}

/** Room for the headers and boundaries of a MIME message on top of its parts. */
const OVERHEAD_BYTES = 8 * 1024;

/** The headers MailComposer writes on an attachment's part; a part with any other header keeps it in the MIME. */
const PART_HEADERS = new Set(['content-type', 'content-transfer-encoding', 'content-disposition', 'content-id']);

interface Candidate {
  node: CompiledNode;
  spec: Attachment;
  stream: boolean;
}


function leaves(node: CompiledNode, out: CompiledNode[] = []): CompiledNode[] {
  if (node.childNodes.length === 0) out.push(node);
  for (const child of node.childNodes) leaves(child, out);
  return out;
}

function isStream(value: unknown): value is Readable {
  return typeof (value as { pipe?: unknown } | null)?.pipe === 'function';
}

/**
 * An attachment part that can leave the MIME and be uploaded on its own: a leaf with a file name, a
 * Content-Disposition and only the headers MailComposer writes, whose content is a Buffer, a string, a stream or
 * a file (not a raw part, not a URL, not the calendar part nodemailer shares between two nodes).
 */
function candidate(node: CompiledNode): Candidate | undefined {
  if (node._raw || typeof node.filename !== 'string' || node.filename === '' || !Array.isArray(node._headers)) return undefined;
  const disposition = String(node.getHeader('Content-Disposition') ?? '').toLowerCase();
  if (disposition !== 'attachment' && disposition !== 'inline') return undefined;
  // The root's other headers are the message's (From, Subject…), which stay when the attachment leaves it.
  const root = node.rootNode === undefined || node.rootNode === node;
  if (node._headers.some((h) => !PART_HEADERS.has(String(h.key).toLowerCase()) && (!root || /^content-/i.test(String(h.key))))) return undefined;
  const content = node.content as { path?: unknown; href?: unknown; _resolve?: unknown; _resolvedValue?: unknown } | string | Buffer | undefined;
  const spec: Attachment = { filename: node.filename };
  if (typeof node.contentType === 'string' && node.contentType !== '') spec.contentType = node.contentType;
  const cid = String(node.getHeader('Content-Id') ?? '').replace(/^<|>$/g, '');
  if (cid !== '' && disposition === 'inline') spec.cid = cid;
  let stream = false;
  if (typeof content === 'string' || Buffer.isBuffer(content)) spec.content = content;
  else if (isStream(content)) {
    spec.content = content;
    stream = true;
  } else if (content && typeof content === 'object' && typeof content.path === 'string' && content.href === undefined && !content._resolve) {
    if (node.disableFileAccess || node.rootNode?.disableFileAccess) return undefined;
    spec.path = content.path;
  } else return undefined;
  return { node, spec, stream };
}

/**
 * A message that is one attachment and nothing else has the attachment as its root: when it is uploaded on its
 * own, the root becomes an empty text body (the headers stay).
 */
function emptyRoot(root: CompiledNode): void {
  root._headers = (root._headers ?? []).filter((h) => !/^content-(disposition|id|transfer-encoding)$/i.test(String(h.key)));
  delete root.filename;
  root.setHeader('Content-Type', 'text/plain; charset=utf-8');
  root.setContent('');
}

/** A part that stays in the MIME: its bytes there, at most (quoted-printable triples them), when known. */
function partBytes(node: CompiledNode): number {
  const content = node._raw || node.content;
  if (typeof content === 'string') return 3 * Buffer.byteLength(content, 'utf8');
  if (Buffer.isBuffer(content)) return 3 * content.length;
  return 0;
}

/** Resolves one attachment part; an error names it by its file name (nodemailer's list of parts is not the caller's). */
async function resolveOne(spec: Attachment, signal: AbortSignal | undefined): Promise<NormalizedAttachment> {
  try {
    return (await resolveAttachments([spec], signal ? { signal } : {}))[0] as NormalizedAttachment;
  } catch (err) {
    if (!(err instanceof MailerError) || err.code !== 'MESSAGE_INVALID') throw err;
    throw invalid(`The attachment ${JSON.stringify(spec.filename)}:`, err.message.replace(/^attachments\[0\]\.?/, ''), err.fix ?? 'Check the attachment.', err);
  }
}

/** Every node of the tree, the root first. */
function nodes(node: CompiledNode, out: CompiledNode[] = []): CompiledNode[] {
  out.push(node);
  for (const child of node.childNodes) nodes(child, out);
  return out;
}

/**
 * Under `disableFileAccess` (the mailer's), refuses a message with any part nodemailer would read from a file, before
 * anything is read, and tells every part to refuse files too.
 *
 * @throws MailerError `MESSAGE_INVALID` naming the part.
 */
function checkFileAccess(root: CompiledNode): void {
  for (const node of nodes(root)) {
    node.disableFileAccess = true;
    const content = (node._raw || node.content) as { path?: unknown; href?: unknown } | undefined;
    if (content && typeof content === 'object' && typeof content.path === 'string' && content.href === undefined) {
      throw fileAccessRefused(node === root && node._raw ? 'raw.path' : `the path of ${node.filename ? JSON.stringify(node.filename) : `the ${node.contentType ?? 'body'} part`}`);
    }
  }
}

/**
 * Prepares the message nodemailer compiled (after its plugins) for the mailer: at most {@link MAX_MIME_BYTES} of
 * MIME. When its attachments would make it larger, the largest plain attachments are taken out of the tree first
 * and returned as `separate`, to be uploaded to a draft created from the rest: files are `stat`ed and streamed
 * later, streams are spooled to a 0600 temp file when over 3 MiB, so a large attachment is never held in memory
 * whole. A `raw` message is read as it is (the mailer reads its recipients and Message-ID).
 *
 * @throws MailerError `ATTACHMENT_TOO_LARGE` when what must stay in the MIME is over about 3 MB, or
 *   `MESSAGE_INVALID` when nodemailer cannot build the message (an unreadable file, a failed stream) or a file path
 *   is given under `disableFileAccess`.
 */
export async function prepareCompiled(root: CompiledNode, context: PrepareContext): Promise<PreparedMime> {
  if (context.disableFileAccess) checkFileAccess(root);
  // SMTP carries Bcc in the envelope only; Graph delivers to the Bcc header and removes it.
  root.keepBcc = true;
  if (root._raw) return { mime: await readCapped(root.createReadStream()), envelope: 'raw', separate: [], dispose: async () => {} };
  const { signal } = context;
  const parts = leaves(root);
  const candidates: Candidate[] = [];
  let estimate = OVERHEAD_BYTES;
  for (const node of parts) {
    const c = candidate(node);
    if (c) candidates.push(c);
    else estimate += partBytes(node);
  }
  const resolved: NormalizedAttachment[] = [];
  const dispose = async () => {
    await Promise.allSettled(resolved.map((a) => a.dispose()));
  };
  try {
    for (const c of candidates) resolved.push(await resolveOne(c.spec, signal));
    for (const a of resolved) estimate += mimeAttachmentBytes(a.size);
    const order = resolved.map((a, i) => ({ a, i })).sort((x, y) => y.a.size - x.a.size);
    const moved = new Set<number>();
    for (const { a, i } of order) {
      if (estimate <= MAX_MIME_BYTES) break;
      moved.add(i);
      estimate -= mimeAttachmentBytes(a.size);
    }
    candidates.forEach((c, i) => {
      if (moved.has(i)) {
        if (c.node === root) emptyRoot(root);
        else c.node.remove();
      }
      // A stream was read to learn its size: the part now streams the copy.
      else if (c.stream) c.node.setContent((resolved[i] as NormalizedAttachment).open());
    });
    const mime = await readCapped(root.createReadStream());
    return {
      mime,
      envelope: { recipients: root.getEnvelope().to, messageId: root.messageId() },
      separate: resolved.filter((_, i) => moved.has(i)),
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Reads the compiled message, stopping at {@link MAX_MIME_BYTES}. */
function readCapped(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    stream.on('data', (c: Buffer | string) => {
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      total += b.length;
      if (total > MAX_MIME_BYTES) {
        stream.destroy();
        reject(
          tooLarge(
            `The message nodemailer compiled is over ${MAX_MIME_BYTES} bytes without the attachments that can be uploaded separately (bodies, raw parts, parts with their own headers); Microsoft Graph takes at most about 3 MB of MIME in one request. Nothing was sent.`,
          ),
        );
        return;
      }
      chunks.push(b);
    });
    stream.once('error', (err: Error) =>
      reject(
        new MailerError({
          code: 'MESSAGE_INVALID',
          message: `nodemailer could not build the message: ${err.message}. Nothing was sent.`,
          fix: 'Check the files and streams the message refers to (attachments, html, text): one could not be read.',
          cause: err,
        }),
      ),
    );
    stream.once('end', () => resolve(Buffer.concat(chunks, total)));
  });
}
