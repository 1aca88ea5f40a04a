import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator';
import { O365OAuthMailer } from '../../src/index';
import { emulatorClient, type EmulatorClient } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
const SEND = '/v1.0/users/sender%40contoso.onmicrosoft.com/sendMail';

let emulator: Emulator;
let client: EmulatorClient;
let browser: Browser;
let token: string;

const PNG_1x1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const attachmentBytes = Buffer.from('%PDF-1.4\nemulator test attachment \u00e9\u00e8\n%%EOF\n', 'utf8');

// Like the Redis tests: skipped on a developer machine without Chromium, a failure under CI.
const missing = !existsSync(CHROMIUM);
if (missing && !process.env.CI) console.warn(`NOTICE: mailbox page tests skipped: ${CHROMIUM} is not installed.`);

describe.skipIf(missing && !process.env.CI)('mailbox page (headless Chromium)', () => {
  beforeAll(async () => {
    if (missing) throw new Error(`The mailbox page tests need Chromium at ${CHROMIUM} in CI.`);
    emulator = await startEmulator();
    client = emulatorClient(emulator);
    token = await client.token();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--ignore-certificate-errors'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await client?.close();
    await emulator?.close();
  });

  it('lists a sent message, opens it, downloads its attachment and shows a <script> subject as text', async () => {
    const res = await client.graph('POST', SEND, {
      token,
      body: {
        message: {
          subject: 'Invoice 2026-11 for Contoso',
          body: { contentType: 'HTML', content: '<h1 style="color:#0f6cbd">Invoice</h1><p>Dear Ann, your invoice is <b>attached</b>.</p><img src="cid:logo" alt="logo">' },
          toRecipients: [{ emailAddress: { address: 'ann@example.com', name: 'Ann Lee' } }],
          ccRecipients: [{ emailAddress: { address: 'billing@contoso.com' } }],
          importance: 'high',
          internetMessageHeaders: [{ name: 'X-Invoice', value: '2026-11' }],
          attachments: [
            { '@odata.type': '#microsoft.graph.fileAttachment', name: 'invoice.pdf', contentType: 'application/pdf', contentBytes: attachmentBytes.toString('base64') },
            { '@odata.type': '#microsoft.graph.fileAttachment', name: 'logo.png', contentType: 'image/png', contentBytes: PNG_1x1, isInline: true, contentId: 'logo' },
          ],
        },
      },
    });
    expect(res.status).toBe(202);
    const evil = await client.graph('POST', SEND, {
      token,
      body: {
        message: {
          subject: '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">',
          body: { contentType: 'Text', content: 'Plain text body\n  with <b>tags</b> kept as text' },
          toRecipients: [{ emailAddress: { address: 'bob@example.com', name: '<i>Bob</i>' } }],
        },
      },
    });
    expect(evil.status).toBe(202);

    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 760 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(emulator.url + '/');
    const items = page.locator('#list .item');
    await expect.poll(() => items.count()).toBe(2);

    // Newest first: the <script> subject is shown as text and never runs.
    const evilItem = items.nth(0);
    expect(await evilItem.locator('.subject span').first().textContent()).toBe('<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">');
    await evilItem.click();
    await expect.poll(() => page.locator('.msg-head h2').textContent()).toContain('<script>');
    expect(await page.locator('pre.text-body').textContent()).toBe('Plain text body\n  with <b>tags</b> kept as text');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#view script, #list script, #view img, #list img').count()).toBe(0);

    // The invoice: list row, headers, HTML body in a sandboxed iframe, attachment link.
    const invoice = items.nth(1);
    expect(await invoice.locator('.from').textContent()).toBe('sender');
    expect(await invoice.textContent()).toContain('Invoice 2026-11 for Contoso');
    expect(await invoice.locator('.to').textContent()).toContain('Ann Lee');
    expect(await invoice.locator('.preview').textContent()).toContain('Dear Ann, your invoice is attached.');
    await invoice.click();
    await expect.poll(() => page.locator('.msg-head h2').textContent()).toBe('Invoice 2026-11 for Contoso');
    const meta = await page.locator('table.meta').textContent();
    expect(meta).toContain('Ann Lee <ann@example.com>');
    expect(meta).toContain('billing@contoso.com');
    expect(meta).toContain('X-Invoice');
    const frame = page.locator('.body iframe');
    expect(await frame.getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox');
    await expect.poll(() => page.frameLocator('.body iframe').locator('p').textContent()).toBe('Dear Ann, your invoice is attached.');

    // The inline image referenced as cid:logo loads from the emulator despite the sandbox and CSP.
    await expect
      .poll(() => page.frameLocator('.body iframe').locator('img').evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth))
      .toBe(1);

    const link = page.locator('.attachments a').filter({ hasText: 'invoice.pdf' });
    expect(await page.locator('.attachments a').count()).toBe(2);
    expect(await link.textContent()).toContain('invoice.pdf');
    const href = await link.getAttribute('href');
    const download = await client.fetch(href!);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="invoice.pdf"; filename*=UTF-8''invoice.pdf`);
    expect(Buffer.from(await download.arrayBuffer()).equals(attachmentBytes)).toBe(true);
    const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(dl.suggestedFilename()).toBe('invoice.pdf');

    // Auto-refresh: a message sent now appears without reloading.
    await client.graph('POST', SEND, {
      token,
      body: { message: { subject: 'Arrives later', body: { contentType: 'Text', content: 'hello' }, toRecipients: [{ emailAddress: { address: 'c@example.com' } }] } },
    });
    await expect.poll(() => items.count(), { timeout: 5000 }).toBe(3);
    expect(await items.nth(0).textContent()).toContain('Arrives later');
    await items.filter({ hasText: 'Invoice 2026-11 for Contoso' }).click();
    await expect.poll(() => page.locator('.msg-head h2').textContent()).toBe('Invoice 2026-11 for Contoso');
    await page.frameLocator('.body iframe').locator('h1').waitFor();
    await page.waitForTimeout(600); // the sandboxed iframe paints in its own process
    await page.screenshot({ path: '/tmp/emulator-page.png' });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('tabs HTML, Text, Headers and Raw, an .eml download, and a layout that works 420 px wide', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const mime = await mailer.send({
      to: 'Ann Lee <ann@example.com>',
      subject: 'Both bodies, narrow screen',
      text: 'The plain-text part',
      html: '<p>The <b>HTML</b> part</p>',
      headers: { 'List-Id': 'lab <lab.example.com>' },
      attachments: [{ filename: 'a-rather-long-attachment-name-for-a-narrow-screen.csv', content: 'a,b\n' }],
    });
    const json = await mailer.send({ to: 'bob@example.com', subject: 'JSON one', text: 'json text' });
    await mailer.close();
    const captured = emulator.messages.find((m) => m.messageId === mime.messageId)!;

    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 420, height: 860 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(emulator.url + '/');
    await page.locator('#list .item').filter({ hasText: 'Both bodies, narrow screen' }).click();
    await expect.poll(() => page.locator('.msg-head h2').textContent()).toBe('Both bodies, narrow screen');

    // Nothing wider than the screen: no horizontal scrolling at 420 px.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
    expect(await page.locator('.tabs button').allTextContents()).toEqual(['HTML', 'Text', 'Headers', 'Raw']);
    expect(await page.locator('.tab-html').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.frameLocator('.body iframe').locator('p').textContent()).toBe('The HTML part');

    await page.locator('.tab-text').click();
    expect(await page.locator('pre.text-body').textContent()).toBe('The plain-text part');

    await page.locator('.tab-headers').click();
    await page.locator('table.headers').waitFor();
    const headers = await page.locator('table.headers tr').evaluateAll((rows) => rows.map((r) => [r.children[0]?.textContent, r.children[1]?.textContent]));
    expect(headers).toContainEqual(['Message-ID', mime.messageId]);
    expect(headers).toContainEqual(['List-ID', 'lab <lab.example.com>']);
    expect(headers.find((h) => h[0] === 'Content-Type')?.[1]).toMatch(/^multipart\/mixed/);

    await page.locator('.tab-raw').click();
    await page.locator('pre.raw-source').waitFor();
    expect(await page.locator('pre.raw-source').textContent()).toBe(captured.mime!.toString('utf8'));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
    await page.screenshot({ path: '/tmp/emulator-page-420.png', fullPage: true });

    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('a.eml').click()]);
    expect(dl.suggestedFilename()).toBe('Both bodies_ narrow screen.eml');
    const saved = await dl.path();
    expect((await import('node:fs')).readFileSync(saved!).equals(captured.mime!)).toBe(true);

    // A JSON message has a source too, written the way Exchange would deliver it, with its Message-ID.
    await page.locator('#list .item').filter({ hasText: 'JSON one' }).click();
    await expect.poll(() => page.locator('.msg-head h2').textContent()).toBe('JSON one');
    expect(await page.locator('.tab-html').isDisabled()).toBe(true);
    expect(await page.locator('pre.text-body').textContent()).toBe('json text');
    await page.locator('.tab-raw').click();
    await page.locator('pre.raw-source').waitFor();
    const raw = (await page.locator('pre.raw-source').textContent()) ?? '';
    expect(raw).toContain(`Message-ID: ${json.messageId}`);
    expect(raw).toContain('json text');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('serves the JSON API without attachment bytes and with safe headers', async () => {
    // Its own message with an attachment: this test does not depend on the one before.
    const sent = await client.graph('POST', SEND, {
      token,
      body: {
        message: {
          subject: 'API check',
          body: { contentType: 'Text', content: 'x' },
          toRecipients: [{ emailAddress: { address: 'api@example.com' } }],
          attachments: [{ '@odata.type': '#microsoft.graph.fileAttachment', name: 'a.pdf', contentType: 'application/pdf', contentBytes: attachmentBytes.toString('base64') }],
        },
      },
    });
    expect(sent.status).toBe(202);
    const list = await client.fetch('/_emulator/messages');
    const body = (await list.json()) as { messages: Array<{ id: string; attachments: Array<Record<string, unknown>> }> };
    expect(body.messages.length).toBeGreaterThan(0);
    expect(body.messages.some((m) => m.attachments.length === 1)).toBe(true);
    for (const m of body.messages) for (const a of m.attachments) expect(a).not.toHaveProperty('content');
    const page = await client.fetch('/');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
    // The page and its API are not part of the request log.
    expect(emulator.requests.some((r) => r.path === '/' || r.path.startsWith('/_emulator'))).toBe(false);
  });
});
