import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSecretName } from '../../src/secrets/secret-store';
import { CLIENT, SECRET, TENANT, openIdConfig, tokenEndpoint, tokenReply } from '../helpers/microsoft';
import { ENV, cli, fakeTerminal, tempDir } from './cli-harness';

const PASSPHRASE = 'correct horse battery staple';
const NAME = defaultSecretName(TENANT, CLIENT);

/** The environment of a machine where the secret lives in the store, not in AZURE_CLIENT_SECRET. */
function storeEnv(home: string, extra: Record<string, string | undefined> = {}) {
  return { ...ENV, HOME: home, AZURE_CLIENT_SECRET: undefined, O365_MAILER_PASSPHRASE: PASSPHRASE, ...extra };
}

function expectNoLeak(...outputs: string[]) {
  for (const text of outputs) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(PASSPHRASE);
  }
}

describe('o365-mailer secret', () => {
  it('set reads a piped secret into the default encrypted file, and verify then reads it from there', async () => {
    const home = await tempDir();
    const set = await cli(['secret', 'set'], { env: storeEnv(home), stdin: `${SECRET}\n` });
    expect(set.code).toBe(0);
    const path = join(home, '.config', 'o365-oauth-mailer', 'secret.enc');
    expect(set.stdout).toContain(`Stored the client secret as "${NAME}" in the encrypted file ${path}`);
    expectNoLeak(set.stdout, set.stderr);
    expect(existsSync(path)).toBe(true);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await readFile(path)).includes(Buffer.from(SECRET))).toBe(false);

    openIdConfig();
    let form: URLSearchParams | undefined;
    tokenEndpoint().reply(200, (_uri, body) => {
      form = new URLSearchParams(body as string);
      return tokenReply();
    });
    const verify = await cli(['verify'], { env: storeEnv(home) });
    expect(verify.code).toBe(0);
    // Exactly the piped value: the trailing line break is not part of the secret.
    expect(form?.get('client_secret')).toBe(SECRET);
    expectNoLeak(verify.stdout, verify.stderr);

    // Without the passphrase and no terminal to ask on: a usage error naming the variable.
    const locked = await cli(['verify'], { env: storeEnv(home, { O365_MAILER_PASSPHRASE: undefined }) });
    expect(locked.code).toBe(2);
    expect(locked.stderr).toContain('O365_MAILER_PASSPHRASE');

    // A wrong passphrase: the credentials check fails with SECRET_STORE_LOCKED.
    openIdConfig();
    const wrong = await cli(['verify', '--json'], { env: storeEnv(home, { O365_MAILER_PASSPHRASE: 'not the passphrase' }) });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).checks[1]).toMatchObject({ id: 'credentials', status: 'fail', code: 'SECRET_STORE_LOCKED', step: 5 });

    const del = await cli(['secret', 'delete'], { env: storeEnv(home) });
    expect(del.code).toBe(0);
    expect(del.stdout).toContain(`Removed "${NAME}" from the encrypted file ${path}`);
    expectNoLeak(del.stdout, del.stderr);

    const none = await cli(['secret', 'delete', '--file', join(home, 'none.enc')], { env: storeEnv(home) });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('Nothing to remove:');
  });

  it('--file and --name place it elsewhere; verify finds it with --secret-file and --secret-name', async () => {
    const dir = await tempDir();
    const file = join(dir, 'nested', 'mailer.enc');
    const set = await cli(['secret', 'set', '--file', file, '--name', 'lab-mailer'], { env: storeEnv(dir, { AZURE_TENANT_ID: undefined, AZURE_CLIENT_ID: undefined }), stdin: SECRET });
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`--secret-file ${file}`);
    expect(set.stdout).toContain('--secret-name lab-mailer');

    openIdConfig();
    let form: URLSearchParams | undefined;
    tokenEndpoint().reply(200, (_uri, body) => ((form = new URLSearchParams(body as string)), tokenReply()));
    const verify = await cli(['verify', '--secret-file', file, '--secret-name', 'lab-mailer'], { env: storeEnv(dir) });
    expect(verify.code).toBe(0);
    expect(form?.get('client_secret')).toBe(SECRET);
  });

  it('set on a terminal reads the secret and the passphrase at hidden prompts (raw mode, nothing echoed)', async () => {
    const home = await tempDir();
    const terminal = fakeTerminal([`${SECRET}\r`, `${PASSPHRASE}\r`, `${PASSPHRASE}\r`]);
    const env = storeEnv(home, { O365_MAILER_PASSPHRASE: undefined });
    const r = await cli(['secret', 'set'], { env, stdin: terminal, tty: { stdin: true, stdout: true, stderr: true } });
    expect(r.code).toBe(0);
    expect(terminal.rawModes).toEqual([true, false, true, false, true, false]);
    expect(r.stderr).toContain('Client secret (the Value from step 5; input is hidden): ');
    expect(r.stderr).toContain('Passphrase for ');
    expect(r.stderr).toContain('Repeat the passphrase: ');
    expectNoLeak(r.stdout, r.stderr);
    expect(r.stdout).toContain(`Stored the client secret as "${NAME}"`);
    expect(existsSync(join(home, '.config', 'o365-oauth-mailer', 'secret.enc'))).toBe(true);
  });

  it('Ctrl+C at the prompt stops with exit code 130 and stores nothing', async () => {
    const home = await tempDir();
    const terminal = fakeTerminal(['abc\u0003']);
    const r = await cli(['secret', 'set'], { env: storeEnv(home), stdin: terminal, tty: { stdin: true } });
    expect(r.code).toBe(130);
    expect(existsSync(join(home, '.config'))).toBe(false);
  });

  it('warns when the piped value looks like the Secret ID (a GUID), not the Value', async () => {
    const home = await tempDir();
    const r = await cli(['secret', 'set'], { env: storeEnv(home), stdin: '3f2b1c4d-1111-2222-3333-444455556666' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Secret ID, not the secret');
  });

  describe('usage errors exit 2', () => {
    it.each([
      ['empty stdin', ['secret', 'set'], { stdin: '' }, 'Standard input was empty'],
      ['no tenant/client for the default name', ['secret', 'set'], { env: { HOME: '/nonexistent', O365_MAILER_PASSPHRASE: PASSPHRASE }, stdin: SECRET }, '--tenant-id or set AZURE_TENANT_ID'],
      ['no passphrase off a terminal', ['secret', 'set'], { env: { ...ENV, HOME: '/nonexistent' }, stdin: SECRET }, 'set O365_MAILER_PASSPHRASE'],
      ['keyring with --file', ['secret', 'set', '--store', 'keyring', '--file', '/tmp/x.enc'], { stdin: SECRET }, '--file is for --store file'],
      ['unknown store', ['secret', 'delete', '--store', 'vault'], {}, '--store must be file or keyring'],
      ['unknown subcommand', ['secret', 'show'], {}, 'Unknown subcommand "show"'],
      ['--client-secret', ['secret', 'set', '--client-secret', SECRET], {}, 'shell history'],
    ])('%s', async (_label, argv, options, message) => {
      const r = await cli(argv as string[], options as never);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expectNoLeak(r.stdout, r.stderr);
    });

    it('verify with --secret-file that does not exist', async () => {
      const r = await cli(['verify', '--secret-file', '/nonexistent/secret.enc'], { env: { ...ENV, AZURE_CLIENT_SECRET: undefined } });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('does not exist');
    });
  });
});
