import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer } from '../../src/index';
import { GRAPH, SEND_PATH, graphError, mailerConfig, tokenEndpoint, tokenReply } from '../helpers/microsoft';

describe('send() as MIME (nock)', () => {
  it('POSTs the MIME message in base64 with Content-Type text/plain, Bcc kept for Exchange, no JSON', async () => {
    tokenEndpoint().reply(200, tokenReply());
    let contentType: string | undefined;
    let raw = '';
    const graph = nock(GRAPH)
      .post(SEND_PATH, (body) => {
        raw = typeof body === 'string' ? body : JSON.stringify(body);
        return true;
      })
      .reply(function () {
        contentType = this.req.headers['content-type'] as string;
        return [202, '', { 'request-id': 'mime-1' }];
      });
    const mailer = new O365OAuthMailer(mailerConfig());
    const result = await mailer.send({ to: 'ann@contoso.com', bcc: 'audit@contoso.com', subject: 'Both', text: 'plain', html: '<p>rich</p>', messageId: 'fixed-1@contoso.com' });
    expect(graph.isDone()).toBe(true);
    expect(contentType).toBe('text/plain');
    expect(raw).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const mime = Buffer.from(raw, 'base64').toString('utf8');
    expect(mime).toMatch(/^Message-ID: <fixed-1@contoso\.com>$/m);
    expect(mime).toMatch(/^From: lab@contoso\.com$/m);
    expect(mime).toMatch(/^Bcc: audit@contoso\.com$/m);
    expect(mime).toMatch(/^Content-Type: multipart\/alternative/m);
    expect(mime).not.toMatch(/X-Mailer/);
    expect(result).toEqual({ accepted: ['ann@contoso.com', 'audit@contoso.com'], requestId: 'mime-1', attempts: 1, route: 'sendMail', format: 'mime', messageId: '<fixed-1@contoso.com>' });
  });

  it('maps 400 ErrorMimeContentInvalidBase64String to MESSAGE_INVALID', async () => {
    tokenEndpoint().reply(200, tokenReply());
    nock(GRAPH).post(SEND_PATH).reply(400, graphError('ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.'));
    const mailer = new O365OAuthMailer(mailerConfig());
    const err = await mailer.send({ to: 'ann@contoso.com', text: 'a', html: 'b' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailerError);
    expect((err as MailerError).code).toBe('MESSAGE_INVALID');
  });

  it('refuses a raw message over ~3 MB before any request', async () => {
    const mailer = new O365OAuthMailer(mailerConfig());
    const raw = `To: a@contoso.com\r\nSubject: big\r\n\r\n${'x'.repeat(3_200_000)}`;
    const err = (await mailer.send({ raw }).catch((e: unknown) => e)) as MailerError;
    expect(err.code).toBe('ATTACHMENT_TOO_LARGE');
    expect(err.fix).toMatch(/instead of raw/);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('refuses a raw message without recipients before any request', async () => {
    const mailer = new O365OAuthMailer(mailerConfig());
    const err = (await mailer.send({ raw: 'Subject: none\r\n\r\nbody' }).catch((e: unknown) => e)) as MailerError;
    expect(err.code).toBe('MESSAGE_INVALID');
    expect(err.message).toMatch(/^raw has no recipient/);
  });

  it('a MIME message over ~3 MB without Mail.ReadWrite: ATTACHMENT_TOO_LARGE, nothing sent', async () => {
    tokenEndpoint().reply(200, tokenReply());
    const mailer = new O365OAuthMailer(mailerConfig());
    const err = (await mailer
      .send({ to: 'a@contoso.com', text: 't', html: 'h', attachments: [{ filename: 'big.bin', content: Buffer.alloc(3_500_000) }] })
      .catch((e: unknown) => e)) as MailerError;
    expect(err.code).toBe('ATTACHMENT_TOO_LARGE');
    expect(err.fix).toMatch(/Mail\.ReadWrite/);
  });
});
