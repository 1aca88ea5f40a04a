import { randomBytes } from 'node:crypto';
import type { EmulatorContext, RouteRequest } from './context';
import { bodyPreview } from './html-text';
import { jsonReply, type Reply } from './http-io';
import { renderMailboxPage } from './mailbox-page';
import type { EmulatorMessage } from './types';

/** Whether a path belongs to the mailbox page or its JSON API (no authentication, not logged). */
export function isMailboxUiPath(path: string): boolean {
  return path === '/' || path === '/index.html' || path === '/favicon.ico' || path === '/_emulator' || path.startsWith('/_emulator/');
}

/** A captured message as the JSON API lists it: everything but the body and attachment bytes. */
export function messageSummary(m: EmulatorMessage): Record<string, unknown> {
  return {
    id: m.id,
    mailbox: m.mailbox,
    from: m.from,
    to: m.to,
    cc: m.cc,
    bcc: m.bcc,
    replyTo: m.replyTo,
    subject: m.subject,
    preview: bodyPreview(m.body, 200),
    importance: m.importance ?? 'normal',
    format: m.format,
    messageId: m.messageId,
    headers: m.headers,
    route: m.route,
    saveToSentItems: m.saveToSentItems,
    requestId: m.requestId,
    receivedAt: m.receivedAt.toISOString(),
    size: m.body.content.length + m.attachments.reduce((s, a) => s + a.size, 0),
    attachments: m.attachments.map((a, index) => ({
      index,
      name: a.name,
      contentType: a.contentType,
      size: a.size,
      isInline: a.isInline,
      ...(a.contentId !== undefined ? { contentId: a.contentId } : {}),
    })),
  };
}

function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function asciiFilename(name: string): string {
  const cleaned = name.replace(/[^\x20-\x7e]|["\\]/g, '_').trim();
  return cleaned === '' ? 'attachment' : cleaned;
}

const SAFE_TYPE = /^[\w.+-]+\/[\w.+-]+$/;
const INLINE_IMAGE = /^image\/(png|jpe?g|gif|webp|bmp)$/i;

function download(m: EmulatorMessage, index: number, inline: boolean): Reply {
  const a = m.attachments[index];
  if (!a) return jsonReply(404, { error: 'not_found' });
  const type = SAFE_TYPE.test(a.contentType) ? a.contentType : 'application/octet-stream';
  const disposition = inline && INLINE_IMAGE.test(type) ? 'inline' : 'attachment';
  return {
    status: 200,
    headers: {
      'content-type': disposition === 'inline' ? type : SAFE_TYPE.test(type) && !/html|xml|javascript|svg/i.test(type) ? type : 'application/octet-stream',
      'content-disposition': `${disposition}; filename="${asciiFilename(a.name)}"; filename*=UTF-8''${rfc5987(a.name || 'attachment')}`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'no-store',
    },
    body: a.content,
  };
}

/** A file name for a message's .eml download: its subject, made safe, else its ID. */
function emlName(m: EmulatorMessage): string {
  const base = m.subject.replace(/[^\p{L}\p{N} ._-]/gu, '_').replace(/\s+/g, ' ').trim().slice(0, 80);
  return `${base || m.id}.eml`;
}

async function source(ctx: EmulatorContext, m: EmulatorMessage, download: boolean): Promise<Reply> {
  const bytes = await ctx.eml.source(m);
  const name = emlName(m);
  return {
    status: 200,
    headers: {
      // Shown as text in the page (never rendered), saved as message/rfc822 when downloaded.
      'content-type': download ? 'message/rfc822' : 'text/plain; charset=utf-8',
      ...(download ? { 'content-disposition': `attachment; filename="${asciiFilename(name)}"; filename*=UTF-8''${rfc5987(name)}` } : {}),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'no-store',
    },
    body: bytes,
  };
}

/** Serves the mailbox page and its JSON API: list, one message, its source (.eml), attachment download, clear. */
export async function handleMailboxUi(ctx: EmulatorContext, request: RouteRequest): Promise<Reply> {
  const { path, method } = request;
  if (path === '/favicon.ico') return { status: 204 };
  if (path === '/' || path === '/index.html' || path === '/_emulator' || path === '/_emulator/') {
    const nonce = randomBytes(16).toString('base64');
    return {
      status: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
        'content-security-policy': [
          "default-src 'none'",
          `script-src 'nonce-${nonce}'`,
          "style-src 'unsafe-inline'",
          `img-src 'self' ${ctx.url} data:`,
          "connect-src 'self'",
          "frame-src 'self'",
          "base-uri 'none'",
          "form-action 'none'",
          "frame-ancestors 'none'",
        ].join('; '),
      },
      body: renderMailboxPage(nonce),
    };
  }
  const segments = path.split('/').filter(Boolean).slice(1);
  let parts: string[];
  try {
    parts = segments.map((s) => decodeURIComponent(s));
  } catch {
    return jsonReply(400, { error: 'bad_request' });
  }
  if (parts[0] !== 'messages') return jsonReply(404, { error: 'not_found' });
  if (parts.length === 1) {
    if (method === 'DELETE') {
      ctx.store.messages.length = 0;
      return { status: 204 };
    }
    if (method !== 'GET') return jsonReply(405, { error: 'method_not_allowed' });
    const list = [...ctx.store.messages].reverse().map(messageSummary);
    return jsonReply(200, { total: list.length, messages: list }, { 'cache-control': 'no-store' });
  }
  const message = ctx.store.findMessage(parts[1] ?? '');
  if (!message || method !== 'GET') return jsonReply(404, { error: 'not_found' });
  if (parts.length === 2) {
    const { text, html, alternatives, calendar, inReplyTo, references } = message;
    return jsonReply(200, { ...messageSummary(message), body: message.body, text, html, alternatives, calendar, inReplyTo, references }, { 'cache-control': 'no-store' });
  }
  if (parts.length === 3 && parts[2] === 'raw') return source(ctx, message, request.query.get('download') === '1');
  if (parts.length === 4 && parts[2] === 'attachments' && /^\d+$/.test(parts[3] ?? '')) {
    return download(message, Number(parts[3]), request.query.get('inline') === '1');
  }
  return jsonReply(404, { error: 'not_found' });
}
