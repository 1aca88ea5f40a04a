/** What replaces a secret, a token or a signed URL's query string wherever text leaves the library. */
export const REDACTED = '[REDACTED]';

const JWT = /\beyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/g;
const BEARER = /\b(Bearer)\s+[^\s"',;]+/gi;
const QUERY_TOKEN = /([?&](?:authtoken|access_token|client_secret|token|sig|code)=)[^&\s"']+/gi;
const FORM_SECRET = /(client_secret["']?\s*[:=]\s*["']?)[^&\s"',}]+/gi;

/**
 * Removes from `text` everything that must never be printed: the given secret values, anything shaped like a JWT
 * or a bearer credential, and secret-bearing query or form parameters.
 */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(JWT, REDACTED)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(QUERY_TOKEN, `$1${REDACTED}`)
    .replace(FORM_SECRET, `$1${REDACTED}`);
}

/** A URL safe to log: origin and path only, never the query string that carries an upload session's `authtoken`. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? '?' + REDACTED : ''}`;
  } catch {
    return scrub(url.replace(/\?.*$/, `?${REDACTED}`));
  }
}
