import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { O365OAuthMailer, type O365OAuthMailerConfig } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { createOutbox, type Outbox, type OutboxEvents, type OutboxOptions } from '../../src/outbox/index';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadBasic.All'] }], mailboxes: [{ address: 'sender@contoso.onmicrosoft.com', sendAs: [] }] });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.reset());

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function setup(options: Partial<OutboxOptions> = {}, mailerConfig: Partial<O365OAuthMailerConfig> = {}): Promise<{ outbox: Outbox; mailer: O365OAuthMailer }> {
  const mailer = new O365OAuthMailer(emulator.mailerConfig({ retry: { maxRetries: 0 }, ...mailerConfig }));
  const outbox = await createOutbox({ mailers: mailer, store: { sqlite: ':memory:' }, ...options });
  open.push(mailer, outbox);
  return { outbox, mailer };
}

function next<K extends keyof OutboxEvents>(outbox: Outbox, event: K): Promise<OutboxEvents[K][0]> {
  return new Promise((resolve) => (outbox as unknown as { once(e: string, l: (v: unknown) => void): void }).once(event, (v) => resolve(v as OutboxEvents[K][0])));
}

describe('outbox.enqueue', () => {
  it('gives the same id and sends one mail for the same idempotency key, before and after sending', async () => {
    const { outbox } = await setup();
    const a = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'once', text: 'x' }, { idempotencyKey: 'order-42' });
    const b = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'once', text: 'x' }, { idempotencyKey: 'order-42' });
    expect(b).toEqual(a);
    await outbox.drain();
    const c = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'once', text: 'x' }, { idempotencyKey: 'order-42' });
    await outbox.drain();
    expect(c).toEqual(a);
    expect(emulator.messages).toHaveLength(1);
    expect(emulator.messages[0]?.messageId).toBe(a.messageId);
    expect(await outbox.get(a.id)).toMatchObject({ state: 'sent', idempotencyKey: 'order-42' });
  });

  it('keeps a Message-ID the caller gives', async () => {
    const { outbox } = await setup();
    const { messageId } = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'x', text: 'x', messageId: '<order-7@shop.example>' });
    expect(messageId).toBe('<order-7@shop.example>');
    await outbox.drain();
    expect(emulator.messages[0]?.messageId).toBe('<order-7@shop.example>');
  });

  it('refuses an invalid message with MESSAGE_INVALID and stores nothing', async () => {
    const { outbox } = await setup();
    await expect(outbox.enqueue({ to: 'not an address', subject: 'x', text: 'x' })).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    await expect(outbox.enqueue({ to: 'ann@contoso.com', text: 'x', messageId: 'no brackets' })).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
    await expect(outbox.enqueue({ to: 'ann@contoso.com', text: 'x', attachments: [{ path: '/nonexistent/report.pdf' }] })).rejects.toMatchObject({
      code: 'MESSAGE_INVALID',
    });
    expect(await outbox.list()).toEqual([]);
    expect((await outbox.stats()).states).toEqual({ queued: 0, sending: 0, sent: 0, failed: 0, unknown: 0 });
  });
});

describe('outbox outcomes', () => {
  it('records a permanent refusal as failed with the MailerError', async () => {
    const { outbox } = await setup();
    const failed = next(outbox, 'failed');
    const { id } = await outbox.enqueue({ from: 'ceo@contoso.com', to: 'ann@contoso.com', subject: 'x', text: 'x' });
    outbox.start();
    const event = await failed;
    expect(event).toMatchObject({ id, error: { code: 'SEND_AS_DENIED' } });
    await outbox.drain();
    const item = await outbox.get(id);
    expect(item).toMatchObject({ state: 'failed', attempts: 1 });
    expect(item?.error?.code).toBe('SEND_AS_DENIED');
    expect(item?.error?.fix).toBeTruthy();
  });

  it('settles a dropped connection through Sent Items: sent once, reconciled', async () => {
    const { outbox } = await setup({ reconcile: { windowMs: 2000 } });
    emulator.faults.dropAfterAccept(1);
    const unknown = next(outbox, 'unknown');
    const sent = next(outbox, 'sent');
    const { id, messageId } = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'x', text: 'x' });
    outbox.start();
    expect(await unknown).toMatchObject({ id, messageId, error: { code: 'DELIVERY_UNKNOWN' } });
    expect(await sent).toMatchObject({ id, reconciled: true });
    expect(await outbox.get(id)).toMatchObject({ state: 'sent', attempts: 1 });
    expect(emulator.messages).toHaveLength(1);
  });

  it("parks an unknown item that Sent Items never shows (policy 'park'); retry(id) sends it", async () => {
    const { outbox } = await setup({ reconcile: { windowMs: 300, policy: 'park' } });
    emulator.faults.gatewayTimeout(1, { match: (r) => r.area === 'graph' && r.method === 'POST' });
    const { id } = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'x', text: 'x' });
    await outbox.drain();
    expect(await outbox.get(id)).toMatchObject({ state: 'unknown', parked: true, error: { code: 'DELIVERY_UNKNOWN' } });
    expect(emulator.messages).toHaveLength(0);
    expect((await outbox.stats()).parked).toBe(1);
    expect(await outbox.retry(id)).toBe(true);
    await outbox.drain();
    expect(await outbox.get(id)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(emulator.messages).toHaveLength(1);
  });

  it("resends an unknown item that Sent Items never shows (policy 'resend')", async () => {
    const { outbox } = await setup({ reconcile: { windowMs: 300, policy: 'resend' } });
    emulator.faults.gatewayTimeout(1, { match: (r) => r.area === 'graph' && r.method === 'POST' });
    const { id } = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'x', text: 'x' });
    await outbox.drain();
    expect(await outbox.get(id)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(emulator.messages).toHaveLength(1);
  });

  it('without a read permission, parks the unknown item at once and logs which permission reconciles', async () => {
    emulator.grant(emulator.clientId, ['Mail.Send']);
    const warnings: string[] = [];
    const { outbox } = await setup({ reconcile: { windowMs: 60_000, policy: 'resend' }, logger: { warn: (m) => warnings.push(m) } });
    emulator.faults.dropAfterAccept(1);
    const { id } = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'x', text: 'x' });
    await outbox.drain();
    expect(await outbox.get(id)).toMatchObject({ state: 'unknown', parked: true });
    expect(emulator.messages).toHaveLength(1);
    expect(warnings.join('\n')).toContain('Mail.ReadBasic.All');
  });

  it('a THROTTLED answer holds the sender\'s whole queue for its Retry-After', async () => {
    const { outbox } = await setup({ pacing: { maxInFlight: 1 } });
    emulator.faults.throttle(1, { retryAfterSeconds: 1, match: (r) => r.method === 'POST' && r.path.endsWith('/sendMail') });
    for (let i = 0; i < 3; i++) await outbox.enqueue({ to: 'ann@contoso.com', subject: `t${i}`, text: 'x' });
    await outbox.drain();
    const posts = emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/sendMail'));
    const throttled = posts.find((r) => r.status === 429)!;
    const after = posts.filter((r) => r.at.getTime() > throttled.at.getTime());
    expect(after.map((r) => r.status)).toEqual([202, 202, 202]);
    for (const r of after) expect(r.at.getTime() - throttled.at.getTime()).toBeGreaterThanOrEqual(950);
    expect(emulator.messages).toHaveLength(3);
  });
});

describe('a paused sender', () => {
  it('pauses on a setup error, keeps its mail queued, and sends it after resume(sender)', async () => {
    const { outbox } = await setup({ pacing: { maxInFlight: 1 } });
    emulator.updateMailbox(emulator.sender, { licensed: false });
    const paused = next(outbox, 'paused');
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await outbox.enqueue({ to: 'ann@contoso.com', subject: `p${i}`, text: 'x' })).id);
    outbox.start();
    const event = await paused;
    expect(event.sender).toBe(emulator.sender);
    expect(event.error.code).toBe('MAILBOX_NOT_FOUND');
    await outbox.drain();
    const stats = await outbox.stats();
    expect(stats.states.queued).toBe(3);
    expect(stats.senders[0]?.paused?.code).toBe('MAILBOX_NOT_FOUND');
    const graphPosts = emulator.requests.filter((r) => r.method === 'POST' && r.area === 'graph');
    expect(graphPosts).toHaveLength(1);
    emulator.updateMailbox(emulator.sender, { licensed: true });
    const resumed = next(outbox, 'resumed');
    await outbox.resume(emulator.sender);
    expect(await resumed).toEqual({ sender: emulator.sender });
    await outbox.drain();
    expect(emulator.messages).toHaveLength(3);
    for (const id of ids) expect((await outbox.get(id))?.state).toBe('sent');
  });

  it('resumes by itself once verify() passes', async () => {
    const { outbox } = await setup({ verifyIntervalMs: 100 }, { clientSecret: 'wrong-secret-value~0123456789abcdefghijklmno' });
    const paused = next(outbox, 'paused');
    await outbox.enqueue({ to: 'ann@contoso.com', subject: 'x', text: 'x' });
    outbox.start();
    expect((await paused).error.code).toBe('SECRET_INVALID');
    expect(emulator.messages).toHaveLength(0);
    // The administrator adds the secret the mailer uses to the app registration: verify() now passes.
    emulator.updateApp(emulator.clientId, { secrets: [{ value: 'wrong-secret-value~0123456789abcdefghijklmno' }] });
    await next(outbox, 'resumed');
    await outbox.drain();
    expect(emulator.messages).toHaveLength(1);
  });
});
