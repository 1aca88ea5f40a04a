import { didYouMean } from '../../config/did-you-mean';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { looksLikeGuid } from '../../errors/catalogue';
import { MailerError } from '../../errors/mailer-error';
import { EncryptedFileSecretStore } from '../../secrets/encrypted-file-secret-store';
import { KeyringSecretStore } from '../../secrets/keyring-secret-store';
import { defaultSecretName, type SecretStore } from '../../secrets/secret-store';
import { HELP_OPTION, flag, parseCommandArgs, str, type ParsedValues } from '../args';
import { ENV, defaultSecretFile, fromFlagOrEnv, passphraseFor } from '../config';
import { formatError, palette, shellQuote } from '../format';
import { UsageError, type CliContext } from '../io';
import { promptHidden, readAllStdin } from '../prompt';

export const SECRET_HELP = `Usage: o365-mailer secret set    [--store file|keyring] [--file <path>] [--name <name>]
       o365-mailer secret delete [--store file|keyring] [--file <path>] [--name <name>]

Stores the client secret (the Value from step 5) where \`verify\` and \`send\` find it when
AZURE_CLIENT_SECRET is unset, or removes it. The secret is never printed.

  set      reads the secret at a hidden prompt in a terminal, or from standard input otherwise:
             printf %s "$SECRET" | o365-mailer secret set
  delete   removes it

Options:
  --store <file|keyring>  file (default): an AES-256-GCM encrypted file, unlocked with
                          O365_MAILER_PASSPHRASE or a hidden prompt; keyring: the operating system's
                          credential store (needs the optional package @napi-rs/keyring)
  --file <path>           the encrypted file (default ~/.config/o365-oauth-mailer/secret.enc)
  --name <name>           the secret's name (default o365-oauth-mailer:<tenant>:<client>, from
                          --tenant-id/AZURE_TENANT_ID and --client-id/AZURE_CLIENT_ID)
  --tenant-id <id>        Directory (tenant) ID, for the default name  [env AZURE_TENANT_ID]
  --client-id <id>        Application (client) ID, for the default name [env AZURE_CLIENT_ID]
  -h, --help              show this help

Exit codes: 0 done, 1 the store failed, 2 usage error.
`;

const OPTIONS = {
  ...HELP_OPTION,
  store: { type: 'string' },
  file: { type: 'string' },
  name: { type: 'string' },
  'tenant-id': { type: 'string' },
  'client-id': { type: 'string' },
} as const;

interface Target {
  store: SecretStore;
  name: string;
  /** Where the secret goes, for people. */
  where: string;
  path?: string;
}

function secretName(ctx: CliContext, values: ParsedValues, command: string): string {
  const name = str(values, 'name');
  if (name !== undefined) {
    if (name.trim() === '') throw new UsageError('--name must not be empty.', command);
    return name;
  }
  const tenantId = fromFlagOrEnv(ctx, values, 'tenant-id', ENV.tenantId);
  const clientId = fromFlagOrEnv(ctx, values, 'client-id', ENV.clientId);
  if (!tenantId || !clientId) {
    const missing = [
      !tenantId ? `the Directory (tenant) ID: pass --tenant-id or set ${ENV.tenantId}` : undefined,
      !clientId ? `the Application (client) ID: pass --client-id or set ${ENV.clientId}` : undefined,
    ].filter((m): m is string => m !== undefined);
    throw new UsageError(`The secret's default name needs ${missing.join('; and ')}. Or pass --name <name>.`, command);
  }
  return defaultSecretName(tenantId, clientId);
}

function storeKind(values: ParsedValues, command: string): 'file' | 'keyring' {
  const store = str(values, 'store') ?? 'file';
  if (store !== 'file' && store !== 'keyring') throw new UsageError(`--store must be file or keyring (got ${JSON.stringify(store)}).`, command);
  if (store === 'keyring' && str(values, 'file') !== undefined) throw new UsageError('--file is for --store file, not --store keyring.', command);
  return store;
}

async function readSecret(ctx: CliContext, command: string): Promise<string> {
  const raw = ctx.stdinIsTTY
    ? await promptHidden(ctx, 'Client secret (the Value from step 5; input is hidden): ')
    : await readAllStdin(ctx);
  // A secret Value never has white space around it; a pipe often adds a line break.
  const secret = raw.trim();
  if (!secret) {
    throw new UsageError(
      ctx.stdinIsTTY ? 'No secret was entered; nothing was stored.' : 'Standard input was empty; nothing was stored. Pipe the secret in: printf %s "$SECRET" | o365-mailer secret set',
      command,
    );
  }
  if (/[\r\n]/.test(secret)) throw new UsageError('The input has more than one line; a client secret is one line. Nothing was stored.', command);
  return secret;
}

export async function secretCommand(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    if (sub === undefined) {
      ctx.err(SECRET_HELP);
      return 2;
    }
    ctx.out(SECRET_HELP);
    return 0;
  }
  if (sub !== 'set' && sub !== 'delete') {
    const guess = didYouMean(sub, ['set', 'delete']);
    throw new UsageError(`Unknown subcommand ${JSON.stringify(sub)}: use \`secret set\` or \`secret delete\`.${guess !== undefined ? ` Did you mean \`secret ${guess}\`?` : ''}`, 'secret');
  }
  const command = `secret ${sub}`;
  const values = parseCommandArgs(rest, OPTIONS, command);
  if (flag(values, 'help')) {
    ctx.out(SECRET_HELP);
    return 0;
  }
  const kind = storeKind(values, command);
  const name = secretName(ctx, values, command);
  const path = kind === 'file' ? resolve(str(values, 'file') ?? defaultSecretFile(ctx.env)) : undefined;

  if (sub === 'delete' && path !== undefined && !existsSync(path)) {
    ctx.out(`Nothing to remove: ${path} does not exist.\n`);
    return 0;
  }
  // Read the secret before asking for the passphrase: on a terminal that is the natural order, and a pipe
  // must be drained before anything else.
  const secret = sub === 'set' ? await readSecret(ctx, command) : undefined;
  ctx.protect(secret);

  let target: Target;
  if (path !== undefined) {
    const passphrase = await passphraseFor(ctx, path, command, sub === 'set' && !existsSync(path));
    target = { store: new EncryptedFileSecretStore({ path, passphrase }), name, where: `the encrypted file ${path}`, path };
  } else {
    const store = new KeyringSecretStore();
    target = { store, name, where: `the operating system keyring (service "${store.service}")` };
  }

  const p = palette(ctx.color);
  try {
    if (secret !== undefined) {
      await target.store.set(name, secret);
      ctx.out(`${p.green('✔')} Stored the client secret as "${name}" in ${target.where}.\n`);
      const needed = [
        ...(target.path === undefined ? ['--store keyring'] : []),
        ...(target.path !== undefined && str(values, 'file') !== undefined ? [`--secret-file ${shellQuote(target.path)}`] : []),
        ...(str(values, 'name') !== undefined ? [`--secret-name ${shellQuote(name)}`] : []),
      ];
      const hint = `    \`o365-mailer verify\` and \`o365-mailer send\` read it from there when ${ENV.clientSecret} is unset${needed.length ? ` (with ${needed.join(' ')})` : ''}.\n`;
      ctx.out(hint);
      if (looksLikeGuid(secret)) {
        ctx.err(`${palette(ctx.errColor).yellow('!')} This looks like a GUID: the Secret ID, not the secret's Value. Entra ID rejects the Secret ID (AADSTS7000215); copy the Value column of step 5 instead.\n`);
      }
    } else {
      const had = (await target.store.get(name)) !== undefined;
      await target.store.delete(name);
      ctx.out(had ? `${p.green('✔')} Removed "${name}" from ${target.where}.\n` : `Nothing to remove: ${target.where} holds no "${name}".\n`);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof MailerError)) throw e;
    ctx.err(formatError(e, ctx.errColor, sub === 'set' ? 'Not stored' : 'Not removed'));
    return 1;
  }
}
