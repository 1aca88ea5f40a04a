import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer } from 'o365-oauth-mailer';
import { startEmulator, type Emulator } from 'o365-oauth-mailer/emulator';
import { createGraphTransport, type GraphSentMessageInfo, type TransportError } from 'o365-oauth-mailer/nodemailer';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.reset());

describe('nodemailer.createTransport(createGraphTransport(...)) (ESM)', () => {
  it('sends what nodemailer compiled: text+html, attachment, Bcc, threading, list; info has nodemailer’s shape', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    const info = (await transporter.sendMail({
      from: `Lab <${emulator.sender}>`,
      to: 'ann@contoso.com',
      bcc: 'audit@contoso.com',
      subject: 'From nodemailer',
      text: 'plain',
      html: '<p>rich</p>',
      inReplyTo: '<prev@shop.example>',
      list: { unsubscribe: 'https://shop.example/u' },
      attachments: [{ filename: 'a.txt', content: 'aGVsbG8=', encoding: 'base64' }],
    })) as GraphSentMessageInfo;
    expect(info).toMatchObject({
      accepted: ['ann@contoso.com', 'audit@contoso.com'],
      rejected: [],
      pending: [],
      envelope: { from: emulator.sender, to: ['ann@contoso.com', 'audit@contoso.com'] },
      response: expect.stringMatching(/^202 Accepted \(Microsoft Graph sendMail, request-id /),
    });
    expect(info.messageId).toMatch(/^<.+@.+>$/);
    const m = emulator.messages[0]!;
    expect(m).toMatchObject({ format: 'mime', messageId: info.messageId, text: 'plain', html: '<p>rich</p>', inReplyTo: '<prev@shop.example>', bcc: [{ address: 'audit@contoso.com' }] });
    expect(m.attachments[0]?.content.toString()).toBe('hello');
    expect(m.headers.find((h) => h.name === 'List-Unsubscribe')?.value).toBe('<https://shop.example/u>');
    transporter.close();
  });

  it('runs compile and stream plugins (templates) before sending', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const transporter = nodemailer.createTransport(createGraphTransport(mailer));
    transporter.use('compile', (mail, done) => {
      mail.data.html = String(mail.data.html).replace('{{name}}', 'Ann');
      done();
    });
    transporter.use('stream', (mail, done) => {
      mail.message.addHeader('X-Stamped', 'yes');
      done();
    });
    await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', subject: 'tpl', html: '<p>Hello {{name}}</p>' });
    // A single-part message ends with the line break nodemailer writes after the body.
    expect(emulator.messages[0]?.html).toBe('<p>Hello Ann</p>\n');
    expect(emulator.messages[0]?.headers.find((h) => h.name === 'X-Stamped')?.value).toBe('yes');
    await mailer.close();
  });

  it('errors stay MailerErrors; envelope and dsn are refused before any request', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    for (const extra of [{ envelope: { from: 'a@x.com', to: ['b@x.com'] } }, { dsn: { notify: 'failure' } }]) {
      const err = await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', text: 'x', ...extra }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MailerError);
      expect((err as MailerError).code).toBe('MESSAGE_INVALID');
    }
    emulator.updateMailbox(emulator.sender, { licensed: false });
    const err = (await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', text: 'x' }).catch((e: unknown) => e)) as MailerError;
    expect(err.code).toBe('MAILBOX_NOT_FOUND');
    expect(err.fix).toBeTruthy();
    expect(emulator.messages).toEqual([]);
    transporter.close();
  });

  it('errors carry nodemailer’s responseCode (the HTTP status), command and permanent, and stay MailerErrors', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig({ retry: { maxRetries: 0 } })));
    const send = async () => (await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', text: 'x' }).catch((e: unknown) => e)) as TransportError;

    emulator.faults.throttle(1, { retryAfterSeconds: 0 });
    const throttled = await send();
    expect(throttled).toBeInstanceOf(MailerError);
    expect(throttled).toMatchObject({ code: 'THROTTLED', status: 429, responseCode: 429, command: 'API', permanent: false, retriable: true });

    emulator.updateMailbox(emulator.sender, { licensed: false });
    const missing = await send();
    expect(missing).toMatchObject({ code: 'MAILBOX_NOT_FOUND', command: 'API', permanent: true });
    expect(missing.responseCode).toBe(missing.status);
    expect(missing.responseCode).toBeGreaterThanOrEqual(400);

    const refused = (await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', text: 'x', dkim: { domainName: 'x', keySelector: 'k', privateKey: 'p' } }).catch((e: unknown) => e)) as TransportError;
    expect(refused).toMatchObject({ code: 'MESSAGE_INVALID', permanent: true });
    expect(refused.message).toMatch(/^dkim /);
    expect(refused.responseCode).toBeUndefined();
    expect(refused.command).toBeUndefined();
    transporter.close();

    const bad = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig({ clientSecret: 'wrong-secret-value~0123456789abcdefghij' })));
    const auth = (await bad.sendMail({ from: emulator.sender, to: 'ann@contoso.com', text: 'x' }).catch((e: unknown) => e)) as TransportError;
    expect(auth).toMatchObject({ code: 'SECRET_INVALID', command: 'AUTH', permanent: true, step: 5 });
    expect(auth.responseCode).toBe(auth.status);
    const verifyErr = (await bad.verify().catch((e: unknown) => e)) as TransportError;
    expect(verifyErr).toMatchObject({ code: 'SECRET_INVALID', command: 'AUTH' });
    bad.close();
    expect(emulator.messages).toEqual([]);
  });

  it('info: messageId the recipient sees, envelope, accepted (To, Cc, Bcc), rejected/pending empty, response', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    const info = (await transporter.sendMail({ from: emulator.sender, to: 'Ann <ann@contoso.com>', cc: 'cy@contoso.com', bcc: 'audit@contoso.com', messageId: '<fixed-1@shop.example>', text: 'x' })) as GraphSentMessageInfo;
    expect(info).toEqual({
      messageId: '<fixed-1@shop.example>',
      envelope: { from: emulator.sender, to: ['ann@contoso.com', 'cy@contoso.com', 'audit@contoso.com'] },
      accepted: ['ann@contoso.com', 'cy@contoso.com', 'audit@contoso.com'],
      rejected: [],
      pending: [],
      response: `202 Accepted (Microsoft Graph sendMail, request-id ${info.result.requestId})`,
      result: expect.objectContaining({ route: 'sendMail', format: 'mime', messageId: '<fixed-1@shop.example>', attempts: 1 }),
    });
    expect(emulator.messages[0]?.messageId).toBe('<fixed-1@shop.example>');
    transporter.close();
  });

  it('the sendMail callback form gets the same info and errors', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    const info = await new Promise<GraphSentMessageInfo>((resolve, reject) => {
      transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', subject: 'cb', text: 'x' }, (err, sent) => (err ? reject(err) : resolve(sent as GraphSentMessageInfo)));
    });
    expect(info).toMatchObject({ accepted: ['ann@contoso.com'], rejected: [], pending: [], envelope: { from: emulator.sender, to: ['ann@contoso.com'] } });
    expect(info.messageId).toBe(emulator.messages[0]?.messageId);
    expect(info.response).toMatch(/^202 Accepted/);
    const err = await new Promise<TransportError>((resolve) => {
      transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', text: 'x', envelope: { to: 'b@contoso.com' } }, (e) => resolve(e as TransportError));
    });
    expect(err).toBeInstanceOf(MailerError);
    expect(err).toMatchObject({ code: 'MESSAGE_INVALID', permanent: true });
    expect(err.message).toMatch(/^envelope /);
    expect(emulator.messages).toHaveLength(1);
    transporter.close();
  });

  it('raw: recipients and Message-ID come from the message itself (one is added when it has none)', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    const eml = (id: string) => `From: ${emulator.sender}\r\nTo: ann@contoso.com\r\nCc: cy@contoso.com\r\nSubject: raw\r\n${id ? `Message-ID: <${id}@x.example>\r\n` : ''}\r\nbody`;
    const info = (await transporter.sendMail({ raw: eml('r1') })) as GraphSentMessageInfo;
    expect(info).toMatchObject({ messageId: '<r1@x.example>', accepted: ['ann@contoso.com', 'cy@contoso.com'], envelope: { to: ['ann@contoso.com', 'cy@contoso.com'] } });
    const fresh = (await transporter.sendMail({ raw: eml('') })) as GraphSentMessageInfo;
    expect(fresh.messageId).toMatch(/^<.+@.+>$/);
    expect(emulator.messages.map((m) => m.messageId)).toEqual(['<r1@x.example>', fresh.messageId]);
    transporter.close();
  });

  it('the mailer’s disableFileAccess holds through the transport: a path is refused before any file is read or request made', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig({ disableFileAccess: true })));
    for (const message of [
      { attachments: [{ path: '/proc/self/environ' }] },
      { attachments: [{ filename: 'env.txt', path: '/proc/self/environ' }], text: 'x', html: '<p>x</p>' },
      { html: { path: '/proc/self/environ' } },
    ]) {
      const err = (await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', ...message }).catch((e: unknown) => e)) as TransportError;
      expect(err).toBeInstanceOf(MailerError);
      expect(err.code).toBe('MESSAGE_INVALID');
      expect(err.message, JSON.stringify(message)).toMatch(/file access is disabled/);
    }
    // nodemailer's own per-message switch is honoured too.
    const own = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    const err = (await own.sendMail({ from: emulator.sender, to: 'ann@contoso.com', text: 'x', disableFileAccess: true, attachments: [{ path: '/proc/self/environ' }] }).catch((e: unknown) => e)) as TransportError;
    expect(err).toMatchObject({ code: 'MESSAGE_INVALID' });
    expect(emulator.requests.filter((r) => r.area === 'graph')).toEqual([]);
    expect(emulator.messages).toEqual([]);
    transporter.close();
    own.close();
  });

  it('verify() resolves true, or rejects with the MailerError of the first failing check', async () => {
    const ok = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig()));
    await expect(ok.verify()).resolves.toBe(true);
    ok.close();
    const bad = nodemailer.createTransport(createGraphTransport(emulator.mailerConfig({ clientSecret: 'wrong-secret-value~0123456789abcdefghij' })));
    const err = (await bad.verify().catch((e: unknown) => e)) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('SECRET_INVALID');
    expect(err.step).toBe(5);
    bad.close();
  });
});
