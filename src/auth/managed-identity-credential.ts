import { catalogued } from '../errors/catalogue';
import { MailerError } from '../errors/mailer-error';
import type { Credential, CredentialExpiry } from './credential';
import { createManagedIdentityApp, type MsalAppOptions, type TokenClient } from './msal-app';

const MI_FIX =
  'Managed identity works only on Azure: enable the identity on the App Service, Function, Container App or virtual machine (Identity › System assigned › On, or assign the user-assigned identity), and for a user-assigned identity set managedIdentity: { clientId }. Locally, use a client secret or certificate instead.';

/**
 * A managed identity (code running on Azure): msal-node's `ManagedIdentityApplication` gets the token from the
 * host's identity endpoint. No app registration secret exists at all; the identity's service principal needs the
 * Graph app role Mail.Send (see docs/security.md).
 */
export class ManagedIdentityCredential implements Credential {
  readonly kind = 'managed-identity' as const;
  readonly description: string;
  readonly #clientId: string | undefined;

  constructor(options: { clientId?: string }) {
    this.#clientId = options.clientId;
    this.description = options.clientId ? `the user-assigned managed identity ${options.clientId}` : 'the system-assigned managed identity';
  }

  async createClient(options: MsalAppOptions): Promise<TokenClient> {
    const app = await createManagedIdentityApp({
      networkClient: options.networkClient,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(this.#clientId ? { userAssignedClientId: this.#clientId } : {}),
    });
    return {
      acquire: async (scope, skipCache) => {
        try {
          return await app.acquire(scope, skipCache);
        } catch (error) {
          if (error instanceof MailerError) throw error;
          // msal-node's AuthError carries errorCode/errorMessage (read by shape: no msal-node value import here).
          const e = error as { errorCode?: unknown; errorMessage?: unknown; message?: unknown };
          const detail = typeof e?.errorCode === 'string' ? `${e.errorCode}: ${String(e.errorMessage ?? '')}` : String(e?.message ?? error);
          throw new MailerError({
            ...catalogued('MANAGED_IDENTITY_UNAVAILABLE', `The ${this.description.replace(/^the /, '')} gave no token (${detail.trim()}).`),
            fix: MI_FIX,
            cause: error,
          });
        }
      },
    };
  }

  async reload(): Promise<boolean> {
    return false;
  }

  async expiry(): Promise<CredentialExpiry | undefined> {
    return undefined;
  }
}
