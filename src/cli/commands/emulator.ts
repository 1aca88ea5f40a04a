import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELP_OPTION, flag, intOption, parseCommandArgs } from '../args';
import { ENV } from '../config';
import { palette, shellQuote } from '../format';
import type { CliContext } from '../io';

export const EMULATOR_HELP = `Usage: o365-mailer emulator [--port <n>] [--json]

Starts a local emulator of Entra ID and Microsoft Graph mail on https://127.0.0.1 with one working setup
(tenant, app registration with Mail.Send, mailbox), and prints what to point the CLI at it: the environment
variables and --authority-host, --graph-endpoint and --ca-file (its self-signed certificate, written to a
temporary file). Its client secret is a fake test value. Mail it accepts shows on its mailbox page.
Runs until Ctrl+C (SIGINT) or SIGTERM.

Options:
  --port <n>   TCP port on 127.0.0.1 (default: a free port)
  --json       print the connection details as one JSON line instead
  -h, --help   show this help
`;

const OPTIONS = { ...HELP_OPTION, port: { type: 'string' }, json: { type: 'boolean' } } as const;

/** Resolves on io.signal, or else on SIGINT/SIGTERM. */
function untilStopped(ctx: CliContext): Promise<string> {
  return new Promise<string>((resolve) => {
    const signal = ctx.io.signal;
    if (signal) {
      if (signal.aborted) resolve('abort');
      else signal.addEventListener('abort', () => resolve('abort'), { once: true });
      return;
    }
    const stop = (name: string) => {
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      resolve(name);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

export async function emulatorCommand(argv: string[], ctx: CliContext): Promise<number> {
  const values = parseCommandArgs(argv, OPTIONS, 'emulator');
  if (flag(values, 'help')) {
    ctx.out(EMULATOR_HELP);
    return 0;
  }
  const port = intOption(values, 'port', 0, 65535, 'emulator') ?? 0;
  // Loaded on demand: the emulator (and its certificate generator) is not needed by any other command.
  const { startEmulator } = await import('../../emulator/index');
  const emulator = await startEmulator({ port });
  const dir = await mkdtemp(join(tmpdir(), 'o365-emulator-'));
  const caFile = join(dir, 'emulator-ca.pem');
  try {
    await writeFile(caFile, emulator.ca, { mode: 0o644 });
    const mailboxPage = `${emulator.url}/`;
    if (flag(values, 'json')) {
      ctx.out(
        `${JSON.stringify({
          url: emulator.url,
          mailboxPage,
          tenantId: emulator.tenantId,
          clientId: emulator.clientId,
          clientSecret: emulator.clientSecret,
          sender: emulator.sender,
          authorityHost: emulator.url,
          graphEndpoint: emulator.url,
          caFile,
        })}\n`,
      );
    } else {
      const p = palette(ctx.color);
      const q = shellQuote;
      ctx.out(
        [
          `${p.green('✔')} Microsoft 365 emulator running at ${p.bold(emulator.url)}`,
          `  Mailbox page: ${mailboxPage}`,
          '',
          'Point o365-mailer at it (the client secret below is the emulator\'s fake test secret, not a real one):',
          '',
          `  export ${ENV.tenantId}=${q(emulator.tenantId)}`,
          `  export ${ENV.clientId}=${q(emulator.clientId)}`,
          `  export ${ENV.clientSecret}=${q(emulator.clientSecret)}`,
          `  export ${ENV.sender}=${q(emulator.sender)}`,
          `  o365-mailer verify --authority-host ${q(emulator.url)} --graph-endpoint ${q(emulator.url)} --ca-file ${q(caFile)} --to ${q(emulator.sender)}`,
          '',
          `  (the same three flags work for \`o365-mailer send\`; the CA certificate is at ${caFile})`,
          '',
          'Press Ctrl+C to stop.',
          '',
        ].join('\n'),
      );
    }
    await untilStopped(ctx);
    return 0;
  } finally {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
    if (!flag(values, 'json')) ctx.err('Emulator stopped.\n');
  }
}
