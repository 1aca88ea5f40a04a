import nock from 'nock';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
/** A distinctive secret: leak tests search every output for it. */
export const SECRET = 'Zq8~LEAKME.secret-value_0123456789abcdef';
export const SENDER = 'lab@contoso.com';
export const LOGIN = 'https://login.microsoftonline.com';
export const GRAPH = 'https://graph.microsoft.com';

/** A JWT-shaped access token with the given roles (absent when `roles` is undefined, as without consent). */
export function fakeJwt(claims: { roles?: string[]; scp?: string; n?: number } = { roles: ['Mail.Send'] }): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { aud: GRAPH, tid: TENANT, appid: CLIENT, iat: now, nbf: now, exp: now + 3599, uti: `u${claims.n ?? 0}` };
  if (claims.roles) payload.roles = claims.roles;
  if (claims.scp) payload.scp = claims.scp;
  return `${b64({ typ: 'JWT', alg: 'RS256' })}.${b64(payload)}.c2lnbmF0dXJl${claims.n ?? 0}`;
}

export function mailerConfig(overrides: Record<string, unknown> = {}) {
  return { authType: 'oauth2' as const, tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, sender: SENDER, ...overrides };
}

/** msal-node's metadata request for the tenant (once per mailer). */
export function openIdConfig(host = LOGIN, tenant = TENANT) {
  return nock(host)
    .get(`/${tenant}/v2.0/.well-known/openid-configuration`)
    .reply(200, {
      token_endpoint: `${host}/${tenant}/oauth2/v2.0/token`,
      issuer: `${host}/${tenant}/v2.0`,
      authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/authorize`,
      jwks_uri: `${host}/${tenant}/discovery/v2.0/keys`,
      end_session_endpoint: `${host}/${tenant}/oauth2/v2.0/logout`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    });
}

/** Entra's error body, exactly as the token endpoint sends it. */
export function entraError(code: number, error: string, text: string) {
  return {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: 0f7c... Correlation ID: 5d1e... Timestamp: 2026-11-29 09:00:00Z`,
    error_codes: [code],
    timestamp: '2026-11-29 09:00:00Z',
    trace_id: '0f7c6a3e-1111-2222-3333-444455556666',
    correlation_id: '5d1e2f3a-aaaa-bbbb-cccc-ddddeeeeffff',
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

/** Graph's error body. */
export function graphError(code: string, message: string, requestId = 'req-0001') {
  return { error: { code, message, innerError: { date: '2026-11-29T09:00:00', 'request-id': requestId, 'client-request-id': requestId } } };
}

export function tokenReply(token = fakeJwt()) {
  return { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token };
}

/** Captures the form bodies posted to the token endpoint. */
export function tokenEndpoint(host = LOGIN, tenant = TENANT) {
  return nock(host).post(`/${tenant}/oauth2/v2.0/token`).query(true);
}

export const SEND_PATH = `/v1.0/users/${encodeURIComponent(SENDER)}/sendMail`;

/**
 * A socket failure for nock's `replyWithError`, shaped as Node raises one: an `Error` with a `code`. (nock 14
 * passes a plain `{ code, message }` object to fetch but never emits it on a `node:https` request, which then
 * hangs: use this.)
 */
export function socketError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
