import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, type SelfSignedCertificate } from '../../src/auth/x509';
import { O365OAuthMailer } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';

// A private key, its passphrase and a client assertion are secrets as much as a client secret is.
let emulator: Emulator;
let cert: SelfSignedCertificate;
beforeAll(async () => {
  [emulator, cert] = await Promise.all([startEmulator(), createSelfSignedCertificate({ days: 30, subject: 'CN=leak-test' })]);
});
afterAll(() => emulator.close());

function everythingPrintable(logs: string[], values: unknown[]): string {
  const parts = [...logs];
  for (const v of values) {
    parts.push(inspect(v, { depth: 10, showHidden: true }), JSON.stringify(v) ?? '', String(v));
    if (v instanceof Error) parts.push(v.stack ?? '', inspect((v as { cause?: unknown }).cause, { depth: 10, showHidden: true }));
  }
  return parts.join('\n');
}

describe('credentials without a secret never leak', () => {
  it('the private key, the passphrase and the client assertion stay out of logs, errors, inspect and JSON', async () => {
    const logs: string[] = [];
    const logger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((l) => [l, (m: string, d?: unknown) => logs.push(`${l} ${m} ${JSON.stringify(d ?? {})}`)]));
    const keyBody = cert.privateKeyPem.split('\n')[1]!;
    const assertion = emulator.issueFederatedToken({ subject: 'not-trusted' });
    const values: unknown[] = [];
    // Not uploaded: Entra refuses it; the mailer, its report and its error are printed.
    const byCert = new O365OAuthMailer(emulator.mailerConfig({ logger, clientCertificate: { privateKey: cert.privateKeyPem, certificate: cert.certificatePem, passphrase: 'pass-phrase-123' } }));
    values.push(byCert, await byCert.verify({ to: 'qa@contoso.com' }), await byCert.send({ to: 'qa@contoso.com', text: 'x' }).catch((e: unknown) => e));
    await byCert.close();
    const byAssertion = new O365OAuthMailer(emulator.mailerConfig({ logger, clientAssertion: assertion }));
    values.push(byAssertion, await byAssertion.send({ to: 'qa@contoso.com', text: 'x' }).catch((e: unknown) => e));
    await byAssertion.close();
    const text = everythingPrintable(logs, values);
    expect(text).toContain('CERTIFICATE_NOT_REGISTERED');
    expect(text).toContain('FEDERATED_CREDENTIAL_MISMATCH');
    expect(text).not.toContain(keyBody);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('pass-phrase-123');
    expect(text).not.toContain(assertion);
    expect(text).not.toContain(assertion.split('.')[2]!);
    expect(JSON.parse(JSON.stringify(byCert))).toMatchObject({ credential: 'certificate' });
  });
});
