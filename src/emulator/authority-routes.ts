import type { EmulatorContext, RouteRequest } from './context';
import { GRAPH_APP_ID } from './context';
import { JWT_BEARER, checkClientAssertion } from './client-assertion';
import { AADSTS, entraError, type EntraErrorContext } from './entra-errors';
import { MANAGED_IDENTITY_PATH, managedIdentityToken } from './managed-identity-route';
import { header, jsonReply, readBody, type Reply } from './http-io';
import { newGuid } from './ids';
import type { TenantRecord } from './directory';

const META_TENANTS = new Set(['common', 'organizations', 'consumers']);
const TENANT_CHARS = /^[A-Za-z0-9.-]+$/;

/** Whether a path belongs to the authority (sign-in host) part of the emulator. */
export function isAuthorityPath(path: string): boolean {
  return (
    path === '/error' ||
    path === MANAGED_IDENTITY_PATH ||
    /^\/common\/discovery\/instance\/?$/i.test(path) ||
    /^\/[^/]+\/(v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|oauth2\/(v2\.0\/)?token|discovery\/(v2\.0\/)?keys)\/?$/i.test(path)
  );
}

function errorContext(ctx: EmulatorContext, request: RouteRequest): EntraErrorContext {
  return { baseUrl: ctx.url, ...(request.clientRequestIdHeader ? { correlationId: request.clientRequestIdHeader } : {}) };
}

type TenantLookup = { kind: 'tenant'; tenant: TenantRecord } | { kind: 'meta'; name: string } | { kind: 'error'; reply: Reply };

function lookupTenant(ctx: EmulatorContext, request: RouteRequest, raw: string, error: string): TenantLookup {
  if (META_TENANTS.has(raw.toLowerCase())) return { kind: 'meta', name: raw.toLowerCase() };
  const ectx = errorContext(ctx, request);
  if (!TENANT_CHARS.test(raw)) {
    return { kind: 'error', reply: entraError(ectx, 400, error, 900023, AADSTS.invalidTenantIdentifier(raw)) };
  }
  const tenant = ctx.directory.findTenant(raw);
  if (!tenant) return { kind: 'error', reply: entraError(ectx, 400, error, 90002, AADSTS.tenantNotFound(raw)) };
  return { kind: 'tenant', tenant };
}

function openIdConfiguration(ctx: EmulatorContext, tenantSegment: string, issuerTenant: string, v2: boolean): Record<string, unknown> {
  const base = `${ctx.url}/${tenantSegment}`;
  const host = new URL(ctx.url).host;
  const common = {
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: v2 ? ['code', 'id_token', 'code id_token', 'id_token token'] : ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    request_uri_parameter_supported: false,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    tenant_region_scope: 'NA',
    cloud_instance_name: host,
    cloud_graph_host_name: host,
    msgraph_host: host,
    rbac_url: ctx.url,
  };
  if (v2) {
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      ...common,
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${ctx.url}/${issuerTenant}/v2.0`,
      userinfo_endpoint: `${ctx.url}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/kerberos`,
    };
  }
  return {
    token_endpoint: `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${ctx.url}/common/discovery/keys`,
    ...common,
    scopes_supported: ['openid'],
    issuer: `https://sts.windows.net/${issuerTenant}/`,
    microsoft_multi_refresh_token: true,
    authorization_endpoint: `${base}/oauth2/authorize`,
    device_authorization_endpoint: `${base}/oauth2/devicecode`,
    end_session_endpoint: `${base}/oauth2/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'amr', 'nonce', 'email', 'given_name', 'family_name', 'nickname'],
    check_session_iframe: `${base}/oauth2/checksession`,
    userinfo_endpoint: `${base}/openid/userinfo`,
    kerberos_endpoint: `${base}/kerberos`,
  };
}

const METADATA_HEADERS = { 'cache-control': 'max-age=86400, private', 'access-control-allow-origin': '*' };

function discovery(ctx: EmulatorContext, request: RouteRequest, tenantSegment: string, v2: boolean): Reply {
  const found = lookupTenant(ctx, request, tenantSegment, 'invalid_tenant');
  if (found.kind === 'error') return found.reply;
  const segment = found.kind === 'tenant' ? found.tenant.id : found.name;
  const issuerTenant = found.kind === 'tenant' ? found.tenant.id : '{tenantid}';
  return jsonReply(200, openIdConfiguration(ctx, segment, issuerTenant, v2), METADATA_HEADERS);
}

function instanceDiscovery(ctx: EmulatorContext): Reply {
  const host = new URL(ctx.url).host;
  return jsonReply(
    200,
    {
      tenant_discovery_endpoint: `${ctx.url}/common/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    },
    METADATA_HEADERS,
  );
}

function basicCredentials(request: RouteRequest): { id?: string; secret?: string } {
  const auth = header(request.req, 'authorization');
  if (!auth || !/^basic\s+/i.test(auth)) return {};
  const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return {};
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

async function token(ctx: EmulatorContext, request: RouteRequest, tenantSegment: string): Promise<Reply> {
  ctx.counters.tokenRequests += 1;
  const ectx = errorContext(ctx, request);
  const read = await readBody(request.req, 1024 * 1024);
  const form = new URLSearchParams(read.ok ? read.body.toString('utf8') : '');
  if (request.method !== 'POST') {
    return entraError(ectx, 400, 'invalid_request', 900561, 'The endpoint only accepts POST requests. Received a GET request.');
  }
  const found = lookupTenant(ctx, request, tenantSegment, 'invalid_request');
  if (found.kind === 'error') return found.reply;
  if (found.kind === 'meta') return entraError(ectx, 400, 'invalid_request', 50059, AADSTS.noTenantInformation());
  const tenant = found.tenant;
  const basic = basicCredentials(request);
  const grantType = form.get('grant_type');
  const clientId = form.get('client_id') ?? basic.id;
  const scope = form.get('scope');
  const secret = form.get('client_secret') ?? basic.secret;
  if (!grantType) return entraError(ectx, 400, 'invalid_request', 900144, AADSTS.missingParameter('grant_type'));
  if (grantType !== 'client_credentials') {
    return entraError(ectx, 400, 'unsupported_grant_type', 70003, AADSTS.unsupportedGrantType(grantType));
  }
  if (!clientId) return entraError(ectx, 400, 'invalid_request', 900144, AADSTS.missingParameter('client_id'));
  if (!scope) return entraError(ectx, 400, 'invalid_request', 900144, AADSTS.missingParameter('scope'));
  const app = ctx.directory.findApp(tenant.id, clientId);
  if (!app) return entraError(ectx, 400, 'unauthorized_client', 700016, AADSTS.appNotFound(clientId, tenant.displayName));
  if (app.disabled) return entraError(ectx, 400, 'unauthorized_client', 7000112, AADSTS.appDisabled(app.clientId, app.displayName));
  const assertion = form.get('client_assertion');
  if (assertion) {
    const type = form.get('client_assertion_type');
    if (type !== JWT_BEARER) return entraError(ectx, 400, 'invalid_request', 50027, `Invalid client_assertion_type '${type ?? ''}'; expected '${JWT_BEARER}'.`);
    const problem = checkClientAssertion(app, tenant, ctx.url, assertion, ctx.federatedIssuer);
    if (problem) return entraError(ectx, problem.status, problem.error, problem.code, problem.message);
  } else {
    if (!secret) return entraError(ectx, 401, 'invalid_client', 7000218, AADSTS.missingSecret());
    const match = app.secrets.find((s) => s.value === secret);
    if (!match) return entraError(ectx, 401, 'invalid_client', 7000215, AADSTS.invalidSecret(app.clientId));
    if (match.expiresAt && match.expiresAt.getTime() <= Date.now()) {
      return entraError(ectx, 401, 'invalid_client', 7000222, AADSTS.expiredSecret(app.clientId));
    }
  }
  const scopes = scope.split(/\s+/).filter((s) => s !== '' && !OIDC_SCOPES.has(s.toLowerCase()));
  const only = scopes.length === 1 ? scopes[0]! : undefined;
  if (!only || !only.endsWith('/.default')) {
    return entraError(ectx, 400, 'invalid_scope', 1002012, AADSTS.invalidScope(scope));
  }
  const resource = only.slice(0, -'/.default'.length);
  const audience = resource.replace(/\/+$/, '') === ctx.url ? ctx.url : resource.toLowerCase() === GRAPH_APP_ID ? GRAPH_APP_ID : undefined;
  if (!audience) return entraError(ectx, 400, 'invalid_resource', 500011, AADSTS.resourceNotFound(resource, tenant.displayName));
  const lifetime = ctx.tokenLifetimeSeconds;
  const signed = ctx.signer.sign({
    audience,
    tenantId: tenant.id,
    clientId: app.clientId,
    appDisplayName: app.displayName,
    servicePrincipalId: app.servicePrincipalId,
    roles: app.roles,
    lifetimeSeconds: lifetime,
  });
  ctx.counters.tokensIssued += 1;
  return jsonReply(
    200,
    { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: signed.token },
    {
      'cache-control': 'no-store, no-cache',
      pragma: 'no-cache',
      'x-ms-request-id': newGuid(),
      ...(request.clientRequestIdHeader ? { 'client-request-id': request.clientRequestIdHeader } : {}),
    },
  );
}

/** Answers the sign-in host's endpoints: OpenID metadata (v2 and v1), instance discovery, keys and the token endpoint. */
export async function handleAuthority(ctx: EmulatorContext, request: RouteRequest): Promise<Reply> {
  const path = request.path;
  if (path === '/error') {
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `AADSTS${request.query.get('code') ?? ''}` };
  }
  if (/^\/common\/discovery\/instance\/?$/i.test(path)) return instanceDiscovery(ctx);
  if (path === MANAGED_IDENTITY_PATH) return managedIdentityToken(ctx, request);
  const segments = path.split('/').filter(Boolean);
  const tenantSegment = decodeURIComponent(segments[0] ?? '');
  const rest = segments.slice(1).join('/').toLowerCase();
  if (/^oauth2\/(v2\.0\/)?token$/.test(rest)) return token(ctx, request, tenantSegment);
  if (request.method !== 'GET') {
    return jsonReply(405, { error: 'invalid_request', error_description: 'Only GET is supported here.' });
  }
  if (rest === 'v2.0/.well-known/openid-configuration') return discovery(ctx, request, tenantSegment, true);
  if (rest === '.well-known/openid-configuration') return discovery(ctx, request, tenantSegment, false);
  // Keys: tokens are HMAC-signed with a key that never leaves the emulator, so there is nothing to publish.
  return jsonReply(200, { keys: [] }, METADATA_HEADERS);
}
