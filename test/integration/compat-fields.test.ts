import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { O365OAuthMailer, type MailMessage } from '../../src/index';
import { startEmulator, type Emulator, type EmulatorMessage } from '../../src/emulator/index';
import { createGraphTransport } from '../../src/nodemailer/index';

// nodemailer's content options watchHtml, attachDataUrls, textEncoding, xMailer and disableUrlAccess arrive as the
// recipient would see them, through send() on each route and through the nodemailer transport.

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

const PNG = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10, 1, 2, 3]);
const GIF = Buffer.from('GIF89a-bytes');
const dataHtml = `<p>logo ✓ <img src="data:image/png;base64,${PNG.toString('base64')}"> and <img alt="x" src='data:image/gif;base64,${GIF.toString('base64')}'></p>`;
const BIG = randomBytes(3_600_000);
const header = (m: EmulatorMessage, name: string) => m.headers.filter((h) => h.name.toLowerCase() === name.toLowerCase()).map((h) => h.value);

/** The cid: references in html, in order, and the inline attachment each names. */
function inlineImages(m: EmulatorMessage): Array<{ contentType: string; bytes: string; isInline: boolean }> {
  const cids = [...(m.html ?? '').matchAll(/src=["']cid:([^"']+)["']/g)].map((x) => x[1]);
  return cids.map((cid) => {
    const a = m.attachments.find((x) => x.contentId === cid)!;
    return { contentType: a.contentType, bytes: a.content.toString('hex'), isInline: a.isInline };
  });
}

describe.each([
  ['sendMail', false],
  ['draft', true],
] as const)('send() (%s route)', (route, big) => {
  const extra: MailMessage['attachments'] = big ? [{ filename: 'big.bin', content: BIG }] : [];

  it('attachDataUrls: data: images in html become inline cid attachments, on JSON', async () => {
    const result = await mailer.send({ to: 'ann@contoso.com', subject: 'data urls', html: dataHtml, attachDataUrls: true, attachments: [...extra] });
    expect(result).toMatchObject({ route, format: 'json' });
    const m = emulator.messages[0]!;
    expect(m.html).not.toContain('data:');
    expect(inlineImages(m)).toEqual([
      { contentType: 'image/png', bytes: PNG.toString('hex'), isInline: true },
      { contentType: 'image/gif', bytes: GIF.toString('hex'), isInline: true },
    ]);
    expect(m.attachments.map((a) => a.name).sort()).toEqual([...(big ? ['big.bin'] : []), 'image-1.png', 'image-2.gif']);
  });

  it('attachDataUrls on MIME (with text), and watchHtml, textEncoding, xMailer, disableUrlAccess', async () => {
    const result = await mailer.send({
      to: 'ann@contoso.com',
      subject: 'compat',
      text: 'plain ✓',
      html: dataHtml,
      watchHtml: '<b>watch ✓</b>',
      attachDataUrls: true,
      textEncoding: 'base64',
      xMailer: 'Shop 2.1',
      disableUrlAccess: true,
      attachments: [...extra],
    });
    expect(result).toMatchObject({ route, format: 'mime' });
    const m = emulator.messages[0]!;
    expect(m.text).toBe('plain ✓');
    expect(m.alternatives).toEqual([{ contentType: 'text/watch-html', content: '<b>watch ✓</b>' }]);
    expect(inlineImages(m).map((i) => i.bytes)).toEqual([PNG.toString('hex'), GIF.toString('hex')]);
    expect(header(m, 'X-Mailer')).toEqual(['Shop 2.1']);
    // Every text part nodemailer wrote is base64, as textEncoding asked (nodemailer keeps 7bit for pure ASCII).
    const source = m.mime!.toString('latin1');
    const textParts = [...source.matchAll(/Content-Type: text\/(plain|html|watch-html)[^]*?\r\n\r\n/g)].map((x) => x[0]);
    expect(textParts.length).toBe(3);
    for (const part of textParts) expect(part).toMatch(/Content-Transfer-Encoding: base64/);
  });
});

describe('the same fields through nodemailer.createTransport(createGraphTransport(...))', () => {
  it('nodemailer honours watchHtml, attachDataUrls, textEncoding and xMailer; the recipient sees them', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(mailer));
    await transporter.sendMail({
      from: emulator.sender,
      to: 'ann@contoso.com',
      subject: 'compat via transport',
      text: 'plain ✓',
      html: dataHtml,
      watchHtml: '<b>watch ✓</b>',
      attachDataUrls: true,
      textEncoding: 'base64',
      xMailer: 'Shop 2.1',
    });
    const m = emulator.messages[0]!;
    expect(m.alternatives).toEqual([{ contentType: 'text/watch-html', content: '<b>watch ✓</b>' }]);
    expect(inlineImages(m).map((i) => i.bytes)).toEqual([PNG.toString('hex'), GIF.toString('hex')]);
    expect(header(m, 'X-Mailer')).toEqual(['Shop 2.1']);
    expect(m.mime!.toString('latin1')).not.toMatch(/Content-Transfer-Encoding: quoted-printable/);
  });

  it('fields of template plugins (template, context) are left to the plugin, as with SMTP', async () => {
    const transporter = nodemailer.createTransport(createGraphTransport(mailer));
    transporter.use('compile', (mail, done) => {
      const data = mail.data as { template?: string; context?: { name: string }; html?: string };
      if (data.template === 'hello') data.html = `<p>Hello ${data.context?.name}</p>`;
      done();
    });
    await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', subject: 'tpl', template: 'hello', context: { name: 'Ann' } } as never);
    expect(emulator.messages[0]?.html).toBe('<p>Hello Ann</p>\n');
  });
});
