import type { SetupStep } from '../errors/codes';
import { MailerError } from '../errors/mailer-error';
import { CATALOGUE } from '../errors/catalogue';
import { CLOUDS, type CloudName, type ResolvedCloud } from './clouds';
import { assertKnownKeys } from './known-keys';
import type { ClientCertificate, Logger, O365OAuthMailerConfig, TelemetryOptions } from './types';
import { defaultSecretName, type SecretStore } from '../secrets/secret-store';
import type { TokenCache } from '../token-cache/token-cache';

/** A configuration checked and completed with its defaults. */
export interface ResolvedConfig {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  secretStore?: SecretStore;
  secretName: string;
  secretExpiresAt?: Date;
  /** Which credential proves the app's identity (exactly one is configured). */
  credential: CredentialKind;
  clientCertificate?: ClientCertificate;
  clientAssertion?: string | (() => string | Promise<string>);
  federatedTokenFile?: string;
  /** `{}` for the system-assigned identity. */
  managedIdentity?: { clientId?: string };
  sender: string;
  cloud: ResolvedCloud;
  /** `${graphEndpoint}/.default` */
  scope: string;
  timeoutMs: number;
  ca?: string | Buffer | Array<string | Buffer>;
  proxy?: string;
  noProxy?: string;
  saveToSentItems: boolean;
  disableFileAccess: boolean;
  logger: Logger;
  maxRetries: number;
  maxDelayMs: number;
  maxConcurrency: number;
  tokenCache?: TokenCache;
  telemetry: TelemetryOptions;
}

/** The credential keys of the configuration; exactly one of them is given. */
export const CREDENTIAL_KEYS = ['clientSecret', 'secretStore', 'clientCertificate', 'clientAssertion', 'federatedTokenFile', 'managedIdentity'] as const;

/** Which credential a configuration uses. */
export type CredentialKind = 'secret' | 'secret-store' | 'certificate' | 'assertion' | 'federated-token-file' | 'managed-identity';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const MAILBOX = /^[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f]{1,64}@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];
/** ISO 8601: a calendar date, optionally with a time and a zone (`2027-06-30`, `2027-06-30T12:00:00Z`). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function invalid(field: string, problem: string, fix: string, step?: SetupStep): MailerError {
  return new MailerError({
    code: 'CONFIG_INVALID',
    message: `Invalid configuration: \`${field}\` ${problem}`,
    fix,
    ...(step !== undefined ? { step } : {}),
  });
}

/** Not given at all: absent, undefined, null or an empty string. A value of the wrong kind is "wrong", not missing. */
function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** A given value, quoted for a message: a short string as it is, anything else by its kind. */
function given(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function httpsOrigin(field: string, value: unknown): string {
  const fix = `Set \`${field}\` to an https URL such as https://login.microsoftonline.com (scheme, host and optional port; no path).`;
  if (typeof value !== 'string' || value === '') throw invalid(field, 'is missing.', fix);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, 'is not a URL.', fix);
  }
  if (url.protocol !== 'https:') throw invalid(field, 'must use https (msal-node and Graph require it).', fix);
  if (url.pathname !== '/' || url.search || url.hash) throw invalid(field, 'must not have a path or query.', fix);
  return url.origin;
}

function resolveCloud(cloud: O365OAuthMailerConfig['cloud']): ResolvedCloud {
  if (cloud === undefined) return { name: 'global', ...CLOUDS.global, custom: false };
  if (typeof cloud === 'string') {
    if (!(CLOUD_NAMES as string[]).includes(cloud)) {
      throw invalid('cloud', `is "${cloud}", which is not a known cloud.`, `Use one of ${CLOUD_NAMES.map((c) => `'${c}'`).join(', ')}, or { authorityHost, graphEndpoint } for other endpoints.`, 1);
    }
    return { name: cloud as CloudName, ...CLOUDS[cloud as CloudName], custom: false };
  }
  if (!isObject(cloud)) throw invalid('cloud', 'must be a cloud name or { authorityHost, graphEndpoint }.', `Use one of ${CLOUD_NAMES.join(', ')}, or { authorityHost, graphEndpoint }.`);
  const authorityHost = httpsOrigin('cloud.authorityHost', cloud.authorityHost);
  const graphEndpoint = httpsOrigin('cloud.graphEndpoint', cloud.graphEndpoint);
  const known = CLOUD_NAMES.find((n) => CLOUDS[n].authorityHost === authorityHost && CLOUDS[n].graphEndpoint === graphEndpoint);
  return known ? { name: known, authorityHost, graphEndpoint, custom: false } : { name: 'custom', authorityHost, graphEndpoint, custom: true };
}

function credentialKind(key: (typeof CREDENTIAL_KEYS)[number]): CredentialKind {
  const kinds: Record<(typeof CREDENTIAL_KEYS)[number], CredentialKind> = {
    clientSecret: 'secret',
    secretStore: 'secret-store',
    clientCertificate: 'certificate',
    clientAssertion: 'assertion',
    federatedTokenFile: 'federated-token-file',
    managedIdentity: 'managed-identity',
  };
  return kinds[key];
}

function checkCertificate(cert: unknown): void {
  if (cert === undefined) return;
  const fix = "Pass clientCertificate: { path: 'key-and-cert.pem' } (or a .pfx with passphrase), or { privateKey, certificate } as PEM strings; `o365-mailer cert create` makes one.";
  if (!isObject(cert)) throw invalid('clientCertificate', 'must be { path, passphrase? } or { privateKey, certificate }.', fix, 5);
  if (cert.passphrase !== undefined && typeof cert.passphrase !== 'string') throw invalid('clientCertificate.passphrase', 'must be a string.', fix, 5);
  if (cert.sendX5c !== undefined && typeof cert.sendX5c !== 'boolean') throw invalid('clientCertificate.sendX5c', 'must be true or false.', 'Set sendX5c: true for subject name and issuer authentication, else leave it out.', 5);
  if ('path' in cert && cert.path !== undefined) {
    if ('privateKey' in cert || 'certificate' in cert) throw invalid('clientCertificate', 'has both `path` and PEM strings: give one.', fix, 5);
    if (typeof cert.path !== 'string' || cert.path.trim() === '') throw invalid('clientCertificate.path', 'must be the path of a PEM or PFX file.', fix, 5);
    return;
  }
  if (typeof cert.privateKey !== 'string' || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(cert.privateKey)) {
    throw invalid('clientCertificate.privateKey', 'must be a PEM private key (-----BEGIN PRIVATE KEY-----).', fix, 5);
  }
  if (typeof cert.certificate !== 'string' || !cert.certificate.includes('-----BEGIN CERTIFICATE-----')) {
    throw invalid('clientCertificate.certificate', 'must be the PEM certificate uploaded in step 5 (-----BEGIN CERTIFICATE-----).', fix, 5);
  }
}

function positiveInt(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be a whole number from ${min} to ${max}.`, `Set \`${field}\` to a whole number from ${min} to ${max}, or leave it out for the default (${fallback}).`);
  }
  return value;
}

/**
 * Checks a configuration synchronously, without I/O, and fills in defaults. Throws `CONFIG_INVALID` naming the
 * field, the setup guide's step and a fix. `env` supplies the `HTTPS_PROXY`/`NO_PROXY` defaults.
 */
export function validateConfig(config: O365OAuthMailerConfig, env: NodeJS.ProcessEnv = {}): ResolvedConfig {
  if (!isObject(config)) throw invalid('config', 'must be an object.', 'Pass { authType, tenantId, clientId, clientSecret, sender }.');
  assertKnownKeys(config);
  if (isMissing(config.authType)) {
    throw invalid(
      'authType',
      "is missing. This library signs in with OAuth 2.0 (client credentials) and sends through Microsoft Graph; say so with authType: 'oauth2'.",
      "Add authType: 'oauth2' (the guide's Authentication Type \"OAuth 2.0\", step 6).",
      6,
    );
  }
  if (config.authType !== 'oauth2') {
    throw invalid(
      'authType',
      `is ${JSON.stringify(config.authType)}. Microsoft is retiring Basic authentication for SMTP AUTH, and this library sends only through Microsoft Graph with OAuth 2.0.`,
      "Set authType: 'oauth2' (the guide's Authentication Type \"OAuth 2.0\", step 6) and register the app as steps 1 to 5 describe.",
      6,
    );
  }
  const tenantId = typeof config.tenantId === 'string' ? config.tenantId.trim() : config.tenantId;
  if (isMissing(tenantId)) {
    throw invalid('tenantId', 'is missing.', "Set `tenantId` to the Directory (tenant) ID from the app registration's Overview page (step 1).", 1);
  }
  if (typeof tenantId === 'string' && ['common', 'organizations', 'consumers'].includes(tenantId.toLowerCase())) {
    throw invalid('tenantId', `is "${tenantId}", which client credentials cannot use.`, "Use your own Directory (tenant) ID from the app registration's Overview page (step 1).", 1);
  }
  if (typeof tenantId !== 'string' || !(GUID.test(tenantId) || DOMAIN.test(tenantId))) {
    throw invalid('tenantId', `is ${given(tenantId)}; it must be the Directory (tenant) ID, a GUID, or a verified domain such as contoso.onmicrosoft.com.`, "Copy the Directory (tenant) ID from the app registration's Overview page (step 1).", 1);
  }
  const clientId = typeof config.clientId === 'string' ? config.clientId.trim() : config.clientId;
  if (isMissing(clientId)) {
    throw invalid('clientId', 'is missing.', "Set `clientId` to the Application (client) ID from the app registration's Overview page (step 1), not the Object ID.", 1);
  }
  if (typeof clientId !== 'string' || !GUID.test(clientId)) {
    throw invalid('clientId', `is ${given(clientId)}; it must be the Application (client) ID, a GUID.`, "Copy the Application (client) ID from the app registration's Overview page (step 1), not the Object ID.", 1);
  }
  // Exactly one credential; a key whose value is undefined counts as absent, as with TypeScript's optional properties.
  const credentials = CREDENTIAL_KEYS.filter((k) => (config as unknown as Record<string, unknown>)[k] !== undefined);
  if (credentials.length > 1) {
    throw invalid(
      credentials[1]!,
      `is given together with \`${credentials[0]}\`: configure exactly one credential (${credentials.map((k) => `\`${k}\``).join(', ')} were given).`,
      'Keep the one credential the app registration uses (a client secret, a certificate, a federated credential or a managed identity) and remove the others.',
      5,
    );
  }
  if (config.clientSecret !== undefined) {
    if (typeof config.clientSecret !== 'string' || config.clientSecret.length === 0) {
      throw invalid('clientSecret', 'must be a non-empty string.', CATALOGUE.SECRET_MISSING.fix, 5);
    }
    if (config.clientSecret.trim() !== config.clientSecret) {
      throw invalid('clientSecret', 'starts or ends with white space, which a secret Value never does.', "Enter the client secret's Value from step 5 exactly, without spaces or line breaks around it.", 5);
    }
  }
  if (config.secretStore !== undefined && (!isObject(config.secretStore) || typeof config.secretStore.get !== 'function')) {
    throw invalid('secretStore', 'must implement SecretStore (get, set, delete).', 'Pass one of the built-in stores, e.g. new EncryptedFileSecretStore({ path, passphrase }).', 5);
  }
  if (credentials.length === 0) {
    throw invalid(
      'clientSecret',
      'is missing, and no other credential (`secretStore`, `clientCertificate`, `clientAssertion`, `federatedTokenFile` or `managedIdentity`) is configured.',
      CATALOGUE.SECRET_MISSING.fix,
      5,
    );
  }
  checkCertificate(config.clientCertificate);
  if (config.clientAssertion !== undefined && !(typeof config.clientAssertion === 'function' || (typeof config.clientAssertion === 'string' && config.clientAssertion.split('.').length === 3))) {
    throw invalid('clientAssertion', 'must be a signed JWT (three dot-separated parts) or a function that returns one.', 'Pass the federated token as a string, or a function called for each token request, e.g. async () => readFile(tokenFile, "utf8").', 5);
  }
  if (config.federatedTokenFile !== undefined && (typeof config.federatedTokenFile !== 'string' || config.federatedTokenFile.trim() === '')) {
    throw invalid('federatedTokenFile', 'must be the path of the file holding the federated token.', 'On AKS, pass process.env.AZURE_FEDERATED_TOKEN_FILE (set by the workload identity webhook).', 5);
  }
  const mi = config.managedIdentity as unknown;
  if (mi !== undefined && mi !== true && !(isObject(mi) && typeof mi.clientId === 'string' && GUID.test(mi.clientId.trim()))) {
    throw invalid('managedIdentity', 'must be true (the system-assigned identity) or { clientId } with the user-assigned identity\'s client ID (a GUID).', "Use managedIdentity: true, or managedIdentity: { clientId: '<the identity\'s client ID>' } for a user-assigned identity.");
  }
  if (config.secretName !== undefined && (typeof config.secretName !== 'string' || config.secretName === '')) {
    throw invalid('secretName', 'must be a non-empty string.', 'Use the name the secret was stored under, or leave it out for the default.', 5);
  }
  let secretExpiresAt: Date | undefined;
  if (typeof config.secretExpiresAt === 'string' && !ISO_DATE.test(config.secretExpiresAt.trim())) {
    throw invalid(
      'secretExpiresAt',
      `is "${config.secretExpiresAt}", which is not an ISO 8601 date: a date such as 12/10/2026 reads as 10 December in some countries and 12 October in others.`,
      'Enter the Expires date shown next to the secret in step 5 as year-month-day, e.g. "2027-06-30".',
      5,
    );
  }
  if (config.secretExpiresAt !== undefined) {
    secretExpiresAt = new Date(typeof config.secretExpiresAt === 'string' ? config.secretExpiresAt.trim() : config.secretExpiresAt);
    if (!(config.secretExpiresAt instanceof Date || typeof config.secretExpiresAt === 'string') || Number.isNaN(secretExpiresAt.getTime())) {
      throw invalid('secretExpiresAt', 'is not a date.', 'Enter the Expires date shown next to the secret in step 5, e.g. "2027-06-30".', 5);
    }
  }
  if (secretExpiresAt && config.clientSecret === undefined && config.secretStore === undefined) {
    throw invalid('secretExpiresAt', 'applies to client secrets only.', "Leave it out: a certificate's expiry is read from the certificate itself, and federated credentials and managed identities do not expire.", 5);
  }
  const sender = typeof config.sender === 'string' ? config.sender.trim() : config.sender;
  if (isMissing(sender)) {
    throw invalid('sender', 'is missing.', 'Set `sender` to the logon name (user principal name) of a licensed Exchange Online mailbox, e.g. reports@contoso.com (step 6).', 6);
  }
  if (typeof sender !== 'string' || !MAILBOX.test(sender)) {
    throw invalid('sender', `is ${given(sender)}; it must be the O365 logon name of the mailbox that sends, e.g. reports@contoso.com.`, 'Enter the logon name (user principal name) of a licensed Exchange Online mailbox (step 6).', 6);
  }
  const cloud = resolveCloud(config.cloud);
  const timeoutMs = positiveInt('timeoutMs', config.timeoutMs, 30_000, 1, 600_000);
  if (config.tls !== undefined && !isObject(config.tls)) throw invalid('tls', 'must be { ca }.', 'Pass tls: { ca: pemString } with the extra root certificates in PEM.');
  const ca = config.tls?.ca;
  if (ca !== undefined) {
    const list = Array.isArray(ca) ? ca : [ca];
    if (!list.every((c) => typeof c === 'string' || Buffer.isBuffer(c)) || !list.every((c) => c.toString().includes('-----BEGIN CERTIFICATE-----'))) {
      throw invalid('tls.ca', 'must be PEM certificates (strings or Buffers with -----BEGIN CERTIFICATE-----).', "Pass the root certificate's PEM text, e.g. fs.readFileSync('corp-root.pem').");
    }
  }
  // An empty variable (common in container images) means "no proxy", not a malformed one.
  const proxy = config.proxy ?? (env.HTTPS_PROXY || env.https_proxy || undefined);
  if (proxy !== undefined) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(proxy).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw invalid(config.proxy !== undefined ? 'proxy' : 'HTTPS_PROXY', 'is not an http(s) URL.', 'Use a proxy URL such as http://proxy.corp.example:3128.');
  }
  if (config.saveToSentItems !== undefined && typeof config.saveToSentItems !== 'boolean') {
    throw invalid('saveToSentItems', 'must be true or false.', 'Set saveToSentItems to true (keep a copy in Sent Items) or false.');
  }
  if (config.disableFileAccess !== undefined && typeof config.disableFileAccess !== 'boolean') {
    throw invalid('disableFileAccess', 'must be true or false.', 'Set disableFileAccess to true (refuse file paths in messages) or false.');
  }
  if (config.logger !== undefined && !isObject(config.logger)) throw invalid('logger', 'must be an object with debug/info/warn/error methods.', 'Pass console, a pino/winston logger, or leave it out.');
  if (config.retry !== undefined && !isObject(config.retry)) throw invalid('retry', 'must be { maxRetries, maxDelayMs }.', 'Pass retry: { maxRetries: 3, maxDelayMs: 60000 } or leave it out.');
  const maxRetries = positiveInt('retry.maxRetries', config.retry?.maxRetries, 3, 0, 20);
  const maxDelayMs = positiveInt('retry.maxDelayMs', config.retry?.maxDelayMs, 60_000, 0, 3_600_000);
  const maxConcurrency = positiveInt('maxConcurrency', config.maxConcurrency, 4, 1, 4);
  const telemetry = config.telemetry ?? {};
  if (!isObject(telemetry)) throw invalid('telemetry', 'must be { enabled, includeMailbox, tracerProvider, meterProvider }.', 'Pass telemetry: { includeMailbox: true } or leave it out.');
  for (const key of ['enabled', 'includeMailbox'] as const) {
    if (telemetry[key] !== undefined && typeof telemetry[key] !== 'boolean') throw invalid(`telemetry.${key}`, 'must be true or false.', `Set telemetry.${key} to true or false, or leave it out.`);
  }
  if (telemetry.tracerProvider !== undefined && typeof (telemetry.tracerProvider as { getTracer?: unknown })?.getTracer !== 'function') {
    throw invalid('telemetry.tracerProvider', 'must be an OpenTelemetry TracerProvider (with getTracer).', 'Pass a TracerProvider from the OpenTelemetry SDK, or leave it out for the global one.');
  }
  if (telemetry.meterProvider !== undefined && typeof (telemetry.meterProvider as { getMeter?: unknown })?.getMeter !== 'function') {
    throw invalid('telemetry.meterProvider', 'must be an OpenTelemetry MeterProvider (with getMeter).', 'Pass a MeterProvider from the OpenTelemetry SDK, or leave it out for the global one.');
  }
  if (config.tokenCache !== undefined && (!isObject(config.tokenCache) || typeof config.tokenCache.get !== 'function' || typeof config.tokenCache.set !== 'function')) {
    throw invalid('tokenCache', 'must implement TokenCache (get, set).', 'Pass one of the built-in caches, e.g. new RedisTokenCache({ url }).');
  }

  const resolved: ResolvedConfig = {
    tenantId,
    clientId,
    secretName: config.secretName ?? defaultSecretName(tenantId, clientId),
    credential: credentialKind(credentials[0]!),
    sender,
    cloud,
    scope: `${cloud.graphEndpoint}/.default`,
    timeoutMs,
    saveToSentItems: config.saveToSentItems ?? true,
    disableFileAccess: config.disableFileAccess ?? false,
    telemetry: telemetry as TelemetryOptions,
    logger: config.logger ?? {},
    maxRetries,
    maxDelayMs,
    maxConcurrency,
  };
  if (config.clientSecret !== undefined) resolved.clientSecret = config.clientSecret;
  if (config.clientCertificate !== undefined) resolved.clientCertificate = config.clientCertificate;
  if (config.clientAssertion !== undefined) resolved.clientAssertion = config.clientAssertion;
  if (config.federatedTokenFile !== undefined) resolved.federatedTokenFile = config.federatedTokenFile.trim();
  if (mi !== undefined) resolved.managedIdentity = mi === true ? {} : { clientId: (mi as { clientId: string }).clientId.trim() };
  if (config.secretStore !== undefined) resolved.secretStore = config.secretStore;
  if (secretExpiresAt) resolved.secretExpiresAt = secretExpiresAt;
  if (ca !== undefined) resolved.ca = ca as NonNullable<ResolvedConfig["ca"]>;
  if (proxy !== undefined) resolved.proxy = proxy;
  const noProxy = env.NO_PROXY || env.no_proxy || undefined;
  if (noProxy !== undefined) resolved.noProxy = noProxy;
  if (config.tokenCache !== undefined) resolved.tokenCache = config.tokenCache;
  return resolved;
}
