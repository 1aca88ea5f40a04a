import type { Attachment, MailMessage } from './types';
import { nodeCrypto } from '../runtime/node-builtins';

/** `<img … src="data:type;…">`, as nodemailer's attachDataUrls finds them (bounded, so no quadratic scan). */
const DATA_IMAGE = /(<img\b[^<>]{0,1024} src\s{0,20}=[\s"']{0,20})(data:([^;"'<>\s]{1,255});[^"'>\s]+)/gi;

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'image/bmp': 'bmp',
  'image/tiff': 'tif',
};

/** The bytes of a `data:` URL, or `undefined` when it is not one nodemailer would read either. */
function decodeDataUrl(url: string): Buffer | undefined {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const params = url.slice(5, comma).split(';').slice(1);
  const data = url.slice(comma + 1);
  if (params.some((p) => p.trim().toLowerCase() === 'base64')) return Buffer.from(data, 'base64');
  try {
    return Buffer.from(decodeURIComponent(data), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * nodemailer's `attachDataUrls`: each `data:` image in `html` becomes an inline attachment (`image-1.png`…,
 * with a random `cid`), and the `src` refers to it as `cid:…`. Returns the message unchanged when it has no html
 * or no data: image, else a copy (the caller's object is not modified).
 */
export function attachDataUrls(message: MailMessage): MailMessage {
  if (typeof message.html !== 'string' || !message.html.includes('data:')) return message;
  const added: Attachment[] = [];
  const html = message.html.replace(DATA_IMAGE, (match: string, prefix: string, url: string, type: string) => {
    const bytes = decodeDataUrl(url);
    if (bytes === undefined) return match;
    const cid = `${nodeCrypto().randomBytes(10).toString('hex')}@localhost`;
    const contentType = type.toLowerCase();
    added.push({ filename: `image-${added.length + 1}.${EXTENSIONS[contentType] ?? 'bin'}`, content: bytes, contentType, cid });
    return `${prefix}cid:${cid}`;
  });
  if (added.length === 0) return message;
  return { ...message, html, attachments: [...(message.attachments ?? []), ...added] };
}
