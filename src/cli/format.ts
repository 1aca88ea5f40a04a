import type { MailerError } from '../errors/mailer-error';
import type { SendProgress, SendResult } from '../message/types';
import type { VerifyCheck, VerifyReport } from '../verify/types';
import { errorForShell, reportForShell } from './wording';

/** ANSI colours, applied only when `enabled`. */
export interface Palette {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

function sgr(open: number, close: number, enabled: boolean): (s: string) => string {
  return enabled ? (s) => `\u001b[${open}m${s}\u001b[${close}m` : (s) => s;
}

export function palette(enabled: boolean): Palette {
  return {
    green: sgr(32, 39, enabled),
    red: sgr(31, 39, enabled),
    yellow: sgr(33, 39, enabled),
    dim: sgr(2, 22, enabled),
    bold: sgr(1, 22, enabled),
  };
}

/** The symbol of each check status. */
export const SYMBOLS: Readonly<Record<VerifyCheck['status'], string>> = { pass: '✔', fail: '✖', warn: '!', skip: '–' };

const LABELS: Record<string, string> = {
  tenant: 'Tenant',
  credentials: 'Credentials',
  permission: 'Permission',
  'redirect-uri': 'Redirect URI',
  'secret-expiry': 'Secret expiry',
  'credential-expiry': 'Credential expiry',
  'test-email': 'Test email',
};

function paintStatus(p: Palette, status: VerifyCheck['status'], text: string): string {
  switch (status) {
    case 'pass':
      return p.green(text);
    case 'fail':
      return p.red(text);
    case 'warn':
      return p.yellow(text);
    default:
      return p.dim(text);
  }
}

/**
 * The verify report as a checklist, one line per check, the fix indented under failures and warnings:
 *
 * ```
 * ✔ Tenant (step 1): The tenant … exists in the global cloud (login.microsoftonline.com).
 * ✖ Credentials (step 5) SECRET_INVALID: Entra ID rejected the client secret …
 *     Fix: Enter the client secret's Value from step 5 …
 * ```
 */
export function formatChecklist(original: VerifyReport, color: boolean): string {
  const p = palette(color);
  const report = reportForShell(original);
  const lines: string[] = [];
  for (const check of report.checks) {
    const label = LABELS[check.id] ?? check.id;
    const step = check.step !== undefined ? ` (step ${check.step})` : '';
    const loud = check.status === 'fail' || check.status === 'warn';
    const code = loud && check.code ? ` ${check.code}` : '';
    lines.push(`${paintStatus(p, check.status, SYMBOLS[check.status])} ${p.bold(label)}${p.dim(step)}${paintStatus(p, check.status, code)}: ${check.message}`);
    if (loud && check.fix) lines.push(`    ${p.bold('Fix:')} ${check.fix}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  lines.push('');
  if (failed > 0) {
    lines.push(p.red(`${failed} check${failed === 1 ? '' : 's'} failed${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}.`));
  } else if (report.checks.some((c) => c.id === 'test-email' && c.status !== 'pass')) {
    // Without a test email the mailbox, its licence and Exchange's permissions are unproven: no "all passed".
    const warnings = warned ? `, with ${warned} warning${warned === 1 ? '' : 's'}` : '';
    lines.push(p.yellow(`Setup checks passed${warnings}; the sender was not tested: pass --to.`));
  } else if (warned > 0) {
    lines.push(p.yellow(`All checks passed, with ${warned} warning${warned === 1 ? '' : 's'}.`));
  } else {
    lines.push(p.green('All checks passed.'));
  }
  return lines.join('\n') + '\n';
}

/** A successful send, for people. */
export function formatSendResult(result: SendResult, sender: string, color: boolean): string {
  const p = palette(color);
  const n = result.accepted.length;
  const lines = [
    `${p.green(SYMBOLS.pass)} Sent from ${sender} to ${n} recipient${n === 1 ? '' : 's'} via ${result.route === 'draft' ? 'a draft with uploaded attachments' : 'sendMail'} (${result.attempts} attempt${result.attempts === 1 ? '' : 's'}).`,
    `    Accepted: ${result.accepted.join(', ')}`,
  ];
  if (result.messageId) lines.push(`    Message-ID: ${result.messageId}`);
  if (result.requestId) lines.push(`    Request ID: ${result.requestId}`);
  return lines.join('\n') + '\n';
}

/** A MailerError for people (in the shell's words: flags, not config fields): code, step, message, then the fix and request ID indented. */
export function formatError(original: Pick<MailerError, 'code' | 'message' | 'step' | 'fix' | 'requestId'>, color: boolean, headline = 'Failed'): string {
  const p = palette(color);
  const error = errorForShell(original);
  const step = error.step !== undefined ? `, step ${error.step}` : '';
  const lines = [`${p.red(SYMBOLS.fail)} ${headline} (${p.bold(error.code)}${step}): ${error.message}`];
  if (error.fix) lines.push(`    ${p.bold('Fix:')} ${error.fix}`);
  if (error.requestId) lines.push(`    Request ID: ${error.requestId}`);
  return lines.join('\n') + '\n';
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** One frame of the upload progress bar: starts with `\r` and clears the rest of the line. */
export function progressLine(progress: SendProgress, columns = 80, color = false): string {
  const p = palette(color);
  const total = Math.max(progress.totalBytes, 0);
  const ratio = total === 0 ? 1 : Math.min(Math.max(progress.sentBytes / total, 0), 1);
  const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
  const text = ` ${pct} ${mib(progress.sentBytes)} / ${mib(total)}`;
  const width = Math.max(10, Math.min(40, columns - text.length - 14));
  const filled = Math.round(ratio * width);
  return `\r\u001b[2KUploading [${p.green('█'.repeat(filled))}${p.dim('░'.repeat(width - filled))}]${text}`;
}

/** Quotes a value for a POSIX shell only when it needs it. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
