import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { newGuid } from './ids';

/** Claims of an emulator access token (the subset of a Graph app-only v1 token a client may look at). */
export interface AccessTokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  app_displayname: string;
  appid: string;
  appidacr: '1';
  idp: string;
  idtyp: 'app';
  oid: string;
  /** Present only when the app has consented application permissions, as in Entra. */
  roles?: string[];
  sub: string;
  tid: string;
  uti: string;
  ver: '1.0';
}

/** Why a token was refused. */
export type TokenProblem = 'malformed' | 'signature' | 'expired' | 'notYetValid' | 'audience';

/** Input of {@link TokenSigner.sign}. */
export interface SignInput {
  audience: string;
  tenantId: string;
  clientId: string;
  appDisplayName: string;
  servicePrincipalId: string;
  roles: string[];
  lifetimeSeconds: number;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs and checks JWT-shaped access tokens with a per-emulator HMAC key (HS256). */
export class TokenSigner {
  private readonly key = randomBytes(32);
  private readonly kid = randomBytes(8).toString('hex');

  /** A signed token; `roles` is omitted from the claims when empty. */
  sign(input: SignInput): { token: string; claims: AccessTokenClaims } {
    const now = Math.floor(Date.now() / 1000);
    const issuer = `https://sts.windows.net/${input.tenantId}/`;
    const claims: AccessTokenClaims = {
      aud: input.audience,
      iss: issuer,
      iat: now,
      nbf: now,
      exp: now + input.lifetimeSeconds,
      app_displayname: input.appDisplayName,
      appid: input.clientId,
      appidacr: '1',
      idp: issuer,
      idtyp: 'app',
      oid: input.servicePrincipalId,
      ...(input.roles.length > 0 ? { roles: [...input.roles] } : {}),
      sub: input.servicePrincipalId,
      tid: input.tenantId,
      uti: newGuid().replace(/-/g, '').slice(0, 22),
      ver: '1.0',
    };
    const head = `${b64url({ typ: 'JWT', alg: 'HS256', kid: this.kid })}.${b64url(claims)}`;
    return { token: `${head}.${this.mac(head)}`, claims };
  }

  /** Checks signature, lifetime and audience. */
  verify(token: string, audiences: readonly string[]): { ok: true; claims: AccessTokenClaims } | { ok: false; problem: TokenProblem } {
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[\w-]+$/.test(p))) return { ok: false, problem: 'malformed' };
    const [head, body, sig] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(`${head}.${body}`));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, problem: 'signature' };
    let claims: AccessTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as AccessTokenClaims;
    } catch {
      return { ok: false, problem: 'malformed' };
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.nbf === 'number' && claims.nbf > now) return { ok: false, problem: 'notYetValid' };
    if (typeof claims.exp !== 'number' || claims.exp <= now) return { ok: false, problem: 'expired' };
    if (!audiences.includes(claims.aud)) return { ok: false, problem: 'audience' };
    return { ok: true, claims };
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}
