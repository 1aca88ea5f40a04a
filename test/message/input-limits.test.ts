import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer } from '../../src/index';
import { resolveAttachments } from '../../src/message/attachments';
import { GRAPH, SEND_PATH, entraError, mailerConfig, tokenEndpoint, tokenReply } from '../helpers/microsoft';

/** Input that deceives or breaks a reader, refused with MESSAGE_INVALID before any request (nock allows none here). */
const made: O365OAuthMailer[] = [];
afterEach(async () => {
  for (const m of made.splice(0)) await m.close();
});
function mailer(): O365OAuthMailer {
  const m = new O365OAuthMailer(mailerConfig({ retry: { maxRetries: 0, maxDelayMs: 0 } }));
  made.push(m);
  return m;
}
async function refusal(message: Record<string, unknown>): Promise<MailerError> {
  const err = await mailer().send({ to: 'ann@contoso.com', text: 'x', ...message } as never).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(MailerError);
  expect((err as MailerError).code).toBe('MESSAGE_INVALID');
  return err as MailerError;
}
const addresses = (n: number, domain: string) => Array.from({ length: n }, (_, i) => `u${i}@${domain}`);

describe('input limits, before any request', () => {
  it.each([
    ['a bidi override in a filename (invoice\u202Efdp.exe shows as invoice_exe.pdf)', { attachments: [{ filename: 'invoice\u202Efdp.exe', content: 'MZ' }] }, /attachments\[0\]\.filename contains a bidirectional override/],
    ['an isolate in a filename', { attachments: [{ filename: 'a\u2066b.pdf', content: 'x' }] }, /bidirectional/],
    ['a bidi override in a display name', { to: { name: 'Bank\u202Eknab', address: 'ann@contoso.com' } }, /to\[0\]\.name contains a bidirectional override/],
    ['a C1 control in the subject', { subject: 'Hi\u0085there' }, /subject contains a control or line\/paragraph separator/],
    ['U+2028 in the subject', { subject: 'Hi\u2028there' }, /subject contains a control/],
    ['U+2029 in a display name', { to: { name: 'Ann\u2029Lee', address: 'ann@contoso.com' } }, /to\[0\]\.name contains a control/],
    ['a C0 control in a filename', { attachments: [{ filename: 'a\u0007.txt', content: 'x' }] }, /attachments\[0\]\.filename contains a control/],
    ['NUL in the text body', { text: 'a\u0000b' }, /text contains a NUL/],
    ['NUL in the HTML body', { html: '<p>a\u0000b</p>' }, /html contains a NUL/],
    ['a lone surrogate in the subject', { subject: 'broken \ud83d' }, /subject contains a lone UTF-16 surrogate/],
    ['a lone surrogate in the body', { text: '\ude00' }, /text contains a lone UTF-16 surrogate/],
    ['a 5,000-character filename', { attachments: [{ filename: `${'a'.repeat(4996)}.pdf`, content: 'x' }] }, /attachments\[0\]\.filename is 5000 characters long; at most 255/],
    ['a 2,000-character subject', { subject: 's'.repeat(2000) }, /subject is 2000 characters long; at most 998/],
    ['a 1,000-character display name', { to: { name: 'n'.repeat(1000), address: 'ann@contoso.com' } }, /to\[0\]\.name is 1000 characters long/],
    ['headers as a Map (read as empty, silently)', { headers: new Map([['X-Order', '42']]) }, /headers must be a plain object of name: value pairs, not a Map/],
    ['251 attachments', { attachments: Array.from({ length: 251 }, (_, i) => ({ filename: `f${i}.txt`, content: 'x' })) }, /attachments has 251 attachments; Exchange Online takes at most 250/],
  ])('%s', async (_what, message, text) => {
    expect((await refusal(message)).message).toMatch(text);
  });

  it('500 recipients across every field, replyTo included: 499 plus 2 replyTo addresses is refused', async () => {
    const err = await refusal({ to: addresses(300, 'contoso.com'), bcc: addresses(199, 'fabrikam.com'), replyTo: addresses(2, 'contoso.com') });
    expect(err.message).toMatch(/have 501 addresses in all; Exchange Online takes at most 500 per message, replyTo included/);
  });

  it('emoji (valid surrogate pairs) and right-to-left text without overrides are fine', async () => {
    // Refused only later, for want of a token endpoint: the limits let it through.
    tokenEndpoint().reply(400, entraError(700016, 'unauthorized_client', 'no app'));
    const err = await mailer().send({ to: { name: 'שרה כהן 😀', address: 'sara@contoso.com' }, subject: 'تقرير 😀', text: 'ok', attachments: [{ filename: 'דוח.pdf', content: 'x' }] }).catch((e: unknown) => e);
    expect((err as MailerError).code).toBe('CLIENT_NOT_FOUND');
  });

  it('a body over 4 MB without attachments → MESSAGE_INVALID naming the body (not ATTACHMENT_TOO_LARGE advice about Mail.ReadWrite), no request', async () => {
    const err = await refusal({ text: 'x'.repeat(5 * 1024 * 1024) });
    expect(err.message).toMatch(/^text makes the message 5\.0 MiB without any attachment/);
    expect(err.message).not.toMatch(/attachment\(s\) of/);
    expect(err.fix).toMatch(/Shorten the body/);
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('files of unknown size', () => {
  it.runIf(process.platform === 'linux')('a /proc file (stat size 0) is read for its real size, not sent as an empty attachment', async () => {
    tokenEndpoint().reply(200, tokenReply());
    let sent: { message: { attachments: Array<{ name: string; contentBytes: string }> } } | undefined;
    nock(GRAPH)
      .post(SEND_PATH, (body) => ((sent = body as never), true))
      .reply(202);
    await mailer().send({ to: 'ann@contoso.com', text: 'x', attachments: [{ path: '/proc/self/status' }] });
    const [resolved] = await resolveAttachments([{ path: '/proc/self/status' }]);
    expect(resolved!.size).toBeGreaterThan(0); // it used to be 0, and chose the route on that
    await resolved!.dispose();
    const bytes = Buffer.from(sent!.message.attachments[0]!.contentBytes, 'base64');
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.toString()).toMatch(/^Name:/);
  });
});

describe('a token endpoint that throttles', () => {
  it.each([
    [429, 90055],
    [400, 50196],
  ])('HTTP %i AADSTS%i → THROTTLED, retriable, no setup step', async (status, aadsts) => {
    tokenEndpoint().reply(status, entraError(aadsts, 'temporarily_unavailable', 'Too many requests.'));
    const err = (await mailer().send({ to: 'ann@contoso.com', text: 'x' }).catch((e: unknown) => e)) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err).toMatchObject({ code: 'THROTTLED', retriable: true });
    expect(err.step).toBeUndefined();
    expect(err.message).toContain(`AADSTS${aadsts}`);
    expect(err.fix).toMatch(/too many token requests/);
  });
});
