import { MailerError } from '../../errors/mailer-error';
import { scrub } from '../../errors/redact';
import type { VerifyReport } from '../../verify/types';
import { HELP_OPTION, flag, parseCommandArgs, str } from '../args';
import { CONFIG_HELP, CONFIG_OPTIONS, createMailer, resolveMailerConfig } from '../config';
import { formatChecklist, formatError } from '../format';
import type { CliContext } from '../io';
import { errorJsonForShell, reportForShell } from '../wording';

export const VERIFY_HELP = `Usage: o365-mailer verify [--to <address>] [--json] [configuration]

Checks the setup in the guide's order (tenant, credentials, Mail.Send permission, redirect URI, secret
expiry) and, with --to, sends a test email. Prints a checklist:
  ✔ pass   ✖ fail   ! warning   – skipped
with the setup step and the fix under each failure or warning.

Options:
  --to <address>   also send a test email to this address (step 6)
  --json           print the report as JSON (VerifyReport) instead of the checklist
  -h, --help       show this help

${CONFIG_HELP}

Without --to the summary reads "Setup checks passed; the sender was not tested: pass --to": only a test
email proves the mailbox, its licence and Exchange's permissions (RBAC for Applications puts no roles in
the token, so a missing Mail.Send role is a warning, not a failure).

Exit codes: 0 no check failed (warnings and skips allowed), 1 a check failed, 2 usage error.
`;

const OPTIONS = { ...CONFIG_OPTIONS, ...HELP_OPTION, to: { type: 'string' }, json: { type: 'boolean' } } as const;

export async function verifyCommand(argv: string[], ctx: CliContext): Promise<number> {
  const values = parseCommandArgs(argv, OPTIONS, 'verify');
  if (flag(values, 'help')) {
    ctx.out(VERIFY_HELP);
    return 0;
  }
  const json = flag(values, 'json');
  const to = str(values, 'to');
  const config = await resolveMailerConfig(ctx, values, 'verify');
  const mailer = createMailer(ctx, config, 'verify');
  let report: VerifyReport;
  try {
    report = await mailer.verify({ ...(to !== undefined ? { to } : {}), ...(ctx.io.signal ? { signal: ctx.io.signal } : {}) });
  } catch (e) {
    // verify() turns setup and network problems into report lines; what remains is cancellation or a bug.
    const error = e instanceof MailerError ? e : new MailerError({ code: 'UNKNOWN', message: scrub(String((e as Error)?.message ?? e), ctx.secrets) }, ctx.secrets);
    if (json) ctx.out(`${JSON.stringify({ ok: false, error: errorJsonForShell(error) }, null, 2)}\n`);
    else ctx.err(formatError(error, ctx.errColor, 'Verification stopped'));
    return 1;
  } finally {
    await mailer.close();
  }
  ctx.out(json ? `${JSON.stringify(reportForShell(report), null, 2)}\n` : formatChecklist(report, ctx.color));
  return report.ok ? 0 : 1;
}
