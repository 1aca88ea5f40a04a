import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer } from '../../src/index';
import { startEmulator, type Emulator, type EmulatorFaultRequest } from '../../src/emulator/index';
import { emulatorClient } from '../emulator/helpers';

// Attack: the create-draft request is answered 504, or its connection drops, AFTER Exchange made the draft. The
// client never learns the draft's id. Answer: the draft is found by its tag and reused (JSON) or deleted and made
// again (MIME); exactly one mail is delivered and Drafts is empty afterwards. Real msal-node, HTTPS, the emulator.
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

const isCreateDraft = (r: EmulatorFaultRequest) => r.area === 'graph' && r.method === 'POST' && /\/messages$/.test(r.path);
const isDraftLookup = (r: EmulatorFaultRequest) => r.area === 'graph' && r.method === 'GET' && /\/mailFolders\/drafts\/messages$/.test(r.path);
const count = (pred: (r: EmulatorFaultRequest) => boolean) => emulator.requests.filter((r) => pred(r)).length;
const isDraftSend = (r: EmulatorFaultRequest) => r.method === 'POST' && /\/messages\/[^/]+\/send$/.test(r.path);
const isDelete = (r: EmulatorFaultRequest) => r.method === 'DELETE';

/** Over 4 MB: the JSON message goes through a draft. */
const jsonMessage = (subject: string) => ({ to: 'qa@contoso.com', subject, text: 'x', attachments: [{ filename: 'a.bin', content: randomBytes(4_500_000) }] });
/** Needs MIME (text + html + a calendar-free alternative) and is over the MIME request limit: a draft from MIME. */
const mimeMessage = (subject: string) => ({
  to: 'qa@contoso.com',
  subject,
  text: 'plain',
  html: '<p>rich</p>',
  attachments: [{ filename: 'big.bin', content: randomBytes(4 * 1024 * 1024) }],
});

describe('a create-draft answered 504 after the draft was made', () => {
  it('JSON: the draft is found by its extended property and used; one mail, one draft made, none left', async () => {
    emulator.faults.gatewayTimeout(1, { deliver: true, match: isCreateDraft });
    const result = await mailer.send(jsonMessage('json 504'));
    expect(result).toMatchObject({ route: 'draft', format: 'json' });
    expect(emulator.messages.map((m) => m.subject)).toEqual(['json 504']);
    expect(emulator.drafts).toEqual([]);
    // One create (its draft reused), a look-up, the send, and the check for late copies; nothing deleted.
    expect(count(isCreateDraft)).toBe(1);
    expect(count(isDraftLookup)).toBe(2);
    expect(count(isDraftSend)).toBe(1);
    expect(count(isDelete)).toBe(0);
    expect(emulator.faults.pending()).toEqual([]);
  });

  it('MIME: the draft is found by its Message-ID, deleted and made again; one mail, none left', async () => {
    emulator.faults.gatewayTimeout(1, { deliver: true, match: isCreateDraft });
    const result = await mailer.send(mimeMessage('mime 504'));
    expect(result).toMatchObject({ route: 'draft', format: 'mime' });
    expect(emulator.messages.map((m) => m.subject)).toEqual(['mime 504']);
    expect(emulator.messages[0]!.messageId).toBe(result.messageId);
    expect(emulator.drafts).toEqual([]);
    expect(count(isCreateDraft)).toBe(2);
    expect(count(isDelete)).toBe(1);
    expect(count(isDraftSend)).toBe(1);
  });
});

describe('a create-draft whose connection dropped after the draft was made', () => {
  it('JSON: one mail, none left, never a second draft', async () => {
    emulator.faults.dropAfterAccept(1, { match: isCreateDraft });
    const result = await mailer.send(jsonMessage('json drop'));
    expect(result.route).toBe('draft');
    expect(emulator.messages.map((m) => m.subject)).toEqual(['json drop']);
    expect(emulator.drafts).toEqual([]);
    expect(count(isCreateDraft)).toBe(1);
    expect(count(isDraftSend)).toBe(1);
  });

  it('MIME: one mail, none left', async () => {
    emulator.faults.dropAfterAccept(1, { match: isCreateDraft });
    const result = await mailer.send(mimeMessage('mime drop'));
    expect(result).toMatchObject({ route: 'draft', format: 'mime' });
    expect(emulator.messages.map((m) => m.subject)).toEqual(['mime drop']);
    expect(emulator.drafts).toEqual([]);
  });

  it('and the first look-up answered 503 (not processed, so retried): the draft still turns up and is used; nothing left', async () => {
    emulator.faults.dropAfterAccept(1, { match: isCreateDraft });
    emulator.faults.unavailable(1, { match: isDraftLookup });
    const result = await mailer.send(jsonMessage('json drop, busy look-up'));
    expect(result.route).toBe('draft');
    expect(emulator.messages).toHaveLength(1);
    expect(emulator.drafts).toEqual([]);
  });
});

describe('a create-draft that made nothing', () => {
  it('504 before anything was made: nothing found, made once more, one mail, none left', async () => {
    emulator.faults.gatewayTimeout(1, { match: isCreateDraft });
    const result = await mailer.send(jsonMessage('made later'));
    expect(result.route).toBe('draft');
    expect(emulator.messages.map((m) => m.subject)).toEqual(['made later']);
    expect(emulator.drafts).toEqual([]);
    expect(count(isCreateDraft)).toBe(2);
    expect(count(isDelete)).toBe(0);
  });

  it('504 on every try: a MailerError after maxRetries + 1 creates, nothing sent, no draft left', async () => {
    emulator.faults.gatewayTimeout(10, { match: isCreateDraft });
    const err = await mailer.send(jsonMessage('never')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailerError);
    expect(err).toMatchObject({ status: 504 });
    expect((err as MailerError).message).toMatch(/Nothing was sent, and no draft of this message was left in Drafts\.$/);
    expect(emulator.messages).toEqual([]);
    expect(emulator.drafts).toEqual([]);
    expect(count(isCreateDraft)).toBe(3);
  });
});

describe('a create-draft that timed out or was cancelled in flight', () => {
  it('no answer within timeoutMs: the draft is looked up (none), made once more, one mail, none left', async () => {
    emulator.faults.hang(1, { match: isCreateDraft });
    const quick = new O365OAuthMailer(emulator.mailerConfig({ timeoutMs: 4000, retry: { maxRetries: 1, maxDelayMs: 0 } }));
    try {
      await quick.send({ to: 'warm@contoso.com', subject: 'warm-up', text: 'warm-up' });
      const result = await quick.send(jsonMessage('after a timeout'));
      expect(result.route).toBe('draft');
      expect(emulator.messages.map((m) => m.subject)).toEqual(['warm-up', 'after a timeout']);
      expect(emulator.drafts).toEqual([]);
      expect(count(isCreateDraft)).toBe(2);
      expect(count(isDraftLookup)).toBe(2);
    } finally {
      await quick.close();
    }
  });

  it('cancelled while the create is in flight: ABORTED, Drafts is still checked (without the signal), nothing made again', async () => {
    // The hang's match runs as the create arrives: that is the moment to cancel.
    let createArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (createArrived = resolve));
    emulator.faults.hang(1, {
      match: (r) => {
        if (!isCreateDraft(r)) return false;
        createArrived();
        return true;
      },
    });
    const controller = new AbortController();
    const sending = mailer.send(jsonMessage('cancelled'), { signal: controller.signal });
    await arrived;
    controller.abort();
    const err = (await sending.catch((e: unknown) => e)) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('ABORTED');
    expect(err.message).toMatch(/no draft of this message was left in Drafts/);
    expect(count(isDraftLookup)).toBe(1);
    expect(count(isCreateDraft)).toBe(1);
    expect(emulator.drafts).toEqual([]);
    expect(emulator.messages).toEqual([]);
  });
});

describe('the look-up fails too', () => {
  it('504 after the draft was made, then the look-up keeps failing: a MailerError that says a draft may be left, nothing sent, no second draft', async () => {
    emulator.faults.gatewayTimeout(1, { deliver: true, match: isCreateDraft });
    emulator.faults.gatewayTimeout(5, { match: isDraftLookup });
    const err = (await mailer.send(jsonMessage('lost')).catch((e: unknown) => e)) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.status).toBe(504);
    expect(err.message).toMatch(/Creating the draft got no clear answer .*looking for it in Drafts failed too .*Nothing was sent, and no second draft was made; a draft of this message may be left in the sender's Drafts folder\./);
    expect(err.fix).toMatch(/Nothing was sent, so sending again cannot make a duplicate\. Delete the leftover draft/);
    expect(emulator.messages).toEqual([]);
    expect(count(isCreateDraft)).toBe(1);
    expect(count(isDraftSend)).toBe(0);
    // The one draft the first request made is all there is: never a second.
    expect(emulator.drafts).toHaveLength(1);
  });

  it('a dropped create and a dropped look-up: NETWORK-like error, nothing sent, one draft at most', async () => {
    emulator.faults.dropAfterAccept(1, { match: isCreateDraft });
    emulator.faults.hang(1, { match: isDraftLookup });
    const quick = new O365OAuthMailer(emulator.mailerConfig({ timeoutMs: 4000, retry: { maxRetries: 0 } }));
    try {
      await quick.send({ to: 'warm@contoso.com', subject: 'warm-up', text: 'warm-up' });
      const err = (await quick.send(jsonMessage('lost twice')).catch((e: unknown) => e)) as MailerError;
      expect(err).toBeInstanceOf(MailerError);
      expect(['NETWORK', 'TIMEOUT']).toContain(err.code);
      expect(err.message).toMatch(/may be left in the sender's Drafts folder/);
      expect(emulator.messages.map((m) => m.subject)).toEqual(['warm-up']);
      expect(emulator.drafts).toHaveLength(1);
    } finally {
      await quick.close();
    }
  });
});

describe('the emulator answers the documented look-ups', () => {
  it('stores a draft\'s extended properties and filters Drafts by them (and by internetMessageId); other filters are 400', async () => {
    const client = emulatorClient(emulator);
    const token = await client.token();
    const id = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color';
    const create = await client.fetch(`/v1.0/users/${emulator.sender}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'tagged', internetMessageId: '<t1@contoso.com>', singleValueExtendedProperties: [{ id, value: 'Green' }] }),
    });
    expect(create.status).toBe(201);
    const draftId = ((await create.json()) as { id: string }).id;
    const list = async (filter: string) => {
      const res = await client.fetch(`/v1.0/users/${emulator.sender}/mailFolders/drafts/messages?$filter=${encodeURIComponent(filter)}&$select=id`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: (await res.json()) as { value?: Array<{ id: string }>; error?: { code: string } } };
    };
    // Microsoft's documented example (Request 2), URL-encoded the same way.
    const byProperty = await list(`singleValueExtendedProperties/Any(ep: ep/id eq '${id}' and ep/value eq 'Green')`);
    expect(byProperty.status).toBe(200);
    expect(byProperty.body.value?.map((m) => m.id)).toEqual([draftId]);
    // The value compares without regard to case; the GUID and type too, the Name exactly.
    expect((await list(`singleValueExtendedProperties/any(x:x/id eq 'string {66F5A359-4659-4830-9070-00047EC6AC6E} Name Color' and x/value eq 'green')`)).body.value).toHaveLength(1);
    expect((await list(`singleValueExtendedProperties/Any(ep: ep/id eq 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name color' and ep/value eq 'Green')`)).body.value).toEqual([]);
    expect((await list(`singleValueExtendedProperties/Any(ep: ep/id eq '${id}' and ep/value eq 'Blue')`)).body.value).toEqual([]);
    expect((await list(`internetMessageId eq '<t1@contoso.com>'`)).body.value?.map((m) => m.id)).toEqual([draftId]);
    const unsupported = await list(`singleValueExtendedProperties/Any(ep: ep/id eq '${id}' and startswith(ep/value, 'Gr'))`);
    expect(unsupported).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'ErrorInvalidUrlQueryFilter' }) } });
    const badId = await client.fetch(`/v1.0/users/${emulator.sender}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'bad', singleValueExtendedProperties: [{ id: 'Color', value: 'Green' }] }),
    });
    expect(badId.status).toBe(400);
    expect(emulator.drafts).toEqual([draftId]);
    await client.close();
  });
});
