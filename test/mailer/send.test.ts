import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer } from '../../src/index';
import { GRAPH, SECRET, SEND_PATH, fakeJwt, graphError, mailerConfig, socketError, tokenEndpoint, tokenReply } from '../helpers/microsoft';

describe('send() through Graph', () => {
  it('gets a token with client credentials and POSTs the exact Graph JSON', async () => {
    let form: URLSearchParams | undefined;
    const token = tokenEndpoint()
      .reply(200, (_uri, body) => {
        form = new URLSearchParams(body as string);
        return tokenReply();
      });
    let sent: unknown;
    let auth: string | undefined;
    const graph = nock(GRAPH)
      .post(SEND_PATH, (body) => {
        sent = body;
        return true;
      })
      .reply(function () {
        auth = this.req.headers.authorization as string;
        return [202, '', { 'request-id': 'graph-req-1' }];
      });

    const mailer = new O365OAuthMailer(mailerConfig());
    const result = await mailer.send({
      to: ['Ann Lee <ann@contoso.com>', { name: 'Bob', address: 'bob@contoso.com' }],
      cc: 'carol@contoso.com, dave@contoso.com',
      bcc: { address: 'audit@contoso.com' },
      replyTo: 'noreply@contoso.com',
      subject: 'Weekly\r\nreport',
      html: '<p>Report</p>',
      importance: 'high',
      headers: { 'X-TrueChem-Sample': 'S-42' },
      attachments: [
        { filename: 'r.csv', content: 'a,b\n1,2\n' },
        { filename: 'logo.png', content: Buffer.from([137, 80, 78, 71]), cid: 'logo@truechem' },
      ],
    });

    expect(token.isDone() && graph.isDone()).toBe(true);
    expect(form?.get('grant_type')).toBe('client_credentials');
    expect(form?.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(form?.get('client_id')).toBe(mailerConfig().clientId);
    expect(auth).toMatch(/^Bearer eyJ/);
    expect(sent).toEqual({
      message: {
        subject: 'Weekly report',
        body: { contentType: 'HTML', content: '<p>Report</p>' },
        toRecipients: [
          { emailAddress: { name: 'Ann Lee', address: 'ann@contoso.com' } },
          { emailAddress: { name: 'Bob', address: 'bob@contoso.com' } },
        ],
        ccRecipients: [{ emailAddress: { address: 'carol@contoso.com' } }, { emailAddress: { address: 'dave@contoso.com' } }],
        bccRecipients: [{ emailAddress: { address: 'audit@contoso.com' } }],
        replyTo: [{ emailAddress: { address: 'noreply@contoso.com' } }],
        importance: 'high',
        internetMessageHeaders: [{ name: 'X-TrueChem-Sample', value: 'S-42' }],
        internetMessageId: result.messageId,
        attachments: [
          { '@odata.type': '#microsoft.graph.fileAttachment', name: 'r.csv', contentType: 'text/csv', contentBytes: Buffer.from('a,b\n1,2\n').toString('base64'), isInline: false },
          { '@odata.type': '#microsoft.graph.fileAttachment', name: 'logo.png', contentType: 'image/png', contentBytes: 'iVBORw==', isInline: true, contentId: 'logo@truechem' },
        ],
      },
      saveToSentItems: true,
    });
    expect(result).toEqual({
      accepted: ['ann@contoso.com', 'bob@contoso.com', 'carol@contoso.com', 'dave@contoso.com', 'audit@contoso.com'],
      requestId: 'graph-req-1',
      attempts: 1,
      route: 'sendMail',
      format: 'json',
      messageId: expect.stringMatching(/^<[0-9a-f-]{36}@contoso\.com>$/),
    });
  });

  it('sends as another address with `from`, and refuses two From addresses before any request', async () => {
    tokenEndpoint().reply(200, tokenReply());
    let sent: { message: { from?: unknown } } | undefined;
    nock(GRAPH)
      .post(SEND_PATH, (b) => {
        sent = b;
        return true;
      })
      .reply(202);
    const mailer = new O365OAuthMailer(mailerConfig());
    await mailer.send({ from: { name: 'Lab', address: 'lab@contoso.com' }, to: 'a@contoso.com', text: 'x' });
    expect(sent?.message.from).toEqual({ emailAddress: { name: 'Lab', address: 'lab@contoso.com' } });
    const err = await mailer.send({ from: 'a@contoso.com, b@contoso.com', to: 'a@contoso.com' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MESSAGE_INVALID', message: expect.stringContaining('from') });
  });

  it('makes ONE token request for 10 concurrent sends on a cold start, and none when warm', async () => {
    let tokenRequests = 0;
    tokenEndpoint()
      .times(10)
      .reply(200, () => {
        tokenRequests++;
        return tokenReply();
      });
    nock(GRAPH).post(SEND_PATH).times(12).reply(202);
    const mailer = new O365OAuthMailer(mailerConfig());
    await Promise.all(Array.from({ length: 10 }, (_, i) => mailer.send({ to: `u${i}@contoso.com`, subject: 's', text: 't' })));
    expect(tokenRequests).toBe(1);
    await mailer.send({ to: 'late@contoso.com', subject: 's', text: 't' });
    expect(tokenRequests).toBe(1);
  });

  it('after a 401 InvalidAuthenticationToken gets one fresh token and retries once', async () => {
    const first = fakeJwt({ roles: ['Mail.Send'], n: 1 });
    const second = fakeJwt({ roles: ['Mail.Send'], n: 2 });
    tokenEndpoint().reply(200, tokenReply(first));
    tokenEndpoint().reply(200, tokenReply(second));
    const seen: string[] = [];
    nock(GRAPH)
      .post(SEND_PATH)
      .reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [401, graphError('InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.')];
      })
      .post(SEND_PATH)
      .reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [202, ''];
      });
    const mailer = new O365OAuthMailer(mailerConfig());
    const result = await mailer.send({ to: 'ann@contoso.com', subject: 's', text: 't' });
    expect(seen).toEqual([`Bearer ${first}`, `Bearer ${second}`]);
    expect(result.attempts).toBe(2);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a second 401 is final: no loop of refreshes', async () => {
    tokenEndpoint().times(2).reply(200, () => tokenReply());
    const graph = nock(GRAPH).post(SEND_PATH).times(2).reply(401, graphError('InvalidAuthenticationToken', 'Access token validation failure.'));
    const mailer = new O365OAuthMailer(mailerConfig());
    const err = await mailer.send({ to: 'ann@contoso.com', subject: 's', text: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailerError);
    expect((err as MailerError).status).toBe(401);
    expect(graph.isDone()).toBe(true);
  });

  it('refuses bad input with MESSAGE_INVALID before any request', async () => {
    const mailer = new O365OAuthMailer(mailerConfig());
    const cases: Array<[Parameters<O365OAuthMailer['send']>[0], RegExp]> = [
      [{ subject: 'no recipients', text: 'x' }, /recipient/i],
      [{ to: 'not-an-address', text: 'x' }, /to/],
      [{ to: 'a@contoso.com', headers: { Subject: 'v' } }, /^headers\.Subject is written from the message's fields/],
      [{ to: 'a@contoso.com', attachment: [] } as Parameters<O365OAuthMailer['send']>[0], /^attachment is not a field.*did you mean attachments/],
      [{ to: 'a@contoso.com', envelope: { to: 'x@contoso.com' } } as Parameters<O365OAuthMailer['send']>[0], /^envelope /],
      [{ to: 'a@contoso.com', headers: { 'X-A': 'line\r\nBcc: evil@x.com' } }, /X-A/],
      [{ to: `${'a'.repeat(65)}@contoso.com` }, /64|local/i],
      [{ to: 'a@contoso.com', attachments: [{ filename: 'a\nb.txt', content: 'x' }] }, /attachments\[0\]/],
    ];
    for (const [message, pattern] of cases) {
      const err = await mailer.send(message).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MailerError);
      expect((err as MailerError).code).toBe('MESSAGE_INVALID');
      expect((err as MailerError).message).toMatch(pattern);
      expect((err as MailerError).fix).toBeTruthy();
    }
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('refuses a message over 4 MB with ATTACHMENT_TOO_LARGE when the app lacks Mail.ReadWrite, sending nothing', async () => {
    tokenEndpoint().reply(200, tokenReply(fakeJwt({ roles: ['Mail.Send'] })));
    const mailer = new O365OAuthMailer(mailerConfig());
    const err = (await mailer
      .send({ to: 'a@contoso.com', attachments: [{ filename: 'big.pdf', content: Buffer.alloc(3_500_000) }] })
      .catch((e: unknown) => e)) as MailerError;
    expect(err.code).toBe('ATTACHMENT_TOO_LARGE');
    expect(err.fix).toMatch(/Mail\.ReadWrite/);
    expect(err.fix).toMatch(/150 MB/);
  });

  it('a 403 ErrorAccessDenied with Mail.Send in the token is MAILBOX_ACCESS_DENIED (access policy or RBAC scope)', async () => {
    tokenEndpoint().reply(200, tokenReply(fakeJwt({ roles: ['Mail.Send'] })));
    nock(GRAPH).post(SEND_PATH).reply(403, graphError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.', 'rid-403b'));
    const mailer = new O365OAuthMailer(mailerConfig());
    const err = (await mailer.send({ to: 'a@contoso.com', text: 'x' }).catch((e: unknown) => e)) as MailerError;
    expect(err).toMatchObject({ code: 'MAILBOX_ACCESS_DENIED', step: 6, status: 403, requestId: 'rid-403b' });
    expect(err.message).toMatch(/although the token carries Mail\.Send/);
    expect(err.fix).toMatch(/Test-ApplicationAccessPolicy.*Test-ServicePrincipalAuthorization/s);
  });

  it('maps a Graph 403 ErrorAccessDenied to CONSENT_MISSING with step 3', async () => {
    tokenEndpoint().reply(200, tokenReply(fakeJwt({ roles: ['User.Read.All'] })));
    nock(GRAPH).post(SEND_PATH).reply(403, graphError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.', 'rid-403'));
    const mailer = new O365OAuthMailer(mailerConfig());
    const err = (await mailer.send({ to: 'a@contoso.com', text: 'x' }).catch((e: unknown) => e)) as MailerError;
    expect(err.code).toBe('CONSENT_MISSING');
    expect(err.step).toBe(3);
    expect(err.requestId).toBe('rid-403');
    expect(err.fix).toMatch(/Application permissions › Mail.Send/);
    expect(err.message).not.toContain(SECRET);
  });
});

describe('token requests that never reached Entra ID', () => {
  it('are retried: a refused connection, then a token, then the mail', async () => {
    tokenEndpoint().replyWithError(socketError('ECONNREFUSED', 'connect ECONNREFUSED 20.190.1.1:443'));
    tokenEndpoint().reply(200, tokenReply());
    const graph = nock(GRAPH).post(SEND_PATH).reply(202);
    const result = await new O365OAuthMailer(mailerConfig()).send({ to: 'a@contoso.com', text: 'x' });
    expect(result.attempts).toBe(1);
    expect(graph.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('give NETWORK (retriable) after three refused connections', async () => {
    const refused = tokenEndpoint().times(3).replyWithError(socketError('ECONNREFUSED', 'connect ECONNREFUSED'));
    const err = await new O365OAuthMailer(mailerConfig()).send({ to: 'a@contoso.com', text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NETWORK', retriable: true });
    expect(refused.isDone()).toBe(true);
  });
});
