import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator';
import { bytes, emulatorClient, simpleMail, type EmulatorClient } from './helpers';

const OTHER_ROLES_APP = '55555555-6666-4777-8888-999999999999';
const NO_CONSENT = '66666666-7777-4888-8999-aaaaaaaaaaaa';

let emulator: Emulator;
let client: EmulatorClient;
let token: string;

beforeAll(async () => {
  emulator = await startEmulator({
    apps: [{}, { clientId: OTHER_ROLES_APP, roles: ['User.Read.All'], secrets: [{ value: 'other' }] }, { clientId: NO_CONSENT, roles: [], secrets: [{ value: 'nc' }] }],
    mailboxes: [
      'sender@contoso.onmicrosoft.com',
      { address: 'unlicensed@contoso.onmicrosoft.com', licensed: false },
      { address: 'restricted@contoso.onmicrosoft.com', accessPolicyDenied: true },
      { address: 'gone@contoso.onmicrosoft.com', exists: false },
      { address: 'shared@contoso.onmicrosoft.com', sendAs: ['alias@contoso.com'] },
    ],
  });
  client = emulatorClient(emulator);
  token = await client.token();
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

type GraphErrorBody = { error: { code: string; message: string; innerError: Record<string, string> } };

async function expectGraphError(res: Response, status: number, code: string, message?: string | RegExp): Promise<GraphErrorBody> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as GraphErrorBody;
  expect(body).toEqual({
    error: {
      code,
      message: expect.any(String),
      innerError: {
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
        'request-id': res.headers.get('request-id'),
        'client-request-id': res.headers.get('client-request-id'),
      },
    },
  });
  if (typeof message === 'string') expect(body.error.message).toBe(message);
  else if (message) expect(body.error.message).toMatch(message);
  return body;
}

const sendPath = (user = 'sender@contoso.onmicrosoft.com'): string => `/v1.0/users/${encodeURIComponent(user)}/sendMail`;

async function tokenFor(clientId: string, secret: string): Promise<string> {
  const res = await client.tokenResponse({ client_id: clientId, client_secret: secret });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('sendMail', () => {
  it('answers 202 with an empty body and captures the message, attachments decoded', async () => {
    const pdf = bytes(1500, 7);
    const res = await client.graph('POST', sendPath(), {
      token,
      headers: { 'client-request-id': 'my-request-1' },
      body: {
        message: {
          subject: 'Quarterly report',
          body: { contentType: 'HTML', content: '<p>See <b>attached</b></p>' },
          toRecipients: [{ emailAddress: { address: 'ann@example.com', name: 'Ann Lee' } }],
          ccRecipients: [{ emailAddress: { address: 'bob@example.com' } }],
          bccRecipients: [{ emailAddress: { address: 'audit@example.com' } }],
          replyTo: [{ emailAddress: { address: 'noreply@contoso.com' } }],
          importance: 'High',
          internetMessageHeaders: [{ name: 'X-Job-Id', value: '42' }],
          attachments: [
            { '@odata.type': '#microsoft.graph.fileAttachment', name: 'report.pdf', contentType: 'application/pdf', contentBytes: pdf.toString('base64') },
            { '@odata.type': '#microsoft.graph.fileAttachment', name: 'logo.png', contentType: 'image/png', contentBytes: 'iVBORw0KGgo=', isInline: true, contentId: 'logo' },
          ],
        },
        saveToSentItems: false,
      },
    });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('client-request-id')).toBe('my-request-1');
    expect(emulator.messages).toHaveLength(1);
    const m = emulator.messages[0]!;
    expect(m).toMatchObject({
      mailbox: 'sender@contoso.onmicrosoft.com',
      from: { address: 'sender@contoso.onmicrosoft.com' },
      to: [{ address: 'ann@example.com', name: 'Ann Lee' }],
      cc: [{ address: 'bob@example.com' }],
      bcc: [{ address: 'audit@example.com' }],
      replyTo: [{ address: 'noreply@contoso.com' }],
      subject: 'Quarterly report',
      body: { contentType: 'html', content: '<p>See <b>attached</b></p>' },
      importance: 'high',
      headers: [{ name: 'X-Job-Id', value: '42' }],
      saveToSentItems: false,
      route: 'sendMail',
      requestId: res.headers.get('request-id'),
    });
    expect(m.receivedAt).toBeInstanceOf(Date);
    expect(m.attachments[0]).toMatchObject({ name: 'report.pdf', contentType: 'application/pdf', size: 1500, isInline: false });
    expect(m.attachments[0]!.content.equals(pdf)).toBe(true);
    expect(m.attachments[1]).toMatchObject({ name: 'logo.png', isInline: true, contentId: 'logo', size: 8 });
  });

  it('sets client-request-id to the request-id when the client sends none', async () => {
    const res = await client.graph('POST', sendPath(), { token, body: simpleMail() });
    expect(res.headers.get('client-request-id')).toBe(res.headers.get('request-id'));
  });

  it('matches the mailbox case-insensitively, URL-encoded or by object ID, and defaults saveToSentItems to true', async () => {
    const res = await client.graph('POST', '/v1.0/users/SENDER%40Contoso.OnMicrosoft.com/sendMail', { token, body: { message: simpleMail().message } });
    expect(res.status).toBe(202);
    expect(emulator.messages[0]).toMatchObject({ mailbox: 'sender@contoso.onmicrosoft.com', saveToSentItems: true });
  });

  it('accepts a request of exactly 4 MB and refuses one byte more with 413', async () => {
    const base = JSON.stringify(simpleMail({ subject: '' }));
    const exact = JSON.stringify(simpleMail({ subject: 'x'.repeat(4 * 1024 * 1024 - base.length) }));
    expect(Buffer.byteLength(exact)).toBe(4 * 1024 * 1024);
    expect((await client.graph('POST', sendPath(), { token, body: exact })).status).toBe(202);
    const over = JSON.stringify(simpleMail({ subject: 'x'.repeat(4 * 1024 * 1024 - base.length + 1) }));
    await expectGraphError(await client.graph('POST', sendPath(), { token, body: over }), 413, 'RequestEntityTooLarge', 'The maximum request length supported is 4MB.');
    expect(emulator.messages).toHaveLength(1);
  });

  it('allows from = a Send As address and refuses any other with ErrorSendAsDenied', async () => {
    const ok = await client.graph('POST', sendPath('shared@contoso.onmicrosoft.com'), {
      token,
      body: simpleMail({ from: { emailAddress: { address: 'Alias@contoso.com' } } }),
    });
    expect(ok.status).toBe(202);
    expect(emulator.messages[0]!.from).toEqual({ address: 'Alias@contoso.com' });
    const denied = await client.graph('POST', sendPath(), { token, body: simpleMail({ from: { emailAddress: { address: 'ceo@contoso.com' } } }) });
    await expectGraphError(denied, 403, 'ErrorSendAsDenied');
  });

  const invalid: Array<{ name: string; body: unknown; status: number; code: string; message?: string | RegExp }> = [
    { name: 'no recipients', body: simpleMail({ toRecipients: [] }), status: 400, code: 'ErrorInvalidRecipients', message: /contains no recipients/ },
    { name: 'a malformed recipient', body: simpleMail({ toRecipients: [{ emailAddress: { address: 'not-an-address' } }] }), status: 400, code: 'ErrorInvalidRecipients', message: /Recipient 'not-an-address' isn't resolved/ },
    { name: 'a header without x-', body: simpleMail({ internetMessageHeaders: [{ name: 'Reply-By', value: '1' }] }), status: 400, code: 'InvalidInternetMessageHeader', message: /'Reply-By'/ },
    { name: 'six headers', body: simpleMail({ internetMessageHeaders: Array.from({ length: 6 }, (_, i) => ({ name: `x-h${i}`, value: 'v' })) }), status: 400, code: 'InvalidInternetMessageHeaderCollection' },
    { name: 'invalid JSON', body: '{"message": {', status: 400, code: 'RequestBodyRead' },
    { name: 'an unknown message property', body: simpleMail({ toRecipient: [] }), status: 400, code: 'RequestBodyRead', message: /The property 'toRecipient' does not exist on type 'microsoft.graph.message'/ },
    { name: 'an attachment without @odata.type', body: simpleMail({ attachments: [{ name: 'a.txt', contentBytes: 'aGk=' }] }), status: 400, code: 'RequestBodyRead', message: 'Cannot create an abstract class.' },
    { name: 'a bad body contentType', body: simpleMail({ body: { contentType: 'markdown', content: 'x' } }), status: 400, code: 'RequestBodyRead' },
    { name: 'no message', body: { saveToSentItems: true }, status: 400, code: 'ErrorInvalidParameter' },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name} with ${c.status} ${c.code}`, async () => {
      await expectGraphError(await client.graph('POST', sendPath(), { token, body: c.body }), c.status, c.code, c.message);
      expect(emulator.messages).toHaveLength(0);
    });
  }
});

describe('authentication and authorization', () => {
  it('answers a missing token with 401 InvalidAuthenticationToken "Access token is empty."', async () => {
    const res = await client.fetch(sendPath(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(simpleMail()) });
    await expectGraphError(res, 401, 'InvalidAuthenticationToken', 'Access token is empty.');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(emulator.requests.at(-1)).toMatchObject({ method: 'POST', hasAuthorization: false, status: 401, area: 'graph' });
  });

  it('answers an expired token with "Lifetime validation failed, the token is expired."', async () => {
    const expired = emulator.issueToken({ expiresInSeconds: -60 });
    await expectGraphError(await client.graph('POST', sendPath(), { token: expired, body: simpleMail() }), 401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
  });

  it('refuses a tampered token, a token of another emulator and a token for another audience', async () => {
    const [h, p] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), roles: ['Mail.ReadWrite'] })).toString('base64url')}.${token.split('.')[2]}`;
    await expectGraphError(await client.graph('POST', sendPath(), { token: forged, body: simpleMail() }), 401, 'InvalidAuthenticationToken');
    const other = await startEmulator();
    try {
      await expectGraphError(await client.graph('POST', sendPath(), { token: other.issueToken(), body: simpleMail() }), 401, 'InvalidAuthenticationToken');
    } finally {
      await other.close();
    }
    const wrongAudience = emulator.issueToken({ audience: 'https://outlook.office.com' });
    await expectGraphError(await client.graph('POST', sendPath(), { token: wrongAudience, body: simpleMail() }), 401, 'InvalidAuthenticationToken', /Invalid audience/);
    await expectGraphError(await client.graph('POST', sendPath(), { token: 'garbage', body: simpleMail() }), 401, 'InvalidAuthenticationToken', /IDX14100/);
  });

  it('answers a token without roles with 401 NoPermissionsInAccessToken, then passes once consent is granted', async () => {
    const noRoles = await tokenFor(NO_CONSENT, 'nc');
    await expectGraphError(
      await client.graph('POST', sendPath(), { token: noRoles, body: simpleMail() }),
      401,
      'NoPermissionsInAccessToken',
      'The token contains no permissions, or permissions can not be understood.',
    );
    emulator.grant(NO_CONSENT, ['Mail.Send']);
    // The old token keeps its (missing) roles; a new token carries the grant.
    expect((await client.graph('POST', sendPath(), { token: noRoles, body: simpleMail() })).status).toBe(401);
    expect((await client.graph('POST', sendPath(), { token: await tokenFor(NO_CONSENT, 'nc'), body: simpleMail() })).status).toBe(202);
  });

  it('answers roles without Mail.Send with 403 ErrorAccessDenied', async () => {
    const other = await tokenFor(OTHER_ROLES_APP, 'other');
    await expectGraphError(await client.graph('POST', sendPath(), { token: other, body: simpleMail() }), 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  });

  it('answers an unknown or non-existing user with 404 ErrorInvalidUser', async () => {
    await expectGraphError(await client.graph('POST', sendPath('nobody@contoso.onmicrosoft.com'), { token, body: simpleMail() }), 404, 'ErrorInvalidUser', "The requested user 'nobody@contoso.onmicrosoft.com' is invalid.");
    await expectGraphError(await client.graph('POST', sendPath('gone@contoso.onmicrosoft.com'), { token, body: simpleMail() }), 404, 'ErrorInvalidUser');
  });

  it('answers an unlicensed user with 404 MailboxNotEnabledForRESTAPI', async () => {
    await expectGraphError(
      await client.graph('POST', sendPath('unlicensed@contoso.onmicrosoft.com'), { token, body: simpleMail() }),
      404,
      'MailboxNotEnabledForRESTAPI',
      'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
    );
  });

  it('answers a mailbox excluded by an application access policy with 403 [RAOP], changeable at runtime', async () => {
    await expectGraphError(
      await client.graph('POST', sendPath('restricted@contoso.onmicrosoft.com'), { token, body: simpleMail() }),
      403,
      'ErrorAccessDenied',
      'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
    );
    emulator.updateMailbox('restricted@contoso.onmicrosoft.com', { accessPolicyDenied: false });
    expect((await client.graph('POST', sendPath('restricted@contoso.onmicrosoft.com'), { token, body: simpleMail() })).status).toBe(202);
  });

  it('answers /me with app-only tokens and unknown segments like Graph', async () => {
    await expectGraphError(await client.graph('POST', '/v1.0/me/sendMail', { token, body: simpleMail() }), 400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    await expectGraphError(await client.graph('POST', '/v1.0/users/sender@contoso.onmicrosoft.com/sendEmail', { token, body: simpleMail() }), 400, 'BadRequest', "Resource not found for the segment 'sendEmail'.");
  });

  it('needs a directory permission to read the user', async () => {
    await expectGraphError(await client.graph('GET', '/v1.0/users/sender@contoso.onmicrosoft.com', { token }), 403, 'Authorization_RequestDenied');
    const res = await client.graph('GET', '/v1.0/users/sender@contoso.onmicrosoft.com', { token: await tokenFor(OTHER_ROLES_APP, 'other') });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ userPrincipalName: 'sender@contoso.onmicrosoft.com', mail: 'sender@contoso.onmicrosoft.com' });
  });
});
