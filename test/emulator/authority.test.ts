import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator';
import { emulatorClient, jwtClaims, type EmulatorClient } from './helpers';

const TENANT = '7b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
const CLIENT = '11111111-2222-4333-8444-555555555555';
const NO_CONSENT = '22222222-3333-4444-8555-666666666666';
const DISABLED = '33333333-4444-4555-8666-777777777777';
const SECRET = 'abc8Q~emulatorSecretValueForTests.1234567';
const SECRET_ID = '44444444-5555-4666-8777-888888888888';
const EXPIRED_SECRET = 'old8Q~expiredSecretValueForTests.7654321';

let emulator: Emulator;
let client: EmulatorClient;

beforeAll(async () => {
  emulator = await startEmulator({
    tenants: [{ id: TENANT, domains: ['contoso.onmicrosoft.com'] }],
    apps: [
      {
        clientId: CLIENT,
        secrets: [
          { value: SECRET, id: SECRET_ID, expiresAt: new Date(Date.now() + 86_400_000) },
          { value: EXPIRED_SECRET, expiresAt: '2020-01-01T00:00:00Z' },
        ],
      },
      { clientId: NO_CONSENT, roles: [], secrets: [{ value: 'nc' }] },
      { clientId: DISABLED, disabled: true, displayName: 'Old app', secrets: [{ value: 'dis' }] },
    ],
  });
  client = emulatorClient(emulator);
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

async function entraBody(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

function expectEntraShape(body: Record<string, unknown>, code: number, error: string): void {
  expect(body).toEqual({
    error,
    error_description: expect.stringMatching(new RegExp(`^AADSTS${code}: .+ Trace ID: [0-9a-f-]{36} Correlation ID: \\S+ Timestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`)),
    error_codes: [code],
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
    trace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    correlation_id: expect.any(String),
    error_uri: `${emulator.url}/error?code=${code}`,
  });
}

describe('defaults', () => {
  it('starts with one tenant, one consented app and one mailbox', async () => {
    const emu = await startEmulator();
    try {
      expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(emu.ca).toContain('BEGIN CERTIFICATE');
      expect(emu.tenantId).toMatch(/^[0-9a-f-]{36}$/);
      expect(emu.tenantDomain).toBe('contoso.onmicrosoft.com');
      expect(emu.clientId).toMatch(/^[0-9a-f-]{36}$/);
      expect(emu.clientSecret).toMatch(/^.{3}8Q~.{34}$/);
      expect(emu.secretId).toMatch(/^[0-9a-f-]{36}$/);
      expect(emu.sender).toBe('sender@contoso.onmicrosoft.com');
      expect(emu.mailerConfig({ timeoutMs: 5000 })).toEqual({
        authType: 'oauth2',
        tenantId: emu.tenantId,
        clientId: emu.clientId,
        clientSecret: emu.clientSecret,
        sender: emu.sender,
        cloud: { authorityHost: emu.url, graphEndpoint: emu.url },
        tls: { ca: emu.ca },
        timeoutMs: 5000,
      });
      const c = emulatorClient(emu);
      const claims = jwtClaims(await c.token());
      expect(claims.roles).toEqual(['Mail.Send']);
      await c.close();
    } finally {
      await emu.close();
    }
  });

  it('also answers on localhost, which the certificate names too', async () => {
    const res = await client.fetch(`https://localhost:${new URL(emulator.url).port}/${TENANT}/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
  });
});

describe('OpenID metadata', () => {
  it('serves the v2 configuration for the tenant GUID and for a domain', async () => {
    for (const tenant of [TENANT, 'Contoso.onmicrosoft.com']) {
      const res = await client.fetch(`/${tenant}/v2.0/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        token_endpoint: `${emulator.url}/${TENANT}/oauth2/v2.0/token`,
        issuer: `${emulator.url}/${TENANT}/v2.0`,
        authorization_endpoint: `${emulator.url}/${TENANT}/oauth2/v2.0/authorize`,
        jwks_uri: `${emulator.url}/${TENANT}/discovery/v2.0/keys`,
        end_session_endpoint: `${emulator.url}/${TENANT}/oauth2/v2.0/logout`,
        token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_post']),
      });
    }
  });

  it('serves the v1 configuration, instance discovery and keys harmlessly', async () => {
    const v1 = await client.fetch(`/${TENANT}/.well-known/openid-configuration`);
    expect(v1.status).toBe(200);
    expect(await v1.json()).toMatchObject({ token_endpoint: `${emulator.url}/${TENANT}/oauth2/token`, issuer: `https://sts.windows.net/${TENANT}/` });
    const authorize = encodeURIComponent(`${emulator.url}/${TENANT}/oauth2/v2.0/authorize`);
    const inst = await client.fetch(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize}`);
    expect(inst.status).toBe(200);
    expect(await inst.json()).toMatchObject({ 'api-version': '1.1', metadata: [{ aliases: [new URL(emulator.url).host] }] });
    const keys = await client.fetch(`/${TENANT}/discovery/v2.0/keys`);
    expect(await keys.json()).toEqual({ keys: [] });
  });

  it('answers an unknown tenant with 400 invalid_tenant AADSTS90002', async () => {
    const res = await client.fetch('/00000000-0000-0000-0000-000000000001/v2.0/.well-known/openid-configuration');
    expect(res.status).toBe(400);
    const body = await entraBody(res);
    expectEntraShape(body, 90002, 'invalid_tenant');
    expect(body.error_description).toContain("Tenant '00000000-0000-0000-0000-000000000001' not found.");
  });

  it('answers an identifier that cannot be a tenant with AADSTS900023', async () => {
    const res = await client.fetch('/%7Btenant-id%7D/v2.0/.well-known/openid-configuration');
    expect(res.status).toBe(400);
    expectEntraShape(await entraBody(res), 900023, 'invalid_tenant');
  });
});

describe('token endpoint', () => {
  it('issues a JWT-shaped token with the expected claims', async () => {
    const res = await client.tokenResponse({ 'x-client-SKU': 'msal.js.node', 'x-client-VER': '7.2.3', client_info: '1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: expect.any(String) });
    const token = body.access_token as string;
    expect(token).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/);
    const claims = jwtClaims(token);
    const now = Math.floor(Date.now() / 1000);
    expect(claims).toMatchObject({
      aud: emulator.url,
      iss: `https://sts.windows.net/${TENANT}/`,
      tid: TENANT,
      appid: CLIENT,
      roles: ['Mail.Send'],
      idtyp: 'app',
      ver: '1.0',
    });
    expect(claims.exp).toBe((claims.iat as number) + 3599);
    expect(Math.abs((claims.iat as number) - now)).toBeLessThan(5);
    expect(claims.nbf).toBe(claims.iat);
    expect(emulator.tokenRequests).toBe(1);
    expect(emulator.tokensIssued).toBe(1);
  });

  it('omits the roles claim when the app has no consented permission', async () => {
    const res = await client.tokenResponse({ client_id: NO_CONSENT, client_secret: 'nc' });
    expect(res.status).toBe(200);
    const claims = jwtClaims(((await res.json()) as { access_token: string }).access_token);
    expect(claims).not.toHaveProperty('roles');
    expect(claims.appid).toBe(NO_CONSENT);
  });

  it('reflects consent granted at runtime in new tokens', async () => {
    emulator.grant(NO_CONSENT, ['Mail.Send', 'Mail.ReadWrite']);
    const res = await client.tokenResponse({ client_id: NO_CONSENT, client_secret: 'nc' });
    expect(jwtClaims(((await res.json()) as { access_token: string }).access_token).roles).toEqual(['Mail.Send', 'Mail.ReadWrite']);
    emulator.reset();
    const again = await client.tokenResponse({ client_id: NO_CONSENT, client_secret: 'nc' });
    expect(jwtClaims(((await again.json()) as { access_token: string }).access_token)).not.toHaveProperty('roles');
  });

  it('accepts the tenant domain in the token URL and HTTP Basic client authentication', async () => {
    const viaDomain = await client.tokenResponse({}, 'contoso.onmicrosoft.com');
    expect(viaDomain.status).toBe(200);
    const basic = await client.fetch(`/${TENANT}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CLIENT}:${encodeURIComponent(SECRET)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: `${emulator.url}/.default` }).toString(),
    });
    expect(basic.status).toBe(200);
  });

  it('echoes client-request-id as the correlation ID', async () => {
    const res = await client.fetch(`/${TENANT}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': 'c0ffee00-1111-2222-3333-444455556666' },
      body: 'grant_type=client_credentials',
    });
    const body = await entraBody(res);
    expect(body.correlation_id).toBe('c0ffee00-1111-2222-3333-444455556666');
    expect(res.headers.get('client-request-id')).toBe('c0ffee00-1111-2222-3333-444455556666');
  });

  const cases: Array<{ name: string; fields?: Record<string, string | undefined>; tenant?: string; status: number; error: string; code: number; text: string }> = [
    { name: 'unknown tenant', tenant: '00000000-0000-0000-0000-00000000abcd', status: 400, error: 'invalid_request', code: 90002, text: "Tenant '00000000-0000-0000-0000-00000000abcd' not found." },
    { name: '/common', tenant: 'common', status: 400, error: 'invalid_request', code: 50059, text: 'No tenant-identifying information' },
    { name: 'unknown client', fields: { client_id: '99999999-9999-4999-8999-999999999999' }, status: 400, error: 'unauthorized_client', code: 700016, text: "Application with identifier '99999999-9999-4999-8999-999999999999' was not found in the directory 'contoso.onmicrosoft.com'." },
    { name: 'wrong secret', fields: { client_secret: 'nope' }, status: 401, error: 'invalid_client', code: 7000215, text: 'Invalid client secret provided.' },
    { name: 'Secret ID sent instead of the Value', fields: { client_secret: SECRET_ID }, status: 401, error: 'invalid_client', code: 7000215, text: 'not the client secret ID' },
    { name: 'expired secret', fields: { client_secret: EXPIRED_SECRET }, status: 401, error: 'invalid_client', code: 7000222, text: `The provided client secret keys for app '${CLIENT}' are expired.` },
    { name: 'disabled app', fields: { client_id: DISABLED, client_secret: 'dis' }, status: 400, error: 'unauthorized_client', code: 7000112, text: `Application '${DISABLED}'(Old app) is disabled.` },
    { name: 'missing secret', fields: { client_secret: undefined }, status: 401, error: 'invalid_client', code: 7000218, text: "'client_assertion' or 'client_secret'" },
    { name: 'scope without /.default', fields: { scope: 'Mail.Send' }, status: 400, error: 'invalid_scope', code: 1002012, text: 'The provided value for scope Mail.Send is not valid.' },
    { name: 'scope of another resource', fields: { scope: 'https://graph.microsoft.com/.default' }, status: 400, error: 'invalid_resource', code: 500011, text: 'The resource principal named https://graph.microsoft.com was not found' },
    { name: 'missing grant_type', fields: { grant_type: undefined }, status: 400, error: 'invalid_request', code: 900144, text: "'grant_type'" },
    { name: 'other grant type', fields: { grant_type: 'password' }, status: 400, error: 'unsupported_grant_type', code: 70003, text: 'password' },
  ];
  for (const c of cases) {
    it(`answers ${c.name} with AADSTS${c.code}`, async () => {
      const res = await client.tokenResponse(c.fields, c.tenant);
      expect(res.status).toBe(c.status);
      const body = await entraBody(res);
      expectEntraShape(body, c.code, c.error);
      expect(body.error_description).toContain(c.text);
    });
  }

  it('counts every token request, failed ones included', async () => {
    await client.tokenResponse({ client_secret: 'wrong' });
    await client.tokenResponse();
    expect(emulator.tokenRequests).toBe(2);
    expect(emulator.tokensIssued).toBe(1);
  });

  it('expires secrets changed at runtime and can disable an app', async () => {
    emulator.updateApp(CLIENT, { secrets: [{ value: SECRET, expiresAt: new Date(Date.now() - 1000) }] });
    expect(((await entraBody(await client.tokenResponse({ client_secret: SECRET }))).error_codes as number[])[0]).toBe(7000222);
    emulator.updateApp(CLIENT, { disabled: true });
    expect(((await entraBody(await client.tokenResponse({ client_secret: SECRET }))).error_codes as number[])[0]).toBe(7000112);
  });
});
