import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLOUDS, type CloudName } from '../config/clouds';
import type { O365OAuthMailerConfig } from '../config/types';
import { MailerError } from '../errors/mailer-error';
import { scrub } from '../errors/redact';
import { O365OAuthMailer } from '../mailer';
import { EncryptedFileSecretStore } from '../secrets/encrypted-file-secret-store';
import { KeyringSecretStore } from '../secrets/keyring-secret-store';
import { flag, intOption, str, type OptionSpecs, type ParsedValues } from './args';
import { UsageError, type CliContext } from './io';
import { cliLogger } from './log';
import { promptHidden } from './prompt';
import { forShell } from './wording';

/** The environment variables the CLI reads. */
export const ENV = {
  tenantId: 'AZURE_TENANT_ID',
  clientId: 'AZURE_CLIENT_ID',
  clientSecret: 'AZURE_CLIENT_SECRET',
  sender: 'O365_SENDER',
  passphrase: 'O365_MAILER_PASSPHRASE',
  certificatePath: 'AZURE_CLIENT_CERTIFICATE_PATH',
  certificatePassword: 'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  federatedTokenFile: 'AZURE_FEDERATED_TOKEN_FILE',
} as const;

/** Options that say where the mailbox and app are (`verify` and `send`). */
export const CONFIG_OPTIONS = {
  'tenant-id': { type: 'string' },
  'client-id': { type: 'string' },
  sender: { type: 'string' },
  cloud: { type: 'string' },
  'authority-host': { type: 'string' },
  'graph-endpoint': { type: 'string' },
  'ca-file': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'max-retries': { type: 'string' },
  'secret-expires-at': { type: 'string' },
  proxy: { type: 'string' },
  store: { type: 'string' },
  'secret-file': { type: 'string' },
  'secret-name': { type: 'string' },
  certificate: { type: 'string' },
  verbose: { type: 'boolean' },
  debug: { type: 'boolean' },
} as const satisfies OptionSpecs;

/** Help text for {@link CONFIG_OPTIONS}. */
export const CONFIG_HELP = `Configuration (flags win over the environment):
  --tenant-id <id>          Directory (tenant) ID, step 1          [env AZURE_TENANT_ID]
  --client-id <id>          Application (client) ID, step 1        [env AZURE_CLIENT_ID]
  --sender <address>        O365 logon name of the sending mailbox [env O365_SENDER]
  --cloud <name>            global (default), usgov, usgov-dod or china
  --authority-host <url>    custom cloud: sign-in host (with --graph-endpoint)
  --graph-endpoint <url>    custom cloud: Graph endpoint (with --authority-host)
  --ca-file <path>          extra trusted root certificate(s), PEM
  --timeout-ms <n>          time limit per HTTP request (default 30000)
  --max-retries <n>         retries of throttled or provably unsent requests (default 3)
  --secret-expires-at <date>  the secret's Expires date from step 5, ISO 8601 (2027-06-30; warned 30 days before)
  --proxy <url>             HTTPS proxy (default: HTTPS_PROXY, honouring NO_PROXY)

Logging (on stderr; secrets and tokens never shown):
  --verbose                 what the mailer does: retries, token refreshes, acceptance
  --debug                   --verbose and every HTTP request: method, host, path (no query string),
                            status, request-id and duration

Credentials, the first that is set (a secret is never a flag: flags end up in shell history):
  --certificate <file>      a PEM file with key and certificate, or a PFX (\`o365-mailer cert create\`);
                            its passphrase from AZURE_CLIENT_CERTIFICATE_PASSWORD
  1. AZURE_CLIENT_SECRET in the environment, else
     AZURE_CLIENT_CERTIFICATE_PATH (+ AZURE_CLIENT_CERTIFICATE_PASSWORD), else
     AZURE_FEDERATED_TOKEN_FILE (workload identity, as on AKS; re-read for each token request), else
  2. the secret store written by \`o365-mailer secret set\`:
     --store <file|keyring>  file (default) or the operating system keyring
     --secret-file <path>    the encrypted file (default ~/.config/o365-oauth-mailer/secret.enc),
                             unlocked with O365_MAILER_PASSPHRASE or a hidden prompt
     --secret-name <name>    default o365-oauth-mailer:<tenant>:<client>
  3. else, in a terminal, a hidden prompt.`;

/** `~/.config/o365-oauth-mailer/secret.enc`, with `~` from the CLI's environment (HOME, USERPROFILE) first. */
export function defaultSecretFile(env: Record<string, string | undefined>): string {
  const home = env.HOME || env.USERPROFILE || homedir();
  return join(home, '.config', 'o365-oauth-mailer', 'secret.enc');
}

/** The flag, or else the environment variable, trimmed; undefined when neither is set. */
export function fromFlagOrEnv(ctx: CliContext, values: ParsedValues, flagName: string, envName: string): string | undefined {
  const v = str(values, flagName) ?? ctx.env[envName];
  const t = v?.trim();
  return t ? t : undefined;
}

/** The passphrase of the encrypted secret file: O365_MAILER_PASSPHRASE, else a hidden prompt on a terminal. */
export async function passphraseFor(ctx: CliContext, path: string, command: string, confirm = false): Promise<string> {
  const fromEnv = ctx.env[ENV.passphrase];
  if (fromEnv) {
    ctx.protect(fromEnv);
    return fromEnv;
  }
  if (!ctx.stdinIsTTY) {
    throw new UsageError(`The secret file ${path} needs its passphrase: set ${ENV.passphrase} (standard input is not a terminal, so it cannot be asked for).`, command);
  }
  const passphrase = await promptHidden(ctx, `Passphrase for ${path}: `);
  if (!passphrase) throw new UsageError('An empty passphrase is not accepted.', command);
  ctx.protect(passphrase);
  if (confirm) {
    const again = await promptHidden(ctx, 'Repeat the passphrase: ');
    if (again !== passphrase) throw new UsageError('The two passphrases differ; nothing was stored.', command);
  }
  return passphrase;
}

function parseCloud(values: ParsedValues, command: string): O365OAuthMailerConfig['cloud'] {
  const cloud = str(values, 'cloud');
  const authorityHost = str(values, 'authority-host');
  const graphEndpoint = str(values, 'graph-endpoint');
  if ((authorityHost === undefined) !== (graphEndpoint === undefined)) {
    throw new UsageError('--authority-host and --graph-endpoint go together: a custom cloud needs both.', command);
  }
  if (authorityHost !== undefined && graphEndpoint !== undefined) {
    if (cloud !== undefined) throw new UsageError('Use either --cloud or --authority-host with --graph-endpoint, not both.', command);
    return { authorityHost, graphEndpoint };
  }
  if (cloud === undefined) return undefined;
  const names = Object.keys(CLOUDS);
  if (!names.includes(cloud)) throw new UsageError(`--cloud must be one of ${names.join(', ')} (got ${JSON.stringify(cloud)}).`, command);
  return cloud as CloudName;
}

interface SecretPlan {
  kind: 'env' | 'keyring' | 'file' | 'prompt' | 'missing' | 'certificate' | 'federated';
  path?: string;
}

function planSecret(ctx: CliContext, values: ParsedValues, command: string): SecretPlan {
  const certificate = str(values, 'certificate');
  if (certificate !== undefined) {
    if (certificate.trim() === '') throw new UsageError('--certificate needs the path of a PEM or PFX file.', command);
    if (str(values, 'store') !== undefined || str(values, 'secret-file') !== undefined) throw new UsageError('--certificate replaces the client secret: leave out --store and --secret-file.', command);
    return { kind: 'certificate', path: resolve(certificate) };
  }
  if (!ctx.env[ENV.clientSecret] && ctx.env[ENV.certificatePath]) return { kind: 'certificate', path: resolve(ctx.env[ENV.certificatePath]!) };
  if (!ctx.env[ENV.clientSecret] && ctx.env[ENV.federatedTokenFile]) return { kind: 'federated', path: resolve(ctx.env[ENV.federatedTokenFile]!) };
  const store = str(values, 'store');
  const file = str(values, 'secret-file');
  if (store !== undefined && store !== 'file' && store !== 'keyring') {
    throw new UsageError(`--store must be file or keyring (got ${JSON.stringify(store)}).`, command);
  }
  if (store === 'keyring' && file !== undefined) throw new UsageError('--secret-file is for --store file, not --store keyring.', command);
  if (ctx.env[ENV.clientSecret]) return { kind: 'env' };
  if (store === 'keyring') return { kind: 'keyring' };
  const path = resolve(file ?? defaultSecretFile(ctx.env));
  if (existsSync(path)) return { kind: 'file', path };
  if (file !== undefined) throw new UsageError(`--secret-file ${path} does not exist. Store the secret there first with \`o365-mailer secret set --file ${path}\`.`, command);
  return { kind: ctx.stdinIsTTY ? 'prompt' : 'missing' };
}

/**
 * Builds the mailer configuration from flags and the environment (flags win), and finds the client secret:
 * AZURE_CLIENT_SECRET, else the secret store, else a hidden prompt on a terminal. Everything missing is reported
 * in one usage error naming the flag and the environment variable.
 */
export async function resolveMailerConfig(ctx: CliContext, values: ParsedValues, command: string): Promise<O365OAuthMailerConfig> {
  const tenantId = fromFlagOrEnv(ctx, values, 'tenant-id', ENV.tenantId);
  const clientId = fromFlagOrEnv(ctx, values, 'client-id', ENV.clientId);
  const sender = fromFlagOrEnv(ctx, values, 'sender', ENV.sender);
  const cloud = parseCloud(values, command);
  const timeoutMs = intOption(values, 'timeout-ms', 1, 600_000, command);
  const maxRetries = intOption(values, 'max-retries', 0, 20, command);
  const plan = planSecret(ctx, values, command);

  const missing: string[] = [];
  if (!tenantId) missing.push(`the Directory (tenant) ID (step 1): pass --tenant-id or set ${ENV.tenantId}`);
  if (!clientId) missing.push(`the Application (client) ID (step 1): pass --client-id or set ${ENV.clientId}`);
  if (!sender) missing.push(`the sending mailbox (step 6): pass --sender or set ${ENV.sender}`);
  if (plan.kind === 'missing') {
    missing.push(
      `the client secret (step 5): set ${ENV.clientSecret}, or store it with \`o365-mailer secret set\` (no flag: flags end up in shell history); or a certificate: --certificate or ${ENV.certificatePath}; or ${ENV.federatedTokenFile}`,
    );
  }
  if (missing.length > 0 || !tenantId || !clientId || !sender) {
    throw new UsageError(`Missing configuration:\n${missing.map((m) => `  - ${m}`).join('\n')}`, command);
  }

  const config: O365OAuthMailerConfig = { authType: 'oauth2', tenantId, clientId, sender };
  if (cloud !== undefined) config.cloud = cloud;
  if (timeoutMs !== undefined) config.timeoutMs = timeoutMs;
  if (maxRetries !== undefined) config.retry = { maxRetries };
  const expires = str(values, 'secret-expires-at');
  if (expires !== undefined) config.secretExpiresAt = expires;
  const proxy = str(values, 'proxy');
  if (proxy !== undefined) config.proxy = proxy;
  const caFile = str(values, 'ca-file');
  if (caFile !== undefined) {
    try {
      config.tls = { ca: readFileSync(caFile, 'utf8') };
    } catch (e) {
      throw new UsageError(`--ca-file ${caFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, command);
    }
  }
  if (flag(values, 'debug') || flag(values, 'verbose')) config.logger = cliLogger(ctx, flag(values, 'debug') ? 'debug' : 'info');
  const secretName = str(values, 'secret-name');
  if (secretName !== undefined) config.secretName = secretName;

  switch (plan.kind) {
    case 'certificate': {
      const passphrase = ctx.env[ENV.certificatePassword];
      if (passphrase) ctx.protect(passphrase);
      config.clientCertificate = { path: plan.path as string, ...(passphrase ? { passphrase } : {}) };
      break;
    }
    case 'federated':
      config.federatedTokenFile = plan.path as string;
      break;
    case 'env': {
      const secret = ctx.env[ENV.clientSecret] as string;
      ctx.protect(secret);
      config.clientSecret = secret;
      break;
    }
    case 'keyring':
      config.secretStore = new KeyringSecretStore();
      break;
    case 'file': {
      const path = plan.path as string;
      const passphrase = await passphraseFor(ctx, path, command);
      config.secretStore = new EncryptedFileSecretStore({ path, passphrase });
      break;
    }
    case 'prompt': {
      const secret = (await promptHidden(ctx, "Client secret (the Value from step 5; input is hidden): ")).trim();
      if (!secret) throw new UsageError('No client secret was entered.', command);
      ctx.protect(secret);
      config.clientSecret = secret;
      break;
    }
  }
  return config;
}

/** A CONFIG_INVALID error as a usage error that names the flag and environment variable to correct. */
export function configUsageError(error: MailerError, command: string, secrets: readonly string[]): UsageError {
  const text = `${forShell(error.message)}${error.fix ? `\n  Fix: ${forShell(error.fix)}` : ''}`;
  return new UsageError(scrub(text, secrets), command);
}

/** Constructs the mailer; a configuration the library refuses is a usage error (exit code 2). */
export function createMailer(ctx: CliContext, config: O365OAuthMailerConfig, command: string): O365OAuthMailer {
  try {
    return new O365OAuthMailer(config);
  } catch (e) {
    if (e instanceof MailerError && e.code === 'CONFIG_INVALID') throw configUsageError(e, command, ctx.secrets);
    throw e;
  }
}
