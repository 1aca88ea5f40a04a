import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { O365OAuthMailer, type MailMessage } from '../../src/index';
import { startEmulator, type Emulator, type EmulatorMessage } from '../../src/emulator/index';

// What the recipient would see, field by field, for every field of the list, on every route:
// JSON sendMail, JSON draft, MIME sendMail, MIME draft (a message with a large attachment takes the draft route).

let emulator: Emulator;
let mailer: O365OAuthMailer;
let dir: string;

const SEND_AS = 'shared@contoso.onmicrosoft.com';

beforeAll(async () => {
  emulator = await startEmulator({
    apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }],
    mailboxes: [{ address: 'sender@contoso.onmicrosoft.com', sendAs: [SEND_AS] }],
  });
  mailer = new O365OAuthMailer(emulator.mailerConfig());
  dir = await mkdtemp(join(tmpdir(), 'o365-roundtrip-'));
});
afterAll(async () => {
  await mailer.close();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => emulator.reset());

const BIG = randomBytes(3_600_000);
const header = (m: EmulatorMessage, name: string) => m.headers.filter((h) => h.name.toLowerCase() === name.toLowerCase()).map((h) => h.value);
const attachment = (m: EmulatorMessage, name: string) => m.attachments.find((a) => a.name === name);

describe.each([
  ['sendMail', false],
  ['draft', true],
] as const)('JSON route (%s): the fields Graph JSON carries arrive exactly', (route, big) => {
  it('from, to, cc, bcc, replyTo, subject, html, messageId, priority, X- headers, attachments (content, encoding, path, stream, cid)', async () => {
    const file = join(dir, `json-${route}.csv`);
    await writeFile(file, 'a,b\n1,2\n');
    const message: MailMessage = {
      from: { name: 'Shared', address: SEND_AS },
      to: ['Ann Lee <ann@contoso.com>', 'bob@contoso.com'],
      cc: '"Lee, Cy" <cy@contoso.com>',
      bcc: { address: 'audit@contoso.com' },
      replyTo: 'help@contoso.com',
      subject: 'JSON ✓ Grüße',
      html: '<p>See <img src="cid:logo@x"></p>',
      messageId: `<json-${route}@shop.example>`,
      priority: 'low',
      headers: { 'X-Order-Id': '42', 'x-trace': 'abc' },
      attachments: [
        { filename: 'hello.txt', content: 'aGVsbG8=', encoding: 'base64' },
        { filename: 'hex.bin', content: '00ff', encoding: 'hex' },
        { path: file },
        { filename: 'stream.txt', content: Readable.from([Buffer.from('streamed')]) },
        { filename: 'logo.png', content: new Uint8Array([137, 80, 78, 71]), cid: 'logo@x' },
        ...(big ? [{ filename: 'big.bin', content: BIG }] : []),
      ],
    };
    const result = await mailer.send(message);
    expect(result).toMatchObject({ route, format: 'json', messageId: `<json-${route}@shop.example>` });
    const m = emulator.messages[0]!;
    expect(m).toMatchObject({
      format: 'json',
      route,
      messageId: result.messageId,
      from: { name: 'Shared', address: SEND_AS },
      to: [{ name: 'Ann Lee', address: 'ann@contoso.com' }, { address: 'bob@contoso.com' }],
      cc: [{ name: 'Lee, Cy', address: 'cy@contoso.com' }],
      bcc: [{ address: 'audit@contoso.com' }],
      replyTo: [{ address: 'help@contoso.com' }],
      subject: 'JSON ✓ Grüße',
      html: '<p>See <img src="cid:logo@x"></p>',
      importance: 'low',
      headers: [{ name: 'X-Order-Id', value: '42' }, { name: 'x-trace', value: 'abc' }],
    });
    expect(attachment(m, 'hello.txt')?.content.toString()).toBe('hello');
    expect(attachment(m, 'hex.bin')?.content.toString('hex')).toBe('00ff');
    expect(attachment(m, `json-${route}.csv`)?.content.toString()).toBe('a,b\n1,2\n');
    expect(attachment(m, 'stream.txt')?.content.toString()).toBe('streamed');
    expect(attachment(m, 'logo.png')).toMatchObject({ isInline: true, contentId: 'logo@x', contentType: 'image/png' });
    if (big) expect(attachment(m, 'big.bin')?.content.equals(BIG)).toBe(true);
    expect(emulator.drafts).toEqual([]);
  });
});

describe.each([
  ['sendMail', false],
  ['draft', true],
] as const)('MIME route (%s): every field arrives as the recipient would see it', (route, big) => {
  it('every message and attachment field of nodemailer', async () => {
    const file = join(dir, `mime-${route}.csv`);
    await writeFile(file, 'x,y\n');
    const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:rt@x\r\nSUMMARY:Round trip\r\nEND:VEVENT\r\nEND:VCALENDAR';
    const date = new Date('2026-03-04T05:06:07Z');
    const message: MailMessage = {
      from: { name: 'Shared', address: SEND_AS },
      sender: 'sender@contoso.onmicrosoft.com',
      to: ['Ann Lee <ann@contoso.com>', 'bob@contoso.com'],
      cc: '"Lee, Cy" <cy@contoso.com>',
      bcc: { address: 'audit@contoso.com' },
      replyTo: 'help@contoso.com',
      inReplyTo: '<parent@shop.example>',
      references: ['<root@shop.example>', '<parent@shop.example>'],
      subject: 'MIME ✓ Grüße',
      text: 'plain ✓',
      html: '<p>rich ✓ <img src="cid:logo@x"></p>',
      date,
      messageId: `mime-${route}@shop.example`,
      priority: 'high',
      headers: { 'X-Order-Id': '42', 'Auto-Submitted': 'auto-generated', 'X-Tag': ['a', 'b'] },
      list: { unsubscribe: 'https://shop.example/u?id=1', id: { url: 'news.shop.example', comment: 'News' } },
      alternatives: [{ contentType: 'text/x-web-markdown', content: '**rich**' }],
      icalEvent: { method: 'REQUEST', content: ics },
      attachments: [
        { filename: 'hello.txt', content: 'aGVsbG8=', encoding: 'base64', contentType: 'text/plain' },
        { path: file },
        { filename: 'stream.bin', content: Readable.from([Buffer.from([1, 2, 3])]) },
        { filename: 'logo.png', content: Buffer.from([137, 80, 78, 71]), cid: 'logo@x' },
        { filename: 'pic.png', content: Buffer.from([1]), contentDisposition: 'inline' },
        { filename: 'scanned.txt', content: 'scanned', headers: { 'X-Scan': 'clean' } },
        { raw: 'Content-Type: text/plain; name="raw.txt"\r\nContent-Disposition: attachment; filename="raw.txt"\r\n\r\nraw part' },
        ...(big ? [{ filename: 'big.bin', content: BIG }] : []),
      ],
    };
    const result = await mailer.send(message);
    expect(result).toMatchObject({ route, format: 'mime', messageId: `<mime-${route}@shop.example>`, accepted: ['ann@contoso.com', 'bob@contoso.com', 'cy@contoso.com', 'audit@contoso.com'] });
    const m = emulator.messages[0]!;
    expect(m).toMatchObject({
      format: 'mime',
      route,
      messageId: result.messageId,
      from: { name: 'Shared', address: SEND_AS },
      to: [{ name: 'Ann Lee', address: 'ann@contoso.com' }, { address: 'bob@contoso.com' }],
      cc: [{ name: 'Lee, Cy', address: 'cy@contoso.com' }],
      bcc: [{ address: 'audit@contoso.com' }],
      replyTo: [{ address: 'help@contoso.com' }],
      inReplyTo: '<parent@shop.example>',
      references: ['<root@shop.example>', '<parent@shop.example>'],
      subject: 'MIME ✓ Grüße',
      text: 'plain ✓',
      html: '<p>rich ✓ <img src="cid:logo@x"></p>',
      importance: 'high',
      calendar: { method: 'REQUEST', content: ics },
      alternatives: [{ contentType: 'text/x-web-markdown', content: '**rich**' }],
    });
    expect(m.date?.toISOString()).toBe(date.toISOString());
    expect(header(m, 'Sender')).toEqual(['sender@contoso.onmicrosoft.com']);
    expect(header(m, 'X-Order-Id')).toEqual(['42']);
    expect(header(m, 'Auto-Submitted')).toEqual(['auto-generated']);
    expect(header(m, 'X-Tag')).toEqual(['a', 'b']);
    expect(header(m, 'X-Priority')).toEqual(['1 (Highest)']);
    expect(header(m, 'List-Unsubscribe')).toEqual(['<https://shop.example/u?id=1>']);
    expect(header(m, 'List-ID')).toEqual(['"News" <news.shop.example>']);
    expect(attachment(m, 'hello.txt')?.content.toString()).toBe('hello');
    expect(attachment(m, `mime-${route}.csv`)?.content.toString()).toBe('x,y\n');
    expect(attachment(m, 'stream.bin')?.content.toString('hex')).toBe('010203');
    expect(attachment(m, 'logo.png')).toMatchObject({ isInline: true, contentId: 'logo@x', contentType: 'image/png' });
    expect(attachment(m, 'pic.png')).toMatchObject({ isInline: true });
    expect(attachment(m, 'scanned.txt')?.headers).toEqual([{ name: 'x-scan', value: 'clean' }]);
    expect(attachment(m, 'raw.txt')?.content.toString()).toBe('raw part');
    expect(attachment(m, 'invite.ics')?.content.toString()).toBe(ics);
    if (big) expect(attachment(m, 'big.bin')?.content.equals(BIG)).toBe(true);
    expect(emulator.drafts).toEqual([]);
  });
});

describe('raw: a whole RFC 822 message, from every source', () => {
  const eml = (id: string) => `From: sender@contoso.onmicrosoft.com\r\nTo: ann@contoso.com\r\nSubject: raw ${id}\r\nMessage-ID: <${id}@x.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody ${id}`;
  it.each([
    ['a string', 's', () => eml('s')],
    ['a Buffer', 'b', () => Buffer.from(eml('b'))],
    ['a stream', 'r', () => Readable.from([Buffer.from(eml('r'))])],
  ] as const)('%s', async (_name, id, raw) => {
    const result = await mailer.send({ raw: raw() });
    expect(result).toMatchObject({ format: 'mime', messageId: `<${id}@x.example>`, accepted: ['ann@contoso.com'] });
    expect(emulator.messages[0]).toMatchObject({ subject: `raw ${id}`, text: `body ${id}`, messageId: `<${id}@x.example>` });
  });

  it('a path', async () => {
    const file = join(dir, 'p.eml');
    await writeFile(file, eml('p'));
    const result = await mailer.send({ raw: { path: file } });
    expect(result.messageId).toBe('<p@x.example>');
    expect(emulator.messages[0]?.text).toBe('body p');
  });
});
