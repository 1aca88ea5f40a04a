import { readClaims } from './claims';

/** Microsoft Graph's application ID, which Entra ID may put in `aud` instead of Graph's URL. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whom a token must have been issued to. */
export interface TokenOwner {
  /** The configured tenant: a GUID, or a domain (which a token's `tid` cannot be compared with). */
  tenantId: string;
  clientId: string;
  /** The Graph endpoint of the cloud, e.g. `https://graph.microsoft.com`. */
  graphEndpoint: string;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Why a token found in a shared cache does not belong to this mailer, or `undefined` when it does (or cannot be
 * read: Microsoft may issue opaque tokens, and Graph judges those). It must carry this tenant (`tid`, when the
 * tenant is configured by its ID), this app (`appid`, or `azp` in v2 tokens) and Graph as its audience (`aud`).
 *
 * @example
 * ```ts
 * tokenMismatch(token, { tenantId, clientId, graphEndpoint: 'https://graph.microsoft.com' }) // 'it was issued for tenant …'
 * ```
 */
export function tokenMismatch(token: string, owner: TokenOwner): string | undefined {
  const claims = readClaims(token) as (ReturnType<typeof readClaims> & { appid?: unknown; azp?: unknown }) | undefined;
  if (!claims) return undefined;
  if (GUID.test(owner.tenantId) && typeof claims.tid === 'string' && !same(claims.tid, owner.tenantId)) {
    return `it was issued for tenant ${claims.tid}, not ${owner.tenantId}`;
  }
  const app = typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : undefined;
  if (app !== undefined && !same(app, owner.clientId)) return `it was issued to the app ${app}, not ${owner.clientId}`;
  const aud = claims.aud;
  if (typeof aud === 'string' && !same(aud.replace(/\/+$/, ''), owner.graphEndpoint.replace(/\/+$/, '')) && !same(aud, GRAPH_APP_ID)) {
    return `it is for ${aud}, not Microsoft Graph (${owner.graphEndpoint})`;
  }
  return undefined;
}
