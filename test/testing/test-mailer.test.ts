import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestMailer, messageMatches, type TestMailer } from '../../src/testing/index';

let t: TestMailer;
beforeAll(async () => {
  t = await createTestMailer();
});
afterAll(() => t.close());
beforeEach(() => t.reset());

describe('o365-oauth-mailer/testing', () => {
  it('captures what the real mailer sent and finds it by recipient, subject, body and attachment', async () => {
    expect(t.lastMessage()).toBeUndefined();
    t.expectNothingSent();
    await t.mailer.send({ to: 'ann@contoso.com', bcc: 'audit@contoso.com', subject: 'Batch 7', text: 'Lead 0.8 µg/L', attachments: [{ filename: 'b7.csv', content: 'x' }] });
    await t.mailer.send({ to: 'bob@contoso.com', subject: 'Other', html: '<p>hi</p>' });
    expect(t.messages()).toHaveLength(2);
    expect(t.lastMessage()?.subject).toBe('Other');
    expect(t.findMessages({ to: 'AUDIT@contoso.com' }).map((m) => m.subject)).toEqual(['Batch 7']);
    expect(t.findMessages({ body: /µg\/L/ })).toHaveLength(1);
    expect(t.findMessages({ body: '<p>hi</p>' })).toHaveLength(1);
    expect(t.expectSent({ subject: 'Batch 7', attachments: ['b7.csv'] }, 1)).toHaveLength(1);
    expect(messageMatches(t.messages()[0]!, { attachments: ['missing.pdf'] })).toBe(false);
  });

  it('fails with a readable list of what was captured', async () => {
    await t.mailer.send({ to: 'ann@contoso.com', subject: 'Only this', text: 'x', attachments: [{ filename: 'a.txt', content: 'a' }] });
    expect(() => t.expectSent({ subject: /nothing like it/ })).toThrow(/Expected at least 1 message\(s\) matching \{"subject":"\/nothing like it\/"\}, found 0\. Captured:\n {2}1\. to ann@contoso\.com — "Only this" \[a\.txt\]/);
    expect(() => t.expectSent({ to: 'ann@contoso.com' }, 2)).toThrow(/Expected 2 message/);
    expect(() => t.expectNothingSent()).toThrow(/Expected no message\. Captured:/);
  });
});
