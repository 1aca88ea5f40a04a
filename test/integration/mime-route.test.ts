import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { O365OAuthMailer } from '../../src/index';
import { startEmulator } from '../../src/emulator/index';
import type { Emulator } from '../../src/emulator/index';
import { emulatorClient } from '../emulator/helpers';

let emulator: Emulator;
let mailer: O365OAuthMailer;

beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }] });
  mailer = new O365OAuthMailer(emulator.mailerConfig());
});
afterAll(async () => {
  await mailer.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

const graphPosts = () => emulator.requests.filter((r) => r.area === 'graph' && r.method === 'POST').map((r) => r.path.replace(/messages\/[^/]+/, 'messages/{id}'));

describe('Message-ID on every route', () => {
  it('JSON sendMail: a generated <uuid@sender-domain> that the recipient sees (internetMessageId)', async () => {
    const result = await mailer.send({ to: 'ann@contoso.com', subject: 'plain', text: 'hello' });
    expect(result).toMatchObject({ route: 'sendMail', format: 'json' });
    expect(result.messageId).toMatch(/^<[0-9a-f-]{36}@contoso\.onmicrosoft\.com>$/);
    expect(emulator.messages[0]).toMatchObject({ format: 'json', messageId: result.messageId, text: 'hello' });
  });

  it("JSON sendMail: the caller's messageId, brackets added", async () => {
    const result = await mailer.send({ to: 'ann@contoso.com', subject: 'id', html: '<p>x</p>', messageId: 'order-42@shop.example' });
    expect(result).toMatchObject({ format: 'json', messageId: '<order-42@shop.example>' });
    expect(emulator.messages[0]).toMatchObject({ messageId: '<order-42@shop.example>', html: '<p>x</p>' });
  });

  it('JSON draft route (large attachment): internetMessageId set on the draft', async () => {
    const big = randomBytes(4 * 1024 * 1024);
    const result = await mailer.send({ to: 'ann@contoso.com', subject: 'big', text: 'x', messageId: '<big-1@shop.example>', attachments: [{ filename: 'big.bin', content: big }] });
    expect(result).toMatchObject({ route: 'draft', format: 'json', messageId: '<big-1@shop.example>' });
    expect(emulator.messages[0]?.messageId).toBe('<big-1@shop.example>');
    expect(emulator.messages[0]?.attachments[0]?.content.equals(big)).toBe(true);
  });
});

describe('the MIME route (nodemailer MailComposer → base64 sendMail → mailparser in the emulator)', () => {
  it('text and html arrive together as multipart/alternative, in one MIME sendMail', async () => {
    const result = await mailer.send({ to: 'Ann Lee <ann@contoso.com>', cc: 'cy@contoso.com', bcc: 'audit@contoso.com', subject: 'Grüße', text: 'plain body', html: '<p>rich body</p>' });
    expect(result).toMatchObject({ route: 'sendMail', format: 'mime', attempts: 1, accepted: ['ann@contoso.com', 'cy@contoso.com', 'audit@contoso.com'] });
    expect(graphPosts()).toEqual([`/v1.0/users/${encodeURIComponent(emulator.sender)}/sendMail`]);
    const m = emulator.messages[0]!;
    expect(m).toMatchObject({
      format: 'mime',
      messageId: result.messageId,
      subject: 'Grüße',
      text: 'plain body',
      html: '<p>rich body</p>',
      to: [{ name: 'Ann Lee', address: 'ann@contoso.com' }],
      cc: [{ address: 'cy@contoso.com' }],
      bcc: [{ address: 'audit@contoso.com' }],
      saveToSentItems: true,
    });
    expect(m.mime?.toString()).toMatch(/Content-Type: multipart\/alternative/);
  });

  it('a base64-encoded attachment arrives decoded (on JSON and on MIME)', async () => {
    const attachments = [{ filename: 'hello.txt', content: 'aGVsbG8=', encoding: 'base64' as const }, { filename: 'b.bin', content: '00ff10', encoding: 'hex' as const }];
    await mailer.send({ to: 'ann@contoso.com', text: 'json', attachments });
    await mailer.send({ to: 'ann@contoso.com', text: 'mime', html: '<p>mime</p>', attachments });
    for (const m of emulator.messages) {
      expect(m.attachments.map((a) => [a.name, a.content.toString('hex')])).toEqual([
        ['hello.txt', Buffer.from('hello').toString('hex')],
        ['b.bin', '00ff10'],
      ]);
    }
    expect(emulator.messages.map((m) => m.format)).toEqual(['json', 'mime']);
  });

  it('a reply keeps its thread: In-Reply-To and References', async () => {
    const result = await mailer.send({ to: 'ann@contoso.com', subject: 'Re: order', text: 'reply', inReplyTo: '<orig@shop.example>', references: ['<first@shop.example>', 'orig@shop.example'] });
    expect(result.format).toBe('mime');
    expect(emulator.messages[0]).toMatchObject({ inReplyTo: '<orig@shop.example>', references: ['<first@shop.example>', '<orig@shop.example>'] });
  });

  it('a calendar invite arrives as one (text/calendar; method=REQUEST)', async () => {
    const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:1@x\r\nSUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR';
    await mailer.send({ to: 'ann@contoso.com', subject: 'Invite', text: 'Join us', icalEvent: { method: 'REQUEST', content: ics } });
    const m = emulator.messages[0]!;
    expect(m.calendar).toEqual({ method: 'REQUEST', content: ics });
  });

  it('priority, list, date, sender, any header and alternatives reach the recipient', async () => {
    const date = new Date('2026-01-02T03:04:05Z');
    await mailer.send({
      to: 'ann@contoso.com',
      subject: 'all',
      text: 'body',
      priority: 'high',
      list: { unsubscribe: 'https://shop.example/u?id=1' },
      date,
      sender: 'robot@contoso.onmicrosoft.com',
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Tag': ['a', 'b'] },
      alternatives: [{ contentType: 'text/x-web-markdown', content: '**body**' }],
    });
    const m = emulator.messages[0]!;
    const header = (name: string) => m.headers.filter((h) => h.name.toLowerCase() === name.toLowerCase()).map((h) => h.value);
    expect(m.importance).toBe('high');
    expect(header('X-Priority')).toEqual(['1 (Highest)']);
    expect(header('List-Unsubscribe')).toEqual(['<https://shop.example/u?id=1>']);
    expect(header('Auto-Submitted')).toEqual(['auto-generated']);
    expect(header('X-Tag')).toEqual(['a', 'b']);
    expect(header('Sender')).toEqual(['robot@contoso.onmicrosoft.com']);
    expect(m.date?.toISOString()).toBe(date.toISOString());
    expect(m.alternatives).toEqual([{ contentType: 'text/x-web-markdown', content: '**body**' }]);
  });

  it('a MIME message over ~3 MB goes as a draft created from MIME, with the large attachment uploaded; no draft left', async () => {
    const big = randomBytes(5 * 1024 * 1024);
    const result = await mailer.send({ to: 'ann@contoso.com', subject: 'big mime', text: 't', html: '<p>h</p>', attachments: [{ filename: 'small.txt', content: 'hi' }, { filename: 'big.bin', content: big }] });
    expect(result).toMatchObject({ route: 'draft', format: 'mime' });
    const m = emulator.messages[0]!;
    expect(m).toMatchObject({ format: 'mime', text: 't', html: '<p>h</p>', messageId: result.messageId, route: 'draft' });
    expect(m.attachments.map((a) => a.name).sort()).toEqual(['big.bin', 'small.txt']);
    expect(m.attachments.find((a) => a.name === 'big.bin')?.content.equals(big)).toBe(true);
    expect(emulator.drafts).toEqual([]);
    expect(emulator.requests.some((r) => r.area === 'upload')).toBe(true);
  });

  it('a raw RFC 822 message is sent as is; a Message-ID is added when it has none', async () => {
    const raw = 'From: sender@contoso.onmicrosoft.com\r\nTo: Ann <ann@contoso.com>\r\nCc: cy@contoso.com\r\nSubject: raw one\r\n\r\nraw body\r\n';
    const result = await mailer.send({ raw });
    expect(result).toMatchObject({ format: 'mime', route: 'sendMail', accepted: ['ann@contoso.com', 'cy@contoso.com'] });
    expect(emulator.messages[0]).toMatchObject({ subject: 'raw one', messageId: result.messageId, text: 'raw body\n' });
    const withId = await mailer.send({ raw: Buffer.from(`Message-ID: <kept@x.example>\r\n${raw}`) });
    expect(withId.messageId).toBe('<kept@x.example>');
  });
});

describe('the emulator speaks MIME like Graph', () => {
  it('answers 400 ErrorMimeContentInvalidBase64String to a body that is not base64', async () => {
    const client = emulatorClient(emulator);
    const res = await client.fetch(`/v1.0/users/${emulator.sender}/sendMail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await client.token()}`, 'content-type': 'text/plain' },
      body: 'From: a@b.c\r\n\r\nnot base64!',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'ErrorMimeContentInvalidBase64String', message: 'Invalid base64 string for MIME content.' });
    await client.close();
    expect(emulator.messages).toEqual([]);
  });
});
