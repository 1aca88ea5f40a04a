import { didYouMean } from '../config/did-you-mean';
import { scrub } from '../errors/redact';
import { Interrupted, UsageError, createContext, type CliContext, type CliIO } from './io';
import { readVersion } from './version';

export type { CliIO, CliInput, CliOutput } from './io';

export const MAIN_HELP = `Usage: o365-mailer <command> [options]

Send mail from a Microsoft 365 mailbox through Microsoft Graph (OAuth 2.0 client credentials), and check
the setup step by step.

Commands:
  verify     check the setup (tenant, credentials, Mail.Send, secret expiry) and optionally send a test email
  send       send a message, with attachments
  secret     store (\`secret set\`) or remove (\`secret delete\`) the client secret in an encrypted file or the keyring
  cert       make a key pair and a self-signed certificate to sign in without a secret (\`cert create\`)
  emulator   run a local Entra ID + Graph emulator to try everything without a tenant
  outbox     look after a durable outbox: status, list, retry, drop (--db FILE | --redis URL)

Options:
  -h, --help      show help (also: o365-mailer <command> --help)
  -v, --version   print the version

Configuration comes from flags or the environment: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (or
AZURE_CLIENT_CERTIFICATE_PATH, or AZURE_FEDERATED_TOKEN_FILE), O365_SENDER. The client secret is never taken
from a flag.

Exit codes: 0 success, 1 failure (a check failed, or the mail failed: see its code), 2 usage error.
`;

interface Command {
  run(argv: string[], ctx: CliContext): Promise<number>;
  help: string;
}

// Loaded on demand, so `--help` and `--version` do not load msal-node, undici and the rest.
const COMMANDS: Record<string, () => Promise<Command>> = {
  verify: async () => {
    const m = await import('./commands/verify');
    return { run: m.verifyCommand, help: m.VERIFY_HELP };
  },
  send: async () => {
    const m = await import('./commands/send');
    return { run: m.sendCommand, help: m.SEND_HELP };
  },
  secret: async () => {
    const m = await import('./commands/secret');
    return { run: m.secretCommand, help: m.SECRET_HELP };
  },
  cert: async () => {
    const m = await import('./commands/cert');
    return { run: m.certCommand, help: m.CERT_HELP };
  },
  emulator: async () => {
    const m = await import('./commands/emulator');
    return { run: m.emulatorCommand, help: m.EMULATOR_HELP };
  },
  outbox: async () => {
    const m = await import('./commands/outbox');
    return { run: m.outboxCommand, help: m.OUTBOX_HELP };
  },
};

function unknownCommand(name: string): UsageError {
  const guess = didYouMean(name, Object.keys(COMMANDS));
  return new UsageError(`Unknown command ${JSON.stringify(name)}.${guess !== undefined ? ` Did you mean \`o365-mailer ${guess}\`?` : ''}`);
}

/**
 * Runs the `o365-mailer` command line with the given arguments (without `node` and the script) and I/O, and
 * resolves the exit code: 0 success, 1 failure, 2 usage error, 130 interrupted at a prompt. It never throws and
 * never prints the client secret, an access token or the passphrase.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const ctx = createContext(io);
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      ctx.err(MAIN_HELP);
      return 2;
    }
    if (first === '-h' || first === '--help') {
      ctx.out(MAIN_HELP);
      return 0;
    }
    if (first === '-v' || first === '-V' || first === '--version') {
      ctx.out(`${readVersion()}\n`);
      return 0;
    }
    if (first === 'help') {
      const topic = rest[0];
      if (topic === undefined) {
        ctx.out(MAIN_HELP);
        return 0;
      }
      const load = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined;
      if (!load) throw unknownCommand(topic);
      ctx.out((await load()).help);
      return 0;
    }
    const load = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
    if (!load) {
      throw first.startsWith('-') ? new UsageError(`Unknown option ${first.split('=')[0]}: give a command first.`) : unknownCommand(first);
    }
    return await (await load()).run(rest, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.err(`o365-mailer: ${e.message}\n`);
      ctx.err(e.command ? `Run \`o365-mailer ${e.command.split(' ')[0]} --help\` for usage.\n` : 'Run `o365-mailer --help` for usage.\n');
      return 2;
    }
    if (e instanceof Interrupted) return 130;
    const error = e as { code?: unknown; message?: unknown };
    const code = typeof error?.code === 'string' ? `${error.code}: ` : '';
    // A MailerError's wording names configuration fields: a shell user reads flags and variables instead.
    const { forShell } = code ? await import('./wording') : { forShell: (text: string) => text };
    ctx.err(`o365-mailer: ${code}${forShell(scrub(String(error?.message ?? e), ctx.secrets))}\n`);
    const fix = (e as { fix?: unknown })?.fix;
    if (typeof fix === 'string') ctx.err(`Fix: ${forShell(scrub(fix, ctx.secrets))}\n`);
    return 1;
  }
}
