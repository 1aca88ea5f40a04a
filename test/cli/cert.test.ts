import { X509Certificate } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { EMPTY_HOME, cli, tempDir } from './cli-harness';

let emulator: Emulator;
let caFile: string;
let flags: string[];
let env: Record<string, string>;
beforeAll(async () => {
  emulator = await startEmulator();
  const dir = await tempDir('o365-cert-ca-');
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, emulator.ca);
  flags = ['--authority-host', emulator.url, '--graph-endpoint', emulator.url, '--ca-file', caFile];
  // No AZURE_CLIENT_SECRET: the certificate or the federated token is the only credential.
  env = { HOME: EMPTY_HOME, AZURE_TENANT_ID: emulator.tenantId, AZURE_CLIENT_ID: emulator.clientId, O365_SENDER: emulator.sender };
});
afterAll(() => emulator.close());

describe('o365-mailer cert create', () => {
  it('writes the certificate to upload and the key (mode 0600), prints the SHA-256 thumbprint, never the key, and never overwrites', async () => {
    const out = await tempDir();
    const r = await cli(['cert', 'create', '--days', '30', '--out', out], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cerPath = join(out, 'o365-mailer.cer');
    const keyPath = join(out, 'o365-mailer-key.pem');
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(await readFile(cerPath));
    expect(cert.subject).toBe('CN=o365-oauth-mailer');
    expect(Math.round((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000)).toBe(30);
    const thumbprint = cert.fingerprint256.replace(/:/g, '');
    expect(r.stdout).toContain(`Upload:       ${cerPath}`);
    expect(r.stdout).toContain('Certificates & secrets › Certificates › Upload certificate (step 5)');
    expect(r.stdout).toContain(`Thumbprint:   ${thumbprint} (SHA-256`);
    expect(r.stdout).toContain(`AZURE_CLIENT_CERTIFICATE_PATH=${keyPath} o365-mailer verify`);
    const key = await readFile(keyPath, 'utf8');
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----[\s\S]+-----BEGIN CERTIFICATE-----/);
    expect(r.stdout).not.toContain('PRIVATE KEY');
    expect(r.stdout).not.toContain(key.split('\n')[1]);

    const again = await cli(['cert', 'create', '--out', out], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists; nothing was written');
    expect(await readFile(keyPath, 'utf8')).toBe(key);
  });

  it('refuses --days outside 1..730 as a usage error', async () => {
    const r = await cli(['cert', 'create', '--days', '0'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--days must be a whole number from 1 to 730/);
  });

  it('the created certificate, uploaded to the app, signs verify --certificate and send with AZURE_CLIENT_CERTIFICATE_PATH', async () => {
    const out = await tempDir();
    expect((await cli(['cert', 'create', '--out', out], { env })).code).toBe(0);
    emulator.updateApp(emulator.clientId, { certificates: [await readFile(join(out, 'o365-mailer.cer'), 'utf8')] });
    const keyPath = join(out, 'o365-mailer-key.pem');

    const verify = await cli(['verify', ...flags, '--certificate', keyPath, '--to', 'qa@contoso.com'], { env });
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^✔ Credentials \(step 5\): Entra ID issued a token to the application .* with the certificate from /m);
    expect(verify.stdout).toMatch(/^✔ Credential expiry \(step 5\): The certificate CN=o365-oauth-mailer/m);
    expect(verify.stdout).toContain('All checks passed.');

    const send = await cli(['send', ...flags, '--to', 'qa@contoso.com', '--subject', 'by certificate', '--text', 'x', '--json'], { env: { ...env, AZURE_CLIENT_CERTIFICATE_PATH: keyPath } });
    expect(send.code).toBe(0);
    expect(emulator.messages.at(-1)?.subject).toBe('by certificate');
  });

  it('AZURE_FEDERATED_TOKEN_FILE: workload identity as on AKS, the file re-read for each token request', async () => {
    const subject = 'system:serviceaccount:mail:mailer';
    emulator.updateApp(emulator.clientId, { federatedCredentials: [{ issuer: emulator.federatedIssuer, subject }] });
    const dir = await tempDir();
    const tokenFile = join(dir, 'azure-identity-token');
    await writeFile(tokenFile, emulator.issueFederatedToken({ subject }));
    const r = await cli(['verify', ...flags, '--to', 'qa@contoso.com'], { env: { ...env, AZURE_FEDERATED_TOKEN_FILE: tokenFile } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/with the federated token from .*azure-identity-token\./);
    expect(r.stdout).toMatch(/^✔ Credential expiry \(step 5\): Nothing to renew/m);

    await writeFile(tokenFile, emulator.issueFederatedToken({ subject: 'system:serviceaccount:mail:other' }));
    const wrong = await cli(['verify', ...flags], { env: { ...env, AZURE_FEDERATED_TOKEN_FILE: tokenFile } });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^✖ Credentials \(step 5\) FEDERATED_CREDENTIAL_MISMATCH: .*AADSTS700213/m);
    expect(wrong.stdout).toMatch(/Fix: .*Subject identifier.*sub claim/);
  });
});
