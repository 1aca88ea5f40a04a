import { createSign, generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, type SelfSignedCertificate } from '../../src/auth/x509';
import { MailerError, O365OAuthMailer, type O365OAuthMailerConfig, type VerifyReport } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { emulatorClient } from '../emulator/helpers';

// Certificate credentials end to end: real msal-node builds and signs the client assertion (PS256, x5t#S256),
// the emulator checks it against the certificates uploaded to the app, over real HTTPS.
const FIXTURES = resolve(__dirname, '../fixtures/certificates');
let emulator: Emulator;
let cert: SelfSignedCertificate;
let other: SelfSignedCertificate;
let dir: string;
beforeAll(async () => {
  [cert, other] = await Promise.all([
    createSelfSignedCertificate({ days: 365, subject: 'CN=o365-oauth-mailer' }),
    createSelfSignedCertificate({ days: 365, subject: 'CN=o365-oauth-mailer next' }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'o365-cert-'));
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  emulator.reset();
  emulator.updateApp(emulator.clientId, { certificates: [cert.certificatePem] });
});

const check = (report: VerifyReport, id: string) => report.checks.find((c) => c.id === id);

async function withMailer<T>(overrides: Partial<O365OAuthMailerConfig>, fn: (m: O365OAuthMailer) => Promise<T>): Promise<T> {
  const mailer = new O365OAuthMailer(emulator.mailerConfig(overrides));
  try {
    return await fn(mailer);
  } finally {
    await mailer.close();
  }
}

async function pemFile(name: string, c: SelfSignedCertificate): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${c.privateKeyPem}${c.certificatePem}`, { mode: 0o600 });
  return path;
}

describe('clientCertificate against the emulator', () => {
  it('PEM strings: sends mail, and verify() reads the expiry from the certificate', async () => {
    const config = { clientCertificate: { privateKey: cert.privateKeyPem, certificate: cert.certificatePem } };
    await withMailer(config, (m) => m.send({ to: 'qa@contoso.com', subject: 'by certificate', text: 'x' }));
    expect(emulator.messages.map((m) => m.subject)).toEqual(['by certificate']);
    const report = await withMailer(config, (m) => m.verify({ to: 'qa@contoso.com' }));
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual(['tenant', 'credentials', 'permission', 'redirect-uri', 'credential-expiry', 'test-email']);
    expect(check(report, 'credentials')?.message).toMatch(/with the configured certificate\.$/);
    expect(check(report, 'credential-expiry')).toMatchObject({
      status: 'pass',
      step: 5,
      message: `The certificate CN=o365-oauth-mailer (SHA-256 thumbprint ${cert.thumbprintSha256.toUpperCase()}) is valid until ${cert.notAfter.toISOString().slice(0, 10)} (364 days).`,
    });
  });

  it('a PEM file with key and certificate, and an AES-encrypted PFX file with its passphrase', async () => {
    const path = await pemFile('key-and-cert.pem', cert);
    await withMailer({ clientCertificate: { path } }, (m) => m.send({ to: 'qa@contoso.com', subject: 'pem file', text: 'x' }));
    emulator.updateApp(emulator.clientId, { certificates: [await readFile(join(FIXTURES, 'mailer-cert.pem'), 'utf8')] });
    await withMailer({ clientCertificate: { path: join(FIXTURES, 'mailer-aes.pfx'), passphrase: 'correct-horse' } }, (m) =>
      m.send({ to: 'qa@contoso.com', subject: 'pfx file', text: 'x' }),
    );
    expect(emulator.messages.map((m) => m.subject)).toEqual(['pem file', 'pfx file']);
  });

  it('sendX5c (subject name and issuer authentication) still signs with x5t#S256 and sends', async () => {
    await withMailer({ clientCertificate: { privateKey: cert.privateKeyPem, certificate: cert.certificatePem, sendX5c: true } }, (m) =>
      m.send({ to: 'qa@contoso.com', text: 'x' }),
    );
    expect(emulator.messages).toHaveLength(1);
  });

  it('a certificate not uploaded to the app: CERTIFICATE_NOT_REGISTERED at step 5, quoting the thumbprint used', async () => {
    emulator.updateApp(emulator.clientId, { certificates: [other.certificatePem] });
    const report = await withMailer({ clientCertificate: { privateKey: cert.privateKeyPem, certificate: cert.certificatePem } }, (m) => m.verify({ to: 'qa@contoso.com' }));
    expect(report.ok).toBe(false);
    expect(check(report, 'credentials')).toMatchObject({ status: 'fail', code: 'CERTIFICATE_NOT_REGISTERED', step: 5 });
    expect(check(report, 'credentials')?.message).toContain(cert.thumbprintSha256.toUpperCase());
    expect(check(report, 'credentials')?.fix).toMatch(/Certificates & secrets › Certificates \(step 5\).*SHA-256 thumbprint/);
    expect(emulator.messages).toEqual([]);
  });

  it('expiry: a certificate within 30 days warns CREDENTIAL_EXPIRING; an expired one fails with CERTIFICATE_EXPIRED', async () => {
    const soon = await createSelfSignedCertificate({ days: 10, subject: 'CN=soon' });
    emulator.updateApp(emulator.clientId, { certificates: [soon.certificatePem] });
    const warned = await withMailer({ clientCertificate: { privateKey: soon.privateKeyPem, certificate: soon.certificatePem } }, (m) => m.verify());
    expect(warned.ok).toBe(true);
    expect(check(warned, 'credential-expiry')).toMatchObject({ status: 'warn', code: 'CREDENTIAL_EXPIRING', step: 5, message: expect.stringMatching(/^The certificate CN=soon .* still works but expires on/) });

    const old = await createSelfSignedCertificate({ days: 1, subject: 'CN=old', now: new Date(Date.now() - 3 * 86_400_000) });
    emulator.updateApp(emulator.clientId, { certificates: [old.certificatePem] });
    const failed = await withMailer({ clientCertificate: { privateKey: old.privateKeyPem, certificate: old.certificatePem } }, (m) => m.verify());
    expect(failed.ok).toBe(false);
    expect(check(failed, 'credentials')).toMatchObject({ status: 'fail', code: 'CERTIFICATE_NOT_REGISTERED', message: expect.stringMatching(/expired/) });
    expect(check(failed, 'credential-expiry')).toMatchObject({ status: 'fail', code: 'CERTIFICATE_EXPIRED', step: 5 });
  });

  it('local mistakes are CREDENTIAL_UNAVAILABLE with a fix, before any token request', async () => {
    const missing = (await withMailer({ clientCertificate: { path: join(dir, 'nope.pem') } }, (m) => m.send({ to: 'qa@contoso.com', text: 'x' })).catch((e: unknown) => e)) as MailerError;
    expect(missing).toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', step: 5, message: expect.stringMatching(/nope\.pem cannot be read \(ENOENT\)/) });
    const wrongPass = (await withMailer({ clientCertificate: { path: join(FIXTURES, 'mailer-aes.pfx'), passphrase: 'wrong' } }, (m) => m.send({ to: 'qa@contoso.com', text: 'x' })).catch((e: unknown) => e)) as MailerError;
    expect(wrongPass).toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', message: expect.stringMatching(/passphrase is wrong/), fix: expect.stringMatching(/AZURE_CLIENT_CERTIFICATE_PASSWORD/) });
    const legacy = (await withMailer({ clientCertificate: { path: join(FIXTURES, 'mailer-legacy.pfx'), passphrase: 'correct-horse' } }, (m) => m.send({ to: 'qa@contoso.com', text: 'x' })).catch((e: unknown) => e)) as MailerError;
    expect(legacy).toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', fix: expect.stringMatching(/openssl pkcs12 -legacy/) });
    const mismatched = (await withMailer({ clientCertificate: { privateKey: other.privateKeyPem, certificate: cert.certificatePem } }, (m) => m.send({ to: 'qa@contoso.com', text: 'x' })).catch((e: unknown) => e)) as MailerError;
    expect(mismatched).toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', message: expect.stringMatching(/does not belong to its certificate/) });
    expect(emulator.tokenRequests).toBe(0);
    for (const e of [missing, wrongPass, legacy, mismatched]) expect(JSON.stringify(e) + String(e.stack)).not.toContain('PRIVATE KEY');
  });

  it('rotation: the file is replaced with a new certificate and the old one removed from the app; mail keeps flowing without a restart', async () => {
    const path = await pemFile('rotating.pem', cert);
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ clientCertificate: { path } }));
    try {
      await mailer.send({ to: 'qa@contoso.com', subject: 'before', text: 'x' });
      await writeFile(path, `${other.privateKeyPem}${other.certificatePem}`);
      await chmod(path, 0o600);
      emulator.updateApp(emulator.clientId, { certificates: [other.certificatePem] });
      // verify() asks for a fresh token: Entra refuses the old certificate, the file is read again, and it works.
      const report = await mailer.verify({ to: 'qa@contoso.com' });
      expect(report.ok).toBe(true);
      expect(check(report, 'credential-expiry')?.message).toContain(other.thumbprintSha256.toUpperCase());
      await mailer.send({ to: 'qa@contoso.com', subject: 'after', text: 'x' });
      expect(emulator.messages.map((m) => m.subject)).toEqual(['before', expect.stringMatching(/configuration test/), 'after']);
      expect(emulator.requests.filter((r) => r.area === 'authority' && r.method === 'POST').map((r) => r.status)).toEqual([200, 401, 200]);
    } finally {
      await mailer.close();
    }
  });
});

describe('the emulator checks client assertions like Entra ID', () => {
  function assertion(claims: Record<string, unknown>, header: Record<string, unknown>, key: string, alg: 'RS256' | 'PS256' = 'RS256'): string {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const signed = `${b64({ alg, typ: 'JWT', ...header })}.${b64(claims)}`;
    const sign = createSign('RSA-SHA256').update(signed);
    return `${signed}.${sign.sign(alg === 'PS256' ? { key, padding: 6, saltLength: 32 } : key).toString('base64url')}`;
  }
  const x5t = () => Buffer.from(cert.thumbprintSha256, 'hex').toString('base64url');
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) => ({
    aud: `${emulator.url}/${emulator.tenantId}/oauth2/v2.0/token`,
    iss: emulator.clientId,
    sub: emulator.clientId,
    nbf: now(),
    exp: now() + 600,
    jti: 'j',
    ...over,
  });

  it.each([
    ['a valid PS256 assertion', () => assertion(claims(), { 'x5t#S256': x5t() }, cert.privateKeyPem, 'PS256'), 200, undefined],
    ['signed by another key', () => assertion(claims(), { 'x5t#S256': x5t() }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), 401, 700027],
    ['an unknown thumbprint', () => assertion(claims(), { 'x5t#S256': Buffer.alloc(32, 7).toString('base64url') }, cert.privateKeyPem), 401, 700027],
    ['expired', () => assertion(claims({ nbf: now() - 7200, exp: now() - 3600 }), { 'x5t#S256': x5t() }, cert.privateKeyPem), 400, 700024],
    ['not yet valid', () => assertion(claims({ nbf: now() + 3600, exp: now() + 7200 }), { 'x5t#S256': x5t() }, cert.privateKeyPem), 400, 700024],
    ['for another audience', () => assertion(claims({ aud: 'https://login.microsoftonline.com/x/oauth2/v2.0/token' }), { 'x5t#S256': x5t() }, cert.privateKeyPem), 400, 50027],
    ['sub is not the client ID', () => assertion(claims({ sub: '11111111-1111-4111-8111-111111111111' }), { 'x5t#S256': x5t() }, cert.privateKeyPem), 400, 700021],
  ] as const)('%s', async (_name, make, status, code) => {
    const client = emulatorClient(emulator);
    try {
      const res = await client.tokenResponse({ client_secret: undefined, client_assertion: make(), client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' });
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error_codes?: number[] };
      if (code !== undefined) expect(body.error_codes).toEqual([code]);
    } finally {
      await client.close();
    }
  });
});
