import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { emulatorClient } from '../emulator/helpers';

// Exactly-once, DELIVERY_UNKNOWN and clean-up hold on the MIME route as on JSON: real mailer, HTTPS, emulator faults.
let emulator: Emulator;
let mailer: O365OAuthMailer;
beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }] });
  mailer = new O365OAuthMailer(emulator.mailerConfig({ retry: { maxRetries: 2, maxDelayMs: 0 } }));
});
afterAll(async () => {
  await mailer.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

const both = { text: 'plain', html: '<p>rich</p>' };

describe('the MIME route keeps the delivery rules', () => {
  it('a 429 is retried and the mail arrives once', async () => {
    emulator.faults.throttle(1, { retryAfterSeconds: 0 });
    const result = await mailer.send({ to: 'qa@contoso.com', subject: 'throttled', ...both });
    expect(result).toMatchObject({ format: 'mime', attempts: 2 });
    expect(emulator.messages.map((m) => m.subject)).toEqual(['throttled']);
  });

  it('a connection dropped after Exchange accepted the MIME sendMail is DELIVERY_UNKNOWN, delivered once, never re-sent', async () => {
    emulator.faults.dropAfterAccept(1);
    const err = await mailer.send({ to: 'qa@contoso.com', subject: 'once', ...both }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailerError);
    expect(err).toMatchObject({ code: 'DELIVERY_UNKNOWN' });
    expect(emulator.messages.map((m) => m.subject)).toEqual(['once']);
    expect(emulator.requests.filter((r) => r.path.endsWith('/sendMail'))).toHaveLength(1);
  });

  it('a 504 after delivery is not repeated', async () => {
    emulator.faults.gatewayTimeout(1, { deliver: true });
    const err = await mailer.send({ to: 'qa@contoso.com', subject: 'no dupes', ...both }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DELIVERY_UNKNOWN' });
    expect(emulator.messages).toHaveLength(1);
  });

  it('a MIME draft whose upload fails for good is deleted, and nothing is sent', async () => {
    emulator.faults.failChunk(10);
    const err = await mailer
      .send({ to: 'qa@contoso.com', subject: 'big', ...both, attachments: [{ filename: 'big.bin', content: randomBytes(4 * 1024 * 1024) }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailerError);
    expect(emulator.messages).toEqual([]);
    expect(emulator.drafts).toEqual([]);
  });

  it('a lost answer to the MIME draft /send: the same draft is sent again, delivered exactly once', async () => {
    emulator.faults.dropAfterAccept(1);
    const result = await mailer.send({ to: 'qa@contoso.com', subject: 'big once', ...both, attachments: [{ filename: 'big.bin', content: randomBytes(4 * 1024 * 1024) }] });
    expect(result).toMatchObject({ route: 'draft', format: 'mime' });
    expect(emulator.messages.map((m) => m.subject)).toEqual(['big once']);
    expect(emulator.drafts).toEqual([]);
  });
});

describe('the emulator refuses MIME as Graph does', () => {
  it('a MIME body over 4 MB: 413, nothing sent', async () => {
    const client = emulatorClient(emulator);
    const res = await client.fetch(`/v1.0/users/${emulator.sender}/sendMail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await client.token()}`, 'content-type': 'text/plain' },
      body: Buffer.from(`To: a@contoso.com\r\n\r\n${'x'.repeat(3_200_000)}`).toString('base64'),
    });
    expect(res.status).toBe(413);
    expect(emulator.messages).toEqual([]);
    await client.close();
  });

  it('a MIME draft is created from base64 MIME and listed with its Message-ID', async () => {
    const client = emulatorClient(emulator);
    const mime = 'To: ann@contoso.com\r\nSubject: draft from MIME\r\nMessage-ID: <d1@x.example>\r\n\r\nbody';
    const res = await client.fetch(`/v1.0/users/${emulator.sender}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await client.token()}`, 'content-type': 'text/plain' },
      body: Buffer.from(mime).toString('base64'),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ subject: 'draft from MIME', internetMessageId: '<d1@x.example>', isDraft: true });
    expect(emulator.drafts).toHaveLength(1);
    await client.close();
  });
});
