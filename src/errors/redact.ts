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

/**
 * A message made of the library's own wording and data values, kept apart so that redaction can tell them apart:
 * build one with {@link wording}.
 */
export class Wording {
  constructor(
    readonly parts: readonly string[],
    readonly values: readonly unknown[],
  ) {}

  /**
   * The text with the known `secrets` (and token-shaped strings) removed from the data values only. The library's
   * own words are never touched, so a short passphrase such as "wrong" cannot turn "the passphrase is wrong" into
   * "the passphrase is [REDACTED]", which would reveal it.
   */
  render(secrets: readonly string[] = []): string {
    let out = this.parts[0] ?? '';
    for (let i = 0; i < this.values.length; i++) out += scrub(String(this.values[i]), secrets) + (this.parts[i + 1] ?? '');
    return out;
  }

  toString(): string {
    return this.render();
  }
}

/**
 * Tags a template as a {@link Wording}: the literal text is the library's, every `${value}` is data.
 *
 * @example
 * ```ts
 * const message = wording`Cannot open the encrypted file ${path}: the passphrase is wrong.`
 * message.render([passphrase])
 * ```
 */
export function wording(strings: TemplateStringsArray, ...values: unknown[]): Wording {
  return new Wording([...strings], values);
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
