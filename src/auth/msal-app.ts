import type { ConfidentialClientApplication, ICachePlugin, INetworkModule } from '@azure/msal-node';
import type { Logger } from '../config/types';
import { loadMsal } from './msal';

/** What building msal-node's client needs. */
export interface MsalAppOptions {
  clientId: string;
  tenantId: string;
  authorityHost: string;
  /** Endpoints Microsoft does not list (an emulator): instance discovery is skipped for them. */
  custom: boolean;
  clientSecret: string;
  networkClient: INetworkModule;
  cachePlugin?: ICachePlugin;
  logger?: Logger;
}

/**
 * The only place msal-node's `ConfidentialClientApplication` is built: the authority is always the tenant (never
 * `/common`), and custom hosts are declared as known authorities so msal-node never calls
 * login.microsoftonline.com for instance discovery.
 */
export async function createMsalApp(options: MsalAppOptions): Promise<ConfidentialClientApplication> {
  const { ConfidentialClientApplication, LogLevel } = await loadMsal();
  const host = new URL(options.authorityHost);
  const logger = options.logger;
  return new ConfidentialClientApplication({
    auth: {
      clientId: options.clientId,
      authority: `${host.origin}/${options.tenantId}`,
      clientSecret: options.clientSecret,
      ...(options.custom ? { knownAuthorities: [host.host] } : {}),
    },
    system: {
      networkClient: options.networkClient,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message, containsPii) => {
          if (containsPii || !logger) return;
          if (level === LogLevel.Error) logger.debug?.(`msal: ${message}`);
        },
      },
    },
    ...(options.cachePlugin ? { cache: { cachePlugin: options.cachePlugin } } : {}),
  });
}
