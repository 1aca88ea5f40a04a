import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer, type VerifyReport } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';

// Every misconfiguration of the setup guide, and the delivery faults, end to end: real msal-node, the real Graph
// client and HTTPS against the emulator.
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    mailboxes: [
      'sender@contoso.onmicrosoft.com',
      { address: 'unlicensed@contoso.onmicrosoft.com', licensed: false },
      { address: 'blocked@contoso.onmicrosoft.com', accessPolicyDenied: true },
    ],
  });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const failing = (report: VerifyReport) => report.checks.filter((c) => c.status === 'fail').map((c) => [c.id, c.code, c.step]);

async function verify(overrides: Parameters<Emulator['mailerConfig']>[0], to = 'qa@contoso.com') {
  const mailer = new O365OAuthMailer(emulator.mailerConfig(overrides));
  try {
    return await mailer.verify({ to });
  } finally {
    await mailer.close();
  }
}

describe('verify({ to }) against the emulator names the step for each mistake of the guide', () => {
  it('a correct setup passes and sends exactly one test email', async () => {
    const report = await verify({});
    expect(report.ok).toBe(true);
    expect(emulator.messages).toHaveLength(1);
    expect(emulator.messages[0]?.subject).toMatch(/configuration test/);
  });

  it.each([
    ['wrong tenant', { tenantId: '0badbad0-0000-4000-8000-000000000000' }, [['tenant', 'TENANT_NOT_FOUND', 1]]],
    ['wrong client ID', { clientId: '0badbad0-0000-4000-8000-000000000001' }, [['credentials', 'CLIENT_NOT_FOUND', 1]]],
    ['a wrong secret', { clientSecret: 'not-the-secret-value~~' }, [['credentials', 'SECRET_INVALID', 5]]],
    ['the mailbox has no Exchange licence', { sender: 'unlicensed@contoso.onmicrosoft.com' }, [['test-email', 'MAILBOX_NOT_FOUND', 6]]],
    ['the logon name is no user', { sender: 'nobody@contoso.onmicrosoft.com' }, [['test-email', 'MAILBOX_NOT_FOUND', 6]]],
    ['an application access policy', { sender: 'blocked@contoso.onmicrosoft.com' }, [['test-email', 'MAILBOX_ACCESS_DENIED', 6]]],
  ] as const)('%s', async (_name, overrides, expected) => {
    const report = await verify(overrides);
    expect(report.ok).toBe(false);
    expect(failing(report)).toEqual(expected);
    expect(emulator.messages).toEqual([]);
  });

  it('the Secret ID instead of the Value: SECRET_INVALID with a fix that says so', async () => {
    const report = await verify({ clientSecret: emulator.secretId });
    expect(report.checks.find((c) => c.id === 'credentials')?.fix).toMatch(/Secret ID/);
  });

  it('an expired secret: SECRET_EXPIRED at step 5', async () => {
    emulator.updateApp(emulator.clientId, { secrets: [{ value: emulator.clientSecret, expiresAt: new Date(Date.now() - 86_400_000) }] });
    expect(failing(await verify({}))).toEqual([['credentials', 'SECRET_EXPIRED', 5]]);
  });

  it('no admin consent, then consent granted: the same mailer passes without restarting', async () => {
    emulator.grant(emulator.clientId, []);
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const before = await mailer.verify({ to: 'qa@contoso.com' });
    // No roles proves nothing by itself (RBAC for Applications): Graph's refusal of the test email decides.
    expect(failing(before)).toEqual([['permission', 'CONSENT_MISSING', 3], ['test-email', 'CONSENT_MISSING', 3]]);
    expect(emulator.messages).toEqual([]);
    emulator.grant(emulator.clientId, ['Mail.Send']);
    const after = await mailer.verify({ to: 'qa@contoso.com' });
    expect(after.ok).toBe(true);
    expect(emulator.messages).toHaveLength(1);
    await mailer.close();
  });

  it('Mail.Send granted as something else (roles without Mail.Send): CONSENT_MISSING, and send() says the same', async () => {
    emulator.grant(emulator.clientId, ['User.Read.All']);
    expect(failing(await verify({}))).toEqual([['permission', 'CONSENT_MISSING', 3], ['test-email', 'CONSENT_MISSING', 3]]);
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const err = await mailer.send({ to: 'qa@contoso.com', text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONSENT_MISSING', step: 3, status: 403 });
    await mailer.close();
  });
});

describe('sending as another address (from)', () => {
  it('without Send As rights: SEND_AS_DENIED at step 6; with them: delivered from that address', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const denied = await mailer.send({ from: 'Lab <lab@contoso.onmicrosoft.com>', to: 'qa@contoso.com', text: 'x' }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ code: 'SEND_AS_DENIED', step: 6, status: 403 });
    emulator.updateMailbox(emulator.sender, { sendAs: ['lab@contoso.onmicrosoft.com'] });
    await mailer.send({ from: 'Lab <lab@contoso.onmicrosoft.com>', to: 'qa@contoso.com', subject: 'as lab', text: 'x' });
    expect(emulator.messages.map((m) => [m.subject, m.from])).toEqual([['as lab', { name: 'Lab', address: 'lab@contoso.onmicrosoft.com' }]]);
    await mailer.close();
  });
});

describe('delivery faults against the emulator', () => {
  it('throttling delays the mail and loses none of it', async () => {
    emulator.faults.throttle(2, { retryAfterSeconds: 0 });
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const result = await mailer.send({ to: 'qa@contoso.com', subject: 'throttled', text: 'x' });
    expect(result.attempts).toBe(3);
    expect(emulator.messages.map((m) => m.subject)).toEqual(['throttled']);
    await mailer.close();
  });

  it('a connection dropped after Exchange accepted the mail is DELIVERY_UNKNOWN, and it is delivered once', async () => {
    emulator.faults.dropAfterAccept(1);
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const err = await mailer.send({ to: 'qa@contoso.com', subject: 'once', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailerError);
    expect(err).toMatchObject({ code: 'DELIVERY_UNKNOWN', retriable: false });
    expect((err as MailerError).message).toMatch(/Sent Items/);
    expect(emulator.messages.map((m) => m.subject)).toEqual(['once']);
    await mailer.close();
  });

  it('a 504 after delivery is not repeated', async () => {
    emulator.faults.gatewayTimeout(1, { deliver: true });
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const err = await mailer.send({ to: 'qa@contoso.com', subject: 'no dupes', text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DELIVERY_UNKNOWN' });
    expect(emulator.messages).toHaveLength(1);
    await mailer.close();
  });

  it('a hung sendMail times out as DELIVERY_UNKNOWN after timeoutMs', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ timeoutMs: 1500 }));
    await mailer.send({ to: 'warm@contoso.com', text: 'warm-up' });
    emulator.faults.hang(1);
    const started = Date.now();
    const err = await mailer.send({ to: 'qa@contoso.com', text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DELIVERY_UNKNOWN' });
    expect(Date.now() - started).toBeLessThan(5000);
    await mailer.close();
  });

  it('a lost answer to the draft /send is resolved by sending the same draft again: delivered exactly once', async () => {
    emulator.grant(emulator.clientId, ['Mail.Send', 'Mail.ReadWrite']);
    emulator.faults.dropAfterAccept(1);
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const result = await mailer.send({ to: 'qa@contoso.com', subject: 'big', text: 'x', attachments: [{ filename: 'a.bin', content: Buffer.alloc(4_500_000, 7) }] });
    expect(result.route).toBe('draft');
    expect(emulator.messages.map((m) => m.subject)).toEqual(['big']);
    expect(emulator.drafts).toEqual([]);
    await mailer.close();
  });
});
