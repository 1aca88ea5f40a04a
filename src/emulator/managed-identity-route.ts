import type { EmulatorContext, RouteRequest } from './context';
import { GRAPH_APP_ID } from './context';
import { header, jsonReply, readBody, type Reply } from './http-io';

/** The path of the emulator's managed identity endpoint (what `IDENTITY_ENDPOINT` points at). */
export const MANAGED_IDENTITY_PATH = '/msi/token';

function failure(status: number, message: string): Reply {
  // App Service's identity endpoint answers errors as { statusCode, message, correlationId }.
  return jsonReply(status, { statusCode: status, message, correlationId: crypto.randomUUID() });
}

/**
 * App Service's managed identity endpoint (API version 2019-08-01): `GET ?resource=…&api-version=…[&client_id=…]`
 * with the `X-IDENTITY-HEADER` secret; answers `{ access_token, expires_on, resource, token_type, client_id }`.
 */
export async function managedIdentityToken(ctx: EmulatorContext, request: RouteRequest): Promise<Reply> {
  ctx.counters.tokenRequests += 1;
  await readBody(request.req, 0);
  if (request.method !== 'GET') return failure(405, 'Only GET is supported.');
  if (header(request.req, 'x-identity-header') !== ctx.identityHeader) {
    return failure(401, 'The X-IDENTITY-HEADER header is missing or wrong.');
  }
  const apiVersion = request.query.get('api-version');
  if (apiVersion !== '2019-08-01') return failure(400, `Unsupported api-version '${apiVersion ?? ''}'; expected 2019-08-01.`);
  const resource = (request.query.get('resource') ?? '').replace(/\/+$/, '');
  const audience = resource === ctx.url ? ctx.url : resource.toLowerCase() === GRAPH_APP_ID ? GRAPH_APP_ID : undefined;
  if (!audience) return failure(400, `The resource '${resource}' is not a resource this emulator issues tokens for.`);
  const clientId = request.query.get('client_id') ?? undefined;
  const identity = ctx.directory.findManagedIdentity(clientId);
  if (!identity) {
    return failure(400, clientId ? `No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId: ${clientId}.` : 'No system-assigned managed identity is enabled for this resource.');
  }
  const lifetime = ctx.tokenLifetimeSeconds;
  const signed = ctx.signer.sign({
    audience,
    tenantId: identity.tenantId,
    clientId: identity.clientId,
    appDisplayName: identity.displayName,
    servicePrincipalId: identity.servicePrincipalId,
    roles: identity.roles,
    lifetimeSeconds: lifetime,
  });
  ctx.counters.tokensIssued += 1;
  return jsonReply(200, {
    access_token: signed.token,
    expires_on: String(signed.claims.exp),
    resource,
    token_type: 'Bearer',
    client_id: identity.clientId,
  });
}
