import type { ErrorCode, SetupStep } from './codes';
import type { MailerErrorInit } from './mailer-error';

/** What the catalogue says about one error code: what the administrator sees, the setup step, and the fix. */
export interface CatalogueEntry {
  /** What the administrator sees, in one line. */
  summary: string;
  /** The setup guide's step, when the cause is a setup mistake. */
  step?: SetupStep;
  /** The default fix sentence (a mapping may give a more specific one). */
  fix: string;
  /** True when the same call may succeed later. */
  retriable: boolean;
}

const CONSENT_FIX =
  'In the app registration, add Microsoft Graph › Application permissions › Mail.Send (not Delegated; step 2), then click "Grant admin consent" (step 3). Only a Global Administrator or Privileged Role Administrator can consent to Microsoft Graph application permissions.';

/** The fix when Graph refuses a token without roles: admin consent is missing, or RBAC's scope excludes the mailbox. */
const NO_ROLES_FIX =
  'Either grant the permission in Entra ID: Microsoft Graph › Application permissions › Mail.Send (step 2) and "Grant admin consent" (step 3); or, to limit the app to some mailboxes, assign it "Application Mail.Send" through Exchange RBAC for Applications with a scope that includes this mailbox (`New-ManagementRoleAssignment -App <client ID> -Role "Application Mail.Send" -CustomResourceScope <scope>`), and check it with `Test-ServicePrincipalAuthorization -Identity <client ID> -Resource <mailbox>`. Changes take up to an hour to apply.';

/** How a managed identity gets Mail.Send: there is no consent button, only PowerShell. */
export const MANAGED_IDENTITY_ROLE_FIX =
  'A managed identity gets Mail.Send as a Microsoft Graph app role assigned with PowerShell (it has no app registration and no consent button): `New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId <identity object ID> -PrincipalId <identity object ID> -ResourceId <Microsoft Graph service principal ID> -AppRoleId <Mail.Send app role ID>` (see docs/security.md); or scope it to mailboxes with Exchange RBAC for Applications.';

const ENTRA_BUSY_FIX =
  'Entra ID is throttling or unavailable: try again in a minute (msal-node holds off repeated token requests for up to 60 s). If it persists, check the Microsoft 365 service health page.';

const NETWORK_FIX =
  "Check that this server can reach Microsoft's sign-in and Graph hosts over HTTPS: a firewall, a proxy (set `proxy` or HTTPS_PROXY) or a TLS-inspecting proxy whose root certificate must be trusted through `tls.ca`.";

/** One entry per {@link ErrorCode}: the source of `docs/troubleshooting.md`. */
export const CATALOGUE: Readonly<Record<ErrorCode, CatalogueEntry>> = {
  CONFIG_INVALID: {
    summary: 'A configuration field is missing or malformed; the message names it.',
    fix: 'Correct the named field: the tenant and client ID come from step 1, the secret from step 5, the logon name from step 6.',
    retriable: false,
  },
  MESSAGE_INVALID: {
    summary: 'The message was refused before anything was sent; the message names the field.',
    fix: 'Correct the named field of the message (addresses, headers, attachment names).',
    retriable: false,
  },
  ATTACHMENT_TOO_LARGE: {
    summary: 'The message is larger than Microsoft Graph accepts in one request (4 MB), or a file is over 150 MB.',
    step: 2,
    fix: 'Grant the app the Microsoft Graph application permission Mail.ReadWrite as well (steps 2 and 3) to send attachments up to 150 MB, or send smaller files.',
    retriable: false,
  },
  SECRET_MISSING: {
    summary: 'No client secret was configured or found in the secret store.',
    step: 5,
    fix: "Enter the client secret's Value from step 5 (`clientSecret`, or store it with `o365-mailer secret set`).",
    retriable: false,
  },
  SECRET_STORE_LOCKED: {
    summary: 'The encrypted secret file could not be opened: wrong passphrase, or the file was altered.',
    step: 5,
    fix: 'Use the passphrase the file was written with; if the file was damaged, store the secret again (`o365-mailer secret set`).',
    retriable: false,
  },
  FILE_ACCESS: {
    summary: 'A secret or token-cache file (or its folder) could not be used: it is a folder, access was refused, or another user could change it. The message names the file.',
    fix: 'Point `path` at a file in a folder owned by the user the mailer runs as, with mode 0700 (not shared with other users, not /tmp), and check the disk is writable.',
    retriable: false,
  },
  TENANT_NOT_FOUND: {
    summary: 'Entra ID does not know this Directory (tenant) ID in this cloud (AADSTS90002).',
    step: 1,
    fix: 'Copy the Directory (tenant) ID from the app registration\'s Overview (step 1). If the tenant is in a national cloud (US Government, China), set `cloud` accordingly.',
    retriable: false,
  },
  CLIENT_NOT_FOUND: {
    summary: 'No application with this client ID exists in the tenant (AADSTS700016).',
    step: 1,
    fix: "Copy the Application (client) ID from the app registration's Overview (step 1), not the Object ID, and check that the app is registered in this tenant.",
    retriable: false,
  },
  SECRET_INVALID: {
    summary: 'Entra ID rejected the client secret (AADSTS7000215).',
    step: 5,
    fix: "Enter the client secret's Value from step 5. If it is lost, create a new client secret (step 5) and enter its Value (step 6).",
    retriable: false,
  },
  SECRET_EXPIRED: {
    summary: 'The client secret has expired (AADSTS7000222).',
    step: 5,
    fix: 'Create a new client secret (step 5) and enter its Value in the settings (step 6); set `secretExpiresAt` to be warned 30 days before the next expiry.',
    retriable: false,
  },
  AUTH_FAILED: {
    summary: 'Entra ID refused a token for another reason; the message quotes its AADSTS code.',
    step: 1,
    fix: 'Look up the AADSTS code in the message; the fix depends on it (see node_modules/o365-oauth-mailer/docs/troubleshooting.md).',
    retriable: false,
  },
  CONSENT_MISSING: {
    summary: 'The token carries no Mail.Send application permission: admin consent is missing, or Mail.Send was added as Delegated.',
    step: 3,
    fix: CONSENT_FIX,
    retriable: false,
  },
  MAILBOX_NOT_FOUND: {
    summary: 'The sender is not a user with an Exchange Online mailbox in this tenant.',
    step: 6,
    fix: 'Enter as logon name (step 6) the address of a licensed Exchange Online mailbox in this tenant (not a guest, an on-premises or a deleted mailbox).',
    retriable: false,
  },
  MAILBOX_ACCESS_DENIED: {
    summary: 'An Exchange application access policy or an RBAC for Applications scope does not let this app use this mailbox.',
    step: 6,
    fix: 'Add the mailbox to the group the application access policy allows, or change the policy; check with `Test-ApplicationAccessPolicy -Identity <mailbox> -AppId <client ID>`. If the app is scoped with Exchange RBAC for Applications, add the mailbox to the management scope of its "Application Mail.Send" assignment; check with `Test-ServicePrincipalAuthorization -Identity <client ID> -Resource <mailbox>` (InScope must be True). Changes take up to an hour to apply.',
    retriable: false,
  },
  SEND_AS_DENIED: {
    summary: 'The mailbox may not send as the given From address (ErrorSendAsDenied).',
    step: 6,
    fix: 'Send from the logon name itself, or grant that mailbox Send As rights on the other address in Exchange.',
    retriable: false,
  },
  THROTTLED: {
    summary: 'Microsoft kept throttling the mailbox (HTTP 429) after every retry. Nothing was sent.',
    fix: 'Send later or more slowly: Exchange allows 30 messages a minute and 4 concurrent requests per mailbox. Raise `retry.maxRetries` to wait longer.',
    retriable: true,
  },
  SERVICE_UNAVAILABLE: {
    summary: 'Microsoft Graph answered 503 Service Unavailable on every retry. Nothing was sent.',
    fix: 'Try again later; check the Microsoft 365 service health page in the admin center.',
    retriable: true,
  },
  DELIVERY_UNKNOWN: {
    summary: 'The request was sent but no clear answer came back: the mail may or may not have been sent.',
    fix: "Look in the sender's Sent Items before sending again, so the recipient does not get the mail twice.",
    retriable: false,
  },
  NETWORK: {
    summary: "Microsoft's sign-in or Graph host could not be reached. Nothing was sent.",
    fix: NETWORK_FIX,
    retriable: true,
  },
  TIMEOUT: {
    summary: 'No answer came within `timeoutMs`. Nothing was sent.',
    fix: `Try again; if it keeps happening, raise \`timeoutMs\`. ${NETWORK_FIX}`,
    retriable: true,
  },
  ABORTED: {
    summary: 'The call was cancelled through its AbortSignal. If it was cancelled while the mail itself was being sent, the message says that it may have gone out.',
    fix: "Nothing to fix: the caller cancelled. Before sending again, check the sender's Sent Items when the message says the mail may have been sent.",
    retriable: false,
  },
  UNKNOWN: {
    summary: 'Microsoft answered with an error this library does not know; the message quotes it.',
    fix: 'Quote the request ID in the message to Microsoft support, or open an issue with the error code.',
    retriable: false,
  },
  CREDENTIAL_EXPIRING: {
    summary: 'The client secret or certificate still works but expires soon (a `verify()` warning).',
    step: 5,
    fix: 'Before it expires, add a new client secret or certificate to the app registration (step 5), configure it (step 6), and remove the old one once mail flows with the new one.',
    retriable: false,
  },
  CREDENTIAL_UNAVAILABLE: {
    summary: 'The certificate, client assertion or federated token could not be read on this machine; no token was requested.',
    step: 5,
    fix: 'Check the credential the message names: the certificate file and its passphrase, the federated token file, or the clientAssertion function.',
    retriable: false,
  },
  CERTIFICATE_NOT_REGISTERED: {
    summary: "Entra ID did not accept the certificate's signature (AADSTS700027): the certificate is not uploaded to this app, or the private key is not the certificate's.",
    step: 5,
    fix: 'In the app registration, open Certificates & secrets › Certificates (step 5) and upload the public certificate (the .cer/.crt file, never the key); its SHA-256 thumbprint must match the one in the message. Use the private key that belongs to that certificate.',
    retriable: false,
  },
  CERTIFICATE_EXPIRED: {
    summary: 'The certificate has expired.',
    step: 5,
    fix: 'Create a new certificate (`o365-mailer cert create`), upload it under Certificates & secrets › Certificates (step 5), configure it, then delete the expired one.',
    retriable: false,
  },
  ASSERTION_EXPIRED: {
    summary: 'Entra ID found the client assertion outside its valid time range (AADSTS700024): an expired federated token, or a wrong clock.',
    step: 5,
    fix: "Check this server's clock (it must be within 5 minutes of the real time; enable NTP). With a federated token, make sure a fresh one is used: the token file must be the one the platform keeps renewing, and a clientAssertion function must fetch a new token each time.",
    retriable: false,
  },
  FEDERATED_CREDENTIAL_MISMATCH: {
    summary: "No federated credential of the app matches the token's issuer, subject or audience (AADSTS70021, 700211, 700212, 700213).",
    step: 5,
    fix: "In the app registration, open Certificates & secrets › Federated credentials (step 5) and compare Issuer, Subject identifier and Audience (api://AzureADTokenExchange) with the token's iss, sub and aud claims, character for character.",
    retriable: false,
  },
  MANAGED_IDENTITY_UNAVAILABLE: {
    summary: 'The managed identity gave no token: the code is not running on Azure, the identity is not enabled, or the client ID names no identity assigned to this resource.',
    fix: 'Enable the managed identity on the Azure resource (Identity › System assigned › On, or assign the user-assigned identity), and set managedIdentity: { clientId } for a user-assigned one. Outside Azure, use a client secret or certificate.',
    retriable: false,
  },
};

/** A more specific fix for rarer AADSTS codes, all mapped to `AUTH_FAILED` unless named otherwise. */
export interface EntraRule {
  /** The `MailerError` code the AADSTS number becomes. */
  code: ErrorCode;
  /** The setup step to revisit, when it is a setup mistake. @default the code's step in {@link CATALOGUE} */
  step?: SetupStep;
  /** A fix more precise than the code's own. @default the code's fix in {@link CATALOGUE} */
  fix?: string;
  /** Whether the token request may be retried. @default the code's */
  retriable?: boolean;
}

/** Entra ID's AADSTS numbers (from `error_codes`, never parsed from text) → error code, step and fix. */
export const ENTRA_CODES: Readonly<Record<number, EntraRule>> = {
  90002: { code: 'TENANT_NOT_FOUND' },
  90038: {
    code: 'AUTH_FAILED',
    step: 1,
    fix: 'This tenant lives in a national cloud: set `cloud` to `usgov`, `usgov-dod` or `china` to match it.',
  },
  700016: { code: 'CLIENT_NOT_FOUND' },
  7000215: { code: 'SECRET_INVALID' },
  7000222: { code: 'SECRET_EXPIRED' },
  7000218: { code: 'SECRET_MISSING' },
  7000112: {
    code: 'AUTH_FAILED',
    step: 1,
    fix: 'The application is disabled: in Entra ID › Enterprise applications, open the app, Properties, and set "Enabled for users to sign in" to Yes.',
  },
  70001: {
    code: 'AUTH_FAILED',
    step: 1,
    fix: 'The application is disabled: in Entra ID › Enterprise applications, open the app, Properties, and set "Enabled for users to sign in" to Yes.',
  },
  7000229: {
    code: 'AUTH_FAILED',
    step: 3,
    fix: 'The app has no service principal (enterprise application) in this tenant: click "Grant admin consent" (step 3), which creates it.',
  },
  53003: {
    code: 'AUTH_FAILED',
    step: 3,
    fix: 'A Conditional Access policy blocked the sign-in: an administrator must exclude this app (a workload identity) or this server\'s location from the policy.',
  },
  50196: {
    code: 'THROTTLED',
    fix: 'Entra ID saw too many token requests from this app: share one mailer per process and a `tokenCache` between processes, then try again in a few minutes.',
    retriable: true,
  },
  90055: {
    code: 'THROTTLED',
    fix: 'Entra ID saw too many token requests from this app: share one mailer per process and a `tokenCache` between processes, then try again in a few minutes.',
    retriable: true,
  },
  700027: { code: 'CERTIFICATE_NOT_REGISTERED' },
  700024: { code: 'ASSERTION_EXPIRED' },
  70021: {
    code: 'FEDERATED_CREDENTIAL_MISMATCH',
    fix: "The app has no federated credential for this token. In Certificates & secrets › Federated credentials (step 5), add one whose Issuer, Subject identifier and Audience equal the token's iss, sub and aud claims (for AKS: the cluster's OIDC issuer URL and system:serviceaccount:<namespace>:<service account>; for GitHub Actions: https://token.actions.githubusercontent.com and repo:<owner>/<repo>:environment:<name> or :ref:refs/heads/<branch>).",
  },
  700211: {
    code: 'FEDERATED_CREDENTIAL_MISMATCH',
    fix: "No federated credential has the token's issuer. Compare the federated credential's Issuer (Certificates & secrets › Federated credentials, step 5) with the token's iss claim, character for character: a trailing slash counts (AKS: `az aks show --query oidcIssuerProfile.issuerUrl`; GitHub Actions: https://token.actions.githubusercontent.com).",
  },
  700212: {
    code: 'FEDERATED_CREDENTIAL_MISMATCH',
    fix: "No federated credential accepts the token's audience. Compare the federated credential's Audience with the token's aud claim: it should be api://AzureADTokenExchange, so request the token for that audience.",
  },
  700213: {
    code: 'FEDERATED_CREDENTIAL_MISMATCH',
    fix: "A federated credential has the token's issuer but not its subject. Compare the federated credential's Subject identifier with the token's sub claim (AKS: system:serviceaccount:<namespace>:<service account>; GitHub Actions: repo:<owner>/<repo>:environment:<name>, :ref:refs/heads/<branch> or :pull_request).",
  },
  50027: {
    code: 'AUTH_FAILED',
    step: 5,
    fix: 'Entra ID found the client assertion malformed: its iss and sub must be the Application (client) ID and its aud the token endpoint. With a certificate msal-node builds it; with clientAssertion, pass the identity provider\'s token unchanged.',
  },
  1002012: {
    code: 'AUTH_FAILED',
    fix: 'The token scope was refused. This is a bug in o365-oauth-mailer (the scope is always `<graph>/.default`): please report it.',
  },
  70011: {
    code: 'AUTH_FAILED',
    fix: 'The token scope was refused. This is a bug in o365-oauth-mailer (the scope is always `<graph>/.default`): please report it.',
  },
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when a string is shaped like a GUID (as the Secret ID is, and a secret's Value is not). */
export function looksLikeGuid(value: string | undefined): boolean {
  return value !== undefined && GUID.test(value.trim());
}

/** What the catalogue needs to know about the configuration to word a fix. */
export interface CatalogueContext {
  /** The configured secret looks like a GUID: the Secret ID was probably entered instead of the Value. */
  secretLooksLikeGuid?: boolean;
  /** The sender mailbox, named in mailbox errors. */
  sender?: string;
  /** The credential kind, to word fixes that depend on it (a managed identity has no consent button). */
  credential?: 'secret' | 'secret-store' | 'certificate' | 'assertion' | 'federated-token-file' | 'managed-identity';
  /**
   * The application permissions (`roles`) of the access token Graph refused: `[]` for a token without roles (no
   * consent, or an app scoped only through Exchange RBAC for Applications); absent when the token is unreadable.
   */
  tokenRoles?: readonly string[];
}

function fromEntry(code: ErrorCode, message: string, rule?: EntraRule): MailerErrorInit {
  const entry = CATALOGUE[code];
  const init: MailerErrorInit = {
    code,
    message,
    fix: rule?.fix ?? entry.fix,
    retriable: rule?.retriable ?? entry.retriable,
  };
  const step = rule?.step ?? entry.step;
  if (step !== undefined) init.step = step;
  return init;
}

/**
 * Maps an Entra ID token-endpoint failure by its AADSTS number. `description` is Entra's `error_description`
 * (quoted in the message, never parsed).
 */
export function fromEntra(
  errorNo: number | undefined,
  description: string,
  context: CatalogueContext = {},
  status?: number,
  traceId?: string,
): MailerErrorInit {
  let rule = errorNo === undefined ? undefined : ENTRA_CODES[errorNo];
  // An outage or throttling is no setup mistake: retriable, and no step to revisit.
  if (!rule && status !== undefined && (status === 429 || status >= 500)) {
    rule = status === 429 ? { code: 'THROTTLED', fix: ENTRA_BUSY_FIX, retriable: true } : { code: 'SERVICE_UNAVAILABLE', fix: ENTRA_BUSY_FIX, retriable: true };
  }
  const code = rule?.code ?? 'AUTH_FAILED';
  const aadsts = errorNo === undefined ? 'Entra ID' : `AADSTS${errorNo}`;
  // Entra's own text, without its code prefix and the Trace ID / Correlation ID / Timestamp trailer (the trace ID is
  // kept as `requestId`).
  const firstLine = (description.split(/\r?\n/)[0] ?? '').replace(/^AADSTS\d+:\s*/, '').replace(/\s*Trace ID:.*$/s, '');
  const trace = traceId ?? /Trace ID:\s*([0-9a-f-]{36})/i.exec(description)?.[1];
  const lead = code === 'THROTTLED' || code === 'SERVICE_UNAVAILABLE' ? `Entra ID answered ${status} to the token request.` : CATALOGUE[code].summary.replace(/ \(AADSTS\d+\)\.$/, '.');
  const init = fromEntry(code, `Sign-in failed (${aadsts}): ${lead} ${firstLine}`.trim(), rule);
  if (code === 'AUTH_FAILED' && !rule && errorNo === undefined) {
    init.fix = 'Check the tenant and client ID (step 1), the secret (step 5) and admin consent (step 3); the message quotes what Entra ID said.';
  } else if (code === 'AUTH_FAILED' && !rule) {
    init.fix = `Look up ${aadsts} in Microsoft's sign-in error reference (https://learn.microsoft.com/entra/identity-platform/reference-error-codes) and in node_modules/o365-oauth-mailer/docs/troubleshooting.md; check the tenant and client ID (step 1), the secret (step 5) and admin consent (step 3).`;
  }
  if (code === 'SECRET_INVALID' && context.secretLooksLikeGuid) {
    init.fix =
      "The configured secret looks like a GUID: that is the secret's Secret ID. Enter the secret's Value instead (shown once when it was created in step 5); if it is lost, create a new client secret and enter its Value (step 6).";
  }
  if (status !== undefined) init.status = status;
  if (trace) init.requestId = trace;
  return init;
}

/** A Graph error response, as parsed from `{ error: { code, message, innerError } }`. */
export interface GraphFailure {
  status: number;
  code?: string;
  message?: string;
  requestId?: string;
}

/** Maps a Graph error response to an error code, step and fix. */
export function fromGraph(failure: GraphFailure, context: CatalogueContext = {}): MailerErrorInit {
  const { status, code = '', message = '' } = failure;
  const code_ = graphCode(status, code, message);
  const quoted = code ? `${status} ${code}: ${message}` : `HTTP ${status}${message ? `: ${message}` : ''}`;
  const lead: Partial<Record<ErrorCode, string>> = {
    CONSENT_MISSING: 'Microsoft Graph refused the app: its token has no Mail.Send application permission.',
    MAILBOX_NOT_FOUND: `The sender ${context.sender ?? ''} is not an Exchange Online mailbox of this tenant.`.replace('  ', ' '),
    MAILBOX_ACCESS_DENIED: `An Exchange application access policy or RBAC for Applications scope keeps this app from the mailbox ${context.sender ?? ''}.`.replace('  ', ' '),
    SEND_AS_DENIED: 'The mailbox may not send as the given address.',
    ATTACHMENT_TOO_LARGE: 'The request was larger than Microsoft Graph accepts (4 MB).',
    MESSAGE_INVALID: 'Microsoft Graph refused the message.',
    THROTTLED: 'Microsoft Graph is throttling this mailbox.',
    SERVICE_UNAVAILABLE: 'Microsoft Graph is unavailable.',
    UNKNOWN: 'Microsoft Graph answered with an unexpected error.',
  };
  const roles = context.tokenRoles;
  if (status === 403 && code_ === 'CONSENT_MISSING' && roles !== undefined && roles.length === 0) {
    // No roles in the token: admin consent is missing, or RBAC for Applications scopes the app away from this mailbox.
    const init = fromEntry(
      code_,
      `Microsoft Graph refused the app for the mailbox ${context.sender ?? ''}: its token carries no application permissions, and no Exchange RBAC for Applications assignment lets it act on this mailbox. (Graph answered ${quoted})`.replace('  ', ' '),
    );
    const fix = context.credential === 'managed-identity' ? MANAGED_IDENTITY_ROLE_FIX : NO_ROLES_FIX;
    return { ...init, fix, status, ...(failure.requestId ? { requestId: failure.requestId } : {}) };
  }
  if (status === 403 && code_ === 'CONSENT_MISSING' && roles?.includes('Mail.Send')) {
    // Mail.Send is granted, yet Exchange refuses this mailbox: an access policy or an RBAC scope.
    const init = fromEntry('MAILBOX_ACCESS_DENIED', `Exchange refused the mailbox ${context.sender ?? ''} although the token carries Mail.Send: an application access policy or an RBAC for Applications scope excludes it. (Graph answered ${quoted})`.replace('  ', ' '));
    return { ...init, status, ...(failure.requestId ? { requestId: failure.requestId } : {}) };
  }
  const init = fromEntry(code_, `${lead[code_] ?? CATALOGUE[code_].summary} (Graph answered ${quoted})`);
  if (code_ === 'CONSENT_MISSING' && context.credential === 'managed-identity') init.fix = MANAGED_IDENTITY_ROLE_FIX;
  if (code === 'ErrorMessageSizeExceeded') {
    init.message = `The message is larger than the tenant's maximum message size (Exchange's default is 35 MB). (Graph answered ${quoted})`;
    init.fix = 'Send smaller attachments, or have an Exchange administrator raise the maximum send size of the mailbox or tenant (up to 150 MB, Set-Mailbox -MaxSendSize).';
  }
  init.status = status;
  if (failure.requestId) init.requestId = failure.requestId;
  return init;
}

function graphCode(status: number, code: string, message: string): ErrorCode {
  if (status === 401 && code === 'NoPermissionsInAccessToken') return 'CONSENT_MISSING';
  if (status === 403 && /AccessPolicy|\[RAOP\]|Access to OData is disabled/i.test(message)) return 'MAILBOX_ACCESS_DENIED';
  if (status === 403 && code === 'ErrorSendAsDenied') return 'SEND_AS_DENIED';
  if (status === 403 && code === 'ErrorAccessDenied') return 'CONSENT_MISSING';
  if (code === 'ErrorInvalidUser' || code === 'MailboxNotEnabledForRESTAPI' || code === 'MailboxNotFound') return 'MAILBOX_NOT_FOUND';
  if (status === 404 && code === 'ResourceNotFound' && /user/i.test(message)) return 'MAILBOX_NOT_FOUND';
  if (status === 413 || /maximum request length/i.test(message)) return 'ATTACHMENT_TOO_LARGE';
  if (status === 400 && /^(ErrorInvalidRecipients|InvalidInternetMessageHeader|InvalidInternetMessageHeaderCollection|ErrorInvalidRequest|RequestBodyRead|BadRequest|ErrorInvalidIdMalformed|ErrorMessageSizeExceeded|ErrorMimeContentInvalidBase64String)/.test(code)) {
    return code === 'ErrorMessageSizeExceeded' ? 'ATTACHMENT_TOO_LARGE' : 'MESSAGE_INVALID';
  }
  if (status === 429) return 'THROTTLED';
  if (status === 503) return 'SERVICE_UNAVAILABLE';
  return 'UNKNOWN';
}

/** The catalogue entry of a code, as an error init with a custom message. */
export function catalogued(code: ErrorCode, message: string, overrides: Partial<MailerErrorInit> = {}): MailerErrorInit {
  return { ...fromEntry(code, message), ...overrides };
}

/** A failure below HTTP, as the catalogue sees it. */
export interface TransportFailureInfo {
  /** aborted, timeout, connect (provably not sent) or reset (connection broke after it was made). */
  failure: 'aborted' | 'timeout' | 'connect' | 'reset';
  /** The low-level description (already scrubbed of URLs' query strings). */
  detail: string;
  /** What was being done, e.g. "sending the mail" or "requesting a token". */
  doing: string;
  /** True when the request that failed could have delivered mail (sendMail, or a draft's /send). */
  couldDeliver: boolean;
  /** The proxy (without credentials) when it was the proxy that failed: unreachable, or refusing the tunnel. */
  proxy?: string;
}

/**
 * Maps a transport failure. Anything after the request may have been written, on a request that can deliver mail,
 * is `DELIVERY_UNKNOWN` and never retried: repeating it could deliver the mail twice.
 */
export function fromTransport(info: TransportFailureInfo): MailerErrorInit {
  const { failure, detail, doing, couldDeliver } = info;
  if (failure === 'aborted') return fromEntry('ABORTED', `Cancelled while ${doing}.`);
  if (couldDeliver && failure !== 'connect') {
    const what = failure === 'timeout' ? 'no answer came in time' : `the connection broke (${detail})`;
    return fromEntry(
      'DELIVERY_UNKNOWN',
      `The mail may have been sent: the request reached Microsoft Graph but ${what}. It was not sent again, to avoid a duplicate; check the sender's Sent Items.`,
    );
  }
  if (failure === 'timeout') return fromEntry('TIMEOUT', `No answer within the time limit while ${doing}.`);
  if (info.proxy !== undefined) {
    return {
      ...fromEntry('NETWORK', `Proxy failure while ${doing}: ${detail}. Nothing was sent.`),
      fix: `Check the proxy ${info.proxy}: is it the right address and running, does it allow HTTPS (CONNECT) to Microsoft's sign-in and Graph hosts, and, when it answers 407, does the proxy URL carry its user name and password? Set the proxy with \`proxy\` or HTTPS_PROXY, and hosts that bypass it with NO_PROXY.`,
    };
  }
  return fromEntry('NETWORK', `Network failure while ${doing}: ${detail}`);
}

/**
 * A redirect (3xx) from the sign-in or Graph host. Microsoft answers these requests directly, so a redirect comes
 * from something in between (a proxy, a captive portal, a hijacked DNS name). It is never followed: the request body
 * (a message, the client secret) goes nowhere else.
 */
export function fromRedirect(status: number, location: string | null, doing: string, couldDeliver: boolean): MailerErrorInit {
  let where = 'another address';
  try {
    if (location) where = new URL(location, 'https://unknown.invalid').origin;
  } catch {
    /* an unreadable Location */
  }
  const init = fromEntry(
    'NETWORK',
    `While ${doing}, the server answered HTTP ${status}, a redirect to ${where}. Redirects are never followed, so the request went nowhere else${couldDeliver ? ", and the mail was not sent again: check the sender's Sent Items before sending it again" : '; nothing was sent'}.`,
  );
  init.fix = `Microsoft's sign-in and Graph hosts never redirect these requests: a proxy, firewall or captive portal between this server and Microsoft answered in their place. ${NETWORK_FIX}`;
  init.retriable = !couldDeliver;
  init.status = status;
  return init;
}

