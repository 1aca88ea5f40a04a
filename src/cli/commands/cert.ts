import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createSelfSignedCertificate } from '../../auth/x509';
import { HELP_OPTION, flag, intOption, parseCommandArgs, str } from '../args';
import { palette, shellQuote } from '../format';
import { UsageError, type CliContext } from '../io';

export const CERT_HELP = `Usage: o365-mailer cert create [--days <n>] [--out <dir>] [--subject <name>]

Makes an RSA 2048 key pair and a self-signed certificate, so the app can sign in with a certificate
instead of a client secret (Microsoft's recommendation for production). Writes two files:

  o365-mailer.cer       the public certificate: upload it in the app registration under
                        Certificates & secrets › Certificates (step 5)
  o365-mailer-key.pem   the private key and the certificate, mode 0600: give it to the mailer
                        (--certificate, AZURE_CLIENT_CERTIFICATE_PATH or clientCertificate: { path })

and prints the SHA-256 thumbprint the portal shows for it. Existing files are never overwritten.

Options:
  --days <n>         validity in days, 1 to 730 (default 365; Microsoft allows up to 2 years for apps)
  --out <dir>        where to write the files (default: the current directory)
  --subject <name>   the certificate's subject (default CN=o365-oauth-mailer)
  -h, --help         show this help

Exit codes: 0 done, 1 the files could not be written, 2 usage error.
`;

const OPTIONS = { ...HELP_OPTION, days: { type: 'string' }, out: { type: 'string' }, subject: { type: 'string' } } as const;

/** Creates a file that must not exist yet, with `mode` (0600 for the key), and writes `text`. */
async function writeNew(path: string, text: string, mode: number): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(text);
    await handle.chmod(mode); // the umask may have narrowed or widened nothing, but be explicit
  } finally {
    await handle.close();
  }
}

export async function certCommand(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    ctx.out(CERT_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'create') throw new UsageError(`Unknown subcommand ${JSON.stringify(sub)}: use \`o365-mailer cert create\`.`, 'cert');
  const values = parseCommandArgs(rest, OPTIONS, 'cert create');
  if (flag(values, 'help')) {
    ctx.out(CERT_HELP);
    return 0;
  }
  const days = intOption(values, 'days', 1, 730, 'cert create') ?? 365;
  const subject = str(values, 'subject') ?? 'CN=o365-oauth-mailer';
  if (!/^[A-Za-z]+=/.test(subject)) throw new UsageError(`--subject must be a distinguished name such as CN=o365-oauth-mailer (got ${JSON.stringify(subject)}).`, 'cert create');
  const out = resolve(str(values, 'out') ?? '.');
  const certPath = join(out, 'o365-mailer.cer');
  const keyPath = join(out, 'o365-mailer-key.pem');

  const made = await createSelfSignedCertificate({ days, subject });
  ctx.protect(made.privateKeyPem);
  try {
    await mkdir(out, { recursive: true });
    await writeNew(keyPath, `${made.privateKeyPem}${made.certificatePem}`, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    ctx.err(`o365-mailer: ${code === 'EEXIST' ? `${keyPath} already exists; nothing was written (move it away or use --out).` : `cannot write ${keyPath} (${code ?? 'error'}).`}\n`);
    return 1;
  }
  try {
    await writeNew(certPath, made.certificatePem, 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    ctx.err(`o365-mailer: ${code === 'EEXIST' ? `${certPath} already exists; the key was written to ${keyPath}, the certificate was not.` : `cannot write ${certPath} (${code ?? 'error'}).`}\n`);
    return 1;
  }
  const p = palette(ctx.color);
  const thumbprint = made.thumbprintSha256.toUpperCase();
  ctx.out(
    [
      `${p.green('✔')} Created a self-signed certificate for ${made.subject}, valid until ${made.notAfter.toISOString().slice(0, 10)} (${days} days).`,
      '',
      `  Upload:       ${certPath}`,
      '                in the app registration: Certificates & secrets › Certificates › Upload certificate (step 5)',
      `  Thumbprint:   ${thumbprint} (SHA-256; the portal shows it after the upload)`,
      `  Private key:  ${keyPath} (mode 0600; keep it on this server, never upload it)`,
      '',
      'Then sign in with the certificate instead of a client secret:',
      `  AZURE_CLIENT_CERTIFICATE_PATH=${shellQuote(keyPath)} o365-mailer verify --to <address>`,
      '',
    ].join('\n'),
  );
  return 0;
}
