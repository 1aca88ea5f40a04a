import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { O365OAuthMailer } from '../../src/index';
import { startEmulator } from '../../src/emulator/index';
import type { Emulator } from '../../src/emulator/index';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }] });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.reset());

describe('the real mailer (msal-node, Graph client, HTTPS) against the emulator', () => {
  it('sends a message with every field, with one token request', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const result = await mailer.send({
      to: 'Ann Lee <ann@contoso.com>',
      cc: ['carol@contoso.com'],
      bcc: { address: 'audit@contoso.com' },
      replyTo: 'noreply@contoso.com',
      subject: 'Lab report',
      html: '<p>See <img src="cid:logo"></p>',
      importance: 'high',
      headers: { 'X-Lab': '42' },
      attachments: [
        { filename: 'r.csv', content: 'a,b\n' },
        { filename: 'logo.png', content: Buffer.from([1, 2, 3]), cid: 'logo' },
      ],
    });
    await mailer.send({ to: 'ann@contoso.com', subject: 'second', text: 'x' });
    expect(result).toMatchObject({ accepted: ['ann@contoso.com', 'carol@contoso.com', 'audit@contoso.com'], attempts: 1, route: 'sendMail' });
    expect(result.requestId).toBeTruthy();
    expect(emulator.tokenRequests).toBe(1);
    const [m] = emulator.messages;
    expect(m).toMatchObject({
      from: { address: emulator.sender },
      to: [{ name: 'Ann Lee', address: 'ann@contoso.com' }],
      subject: 'Lab report',
      importance: 'high',
      headers: [{ name: 'X-Lab', value: '42' }],
      route: 'sendMail',
    });
    expect(m?.attachments.map((a) => [a.name, a.contentType, a.isInline, a.contentId, a.content.toString('hex')])).toEqual([
      ['r.csv', 'text/csv', false, undefined, Buffer.from('a,b\n').toString('hex')],
      ['logo.png', 'image/png', true, 'logo', '010203'],
    ]);
    await mailer.close();
  });

  it('sends a 12 MB attachment byte for byte through an upload session, no Authorization on upload PUTs, no draft left', async () => {
    const big = randomBytes(12 * 1024 * 1024);
    const progress: number[] = [];
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const result = await mailer.send(
      { to: 'qa@contoso.com', subject: 'big', text: 'big one', attachments: [{ filename: 'scan.pdf', content: big }, { filename: 'small.txt', content: 'hi' }] },
      { onProgress: (p) => progress.push(p.sentBytes) },
    );
    expect(result.route).toBe('draft');
    const [m] = emulator.messages;
    const scan = m?.attachments.find((a) => a.name === 'scan.pdf');
    expect(scan?.content.equals(big)).toBe(true);
    expect(m?.attachments.find((a) => a.name === 'small.txt')?.content.toString()).toBe('hi');
    const uploads = emulator.requests.filter((r) => r.area === 'upload');
    expect(uploads.length).toBe(Math.ceil(big.length / 3_932_160));
    expect(uploads.every((r) => !r.hasAuthorization)).toBe(true);
    expect(emulator.drafts).toEqual([]);
    expect(progress.at(-1)).toBe(big.length + 2);
    await mailer.close();
  });

  it('goes through a real HTTPS CONNECT proxy for token and Graph requests', async () => {
    const tunnels: string[] = [];
    const proxy: Server = createServer();
    proxy.on('connect', (req, client: Socket, head) => {
      tunnels.push(String(req.url));
      const [host, port] = String(req.url).split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const address = proxy.address();
    if (!address || typeof address === 'string') throw new Error('no proxy port');
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ proxy: `http://127.0.0.1:${address.port}` }));
    await mailer.send({ to: 'qa@contoso.com', subject: 'via proxy', text: 'x' });
    const report = await mailer.verify();
    expect(report.ok).toBe(true);
    const target = new URL(emulator.url).host;
    expect(tunnels.length).toBeGreaterThan(0);
    expect(tunnels.every((t) => t === target)).toBe(true);
    expect(emulator.messages.map((m) => m.subject)).toEqual(['via proxy']);
    await mailer.close();
    await new Promise<void>((r) => proxy.close(() => r()));
  });
});
