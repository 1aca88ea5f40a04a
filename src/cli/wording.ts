import type { MailerError } from '../errors/mailer-error';
import type { VerifyReport } from '../verify/types';

/**
 * The library's messages name its configuration fields (`tls.ca`, `secretExpiresAt`); a shell user sets flags and
 * environment variables instead. Each phrase is rewritten whole where the verb changes too, then every remaining
 * field name is replaced by its flag or variable.
 */
const PHRASES: ReadonlyArray<[RegExp, string]> = [
  [/a proxy \(set `proxy` or HTTPS_PROXY\)/g, 'a proxy (pass `--proxy` or set HTTPS_PROXY)'],
  [/trusted through `tls\.ca`/g, 'trusted with `--ca-file`'],
  [/set `cloud` to/g, 'pass `--cloud`'],
  [/set `cloud` accordingly/g, 'pass `--cloud usgov`, `--cloud usgov-dod` or `--cloud china` accordingly'],
  [/raise `timeoutMs`/g, 'raise `--timeout-ms`'],
  [/No `secretExpiresAt` configured: set it to/g, 'No `--secret-expires-at` given: pass it with'],
  [/set `secretExpiresAt` to be warned/g, 'pass `--secret-expires-at` to be warned'],
  [/update `secretExpiresAt`/g, 'update `--secret-expires-at`'],
  [/\(`clientSecret`, or store it with/g, `(set AZURE_CLIENT_SECRET, or store it with`],
  [/share one mailer per process and a `tokenCache` between processes/g, 'run fewer o365-mailer commands at once'],
  [/Raise `retry\.maxRetries` to wait longer/g, 'Raise `--max-retries` to wait longer'],
  [/Pass the root certificate's PEM text, e\.g\. fs\.readFileSync\('corp-root\.pem'\)\./g, 'Give `--ca-file` a PEM file holding the root certificate(s), each starting with -----BEGIN CERTIFICATE-----.'],
];

/** Each configuration field, as a shell user sets it. */
export const SHELL_NAMES: Readonly<Record<string, string>> = {
  authType: 'OAuth 2.0',
  tenantId: '`--tenant-id` (or AZURE_TENANT_ID)',
  clientId: '`--client-id` (or AZURE_CLIENT_ID)',
  clientSecret: 'AZURE_CLIENT_SECRET (or the secret store)',
  secretStore: 'the secret store (`o365-mailer secret set`)',
  secretName: '`--secret-name`',
  secretExpiresAt: '`--secret-expires-at`',
  sender: '`--sender` (or O365_SENDER)',
  cloud: '`--cloud`',
  'cloud.authorityHost': '`--authority-host`',
  'cloud.graphEndpoint': '`--graph-endpoint`',
  timeoutMs: '`--timeout-ms`',
  tls: '`--ca-file`',
  'tls.ca': '`--ca-file`',
  proxy: '`--proxy`',
  'retry.maxRetries': '`--max-retries`',
  clientCertificate: '`--certificate` (or AZURE_CLIENT_CERTIFICATE_PATH)',
  'clientCertificate.path': '`--certificate` (or AZURE_CLIENT_CERTIFICATE_PATH)',
  'clientCertificate.passphrase': 'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  federatedTokenFile: 'AZURE_FEDERATED_TOKEN_FILE',
  to: '`--to`',
};

/** A library message or fix, with flags and environment variables in place of configuration fields. */
export function forShell(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PHRASES) out = out.replace(pattern, replacement);
  return out.replace(/`([\w.]+)`/g, (whole, field: string) => SHELL_NAMES[field] ?? whole);
}

/** What {@link formatError} prints of an error. */
export type PrintableError = Pick<MailerError, 'code' | 'message' | 'step' | 'fix' | 'requestId'>;

/** A MailerError's printable fields, reworded for the shell. */
export function errorForShell(error: PrintableError): PrintableError {
  return {
    code: error.code,
    message: forShell(error.message),
    ...(error.step !== undefined ? { step: error.step } : {}),
    ...(error.fix !== undefined ? { fix: forShell(error.fix) } : {}),
    ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
  };
}

/** A MailerError as `--json` prints it: its JSON, reworded for the shell. */
export function errorJsonForShell(error: MailerError): Record<string, unknown> {
  const json = error.toJSON() as Record<string, unknown>;
  if (typeof json.message === 'string') json.message = forShell(json.message);
  if (typeof json.fix === 'string') json.fix = forShell(json.fix);
  return json;
}

/** The verify report, reworded for the shell: the checklist and `--json` alike. */
export function reportForShell(report: VerifyReport): VerifyReport {
  return {
    ...report,
    checks: report.checks.map((c) => ({ ...c, message: forShell(c.message), ...(c.fix !== undefined ? { fix: forShell(c.fix) } : {}) })),
  };
}
