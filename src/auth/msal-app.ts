import type { AuthenticationResult, ICachePlugin, INetworkModule, LogLevel, NodeAuthOptions, NodeSystemOptions } from '@azure/msal-node';
import type { Logger } from '../config/types';
import { loadMsal, type MsalModule } from './msal';

/** Gets one access token: the seam between the token provider and msal-node's applications. */
export interface TokenClient {
  /** One acquisition for `scope` (`<graph>/.default`); `skipCache` forces a token request. */
  acquire(scope: string, skipCache: boolean, correlationId?: string): Promise<AuthenticationResult | null>;
}

/** How msal-node's confidential client proves the app's identity: exactly one of them. */
export type ClientAuth = Pick<NodeAuthOptions, 'clientSecret'> | Pick<NodeAuthOptions, 'clientCertificate'> | Pick<NodeAuthOptions, 'clientAssertion'>;

/** What building msal-node's client needs. */
export interface MsalAppOptions {
  clientId: string;
  tenantId: string;
  authorityHost: string;
  /** Endpoints Microsoft does not list (an emulator): instance discovery is skipped for them. */
  custom: boolean;
  networkClient: INetworkModule;
  cachePlugin?: ICachePlugin;
  logger?: Logger;
}

function loggerOptions(msal: MsalModule, logger: Logger | undefined): NonNullable<NodeSystemOptions['loggerOptions']> {
  return {
    piiLoggingEnabled: false,
    logLevel: msal.LogLevel.Warning,
    loggerCallback: (level: LogLevel, message: string, containsPii: boolean) => {
      if (containsPii || !logger) return;
      if (level === msal.LogLevel.Error) logger.debug?.(`msal: ${message}`);
    },
  };
}

/**
 * The only place msal-node's `ConfidentialClientApplication` is built: the authority is always the tenant (never
 * `/common`), and custom hosts are declared as known authorities so msal-node never calls
 * login.microsoftonline.com for instance discovery. msal-node is loaded here, on first use.
 */
export async function createMsalApp(options: MsalAppOptions, auth: ClientAuth): Promise<TokenClient> {
  const msal = await loadMsal();
  const host = new URL(options.authorityHost);
  const app = new msal.ConfidentialClientApplication({
    auth: {
      clientId: options.clientId,
      authority: `${host.origin}/${options.tenantId}`,
      ...auth,
      ...(options.custom ? { knownAuthorities: [host.host] } : {}),
    },
    system: { networkClient: options.networkClient, loggerOptions: loggerOptions(msal, options.logger) },
    ...(options.cachePlugin ? { cache: { cachePlugin: options.cachePlugin } } : {}),
  });
  return {
    acquire: (scope, skipCache, correlationId) =>
      app.acquireTokenByClientCredential({ scopes: [scope], skipCache, ...(correlationId !== undefined ? { correlationId } : {}) }),
  };
}

/**
 * msal-node's `ManagedIdentityApplication`: the token comes from the Azure host's managed identity endpoint, which
 * msal-node finds through the environment the platform sets (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER` on App Service
 * and Functions, IMDS on virtual machines). `userAssignedClientId` picks a user-assigned identity.
 */
export async function createManagedIdentityApp(options: { networkClient: INetworkModule; logger?: Logger; userAssignedClientId?: string }): Promise<TokenClient> {
  const msal = await loadMsal();
  const app = new msal.ManagedIdentityApplication({
    ...(options.userAssignedClientId ? { managedIdentityIdParams: { userAssignedClientId: options.userAssignedClientId } } : {}),
    system: { networkClient: options.networkClient, loggerOptions: loggerOptions(msal, options.logger), disableInternalRetries: true },
  });
  return { acquire: (scope, skipCache) => app.acquireToken({ resource: scope, forceRefresh: skipCache }) };
}
