import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/run';
import { EncryptedFileSecretStore, MailerError, MemorySecretStore, O365OAuthMailer } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { captureIO } from '../cli/cli-harness';

// Rotation without a restart: when Entra ID refuses the secret, the secret store is read again and, when it holds
// another value, the client is rebuilt and the token request tried once more.
const NEXT = 'Qx98Q~rotated.secret-value_2027xxxxxxxxxxx';
let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  // Tokens shorter than msal-node's 5-minute refresh margin: every send asks Entra ID, as after an hour in production.
  emulator = await startEmulator({ tokenLifetimeSeconds: 60 });
  dir = await mkdtemp(join(tmpdir(), 'o365-rotation-'));
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => emulator.reset());

const tokenStatuses = () => emulator.requests.filter((r) => r.area === 'authority' && r.method === 'POST').map((r) => r.status);

describe('rotating a stored secret needs no restart', () => {
  it('a wrong secret fixed later in the store: the next send reads the store again and succeeds', async () => {
    const store = new MemorySecretStore();
    const name = 'mailer-secret';
    await store.set(name, 'Wr0ng~secret.value_xxxxxxxxxxxxxxxxxxxxxx');
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ secretStore: store, secretName: name }));
    try {
      const first = await mailer.send({ to: 'qa@contoso.com', text: 'x' }).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(MailerError);
      expect(first).toMatchObject({ code: 'SECRET_INVALID', step: 5 });
      await store.set(name, emulator.clientSecret);
      await mailer.send({ to: 'qa@contoso.com', subject: 'fixed', text: 'x' });
      expect(emulator.messages.map((m) => m.subject)).toEqual(['fixed']);
      // The wrong secret, then (second send) the cached wrong secret refused once more, the store re-read, success.
      expect(tokenStatuses()).toEqual([401, 401, 200]);
    } finally {
      await mailer.close();
    }
  });

  it('an unchanged store is not a reason to try again: one refused request, SECRET_EXPIRED', async () => {
    const store = new MemorySecretStore({ s: emulator.clientSecret });
    emulator.updateApp(emulator.clientId, { secrets: [{ value: emulator.clientSecret, expiresAt: new Date(Date.now() - 1000) }] });
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ secretStore: store, secretName: 's' }));
    try {
      await expect(mailer.send({ to: 'qa@contoso.com', text: 'x' })).rejects.toMatchObject({ code: 'SECRET_EXPIRED' });
      expect(tokenStatuses()).toEqual([401]);
    } finally {
      await mailer.close();
    }
  });

  it('mail keeps flowing across a rotation done with `o365-mailer secret set`', async () => {
    const path = join(dir, 'secret.enc');
    const env = { HOME: dir, AZURE_TENANT_ID: emulator.tenantId, AZURE_CLIENT_ID: emulator.clientId, O365_MAILER_PASSPHRASE: 'rotation passphrase' };
    const setSecret = async (value: string) => {
      const { io, out } = captureIO({ env, stdin: value });
      const code = await run(['secret', 'set', '--file', path], io);
      expect(out.stderr).toBe('');
      expect(code).toBe(0);
    };
    await setSecret(emulator.clientSecret);
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ secretStore: new EncryptedFileSecretStore({ path, passphrase: env.O365_MAILER_PASSPHRASE }) }));
    try {
      await mailer.send({ to: 'qa@contoso.com', subject: 'before', text: 'x' });
      // The administrator adds a new secret (step 5), stores it, and deletes the old one in the portal.
      emulator.updateApp(emulator.clientId, { secrets: [{ value: emulator.clientSecret }, { value: NEXT }] });
      await setSecret(NEXT);
      emulator.updateApp(emulator.clientId, { secrets: [{ value: NEXT }] });
      await mailer.send({ to: 'qa@contoso.com', subject: 'during', text: 'x' });
      await mailer.send({ to: 'qa@contoso.com', subject: 'after', text: 'x' });
      expect(emulator.messages.map((m) => m.subject)).toEqual(['before', 'during', 'after']);
      expect(tokenStatuses()).toEqual([200, 401, 200, 200]);
    } finally {
      await mailer.close();
    }
  });
});
