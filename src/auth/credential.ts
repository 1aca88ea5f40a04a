import type { ResolvedConfig } from '../config/validate';
import type { MailerError } from '../errors/mailer-error';
import { AssertionCredential } from './assertion-credential';
import { CertificateCredential } from './certificate-credential';
import { ManagedIdentityCredential } from './managed-identity-credential';
import type { MsalAppOptions, TokenClient } from './msal-app';
import { SecretCredential } from './secret-credential';

/** When a credential stops working, for `verify()`. */
export interface CredentialExpiry {
  /** The last moment it works. */
  expiresAt: Date;
  /** What expires, for people: "The client secret", "The certificate CN=… (SHA-256 thumbprint …)". */
  what: string;
  /** `configured`: `secretExpiresAt`; `certificate`: read from the certificate itself. */
  source: 'configured' | 'certificate';
}

/**
 * Proves the app's identity to Entra ID. One module per kind (secret, certificate, client assertion or federated
 * token file, managed identity); msal-node does the protocol. Stores and files are read when first needed, never
 * at construction.
 */
export interface Credential {
  /** Which kind it is. */
  readonly kind: ResolvedConfig['credential'];
  /** How `verify()` names it: "the configured client secret". */
  readonly description: string;
  /** Builds the token client (msal-node), reading the store or file the credential comes from. */
  createClient(options: MsalAppOptions): Promise<TokenClient>;
  /**
   * Called after Entra ID refused this credential: reads its source (secret store, certificate file) again and
   * resolves true when it changed, so the client is rebuilt and the token request tried once more.
   */
  reload(error: MailerError): Promise<boolean>;
  /** When it expires, when that can be known; `undefined` for credentials that do not expire. */
  expiry(): Promise<CredentialExpiry | undefined>;
}

/** What every credential may need from the mailer. */
export interface CredentialHooks {
  /** Registers a value that must never appear in logs or errors (a secret, a private key, an assertion). */
  protect(value: string): void;
}

/** The credential the configuration names (validation made sure there is exactly one). */
export function createCredential(config: ResolvedConfig, hooks: CredentialHooks): Credential {
  switch (config.credential) {
    case 'certificate':
      return new CertificateCredential(config.clientCertificate!, hooks);
    case 'assertion':
      return new AssertionCredential({ assertion: config.clientAssertion! }, hooks, config.timeoutMs);
    case 'federated-token-file':
      return new AssertionCredential({ file: config.federatedTokenFile! }, hooks);
    case 'managed-identity':
      return new ManagedIdentityCredential(config.managedIdentity ?? {});
    default:
      return new SecretCredential(config, hooks);
  }
}
