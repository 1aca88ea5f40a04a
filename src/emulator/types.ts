import type { Logger, O365OAuthMailerConfig } from '../config/types';

/** A directory (Entra ID tenant) the emulator knows. */
export interface EmulatorTenant {
  /** Directory (tenant) ID, a GUID. @default a random GUID */
  id?: string;
  /** Verified domain names that also name the tenant, e.g. `contoso.onmicrosoft.com`. */
  domains?: string[];
  /** Display name shown in Entra's error messages. @default the first domain, else the GUID */
  displayName?: string;
}

/** One client secret of an app registration (step 5 of the setup guide). */
export interface EmulatorSecret {
  /** The secret's **Value**: what a client sends as `client_secret`. @default a random Entra-shaped value */
  value?: string;
  /** The secret's **Secret ID** (a GUID): what a client must not send. @default a random GUID */
  id?: string;
  /** When the secret stops working (AADSTS7000222 afterwards). @default never */
  expiresAt?: Date | string;
}

/**
 * An Exchange Online RBAC for Applications assignment (`New-ManagementRoleAssignment -App <id> -Role <role>
 * -CustomResourceScope <scope>`): the app may use `role` on the mailboxes of the scope only, and its tokens carry
 * no `roles` claim for it.
 */
export interface EmulatorRbacAssignment {
  /** The Exchange application role. */
  role: 'Application Mail.Send' | 'Application Mail.ReadWrite' | 'Application Mail.Read' | 'Application Mail.ReadBasic';
  /** The addresses of the mailboxes in the management scope. */
  mailboxes: string[];
}

/**
 * A federated identity credential of an app (Certificates & secrets › Federated credentials): tokens from `issuer`
 * about `subject` for one of `audiences` are accepted as the app's client assertion.
 */
export interface EmulatorFederatedCredential {
  /** The external issuer, exactly as the token's `iss` (e.g. an AKS OIDC issuer URL). */
  issuer: string;
  /** The token's `sub`, e.g. `system:serviceaccount:mail:mailer` or `repo:contoso/app:ref:refs/heads/main`. */
  subject: string;
  /** Accepted `aud` values. @default ['api://AzureADTokenExchange'] */
  audiences?: string[];
  /** A name, as shown in the portal. @default 'federated-credential' */
  name?: string;
}

/** A managed identity the emulator's identity endpoint (App Service style) can issue tokens for. */
export interface EmulatorManagedIdentity {
  /** The identity's client ID. @default a random GUID */
  clientId?: string;
  /** True for the resource's system-assigned identity (at most one). @default true for the first, false after */
  systemAssigned?: boolean;
  /** Graph app roles assigned to its service principal (`New-MgServicePrincipalAppRoleAssignment`). @default ['Mail.Send'] */
  roles?: string[];
  /** Exchange RBAC for Applications assignments. @default none */
  rbac?: EmulatorRbacAssignment[];
  /** Display name. @default 'mailer-identity' */
  displayName?: string;
}

/** Options of {@link Emulator.issueFederatedToken}: an external identity provider's token (AKS, GitHub Actions). */
export interface FederatedTokenOptions {
  /** `iss`. @default {@link Emulator.federatedIssuer} */
  issuer?: string;
  /** `sub`. */
  subject: string;
  /** `aud`. @default 'api://AzureADTokenExchange' */
  audience?: string;
  /** Seconds until expiry; negative for an expired token. @default 3600 */
  expiresInSeconds?: number;
}

/** An app registration with its service principal and granted application permissions. */
export interface EmulatorApp {
  /** Application (client) ID, a GUID. @default a random GUID */
  clientId?: string;
  /** Tenant that owns the app. @default the first tenant */
  tenantId?: string;
  /** Display name, e.g. `TrueChemEmailOAuth`. @default 'TrueChemEmailOAuth' */
  displayName?: string;
  /** Client secrets. @default one random secret that never expires */
  secrets?: EmulatorSecret[];
  /**
   * Microsoft Graph application permissions with admin consent granted (the token's `roles` claim).
   * `[]` means "added but not consented": tokens carry no `roles` claim. @default ['Mail.Send']
   */
  roles?: string[];
  /** The enterprise application is disabled (AADSTS7000112). @default false */
  disabled?: boolean;
  /**
   * Exchange RBAC for Applications assignments. Combine with `roles: []` for an app scoped the way Microsoft
   * recommends: its tokens carry no roles, Graph lets it act on the scoped mailboxes only and answers 403
   * `ErrorAccessDenied` elsewhere. @default none
   */
  rbac?: EmulatorRbacAssignment[];
  /**
   * Public certificates (PEM) uploaded under Certificates & secrets › Certificates. A `client_assertion` must be
   * signed by the key of one of them, named by its thumbprint (`x5t#S256`), else AADSTS700027. @default none
   */
  certificates?: string[];
  /** Federated identity credentials (workload identity). @default none */
  federatedCredentials?: EmulatorFederatedCredential[];
}

/** A user, with or without an Exchange Online mailbox. */
export interface EmulatorMailbox {
  /** The user principal name / primary SMTP address, e.g. `sender@contoso.onmicrosoft.com`. */
  address: string;
  /** The user's object ID (Graph also accepts it in `/users/{id}`). @default a random GUID */
  id?: string;
  /** Tenant of the user. @default the first tenant */
  tenantId?: string;
  /** Display name. @default the local part of the address */
  displayName?: string;
  /** False simulates a typo'd or deleted user: Graph answers 404 `ErrorInvalidUser`. @default true */
  exists?: boolean;
  /** False: the user has no Exchange Online licence/mailbox, Graph answers 404 `MailboxNotEnabledForRESTAPI`. @default true */
  licensed?: boolean;
  /** True: an Exchange application access policy excludes this mailbox (403 `ErrorAccessDenied` [RAOP]). @default false */
  accessPolicyDenied?: boolean;
  /** Other addresses this mailbox may put in `from` (Send As rights). Anything else gives 403 `ErrorSendAsDenied`. */
  sendAs?: string[];
}

/** Size limits the emulator enforces (Microsoft's values by default). */
export interface EmulatorLimits {
  /** Largest Graph request body. @default 4194304 (4 MB) */
  maxRequestBytes?: number;
  /** Largest chunk PUT to an upload URL. @default 4194304 (4 MB) */
  maxChunkBytes?: number;
  /** Smallest attachment an upload session accepts (`ErrorAttachmentSizeShouldNotBeLessThanMinimumSize`). @default 2097152 */
  minUploadSessionBytes?: number;
  /** Largest attachment an upload session accepts. @default 157286400 (150 MB) */
  maxUploadSessionBytes?: number;
  /** The tenant's message size limit, attachments included (`ErrorMessageSizeExceeded`). @default 36700160 (35 MB) */
  maxMessageBytes?: number;
}

/** Options of {@link startEmulator}. Every field is optional: the defaults make one working setup. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1. @default 0 (a free port) */
  port?: number;
  /** Tenants. @default one tenant with a random GUID and the domain `contoso.onmicrosoft.com` */
  tenants?: EmulatorTenant[];
  /** App registrations. @default one app in the first tenant with one secret and consented `Mail.Send` */
  apps?: EmulatorApp[];
  /** Users and mailboxes (an address alone means a licensed mailbox in the first tenant). @default `sender@contoso.onmicrosoft.com` */
  mailboxes?: Array<string | EmulatorMailbox>;
  /**
   * Managed identities its identity endpoint (`identityEndpoint` + `identityHeader`, App Service style) answers
   * for. @default one system-assigned identity with Mail.Send
   */
  managedIdentities?: EmulatorManagedIdentity[];
  /** Lifetime of issued access tokens. @default 3599 */
  tokenLifetimeSeconds?: number;
  /** Size limits. */
  limits?: EmulatorLimits;
  /** Where the emulator logs (method, path and status only; never a secret, token or query string). @default silent */
  logger?: Logger;
  /**
   * Milliseconds every Entra ID, Graph and upload answer waits before it is sent, to measure throughput as over a
   * real network (Graph answers a sendMail in tens of milliseconds); `[min, max]` for a random wait in that range,
   * which holds requests in flight at varied lengths (concurrency and crash tests). @default 0
   */
  latencyMs?: number | [number, number];
  /**
   * The HTTPS certificate and its private key (PEM), to keep the same certificate across restarts so a client that
   * trusts it (NODE_EXTRA_CA_CERTS, `tls.ca`) keeps trusting it. @default a fresh self-signed certificate
   */
  tls?: EmulatorTlsOptions;
  /**
   * Also serve the mailbox page and its JSON API (never the Entra ID or Graph endpoints) over plain HTTP on this
   * port of 127.0.0.1, so a browser shows it without a certificate warning. `0` picks a free port. @default off
   */
  httpPort?: number;
}

/** One request the emulator received (the mailbox page's own `/_emulator` requests are not logged). */
export interface EmulatorRequestLogEntry {
  /** HTTP method. */
  method: string;
  /** Path without the query string (an upload URL's `authtoken` is never recorded). */
  path: string;
  /** Whether the request carried an `Authorization` header. */
  hasAuthorization: boolean;
  /** Status sent; `0` while unanswered, or when the emulator dropped or hung the connection. */
  status: number;
  /** Which part of the emulator answered. */
  area: 'authority' | 'graph' | 'upload' | 'other';
  /** The fault injected into this request, if any. */
  fault?: EmulatorFaultKind;
  /** When the request arrived. */
  at: Date;
}

/** An email address as Graph carries it. */
export interface EmulatorAddress {
  /** The address. */
  address: string;
  /** Display name, when the client sent one. */
  name?: string;
}

/** The HTTPS certificate of {@link EmulatorOptions.tls}, PEM encoded. */
export interface EmulatorTlsOptions {
  /** The certificate's private key (PEM). */
  key: string;
  /** The self-signed certificate (PEM) clients trust. */
  cert: string;
}

/** One header of a captured message or attachment part. */
export interface EmulatorHeader {
  /** The header's name (for a MIME attachment part: lower-case). */
  name: string;
  /** Its value, unfolded. */
  value: string;
}

/** The body of a captured message as Graph's JSON carries it. */
export interface EmulatorBody {
  /** `text` or `html`. */
  contentType: 'text' | 'html';
  /** The body itself. */
  content: string;
}

/** A further body of a MIME `multipart/alternative`, e.g. `text/watch-html`. */
export interface EmulatorAlternative {
  /** Its MIME type. */
  contentType: string;
  /** Its content, decoded. */
  content: string;
}

/** The `text/calendar` part of a MIME message (an invitation). */
export interface EmulatorCalendarPart {
  /** The iCalendar method (`REQUEST`, `CANCEL`…), when the part names one. */
  method?: string;
  /** The iCalendar text. */
  content: string;
}

/** A fault still queued, as {@link EmulatorFaults.pending} lists it. */
export interface EmulatorPendingFault {
  /** Which fault. */
  kind: EmulatorFaultKind;
  /** How many matching requests it will still affect. */
  remaining: number;
}

/** An attachment of a captured message, decoded. */
export interface EmulatorAttachment {
  /** File name. */
  name: string;
  /** MIME type as sent (`application/octet-stream` when absent). */
  contentType: string;
  /** Size in bytes of `content`. */
  size: number;
  /** Inline (referenced from the HTML body as `cid:`). */
  isInline: boolean;
  /** Content-ID of an inline attachment. */
  contentId?: string;
  /** The decoded bytes. */
  content: Buffer;
  /** MIME only: the part's other headers (lower-case names; not Content-Type, -Disposition, -ID, -Transfer-Encoding). */
  headers?: EmulatorHeader[];
}

/** A message the emulator accepted for delivery. */
export interface EmulatorMessage {
  /** Emulator-assigned ID (also used by the mailbox page). */
  id: string;
  /** The mailbox in the URL (`/users/{mailbox}`), as configured. */
  mailbox: string;
  /** `from` as sent, else the mailbox. */
  from: EmulatorAddress;
  /** To recipients. */
  to: EmulatorAddress[];
  /** Cc recipients. */
  cc: EmulatorAddress[];
  /** Bcc recipients. */
  bcc: EmulatorAddress[];
  /** Reply-To addresses. */
  replyTo: EmulatorAddress[];
  /** Subject ('' when absent). */
  subject: string;
  /** The body Graph's JSON carries (for MIME: the HTML part, else the text part). */
  body: EmulatorBody;
  /** How the client wrote it: Graph JSON, or a base64 MIME message (`Content-Type: text/plain`). */
  format: 'json' | 'mime';
  /**
   * The Message-ID header recipients see, in angle brackets: the MIME message's, or JSON's `internetMessageId`;
   * when the client sent none, one the emulator generated (as Exchange does).
   */
  messageId: string;
  /** The plain-text body: the JSON body when it is text, or the MIME message's text/plain part. */
  text?: string;
  /** The HTML body: the JSON body when it is HTML, or the MIME message's text/html part. */
  html?: string;
  /** Further bodies of a MIME `multipart/alternative` (not text/plain, text/html or text/calendar). */
  alternatives: EmulatorAlternative[];
  /** The calendar part of a MIME message (`text/calendar`), e.g. an invitation. */
  calendar?: EmulatorCalendarPart;
  /** MIME `In-Reply-To`. */
  inReplyTo?: string;
  /** MIME `References`, oldest first. */
  references?: string[];
  /** MIME `Date` header. */
  date?: Date;
  /** The MIME source as received (for a MIME draft: the MIME the draft was created from). */
  mime?: Buffer;
  /** Importance, when sent. */
  importance?: 'low' | 'normal' | 'high';
  /**
   * Internet message headers: for JSON, the custom `internetMessageHeaders`; for MIME, every header of the
   * message's top level, in order, as sent (unfolded).
   */
  headers: EmulatorHeader[];
  /** Attachments, decoded. */
  attachments: EmulatorAttachment[];
  /** When the emulator accepted it. */
  receivedAt: Date;
  /** `saveToSentItems` of a sendMail request; a sent draft always goes to Sent Items. */
  saveToSentItems: boolean;
  /** Sent with one `sendMail` request, or as a draft with `/send`. */
  route: 'sendMail' | 'draft';
  /** The Graph `request-id` of the request that sent it. */
  requestId: string;
}

/** Kinds of injected faults. */
export type EmulatorFaultKind =
  | 'throttle'
  | 'unavailable'
  | 'gatewayTimeout'
  | 'dropAfterAccept'
  | 'hang'
  | 'failChunk';

/** What a fault predicate sees. */
export interface EmulatorFaultRequest {
  /** HTTP method. */
  method: string;
  /** Path without query string. */
  path: string;
  /** Which part of the emulator the request is for. */
  area: EmulatorRequestLogEntry['area'];
}

/** Options common to every fault. */
export interface EmulatorFaultOptions {
  /**
   * Which requests the fault applies to. The default depends on the fault: Graph API requests for throttle,
   * unavailable, gatewayTimeout and hang; sendMail and draft `/send` for dropAfterAccept; upload PUTs for failChunk.
   * A custom predicate may also target the token endpoint (answered in Entra's error shape).
   */
  match?: (request: EmulatorFaultRequest) => boolean;
}

/** Options of {@link EmulatorFaults.throttle}. */
export interface ThrottleFaultOptions extends EmulatorFaultOptions {
  /** `Retry-After` in seconds. @default 1 (ignored when `retryAfterDate` is given) */
  retryAfterSeconds?: number;
  /** `Retry-After` as an HTTP date instead of seconds. */
  retryAfterDate?: Date;
}

/** Options of {@link EmulatorFaults.unavailable} and {@link EmulatorFaults.gatewayTimeout}. */
export interface ServerErrorFaultOptions extends EmulatorFaultOptions {
  /** `Retry-After` seconds to send (503 only). @default none */
  retryAfterSeconds?: number;
  /**
   * Process the request first (a sendMail is delivered, a draft is created), then answer 503/504: the ambiguous
   * failure that makes retried sends deliver twice, or leaves an orphan draft behind a retried create-draft
   * (`match: (r) => r.method === 'POST' && /\/messages$/.test(r.path)`). Only successful requests are affected. @default false
   */
  deliver?: boolean;
}

/** Options of {@link EmulatorFaults.failChunk}. */
export interface FailChunkFaultOptions extends EmulatorFaultOptions {
  /** `'status'`: answer 500 and keep nothing of the chunk; `'drop'`: read part of the chunk, then destroy the socket. @default 'status' */
  mode?: 'status' | 'drop';
}

/** Faults injected into the next matching requests. Each call queues `n` occurrences (default 1). */
export interface EmulatorFaults {
  /** Next `n` matching requests get 429 `ApplicationThrottled` with `Retry-After`. */
  throttle(n?: number, options?: ThrottleFaultOptions): void;
  /** Next `n` matching requests get 503. */
  unavailable(n?: number, options?: ServerErrorFaultOptions): void;
  /** Next `n` matching requests get 504. */
  gatewayTimeout(n?: number, options?: ServerErrorFaultOptions): void;
  /**
   * Next `n` accepted sendMail / `/send` requests are delivered, then the socket is destroyed before any response.
   * With a `match` it applies to any successful request: a create-draft (`POST …/messages`) then makes the draft
   * and drops the connection, so the client never learns its id.
   */
  dropAfterAccept(n?: number, options?: EmulatorFaultOptions): void;
  /** Next `n` matching requests are never answered (until `close()` or `reset()`). */
  hang(n?: number, options?: EmulatorFaultOptions): void;
  /** Next `n` upload PUTs fail (500, or a connection dropped after a partial read). */
  failChunk(n?: number, options?: FailChunkFaultOptions): void;
  /** Faults still queued, for assertions. */
  pending(): EmulatorPendingFault[];
  /** Removes every queued fault. */
  clear(): void;
}

/** Claims for {@link Emulator.issueToken}. */
export interface IssueTokenOptions {
  /** @default the default app's client ID */
  clientId?: string;
  /** @default the app's tenant */
  tenantId?: string;
  /** Roles claim; `[]` omits it. @default the app's current grants */
  roles?: string[];
  /** Seconds until expiry; negative for an already expired token. @default tokenLifetimeSeconds */
  expiresInSeconds?: number;
  /** Audience. @default the emulator's Graph URL */
  audience?: string;
}

/** A running emulator. */
export interface Emulator {
  /** `https://127.0.0.1:{port}`: both the authority host and the Graph endpoint. */
  readonly url: string;
  /** The self-signed certificate (PEM) to trust, e.g. `tls: { ca }`. */
  readonly ca: string;
  /** `http://127.0.0.1:{port}`: the mailbox page over plain HTTP, when `httpPort` was given. */
  readonly httpUrl: string | undefined;
  /** The default tenant's GUID. */
  readonly tenantId: string;
  /** The default tenant's first domain, if it has one. */
  readonly tenantDomain: string | undefined;
  /** The default app's Application (client) ID. */
  readonly clientId: string;
  /** The default app's first secret Value. */
  readonly clientSecret: string;
  /** The default app's first Secret ID (a GUID: the wrong thing to send). */
  readonly secretId: string;
  /** The default mailbox address. */
  readonly sender: string;
  /** The managed identity endpoint, for `IDENTITY_ENDPOINT` (App Service style: GET with `X-IDENTITY-HEADER`). */
  readonly identityEndpoint: string;
  /** The value `IDENTITY_HEADER` must hold. */
  readonly identityHeader: string;
  /** The client ID of the first managed identity (the system-assigned one by default). */
  readonly managedIdentityClientId: string;
  /** The issuer of {@link Emulator.issueFederatedToken}'s tokens (an external identity provider). */
  readonly federatedIssuer: string;
  /**
   * Signs a token as an external identity provider would (AKS service account token, GitHub Actions OIDC token), to
   * use as a federated credential's client assertion.
   */
  issueFederatedToken(options: FederatedTokenOptions): string;
  /** Config for the mailer pointing at this emulator, shallow-merged with `overrides`. */
  mailerConfig(overrides?: Partial<O365OAuthMailerConfig>): O365OAuthMailerConfig;
  /** Accepted messages, oldest first. */
  readonly messages: readonly EmulatorMessage[];
  /** IDs of drafts still in Drafts (neither sent nor deleted). */
  readonly drafts: readonly string[];
  /** Every request except the mailbox page's, oldest first. */
  readonly requests: readonly EmulatorRequestLogEntry[];
  /** POSTs to a token endpoint, failed ones included. */
  readonly tokenRequests: number;
  /** Access tokens issued. */
  readonly tokensIssued: number;
  /**
   * The most Graph API requests that were in flight at once for `mailbox` (as written in `/users/{mailbox}`,
   * case-insensitive) since start or `reset()`; with no argument, the highest over all mailboxes.
   */
  peakInFlight(mailbox?: string): number;
  /** Fault injection. */
  readonly faults: EmulatorFaults;
  /**
   * Replaces an app's consented application permissions, like an admin granting (or revoking) consent.
   * Tokens already issued keep their roles, as in Entra: clients need a new token to see the change.
   */
  grant(clientId: string, roles: string[]): void;
  /** Changes an app at runtime (disable it, add or expire secrets, add or remove certificates and federated credentials). */
  updateApp(clientId: string, patch: Partial<Omit<EmulatorApp, 'clientId'>>): void;
  /** Changes a mailbox at runtime, or adds it when unknown. */
  updateMailbox(address: string, patch: Partial<Omit<EmulatorMailbox, 'address'>>): void;
  /** Signs an access token directly (e.g. an expired one) without a token request. */
  issueToken(options?: IssueTokenOptions): string;
  /**
   * Clears messages, drafts, upload sessions, faults, the request log and counters, releases hung requests and
   * restores tenants, apps and mailboxes to the startup options.
   */
  reset(): void;
  /** Stops the server and drops every open connection. */
  close(): Promise<void>;
}
