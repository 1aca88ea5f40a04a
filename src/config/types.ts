import type { CloudName, CustomCloud } from './clouds';
import type { SecretStore } from '../secrets/secret-store';
import type { TokenCache } from '../token-cache/token-cache';

/** Where log lines go. Every method is optional; the library is silent by default and never logs a secret or token. */
export interface Logger {
  /** One line per HTTP request (method, host, path, status, request-id, duration), token refreshes. */
  debug?(message: string, details?: Record<string, unknown>): void;
  /** What the mailer did: a mail accepted, a route chosen. */
  info?(message: string, details?: Record<string, unknown>): void;
  /** Something a person may want to look at: a retry after throttling, a discarded cached token. */
  warn?(message: string, details?: Record<string, unknown>): void;
  /** A failure the mailer could not recover from (the `MailerError` is also thrown). */
  error?(message: string, details?: Record<string, unknown>): void;
}

/** TLS settings for token and Graph requests alike. */
export interface TlsOptions {
  /**
   * Extra trusted root certificates in PEM, added to Node's defaults: a corporate TLS-inspecting proxy's root,
   * or a local emulator's self-signed certificate.
   */
  ca?: string | Buffer | Array<string | Buffer>;
}

/**
 * OpenTelemetry settings. Spans and metrics are emitted through `@opentelemetry/api` when it is installed (an
 * optional peer dependency); without it nothing is loaded and nothing changes. See docs/observability.md.
 *
 * @example
 * ```ts
 * const mailer = new O365OAuthMailer({ ...config, telemetry: { includeMailbox: true } })
 * ```
 */
export interface TelemetryOptions {
  /** Emit spans and metrics when `@opentelemetry/api` is installed. @default true */
  enabled?: boolean;
  /**
   * Put the sender mailbox on spans and metrics as `o365.mailbox`. Off by default: a mailbox name is personal data
   * in many deployments. Recipients, subjects and secrets are never recorded. @default false
   */
  includeMailbox?: boolean;
  /** Where spans go. @default the global tracer provider (`trace.setGlobalTracerProvider`) */
  tracerProvider?: {
    /** `@opentelemetry/api`'s `TracerProvider.getTracer`. */
    getTracer(name: string, version?: string): unknown;
  };
  /** Where metrics go. @default the global meter provider (`metrics.setGlobalMeterProvider`) */
  meterProvider?: {
    /** `@opentelemetry/api`'s `MeterProvider.getMeter`. */
    getMeter(name: string, version?: string): unknown;
  };
}

/** How throttling and provably-unsent failures are retried. Nothing that may have been delivered is ever retried. */
export interface RetryOptions {
  /** Retries after the first attempt. @default 3 */
  maxRetries?: number;
  /** The longest wait between two attempts, whatever Retry-After says. @default 60000 */
  maxDelayMs?: number;
}

/**
 * A certificate credential (Certificates & secrets › Certificates, step 5): the private key signs a short-lived
 * assertion for each token request, so no secret crosses the network. Either PEM strings, or a file: PEM (private
 * key and certificate in one file, as `o365-mailer cert create` writes and `AZURE_CLIENT_CERTIFICATE_PATH` expects)
 * or PFX/PKCS#12 (AES-encrypted, with `passphrase`).
 *
 * @example
 * ```ts
 * clientCertificate: { path: '/etc/o365-mailer/key-and-cert.pem' }
 * clientCertificate: { path: 'mailer.pfx', passphrase: process.env.PFX_PASSPHRASE }
 * clientCertificate: { privateKey: process.env.CERT_KEY_PEM!, certificate: process.env.CERT_PEM! }
 * ```
 */
export type ClientCertificate = ClientCertificatePem | ClientCertificateFile;

/** A certificate given as PEM strings. */
export interface ClientCertificatePem {
  /** The private key in PEM (PKCS#8 or PKCS#1; encrypted keys need `passphrase`). Never logged. */
  privateKey: string;
  /** The certificate in PEM, as uploaded in step 5 (a chain: the leaf first). */
  certificate: string;
  /** The private key's passphrase, when it is encrypted. */
  passphrase?: string;
  /**
   * Send the certificate chain with each assertion (`x5c`), for subject name and issuer authentication (an app
   * whose manifest trusts a CA-issued certificate by subject instead of an uploaded one). @default false
   */
  sendX5c?: boolean;
}

/** A certificate read from a file. It is read when first needed, and again after Entra ID refuses it (rotation). */
export interface ClientCertificateFile {
  /** A PEM file with the private key and the certificate, or a PFX/PKCS#12 file (`.pfx`, `.p12`). */
  path: string;
  /** The PFX file's or the encrypted PEM key's passphrase. Never logged. */
  passphrase?: string;
  /** Send the certificate chain with each assertion (`x5c`). @default false */
  sendX5c?: boolean;
}

/** A managed identity: `true` for the system-assigned one, or the client ID of a user-assigned one. */
export type ManagedIdentityOption =
  | true
  | {
      /** The user-assigned identity's client ID (Managed Identities › the identity › Client ID). */
      clientId: string;
    };

/**
 * Configuration of {@link O365OAuthMailer}. Field names follow the setup guide: the Directory (tenant) ID and the
 * Application (client) ID from step 1, the secret's Value from step 5, and the O365 logon name from step 6.
 *
 * @example
 * ```ts
 * const mailer = new O365OAuthMailer({
 *   authType: 'oauth2',
 *   tenantId: 'contoso.onmicrosoft.com',
 *   clientId: '00000000-0000-0000-0000-000000000000',
 *   clientSecret: process.env.AZURE_CLIENT_SECRET,
 *   sender: 'reports@contoso.com',
 * })
 * ```
 */
export interface O365OAuthMailerConfig {
  /** The guide's "Authentication Type: OAuth 2.0". The only accepted value; Basic authentication is not supported. */
  authType: 'oauth2';
  /** Directory (tenant) ID from step 1: a GUID, or a verified domain such as `contoso.onmicrosoft.com`. */
  tenantId: string;
  /**
   * Application (client) ID from step 1 (a GUID; not the Object ID). With `managedIdentity`, the managed identity's
   * client ID (Entra ID › Enterprise applications › the identity › Application ID).
   */
  clientId: string;
  /**
   * The client secret's **Value** from step 5 (not its Secret ID). Give exactly one credential: `clientSecret`,
   * `secretStore`, `clientCertificate`, `clientAssertion`, `federatedTokenFile` or `managedIdentity` (a key whose
   * value is `undefined` counts as absent).
   */
  clientSecret?: string | undefined;
  /** Where to read the secret when `clientSecret` is absent. It is read when first needed, not at construction. */
  secretStore?: SecretStore;
  /** The secret's name in `secretStore`. @default `o365-oauth-mailer:<tenantId>:<clientId>` */
  secretName?: string | undefined;
  /**
   * The secret's expiry shown in step 5: a `Date`, or an ISO 8601 string such as `"2027-06-30"` (other formats, such
   * as `12/10/2026`, are refused as ambiguous). `verify()` warns (`CREDENTIAL_EXPIRING`) 30 days before it and fails
   * (`SECRET_EXPIRED`) after it. It applies to client secrets only: a certificate's expiry is read from the certificate.
   */
  secretExpiresAt?: Date | string | undefined;
  /**
   * A certificate instead of a secret (Microsoft's recommendation for production): msal-node signs each token
   * request with the private key (PS256, `x5t#S256`). `verify()` reads the certificate's expiry itself.
   */
  clientCertificate?: ClientCertificate;
  /**
   * A signed JWT to present as the client assertion, or a function that returns one. The function is called for
   * each token request (so it can fetch a fresh token, e.g. GitHub Actions' OIDC token); a failure becomes a
   * `MailerError` and nothing is sent.
   *
   * @example
   * ```ts
   * clientAssertion: async () => (await fetch(`${process.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=api://AzureADTokenExchange`,
   *   { headers: { authorization: `bearer ${process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } }).then((r) => r.json())).value
   * ```
   */
  clientAssertion?: string | (() => string | Promise<string>);
  /**
   * Workload identity: a file holding a federated token (a JWT), re-read for each token request because the
   * platform rotates it. On AKS it is `AZURE_FEDERATED_TOKEN_FILE` (the CLI reads that variable; the library
   * does not read the environment).
   */
  federatedTokenFile?: string;
  /**
   * Code running on Azure: a managed identity gets the token, with no app registration secret at all (msal-node's
   * `ManagedIdentityApplication`). The identity's service principal needs the Graph app role Mail.Send, assigned
   * with PowerShell (see docs/security.md). `clientId` is then the identity's client ID.
   */
  managedIdentity?: ManagedIdentityOption;
  /** The O365 logon name from step 6: the mailbox that sends (`/users/{sender}/sendMail`). */
  sender: string;
  /** The Microsoft cloud, or custom endpoints. @default 'global' */
  cloud?: CloudName | CustomCloud;
  /** Time limit for every HTTP request, token requests included. @default 30000 */
  timeoutMs?: number;
  /** Extra trusted roots for token and Graph requests. */
  tls?: TlsOptions;
  /**
   * HTTPS proxy URL for token and Graph requests, e.g. `http://proxy.corp:3128`.
   * @default the `HTTPS_PROXY` environment variable (honouring `NO_PROXY`), read when the mailer is constructed
   */
  proxy?: string | undefined;
  /**
   * Keep a copy in the sender's Sent Items. Applies to JSON `sendMail` only: Graph's MIME `sendMail` and a sent
   * draft always keep a copy (Microsoft documents no way to turn that off). @default true
   */
  saveToSentItems?: boolean;
  /**
   * Refuse every file path in messages (`attachments[].path`, `icalEvent.path`, `raw: { path }`) with
   * `MESSAGE_INVALID`, like nodemailer's option: for services that build messages from user input.
   * `send(message, { disableFileAccess })` overrides it per message. @default false
   */
  disableFileAccess?: boolean;
  /**
   * Where log lines go: `info` and `warn` for what the mailer does (acceptance, retries, token refreshes), `debug`
   * for one line per HTTP request (method, host, path without the query string, status, request-id, duration).
   * Secrets and tokens are removed first. @default silent
   */
  logger?: Logger;
  /** OpenTelemetry spans and metrics (when `@opentelemetry/api` is installed). @default enabled, without the mailbox name */
  telemetry?: TelemetryOptions;
  /** Retry policy for throttling and provably-unsent failures. */
  retry?: RetryOptions;
  /** Requests in flight at once against the sender mailbox (Exchange allows 4). @default 4 */
  maxConcurrency?: number;
  /** A token cache shared between mailers or processes. @default an in-process cache per mailer */
  tokenCache?: TokenCache;
}
