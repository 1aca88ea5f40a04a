import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer, type O365OAuthMailerConfig } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';

// Workload identity end to end: an external issuer's token (the emulator plays the AKS / GitHub Actions issuer) is
// the client assertion; the emulator matches it against the app's federated credentials over real HTTPS.
const SUBJECT = 'system:serviceaccount:mail:mailer';
let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'o365-federated-'));
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  emulator.reset();
  emulator.updateApp(emulator.clientId, { federatedCredentials: [{ issuer: emulator.federatedIssuer, subject: SUBJECT }] });
});

async function withMailer<T>(overrides: Partial<O365OAuthMailerConfig>, fn: (m: O365OAuthMailer) => Promise<T>): Promise<T> {
  const mailer = new O365OAuthMailer(emulator.mailerConfig(overrides));
  try {
    return await fn(mailer);
  } finally {
    await mailer.close();
  }
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as MailerError);

describe('clientAssertion', () => {
  it('a string: sends mail with no secret at all', async () => {
    await withMailer({ clientAssertion: emulator.issueFederatedToken({ subject: SUBJECT }) }, (m) => m.send({ to: 'qa@contoso.com', subject: 'federated', text: 'x' }));
    expect(emulator.messages.map((m) => m.subject)).toEqual(['federated']);
  });

  it('a function: called for each token request, so each one carries a fresh token', async () => {
    let calls = 0;
    const clientAssertion = async () => {
      calls++;
      return emulator.issueFederatedToken({ subject: SUBJECT });
    };
    const reports = await withMailer({ clientAssertion }, async (m) => [await m.verify(), await m.verify()]);
    expect(reports.map((r) => r.ok)).toEqual([true, true]);
    expect(emulator.tokensIssued).toBe(2);
    expect(calls).toBe(2);
    expect(reports[0]?.checks.find((c) => c.id === 'credentials')?.message).toMatch(/with the configured client assertion\.$/);
  });

  it('a function that throws or returns no JWT: CREDENTIAL_UNAVAILABLE, no token request, nothing sent', async () => {
    const thrown = await failure(withMailer({ clientAssertion: () => Promise.reject(new Error('OIDC endpoint said 403')) }, (m) => m.send({ to: 'qa@contoso.com', text: 'x' })));
    expect(thrown).toBeInstanceOf(MailerError);
    expect(thrown).toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', step: 5, message: expect.stringMatching(/The clientAssertion function failed: OIDC endpoint said 403\. No token was requested and nothing was sent\./) });
    const empty = await failure(withMailer({ clientAssertion: () => '' }, (m) => m.send({ to: 'qa@contoso.com', text: 'x' })));
    expect(empty).toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', message: expect.stringMatching(/gave an empty value instead of a signed JWT/) });
    const report = await withMailer({ clientAssertion: () => 'not-a-jwt' }, (m) => m.verify({ to: 'qa@contoso.com' }));
    expect(report.checks.find((c) => c.id === 'credentials')).toMatchObject({ status: 'fail', code: 'CREDENTIAL_UNAVAILABLE', step: 5 });
    expect(emulator.tokenRequests).toBe(0);
    expect(emulator.messages).toEqual([]);
  });

  it('attack: a function that never settles cannot hang send(): CREDENTIAL_UNAVAILABLE after timeoutMs, no token request', async () => {
    let calls = 0;
    const hanging = () => {
      calls++;
      return new Promise<string>(() => undefined);
    };
    const err = await failure(withMailer({ clientAssertion: hanging, timeoutMs: 300 }, (m) => m.send({ to: 'qa@contoso.com', text: 'x' })));
    expect(err).toBeInstanceOf(MailerError);
    expect(err).toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', step: 5, message: expect.stringMatching(/did not return within 300 ms \(timeoutMs\)/) });
    expect(calls).toBe(1);
    expect(emulator.tokenRequests).toBe(0);
    expect(emulator.messages).toEqual([]);
  });
});

describe('federatedTokenFile', () => {
  it('is re-read for each token request: the platform rotates it, and the app trusts a new subject at run time', async () => {
    const file = join(dir, 'token');
    await writeFile(file, `${emulator.issueFederatedToken({ subject: SUBJECT })}\n`);
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ federatedTokenFile: file }));
    try {
      expect((await mailer.verify()).ok).toBe(true);
      emulator.updateApp(emulator.clientId, { federatedCredentials: [{ issuer: emulator.federatedIssuer, subject: 'system:serviceaccount:mail:v2' }] });
      await writeFile(file, emulator.issueFederatedToken({ subject: 'system:serviceaccount:mail:v2' }));
      const report = await mailer.verify({ to: 'qa@contoso.com' });
      expect(report.ok).toBe(true);
      expect(emulator.messages).toHaveLength(1);
    } finally {
      await mailer.close();
    }
  });

  it('a missing file is CREDENTIAL_UNAVAILABLE naming it and the AKS setup', async () => {
    const err = await failure(withMailer({ federatedTokenFile: join(dir, 'missing') }, (m) => m.send({ to: 'qa@contoso.com', text: 'x' })));
    expect(err).toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', step: 5, message: expect.stringMatching(/missing cannot be read \(ENOENT\)/), fix: expect.stringMatching(/azure\.workload\.identity\/use/) });
  });
});

describe('each mistake of a federated credential is named, with the field to compare', () => {
  it.each([
    ['no federated credential on the app', (): void => emulator.updateApp(emulator.clientId, { federatedCredentials: [] }), { subject: SUBJECT }, 70021, /add one whose Issuer, Subject identifier and Audience/],
    ['another issuer', (): void => undefined, { subject: SUBJECT, issuer: 'https://oidc.prod-aks.azure.com/other/' }, 700211, /Issuer.*iss claim.*trailing slash/],
    ['another subject', (): void => undefined, { subject: 'system:serviceaccount:default:default' }, 700213, /Subject identifier.*sub claim/],
    ['another audience', (): void => undefined, { subject: SUBJECT, audience: 'api://something-else' }, 700212, /Audience.*api:\/\/AzureADTokenExchange/],
  ] as const)('%s: FEDERATED_CREDENTIAL_MISMATCH', async (_name, arrange, token, aadsts, fix) => {
    arrange();
    const report = await withMailer({ clientAssertion: emulator.issueFederatedToken(token) }, (m) => m.verify({ to: 'qa@contoso.com' }));
    const credentials = report.checks.find((c) => c.id === 'credentials');
    expect(credentials).toMatchObject({ status: 'fail', code: 'FEDERATED_CREDENTIAL_MISMATCH', step: 5, message: expect.stringContaining(`AADSTS${aadsts}`) });
    expect(credentials?.fix).toMatch(fix);
    expect(emulator.messages).toEqual([]);
  });

  it('an expired federated token: ASSERTION_EXPIRED at step 5, naming the clock and a fresh token', async () => {
    const err = await failure(withMailer({ clientAssertion: emulator.issueFederatedToken({ subject: SUBJECT, expiresInSeconds: -600 }) }, (m) => m.send({ to: 'qa@contoso.com', text: 'x' })));
    expect(err).toMatchObject({ code: 'ASSERTION_EXPIRED', step: 5, message: expect.stringMatching(/AADSTS700024/) });
    expect(err?.fix).toMatch(/clock.*fresh one/s);
  });
});
