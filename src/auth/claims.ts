/** The claims of an access token this library reads. */
export interface TokenClaims {
  /** Application permissions granted by admin consent (absent without consent). */
  roles?: string[];
  /** Delegated permissions: present when a user token was used by mistake. */
  scp?: string;
  /** The audience: the Graph endpoint the token is for. */
  aud?: string;
  /** The tenant ID. */
  tid?: string;
  /** Expiry, seconds since the epoch. */
  exp?: number;
}

/**
 * Reads an access token's claims without verifying it (Graph verifies it; we only read what it grants).
 * Returns `undefined` for a token that is not a readable JWT, which Microsoft may issue and is allowed to.
 */
export function readClaims(token: string): TokenClaims | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' ? (claims as TokenClaims) : undefined;
  } catch {
    return undefined;
  }
}
