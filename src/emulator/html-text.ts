const BLOCK = /<\/?(p|div|br|hr|h[1-6]|li|ul|ol|tr|td|th|table|blockquote|pre|section|article|header|footer)\b[^>]*>/gi;

/** Plain text of an HTML body for previews: scripts and styles dropped, block tags as spaces, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(style|script|head|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(BLOCK, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&amp;/gi, '&');
}

/** A one-line preview of a message body, at most `max` characters. */
export function bodyPreview(body: { contentType: 'text' | 'html'; content: string }, max: number): string {
  const text = body.contentType === 'html' ? htmlToText(body.content) : body.content;
  return text.replace(/\s+/g, ' ').trim().slice(0, max);
}
