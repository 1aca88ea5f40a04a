import { readFile, stat } from 'node:fs/promises';
import { MailerError } from '../../errors/mailer-error';
import { scrub } from '../../errors/redact';
import type { MailMessage, SendProgress, SendResult } from '../../message/types';
import { HELP_OPTION, flag, list, parseCommandArgs, str } from '../args';
import { CONFIG_HELP, CONFIG_OPTIONS, createMailer, resolveMailerConfig } from '../config';
import { formatError, formatSendResult, progressLine } from '../format';
import { UsageError, type CliContext } from '../io';
import { errorJsonForShell } from '../wording';

export const SEND_HELP = `Usage: o365-mailer send --to <address> [--to …] [--cc …] [--bcc …] --subject <text>
                        [--text <body>] [--html <body> | --html-file <path>] [--attach <file> …] [--json]
                        [configuration]
       o365-mailer send --eml <file.eml> [--json] [configuration]

Sends one message from the configured mailbox through Microsoft Graph. Messages over 4 MB go through a
draft with streamed uploads (needs Mail.ReadWrite); a progress bar shows on stderr when it is a terminal.
With both --text and --html (or --html-file) the message carries both (multipart/alternative, sent as MIME).
--eml sends a prepared RFC 822 message as it is (recipients, subject and Message-ID from its headers; at most
about 3 MB).

Options:
  --to <address>       recipient; repeat, or separate with commas ("Ann Lee <ann@contoso.com>" works)
  --cc <address>       copy recipient; repeatable
  --bcc <address>      blind-copy recipient; repeatable
  --subject <text>     the subject
  --text <body>        plain-text body
  --html <body>        HTML body
  --html-file <path>   HTML body read from a file (UTF-8)
  --attach <file>      attach a file; repeatable
  --eml <file>         send this .eml file as it is, instead of the options above
  --json               print the result (or the error) as JSON on stdout
  -h, --help           show this help

${CONFIG_HELP}

Exit codes: 0 sent, 1 failed (the error's code, step and fix are printed; DELIVERY_UNKNOWN means it may have been sent), 2 usage error.
`;

const OPTIONS = {
  ...CONFIG_OPTIONS,
  ...HELP_OPTION,
  to: { type: 'string', multiple: true },
  cc: { type: 'string', multiple: true },
  bcc: { type: 'string', multiple: true },
  subject: { type: 'string' },
  text: { type: 'string' },
  html: { type: 'string' },
  'html-file': { type: 'string' },
  attach: { type: 'string', multiple: true },
  eml: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The message options --eml cannot be combined with: the .eml file holds all of that. */
const MESSAGE_OPTIONS = ['to', 'cc', 'bcc', 'subject', 'text', 'html', 'html-file', 'attach'];

async function readEml(values: ReturnType<typeof parseCommandArgs>, path: string): Promise<MailMessage> {
  const others = MESSAGE_OPTIONS.filter((o) => (Array.isArray(values[o]) ? (values[o] as unknown[]).length > 0 : values[o] !== undefined));
  if (others.length > 0) {
    throw new UsageError(`--eml sends the file as it is: ${others.map((o) => `--${o}`).join(', ')} cannot be given with it (put them in the .eml).`, 'send');
  }
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => e);
  if (info instanceof Error || !info.isFile()) {
    throw new UsageError(`--eml ${path} is not a readable file${info instanceof Error ? ` (${info.code ?? 'error'})` : ''}.`, 'send');
  }
  return { raw: { path } };
}

async function readMessage(values: ReturnType<typeof parseCommandArgs>): Promise<MailMessage> {
  const eml = str(values, 'eml');
  if (eml !== undefined) return readEml(values, eml);
  const to = list(values, 'to');
  const cc = list(values, 'cc');
  const bcc = list(values, 'bcc');
  const problems: string[] = [];
  if (to.length + cc.length + bcc.length === 0) problems.push('at least one recipient: --to <address> (or --cc/--bcc)');
  const subject = str(values, 'subject');
  if (subject === undefined) problems.push('--subject <text>');
  const bodies = ['text', 'html', 'html-file'].filter((b) => str(values, b) !== undefined);
  if (bodies.length === 0) problems.push('a body: --text <body>, --html <body> or --html-file <path>');
  if (problems.length > 0) throw new UsageError(`Missing ${problems.join('; ')}.`, 'send');
  if (str(values, 'html') !== undefined && str(values, 'html-file') !== undefined) {
    throw new UsageError('Give one HTML body: --html and --html-file were both given (--text may go with either).', 'send');
  }

  const message: MailMessage = { subject: subject as string };
  if (to.length) message.to = to;
  if (cc.length) message.cc = cc;
  if (bcc.length) message.bcc = bcc;
  const text = str(values, 'text');
  const html = str(values, 'html');
  const htmlFile = str(values, 'html-file');
  if (text !== undefined) message.text = text;
  if (html !== undefined) message.html = html;
  if (htmlFile !== undefined) {
    try {
      message.html = await readFile(htmlFile, 'utf8');
    } catch (e) {
      throw new UsageError(`--html-file ${htmlFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, 'send');
    }
  }
  const attach = list(values, 'attach');
  for (const path of attach) {
    const info = await stat(path).catch((e: NodeJS.ErrnoException) => e);
    if (info instanceof Error || !info.isFile()) {
      throw new UsageError(`--attach ${path} is not a readable file${info instanceof Error ? ` (${info.code ?? 'error'})` : ''}.`, 'send');
    }
  }
  if (attach.length) message.attachments = attach.map((path) => ({ path }));
  return message;
}

export async function sendCommand(argv: string[], ctx: CliContext): Promise<number> {
  const values = parseCommandArgs(argv, OPTIONS, 'send');
  if (flag(values, 'help')) {
    ctx.out(SEND_HELP);
    return 0;
  }
  const json = flag(values, 'json');
  const message = await readMessage(values);
  const config = await resolveMailerConfig(ctx, values, 'send');
  const mailer = createMailer(ctx, config, 'send');

  let barShown = false;
  const onProgress = ctx.stderrIsTTY
    ? (progress: SendProgress) => {
        barShown = true;
        ctx.err(progressLine(progress, ctx.io.columns ?? 80, ctx.errColor));
      }
    : undefined;
  let result: SendResult;
  try {
    result = await mailer.send(message, { ...(onProgress ? { onProgress } : {}), ...(ctx.io.signal ? { signal: ctx.io.signal } : {}) });
  } catch (e) {
    if (barShown) ctx.err('\n');
    const error = e instanceof MailerError ? e : new MailerError({ code: 'UNKNOWN', message: scrub(String((e as Error)?.message ?? e), ctx.secrets) }, ctx.secrets);
    if (json) ctx.out(`${JSON.stringify({ ok: false, error: errorJsonForShell(error) }, null, 2)}\n`);
    else ctx.err(formatError(error, ctx.errColor, error.code === 'DELIVERY_UNKNOWN' ? 'Delivery unknown' : 'Not sent'));
    // A message the library refuses before any request (no HTTP status) is a usage error, like a bad flag.
    return error.code === 'MESSAGE_INVALID' && error.status === undefined ? 2 : 1;
  } finally {
    await mailer.close();
  }
  if (barShown) ctx.err('\n');
  ctx.out(json ? `${JSON.stringify(result, null, 2)}\n` : formatSendResult(result, mailer.sender, ctx.color));
  return 0;
}
