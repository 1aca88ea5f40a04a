import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer, type VerifyReport } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { emulatorClient } from '../emulator/helpers';

// An app scoped the way Microsoft recommends: no Graph application permission in Entra ID (no roles in its tokens),
// "Application Mail.Send" assigned through Exchange RBAC for Applications on one mailbox only.
const SCOPED = 'sender@contoso.onmicrosoft.com';
const OUTSIDE = 'ceo@contoso.onmicrosoft.com';
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    apps: [{ roles: [], rbac: [{ role: 'Application Mail.Send', mailboxes: [SCOPED] }] }],
    mailboxes: [SCOPED, OUTSIDE],
  });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const check = (report: VerifyReport, id: string) => report.checks.find((c) => c.id === id);

async function withMailer<T>(sender: string, fn: (mailer: O365OAuthMailer) => Promise<T>): Promise<T> {
  const mailer = new O365OAuthMailer(emulator.mailerConfig({ sender }));
  try {
    return await fn(mailer);
  } finally {
    await mailer.close();
  }
}

describe('the emulator: RBAC for Applications', () => {
  it('issues tokens without roles, lets the app send from the scoped mailbox and answers Microsoft\'s 403 elsewhere', async () => {
    const client = emulatorClient(emulator);
    try {
      const token = await client.token();
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      expect(claims.roles).toBeUndefined();
      const body = { message: { subject: 's', body: { contentType: 'Text', content: 'x' }, toRecipients: [{ emailAddress: { address: 'qa@contoso.com' } }] } };
      expect((await client.graph('POST', `/v1.0/users/${SCOPED}/sendMail`, { token, body })).status).toBe(202);
      const outside = await client.graph('POST', `/v1.0/users/${OUTSIDE}/sendMail`, { token, body });
      expect(outside.status).toBe(403);
      expect(((await outside.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'ErrorAccessDenied',
        message: 'Access is denied. Check credentials and try again.',
      });
      // Mail.Send through RBAC is no Mail.ReadWrite: creating a draft is refused on the scoped mailbox too.
      expect((await client.graph('POST', `/v1.0/users/${SCOPED}/messages`, { token, body: body.message })).status).toBe(403);
    } finally {
      await client.close();
    }
  });
});

describe('an RBAC-scoped app with the mailer', () => {
  it('verify({ to }) passes for the scoped mailbox: the test email proves the permission the token does not show', async () => {
    const report = await withMailer(SCOPED, (m) => m.verify({ to: 'qa@contoso.com' }));
    expect(report.ok).toBe(true);
    expect(report.permissions).toEqual([]);
    expect(check(report, 'permission')).toMatchObject({ status: 'pass', message: expect.stringMatching(/RBAC for Applications/) });
    expect(check(report, 'test-email')?.status).toBe('pass');
    expect(emulator.messages.map((m) => m.mailbox)).toEqual([SCOPED]);
  });

  it('verify() without `to` warns that the permission is not proven and never claims the sender was tested', async () => {
    const report = await withMailer(SCOPED, (m) => m.verify());
    expect(report.ok).toBe(true);
    expect(check(report, 'permission')).toMatchObject({ status: 'warn', code: 'CONSENT_MISSING', step: 3 });
    expect(check(report, 'test-email')).toMatchObject({ status: 'skip', message: expect.stringMatching(/^The sender was not tested/) });
    expect(emulator.messages).toEqual([]);
  });

  it('a mailbox outside the scope: CONSENT_MISSING at step 3, with a fix that names consent and the RBAC scope', async () => {
    const report = await withMailer(OUTSIDE, (m) => m.verify({ to: 'qa@contoso.com' }));
    expect(report.ok).toBe(false);
    expect(check(report, 'test-email')).toMatchObject({ status: 'fail', code: 'CONSENT_MISSING', step: 3 });
    expect(check(report, 'permission')).toMatchObject({ status: 'fail', code: 'CONSENT_MISSING', step: 3 });
    const err = (await withMailer(OUTSIDE, (m) => m.send({ to: 'qa@contoso.com', text: 'x' })).catch((e: unknown) => e)) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err).toMatchObject({ code: 'CONSENT_MISSING', step: 3, status: 403 });
    expect(err.message).toMatch(/no application permissions, and no Exchange RBAC for Applications assignment lets it act on this mailbox/);
    expect(err.fix).toMatch(/Grant admin consent.*Application Mail\.Send.*Test-ServicePrincipalAuthorization/s);
    expect(emulator.messages).toEqual([]);
  });

  it('large attachments try the draft route without roles; a 403 on the draft names Mail.ReadWrite and "Application Mail.ReadWrite"', async () => {
    const big = { filename: 'big.bin', content: Buffer.alloc(3_500_000, 1) };
    const err = (await withMailer(SCOPED, (m) => m.send({ to: 'qa@contoso.com', text: 'x', attachments: [big] })).catch((e: unknown) => e)) as MailerError;
    expect(err).toMatchObject({ code: 'ATTACHMENT_TOO_LARGE', status: 403, step: 2 });
    expect(err.message).toMatch(/refused to create the draft.*Nothing was sent/s);
    expect(err.fix).toMatch(/Mail\.ReadWrite.*"Application Mail\.ReadWrite"/s);
    expect(emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'))).toHaveLength(1);
    expect(emulator.messages).toEqual([]);

    emulator.updateApp(emulator.clientId, {
      rbac: [
        { role: 'Application Mail.Send', mailboxes: [SCOPED] },
        { role: 'Application Mail.ReadWrite', mailboxes: [SCOPED] },
      ],
    });
    const sent = await withMailer(SCOPED, (m) => m.send({ to: 'qa@contoso.com', text: 'x', attachments: [big] }));
    expect(sent.route).toBe('draft');
    expect(emulator.messages.map((m) => [m.mailbox, m.attachments[0]?.size])).toEqual([[SCOPED, 3_500_000]]);
  });

  it('Mail.Send in the token and a 403 anyway: MAILBOX_ACCESS_DENIED naming both the access policy and the RBAC scope', async () => {
    emulator.updateApp(emulator.clientId, { roles: ['Mail.Send'], rbac: [] });
    emulator.updateMailbox(OUTSIDE, { accessPolicyDenied: true });
    const report = await withMailer(OUTSIDE, (m) => m.verify({ to: 'qa@contoso.com' }));
    expect(check(report, 'test-email')).toMatchObject({ status: 'fail', code: 'MAILBOX_ACCESS_DENIED', step: 6 });
    expect(check(report, 'test-email')?.fix).toMatch(/Test-ApplicationAccessPolicy.*Test-ServicePrincipalAuthorization/s);
  });
});
