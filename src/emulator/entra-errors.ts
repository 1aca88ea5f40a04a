import { jsonReply, type Reply } from './http-io';
import { entraTimestamp, newGuid } from './ids';

/** The body Entra ID's token and metadata endpoints answer with on failure. */
export interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

/** Context shared by every Entra error of one request. */
export interface EntraErrorContext {
  /** The emulator's URL (stands in for `https://login.microsoftonline.com`). */
  baseUrl: string;
  /** The client's `client-request-id`, echoed as `correlation_id` (random when absent). */
  correlationId?: string;
}

/**
 * An Entra error reply: `{ error, error_description: 'AADSTSnnnn: ... Trace ID: ... Correlation ID: ... Timestamp: ...',
 * error_codes: [n], timestamp, trace_id, correlation_id, error_uri }`.
 */
export function entraError(
  ctx: EntraErrorContext,
  status: number,
  error: string,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  const traceId = newGuid();
  const correlationId = ctx.correlationId && /^[\w-]{1,64}$/.test(ctx.correlationId) ? ctx.correlationId : newGuid();
  const timestamp = entraTimestamp();
  const body: EntraErrorBody = {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${ctx.baseUrl}/error?code=${code}`,
  };
  return jsonReply(status, body, {
    'cache-control': 'no-store, no-cache',
    pragma: 'no-cache',
    'x-ms-request-id': traceId,
    ...(ctx.correlationId ? { 'client-request-id': correlationId } : {}),
    ...headers,
  });
}

/** Messages of the AADSTS codes the emulator produces, by code. */
export const AADSTS = {
  tenantNotFound: (tenant: string) =>
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  invalidTenantIdentifier: (tenant: string) =>
    `Specified tenant identifier '${tenant}' is neither a valid DNS name, nor a valid external domain.`,
  noTenantInformation: () =>
    'No tenant-identifying information found in either the request or implied by any provided credentials.',
  missingParameter: (name: string) => `The request body must contain the following parameter: '${name}'.`,
  unsupportedGrantType: (grant: string) =>
    `The app requested an unsupported grant type '${grant}'. This grant type is not supported by this endpoint.`,
  appNotFound: (clientId: string, tenant: string) =>
    `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  appDisabled: (clientId: string, name: string) => `Application '${clientId}'(${name}) is disabled.`,
  missingSecret: () => "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  invalidSecret: (clientId: string) =>
    `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
  expiredSecret: (clientId: string) =>
    `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
  invalidScope: (scope: string) =>
    `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  resourceNotFound: (resource: string, tenant: string) =>
    `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  throttled: () => 'TenantThrottlingThreshold - The request was throttled. Retry after the time in the Retry-After header.',
  transient: () => 'A transient error has occurred. Please try again.',
} as const;
