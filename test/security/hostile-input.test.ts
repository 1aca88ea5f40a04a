import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore, MailerError, O365OAuthMailer } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { ENV, cli } from '../cli/cli-harness';

// Attacks through send() and the CLI, end to end against the emulator: a message built from user input that names
// /proc/self/environ (which holds the client secret), and a secret file path that is a folder.
let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'o365-hostile-input-'));
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => emulator.reset());

const environ = { to: 'qa@contoso.com', subject: 'report', text: 'see attached', attachments: [{ filename: 'report.txt', path: '/proc/self/environ' }] };

describe('disableFileAccess: a path attachment from user input cannot mail the process environment', () => {
  it('as a mailer option: MESSAGE_INVALID naming the attachment, before any request (not even a token)', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ disableFileAccess: true }));
    try {
      const err = (await mailer.send(environ).catch((e: unknown) => e)) as MailerError;
      expect(err).toBeInstanceOf(MailerError);
      expect(err.code).toBe('MESSAGE_INVALID');
      expect(err.message).toMatch(/attachments\[0\]\.path/);
      expect(err.message).toMatch(/file access is disabled/);
      expect(emulator.requests).toEqual([]);
      expect(emulator.messages).toEqual([]);
    } finally {
      await mailer.close();
    }
  });

  it('as a send option on a mailer that allows files: refused for that call only', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    try {
      const err = (await mailer.send(environ, { disableFileAccess: true }).catch((e: unknown) => e)) as MailerError;
      expect(err).toMatchObject({ code: 'MESSAGE_INVALID' });
      expect(emulator.requests).toEqual([]);
      // The message itself cannot switch the protection off for a mailer that has it on.
      const strict = new O365OAuthMailer(emulator.mailerConfig({ disableFileAccess: true }));
      try {
        const again = (await strict.send({ ...environ, disableFileAccess: false } as typeof environ).catch((e: unknown) => e)) as MailerError;
        expect(again).toMatchObject({ code: 'MESSAGE_INVALID' });
      } finally {
        await strict.close();
      }
      expect(emulator.messages).toEqual([]);
    } finally {
      await mailer.close();
    }
  });
});

describe('a secret file path that is a folder', () => {
  it('through send(): FILE_ACCESS naming the path, never a raw EISDIR, nothing sent', async () => {
    const folder = join(dir, 'secret.enc');
    await mkdir(folder, { recursive: true });
    const { clientSecret: _secret, ...config } = emulator.mailerConfig();
    const mailer = new O365OAuthMailer({ ...config, secretStore: new EncryptedFileSecretStore({ path: folder, passphrase: 'p4ss-phrase' }) });
    try {
      const err = (await mailer.send({ to: 'qa@contoso.com', text: 'x' }).catch((e: unknown) => e)) as MailerError;
      expect(err).toBeInstanceOf(MailerError);
      expect(err.code).toBe('FILE_ACCESS');
      expect(err.message).toContain(folder);
      expect(err.message).toMatch(/it is a folder/);
      expect(emulator.tokenRequests).toBe(0);
      expect(emulator.messages).toEqual([]);
    } finally {
      await mailer.close();
    }
  });

  it('through the CLI: exit 1 with FILE_ACCESS and its fix, no stack trace, no raw EISDIR', async () => {
    const folder = join(dir, 'cli-secret.enc');
    await mkdir(folder, { recursive: true });
    const { AZURE_CLIENT_SECRET: _secret, ...env } = ENV;
    const r = await cli(['send', '--to', 'ann@contoso.com', '--subject', 's', '--text', 't', '--secret-file', folder], { env: { ...env, O365_MAILER_PASSPHRASE: 'p4ss-phrase' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FILE_ACCESS');
    expect(r.stderr).toContain(folder);
    expect(r.stderr).toMatch(/it is a folder/);
    expect(r.stderr).not.toMatch(/EISDIR|\n\s+at /);
  });
});
