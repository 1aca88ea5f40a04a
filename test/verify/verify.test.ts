import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { O365OAuthMailer, type VerifyReport } from '../../src/index';
import { GRAPH, LOGIN, SEND_PATH, TENANT, entraError, fakeJwt, graphError, mailerConfig, openIdConfig, socketError, tokenEndpoint, tokenReply } from '../helpers/microsoft';

function check(report: VerifyReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
}

function statuses(report: VerifyReport) {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

describe('verify(): the Test button', () => {
  it('passes a correct setup without sending mail, in the guide order, with a skip line for step 4', async () => {
    openIdConfig();
    tokenEndpoint().reply(200, tokenReply(fakeJwt({ roles: ['Mail.Send'] })));
    const report = await new O365OAuthMailer(mailerConfig()).verify();
    expect(report.ok).toBe(true);
    expect(report.permissions).toEqual(['Mail.Send']);
    expect(report.checks.map((c) => c.id)).toEqual(['tenant', 'credentials', 'permission', 'redirect-uri', 'secret-expiry', 'test-email']);
    expect(statuses(report)).toEqual({ tenant: 'pass', credentials: 'pass', permission: 'pass', 'redirect-uri': 'skip', 'secret-expiry': 'skip', 'test-email': 'skip' });
    expect(check(report, 'redirect-uri')).toMatchObject({ step: 4, message: expect.stringMatching(/not needed/i) });
    expect(check(report, 'permission').message).toMatch(/Mail\.ReadWrite is not granted/);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('wrong tenant: TENANT_NOT_FOUND at step 1, and no token request', async () => {
    nock(LOGIN).get(`/${TENANT}/v2.0/.well-known/openid-configuration`).reply(400, entraError(90002, 'invalid_tenant', `Tenant '${TENANT}' not found.`));
    const token = tokenEndpoint().reply(200, tokenReply());
    const report = await new O365OAuthMailer(mailerConfig()).verify({ to: 'qa@contoso.com' });
    expect(report.ok).toBe(false);
    expect(check(report, 'tenant')).toMatchObject({ status: 'fail', code: 'TENANT_NOT_FOUND', step: 1 });
    expect(check(report, 'tenant').fix).toMatch(/Directory \(tenant\) ID/);
    expect(check(report, 'tenant').fix).toMatch(/cloud/);
    expect(statuses(report)).toMatchObject({ credentials: 'skip', permission: 'skip', 'test-email': 'skip' });
    expect(token.isDone()).toBe(false);
  });

  it('unreachable Microsoft: NETWORK with a fix about proxy, firewall and tls.ca', async () => {
    nock(LOGIN).get(`/${TENANT}/v2.0/.well-known/openid-configuration`).replyWithError(socketError('ECONNREFUSED', 'connect ECONNREFUSED'));
    const report = await new O365OAuthMailer(mailerConfig()).verify();
    expect(check(report, 'tenant')).toMatchObject({ status: 'fail', code: 'NETWORK' });
    expect(check(report, 'tenant').fix).toMatch(/proxy/);
    expect(check(report, 'tenant').fix).toMatch(/firewall/);
    expect(check(report, 'tenant').fix).toMatch(/tls\.ca/);
  });

  const credentialCases: Array<[number, string, string, string, number, RegExp]> = [
    [700016, 'unauthorized_client', "Application with identifier 'x' was not found in the directory 'Contoso'.", 'CLIENT_NOT_FOUND', 1, /Application \(client\) ID.*not the Object ID/],
    [7000215, 'invalid_client', 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.', 'SECRET_INVALID', 5, /Value/],
    [7000222, 'invalid_client', "The provided client secret keys for app 'x' are expired.", 'SECRET_EXPIRED', 5, /new client secret \(step 5\).*step 6/],
    [90038, 'invalid_request', 'Tenant is in a national cloud.', 'AUTH_FAILED', 1, /national cloud/],
    [7000112, 'unauthorized_client', 'Application is disabled.', 'AUTH_FAILED', 1, /Enterprise applications/],
    [7000229, 'invalid_client', 'The client application is missing service principal in the tenant.', 'AUTH_FAILED', 3, /service principal/],
    [53003, 'access_denied', 'Access has been blocked by Conditional Access policies.', 'AUTH_FAILED', 3, /Conditional Access/],
    [50196, 'temporarily_unavailable', 'The server terminated an operation because it encountered a client request loop.', 'THROTTLED', 0, /too many token requests/],
  ];
  for (const [aadsts, error, text, code, step, fix] of credentialCases) {
    it(`AADSTS${aadsts} → ${code}`, async () => {
      openIdConfig();
      tokenEndpoint().reply(aadsts === 7000215 || aadsts === 7000222 ? 401 : 400, entraError(aadsts, error, text));
      const report = await new O365OAuthMailer(mailerConfig()).verify({ to: 'qa@contoso.com' });
      const c = check(report, 'credentials');
      expect(c.status).toBe('fail');
      expect(c.code).toBe(code);
      if (step) expect(c.step).toBe(step);
      expect(c.fix).toMatch(fix);
      expect(c.message).toContain(`AADSTS${aadsts}`);
      expect(statuses(report)).toMatchObject({ tenant: 'pass', permission: 'skip', 'test-email': 'skip' });
    });
  }

  it('a GUID-shaped secret gets a fix saying it is the Secret ID', async () => {
    openIdConfig();
    tokenEndpoint().reply(401, entraError(7000215, 'invalid_client', 'Invalid client secret provided.'));
    const report = await new O365OAuthMailer(mailerConfig({ clientSecret: '8f1f0a2e-5b1c-4c4d-9e3a-0123456789ab' })).verify();
    expect(check(report, 'credentials')).toMatchObject({ code: 'SECRET_INVALID', step: 5, fix: expect.stringMatching(/Secret ID.*Value/) });
  });

  it('no admin consent: CONSENT_MISSING at step 3 once Graph refuses the test email; after consent the same mailer passes and sends one', async () => {
    openIdConfig();
    tokenEndpoint().reply(200, tokenReply(fakeJwt({ n: 1 })));
    const refused = nock(GRAPH).post(SEND_PATH).reply(401, graphError('NoPermissionsInAccessToken', 'The token contains no permissions, or permissions can not be understood.'));
    const mailer = new O365OAuthMailer(mailerConfig());
    const before = await mailer.verify({ to: 'qa@contoso.com' });
    expect(refused.isDone()).toBe(true);
    expect(before.ok).toBe(false);
    const permission = check(before, 'permission');
    expect(permission).toMatchObject({ status: 'fail', code: 'CONSENT_MISSING', step: 3 });
    expect(permission.fix).toMatch(/Application permissions › Mail\.Send \(not Delegated; step 2\)/);
    expect(permission.fix).toMatch(/Global Administrator or Privileged Role Administrator/);
    expect(check(before, 'test-email')).toMatchObject({ status: 'fail', code: 'CONSENT_MISSING', step: 3 });

    // The admin grants consent. A token cached from before would still lack the role: verify must ask anew.
    openIdConfig();
    const fresh = tokenEndpoint().reply(200, tokenReply(fakeJwt({ roles: ['Mail.Send', 'Mail.ReadWrite'], n: 2 })));
    let mail: { message: { subject: string; body: { content: string }; toRecipients: unknown[] } } | undefined;
    const graph = nock(GRAPH)
      .post(SEND_PATH, (b) => {
        mail = b;
        return true;
      })
      .reply(202, '', { 'request-id': 'test-req' });
    const after = await mailer.verify({ to: 'qa@contoso.com' });
    expect(fresh.isDone()).toBe(true);
    expect(graph.isDone()).toBe(true);
    expect(after.ok).toBe(true);
    expect(after.permissions).toEqual(['Mail.Send', 'Mail.ReadWrite']);
    expect(check(after, 'permission').message).toMatch(/150 MB/);
    expect(check(after, 'test-email').message).toMatch(/accepted.*bounce/s);
    expect(mail?.message.subject).toMatch(/configuration test/i);
    expect(mail?.message.body.content).toContain('lab@contoso.com');
    expect(mail?.message.body.content).toMatch(/Time: \d{4}-\d\d-\d\dT/);
    expect(mail?.message.toRecipients).toEqual([{ emailAddress: { address: 'qa@contoso.com' } }]);
  });

  it('roles without Mail.Send, no `to`: a warning that names RBAC for Applications, never a failure', async () => {
    openIdConfig();
    tokenEndpoint().reply(200, tokenReply(fakeJwt({ roles: ['User.Read.All'] })));
    const report = await new O365OAuthMailer(mailerConfig()).verify();
    expect(report.ok).toBe(true);
    expect(check(report, 'permission')).toMatchObject({ status: 'warn', code: 'CONSENT_MISSING', step: 3 });
    expect(check(report, 'permission').message).toMatch(/^Not proven: Mail\.Send is not in the token \(it carries only User\.Read\.All\)\. It may be granted through Exchange RBAC for Applications/);
    expect(check(report, 'permission').fix).toMatch(/Run verify with `to`.*admin consent.*Application Mail\.Send.*RBAC for Applications/s);
    expect(check(report, 'test-email').message).toMatch(/^The sender was not tested: only a test email proves that lab@contoso\.com exists/);
  });

  it('Mail.Send added as Delegated: the message says so', async () => {
    openIdConfig();
    tokenEndpoint().reply(200, tokenReply(fakeJwt({ scp: 'Mail.Send User.Read' })));
    const report = await new O365OAuthMailer(mailerConfig()).verify({ to: 'qa@contoso.com' });
    expect(report.ok).toBe(false);
    expect(check(report, 'permission')).toMatchObject({ status: 'fail', code: 'CONSENT_MISSING', step: 3 });
    expect(check(report, 'permission').message).toMatch(/Delegated permission, but this app needs the Application permission/);
    expect(check(report, 'test-email').status).toBe('skip');
  });

  it('no roles in the token, and Exchange accepts the test email: RBAC for Applications, a pass', async () => {
    openIdConfig();
    tokenEndpoint().reply(200, tokenReply(fakeJwt({})));
    const graph = nock(GRAPH).post(SEND_PATH).reply(202, '', { 'request-id': 'rbac-1' });
    const report = await new O365OAuthMailer(mailerConfig()).verify({ to: 'qa@contoso.com' });
    expect(graph.isDone()).toBe(true);
    expect(report.ok).toBe(true);
    expect(check(report, 'permission')).toMatchObject({ status: 'pass', step: 3, message: expect.stringMatching(/RBAC for Applications/) });
    expect(check(report, 'test-email').status).toBe('pass');
  });

  const mailboxCases: Array<[number, string, string, string, number]> = [
    [404, 'ErrorInvalidUser', "The requested user 'lab@contoso.com' is invalid.", 'MAILBOX_NOT_FOUND', 6],
    [404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.', 'MAILBOX_NOT_FOUND', 6],
    [403, 'ErrorAccessDenied', 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.', 'MAILBOX_ACCESS_DENIED', 6],
    [403, 'ErrorSendAsDenied', 'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.', 'SEND_AS_DENIED', 6],
    [401, 'NoPermissionsInAccessToken', 'The token contains no permissions, or permissions can not be understood.', 'CONSENT_MISSING', 3],
  ];
  for (const [status, graphCode, text, code, step] of mailboxCases) {
    it(`test email answered ${status} ${graphCode} → ${code}`, async () => {
      openIdConfig();
      // An opaque (non-JWT) token: the permission check is skipped and the test email decides.
      tokenEndpoint().reply(200, tokenReply(graphCode === 'NoPermissionsInAccessToken' ? 'opaque-token-value' : fakeJwt({ roles: ['Mail.Send'] })));
      const graph = nock(GRAPH).post(SEND_PATH).reply(status, graphError(graphCode, text));
      const report = await new O365OAuthMailer(mailerConfig()).verify({ to: 'qa@contoso.com' });
      expect(graph.isDone()).toBe(true);
      expect(report.ok).toBe(false);
      expect(check(report, 'test-email')).toMatchObject({ status: 'fail', code, step });
      if (code === 'MAILBOX_ACCESS_DENIED') expect(check(report, 'test-email').fix).toMatch(/Test-ApplicationAccessPolicy.*hour/s);
      if (code === 'MAILBOX_NOT_FOUND') expect(check(report, 'test-email').fix).toMatch(/licensed Exchange Online mailbox/);
    });
  }

  it('secret expiry: warn within 30 days, fail once past', async () => {
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString();
    openIdConfig();
    tokenEndpoint().reply(200, tokenReply());
    const warned = await new O365OAuthMailer(mailerConfig({ secretExpiresAt: soon })).verify();
    expect(warned.ok).toBe(true);
    expect(check(warned, 'secret-expiry')).toMatchObject({ status: 'warn', step: 5, code: 'CREDENTIAL_EXPIRING', message: expect.stringMatching(/still works but expires on/) });

    openIdConfig();
    tokenEndpoint().reply(200, tokenReply());
    const past = await new O365OAuthMailer(mailerConfig({ secretExpiresAt: new Date(Date.now() - 86_400_000) })).verify();
    expect(past.ok).toBe(false);
    expect(check(past, 'secret-expiry')).toMatchObject({ status: 'fail', code: 'SECRET_EXPIRED', step: 5 });
  });

  it('a send() after verify() rejects with the same catalogue codes', async () => {
    tokenEndpoint().reply(401, entraError(7000222, 'invalid_client', 'The provided client secret keys are expired.'));
    const err = await new O365OAuthMailer(mailerConfig()).send({ to: 'a@contoso.com', text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SECRET_EXPIRED', step: 5 });
  });
});

describe('Entra error text in messages', () => {
  it('quotes Entra without its Trace ID trailer, and keeps the trace ID as requestId', async () => {
    openIdConfig();
    tokenEndpoint().reply(401, {
      ...entraError(7000215, 'invalid_client', 'x'),
      error_description:
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.\r\nTrace ID: 0f7c6a3e-1111-2222-3333-444455556666\r\nCorrelation ID: 5d1e2f3a-aaaa-bbbb-cccc-ddddeeeeffff\r\nTimestamp: 2026-11-29 09:00:00Z",
    });
    const err = await new O365OAuthMailer(mailerConfig()).send({ to: 'a@contoso.com', text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SECRET_INVALID', requestId: '0f7c6a3e-1111-2222-3333-444455556666' });
    expect((err as Error).message).toMatch(/Invalid client secret provided\. Ensure .* not the client secret ID\.$/);
    expect((err as Error).message).not.toMatch(/Trace ID|Correlation|Timestamp/);
  });
});
