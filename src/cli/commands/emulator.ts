import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Emulator, EmulatorOptions } from '../../emulator/types';
import { HELP_OPTION, flag, intOption, list, parseCommandArgs, str } from '../args';
import { ENV } from '../config';
import { emulatorOptionsFrom, readEmulatorState, writeEmulatorState, type EmulatorState } from '../emulator-state';
import { palette, shellQuote } from '../format';
import { UsageError, type CliContext } from '../io';

export const EMULATOR_HELP = `Usage: o365-mailer emulator [--port <n>] [--state <file>] [--grant <permission> …] [--fault <kind>[=<n>] …]
                            [--mailbox <address> …] [--http [--http-port <n>]] [--json]

Starts a local emulator of Entra ID and Microsoft Graph mail on https://127.0.0.1 with one working setup
(tenant, app registration with Mail.Send, mailbox), and prints what to point the CLI at it: the environment
variables, --authority-host, --graph-endpoint and --ca-file, and how to trust its certificate. Its client
secret is a fake test value. Mail it accepts shows on its mailbox page and in its JSON API.
Runs until Ctrl+C (SIGINT) or SIGTERM.

Options:
  --port <n>            TCP port on 127.0.0.1 (default: a free port)
  --state <file>        keep the port, tenant, client ID, secret, permissions, mailboxes and certificate in
                        this file (created on first use, mode 600): restart with it and nothing needs
                        re-exporting
  --grant <permission>  also consent to this Graph application permission, e.g. Mail.ReadWrite (the
                        large-attachment route); repeatable; kept in --state
  --fault <kind>[=<n>]  answer the next n requests with a fault (default 1); repeatable. Kinds:
                        throttle (429 + Retry-After), unavailable (503), gateway-timeout (504),
                        drop-after-accept (deliver, then drop the connection), hang, fail-chunk (upload)
  --mailbox <address>   another licensed mailbox; repeatable; kept in --state
  --http                also serve the mailbox page over plain HTTP on 127.0.0.1 (no certificate warning)
  --http-port <n>       its port (default: a free port)
  --json                print the connection details as one JSON line instead
  -h, --help            show this help

JSON API for the captured mail (https URL, or the --http one):
  GET /_emulator/messages                      newest first: { total, messages: [summary…] }
  GET /_emulator/messages/<id>                 one message with its body
  GET /_emulator/messages/<id>/attachments/<i> an attachment's bytes
  DELETE /_emulator/messages                   remove every message

Exit codes: 0 stopped, 1 the emulator could not start (e.g. the port is in use), 2 usage error.
`;

const OPTIONS = {
  ...HELP_OPTION,
  port: { type: 'string' },
  state: { type: 'string' },
  grant: { type: 'string', multiple: true },
  fault: { type: 'string', multiple: true },
  mailbox: { type: 'string', multiple: true },
  http: { type: 'boolean' },
  'http-port': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The fault kinds of `--fault`, as the emulator's fault methods. */
const FAULTS = {
  throttle: 'throttle',
  unavailable: 'unavailable',
  'gateway-timeout': 'gatewayTimeout',
  'drop-after-accept': 'dropAfterAccept',
  hang: 'hang',
  'fail-chunk': 'failChunk',
} as const;
type FaultFlag = keyof typeof FAULTS;

function parseFaults(values: string[]): Array<[FaultFlag, number]> {
  return values.map((value) => {
    const [kind = '', count = '1'] = value.split('=');
    if (!Object.hasOwn(FAULTS, kind)) {
      throw new UsageError(`--fault ${JSON.stringify(value)}: the kind must be one of ${Object.keys(FAULTS).join(', ')}.`, 'emulator');
    }
    if (!/^\d+$/.test(count) || Number(count) < 1 || Number(count) > 1000) {
      throw new UsageError(`--fault ${value}: the count after = must be a whole number from 1 to 1000.`, 'emulator');
    }
    return [kind as FaultFlag, Number(count)];
  });
}

const PERMISSION = /^[A-Za-z]+(\.[A-Za-z]+)+$/;

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

function stateOf(emulator: Emulator, port: number, tls: { key: string; cert: string }, roles: string[], mailboxes: string[]): EmulatorState {
  return {
    version: 1,
    port,
    tenantId: emulator.tenantId,
    ...(emulator.tenantDomain ? { tenantDomain: emulator.tenantDomain } : {}),
    clientId: emulator.clientId,
    secret: { value: emulator.clientSecret, id: emulator.secretId },
    roles,
    mailboxes,
    tls,
  };
}

export async function emulatorCommand(argv: string[], ctx: CliContext): Promise<number> {
  const values = parseCommandArgs(argv, OPTIONS, 'emulator');
  if (flag(values, 'help')) {
    ctx.out(EMULATOR_HELP);
    return 0;
  }
  const portFlag = intOption(values, 'port', 0, 65535, 'emulator');
  const httpPort = intOption(values, 'http-port', 0, 65535, 'emulator');
  if (httpPort !== undefined && !flag(values, 'http')) throw new UsageError('--http-port goes with --http.', 'emulator');
  const grants = list(values, 'grant');
  for (const g of grants) if (!PERMISSION.test(g)) throw new UsageError(`--grant ${JSON.stringify(g)} is not a permission name such as Mail.ReadWrite.`, 'emulator');
  const faults = parseFaults(list(values, 'fault'));
  const extraMailboxes = list(values, 'mailbox');
  for (const m of extraMailboxes) if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(m)) throw new UsageError(`--mailbox ${JSON.stringify(m)} is not an address.`, 'emulator');
  const statePath = str(values, 'state') !== undefined ? resolve(str(values, 'state') as string) : undefined;

  // Loaded on demand: the emulator (and its certificate generator) is not needed by any other command.
  const { startEmulator } = await import('../../emulator/index');
  const { generateTlsMaterial } = await import('../../emulator/tls-certificate');
  const saved = statePath !== undefined ? await readEmulatorState(statePath) : undefined;
  const tls = saved?.tls ?? (await generateTlsMaterial(statePath !== undefined ? 365 : 2));
  const port = portFlag ?? saved?.port ?? 0;
  const roles = [...new Set([...(saved?.roles ?? ['Mail.Send']), ...grants])];
  const options: EmulatorOptions = { port, tls, ...(saved ? emulatorOptionsFrom(saved) : {}), ...(flag(values, 'http') ? { httpPort: httpPort ?? 0 } : {}) };
  let emulator: Emulator;
  try {
    emulator = await startEmulator(options);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      ctx.err(`o365-mailer: ${(e as Error).message.replace('Choose another port, or 0 for a free one.', 'Choose another with --port <n>, or leave --port out for a free one.')}\n`);
      return 1;
    }
    throw e;
  }
  const mailboxes = [...new Set([...(saved?.mailboxes ?? [emulator.sender]), ...extraMailboxes])];
  emulator.grant(emulator.clientId, roles);
  for (const m of mailboxes) emulator.updateMailbox(m, {});
  for (const [kind, count] of faults) emulator.faults[FAULTS[kind]](count);

  const dir = statePath === undefined ? await mkdtemp(join(tmpdir(), 'o365-emulator-')) : undefined;
  const caFile = dir !== undefined ? join(dir, 'emulator-ca.pem') : `${(statePath as string).replace(/\.json$/i, '')}-ca.pem`;
  try {
    await writeFile(caFile, emulator.ca, { mode: 0o644 });
    if (statePath !== undefined) await writeEmulatorState(statePath, stateOf(emulator, Number(new URL(emulator.url).port), tls, roles, mailboxes));
    const mailboxPage = `${emulator.url}/`;
    const q = shellQuote;
    if (flag(values, 'json')) {
      ctx.out(
        `${JSON.stringify({
          url: emulator.url,
          mailboxPage,
          ...(emulator.httpUrl ? { httpMailboxPage: `${emulator.httpUrl}/` } : {}),
          messagesApi: `${emulator.httpUrl ?? emulator.url}/_emulator/messages`,
          tenantId: emulator.tenantId,
          clientId: emulator.clientId,
          clientSecret: emulator.clientSecret,
          sender: emulator.sender,
          mailboxes,
          permissions: roles,
          authorityHost: emulator.url,
          graphEndpoint: emulator.url,
          caFile,
          nodeExtraCaCerts: `NODE_EXTRA_CA_CERTS=${q(caFile)}`,
          ...(statePath !== undefined ? { state: statePath } : {}),
        })}\n`,
      );
    } else {
      const p = palette(ctx.color);
      ctx.out(
        [
          `${p.green('✔')} Microsoft 365 emulator running at ${p.bold(emulator.url)}`,
          `  Mailbox page: ${mailboxPage}${emulator.httpUrl ? `  (without a certificate warning: ${emulator.httpUrl}/)` : ''}`,
          `  Messages as JSON: ${emulator.httpUrl ?? emulator.url}/_emulator/messages`,
          `  Permissions: ${roles.join(', ') || 'none consented'}; mailboxes: ${mailboxes.join(', ')}`,
          ...(faults.length ? [`  Faults queued: ${faults.map(([k, n]) => `${k}×${n}`).join(', ')}`] : []),
          ...(statePath !== undefined ? [`  State kept in ${statePath}: restart with the same --state and nothing below changes.`] : []),
          '',
          'Point o365-mailer at it (the client secret below is the emulator\'s fake test secret, not a real one):',
          '',
          `  export ${ENV.tenantId}=${q(emulator.tenantId)}`,
          `  export ${ENV.clientId}=${q(emulator.clientId)}`,
          `  export ${ENV.clientSecret}=${q(emulator.clientSecret)}`,
          `  export ${ENV.sender}=${q(emulator.sender)}`,
          `  o365-mailer verify --authority-host ${q(emulator.url)} --graph-endpoint ${q(emulator.url)} --ca-file ${q(caFile)} --to ${q(emulator.sender)}`,
          '',
          `  (the same three flags work for \`o365-mailer send\`)`,
          '',
          `Its certificate is in ${caFile}. To trust it in any Node.js program (your application without tls.ca):`,
          `  export NODE_EXTRA_CA_CERTS=${q(caFile)}`,
          `or pass --ca-file ${q(caFile)} to o365-mailer, or tls: { ca: fs.readFileSync(caFile, 'utf8') } to the library.`,
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
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    if (!flag(values, 'json')) ctx.err('Emulator stopped.\n');
  }
}
