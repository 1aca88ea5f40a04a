import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer } from '../../src/index';
import { startEmulator, type Emulator, type EmulatorFaultRequest } from '../../src/emulator/index';
import { emulatorClient } from '../emulator/helpers';

// Variants of promises that each hung on a single test (the mutation review's weak spots): at most two /send POSTs
// of one draft, the 5-header limit of JSON, and saveToSentItems. Each variant fails for a different mutation.
let emulator: Emulator;
let mailer: O365OAuthMailer;
beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }] });
  mailer = new O365OAuthMailer(emulator.mailerConfig({ retry: { maxRetries: 3, maxDelayMs: 0 } }));
});
afterAll(async () => {
  await mailer.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

const isDraftSend = (r: EmulatorFaultRequest) => r.area === 'graph' && r.method === 'POST' && /\/messages\/[^/]+\/send$/.test(r.path);
const draftSends = () => emulator.requests.filter((r) => isDraftSend(r)).length;
const big = (subject: string) => ({ to: 'qa@contoso.com', subject, text: 'x', attachments: [{ filename: 'a.bin', content: Buffer.alloc(4_500_000, 7) }] });

describe('a draft is sent at most twice (no third /send)', () => {
  it('504 before delivery on both /send POSTs: DELIVERY_UNKNOWN after exactly two, nothing delivered, the draft left alone', async () => {
    emulator.faults.gatewayTimeout(5, { match: isDraftSend });
    const err = (await mailer.send(big('twice lost')).catch((e: unknown) => e)) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('DELIVERY_UNKNOWN');
    expect(draftSends()).toBe(2);
    // A third /send would have found the draft and delivered it.
    expect(emulator.messages).toEqual([]);
    expect(emulator.drafts).toHaveLength(1);
    expect(emulator.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(emulator.faults.pending()).toEqual([{ kind: 'gatewayTimeout', remaining: 3 }]);
  });

  it('504 before delivery, then accepted: delivered once after two /send POSTs (attempts 2)', async () => {
    emulator.faults.gatewayTimeout(1, { match: isDraftSend });
    const result = await mailer.send(big('second goes'));
    expect(result).toMatchObject({ route: 'draft', attempts: 2 });
    expect(draftSends()).toBe(2);
    expect(emulator.messages.map((m) => m.subject)).toEqual(['second goes']);
    expect(emulator.drafts).toEqual([]);
  });

  it('delivered, then 504 on the confirmation too: the 404 of a third /send is never asked for; DELIVERY_UNKNOWN, delivered once', async () => {
    emulator.faults.gatewayTimeout(1, { deliver: true, match: isDraftSend });
    emulator.faults.gatewayTimeout(1, { match: isDraftSend });
    const err = (await mailer.send(big('once only')).catch((e: unknown) => e)) as MailerError;
    expect(err.code).toBe('DELIVERY_UNKNOWN');
    expect(draftSends()).toBe(2);
    expect(emulator.messages.map((m) => m.subject)).toEqual(['once only']);
  });
});

describe('JSON takes at most 5 X- headers; a 6th sends the message as MIME', () => {
  const headers = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-Lab-${i + 1}`, `v${i + 1}`]));

  it('exactly 5: JSON, all five arrive as internetMessageHeaders', async () => {
    const result = await mailer.send({ to: 'qa@contoso.com', subject: 'five', text: 'x', headers: headers(5) });
    expect(result.format).toBe('json');
    expect(emulator.messages[0]!.headers).toEqual(Object.entries(headers(5)).map(([name, value]) => ({ name, value })));
  });

  it('6: MIME, and all six arrive (none dropped to fit JSON)', async () => {
    const result = await mailer.send({ to: 'qa@contoso.com', subject: 'six', text: 'x', headers: headers(6) });
    expect(result.format).toBe('mime');
    const arrived = emulator.messages[0]!.headers.filter((h) => h.name.startsWith('X-Lab-'));
    expect(arrived).toEqual(Object.entries(headers(6)).map(([name, value]) => ({ name, value })));
  });

  it('Graph (the emulator) takes 5 in JSON and refuses 6 with InvalidInternetMessageHeaderCollection', async () => {
    const client = emulatorClient(emulator);
    const post = async (n: number) =>
      client.fetch(`/v1.0/users/${emulator.sender}/sendMail`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await client.token()}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          message: { subject: `n${n}`, toRecipients: [{ emailAddress: { address: 'qa@contoso.com' } }], internetMessageHeaders: Object.entries(headers(n)).map(([name, value]) => ({ name, value })) },
        }),
      });
    expect((await post(5)).status).toBe(202);
    const six = await post(6);
    expect(six.status).toBe(400);
    expect(((await six.json()) as { error: { code: string } }).error.code).toBe('InvalidInternetMessageHeaderCollection');
    expect(emulator.messages.map((m) => m.subject)).toEqual(['n5']);
    await client.close();
  });
});

describe('saveToSentItems', () => {
  it('false: Graph is told so, and findSent() finds nothing in Sent Items', async () => {
    const noCopy = new O365OAuthMailer(emulator.mailerConfig({ saveToSentItems: false }));
    try {
      const result = await noCopy.send({ to: 'qa@contoso.com', subject: 'no copy', text: 'x' });
      expect(emulator.messages[0]).toMatchObject({ subject: 'no copy', saveToSentItems: false });
      expect(await noCopy.findSent(result.messageId)).toBeUndefined();
    } finally {
      await noCopy.close();
    }
  });

  it('left out: true, and findSent() finds the mail by its Message-ID', async () => {
    const result = await mailer.send({ to: 'qa@contoso.com', subject: 'with copy', text: 'x' });
    expect(emulator.messages[0]).toMatchObject({ subject: 'with copy', saveToSentItems: true });
    expect(await mailer.findSent(result.messageId)).toMatchObject({ internetMessageId: result.messageId, subject: 'with copy' });
  });

  it('true given explicitly: the same as left out', async () => {
    const copy = new O365OAuthMailer(emulator.mailerConfig({ saveToSentItems: true }));
    try {
      await copy.send({ to: 'qa@contoso.com', subject: 'explicit', text: 'x' });
      expect(emulator.messages[0]).toMatchObject({ saveToSentItems: true });
    } finally {
      await copy.close();
    }
  });
});
