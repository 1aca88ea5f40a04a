import { describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer, type O365OAuthMailerConfig } from '../../src/index';
import { validateConfig } from '../../src/config/validate';
import { mailerConfig } from '../helpers/microsoft';

function configError(overrides: Record<string, unknown>): MailerError {
  try {
    new O365OAuthMailer(mailerConfig(overrides) as O365OAuthMailerConfig);
  } catch (err) {
    expect(err).toBeInstanceOf(MailerError);
    return err as MailerError;
  }
  throw new Error('the constructor accepted it');
}

describe('new O365OAuthMailer(config)', () => {
  it('rejects Basic authentication with the retirement notice', () => {
    for (const authType of ['basic', 'OAuth2']) {
      const err = configError({ authType });
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toMatch(/retiring Basic authentication for SMTP AUTH/);
      expect(err.message).toMatch(/Microsoft Graph with OAuth 2\.0/);
    }
  });

  it('a missing authType gets its own message, not the Basic-auth notice', () => {
    for (const overrides of [{ authType: undefined }, { authType: null }]) {
      const err = configError(overrides);
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toBe("Invalid configuration: `authType` is missing. This library signs in with OAuth 2.0 (client credentials) and sends through Microsoft Graph; say so with authType: 'oauth2'.");
      expect(err.fix).toContain("authType: 'oauth2'");
      expect(err.step).toBe(6);
    }
    const { authType: _, ...rest } = mailerConfig();
    expect(() => new O365OAuthMailer(rest as O365OAuthMailerConfig)).toThrow(/`authType` is missing/);
  });

  const cases: Array<[string, Record<string, unknown>, number | undefined, RegExp]> = [
    ['tenantId', { tenantId: 'not a tenant' }, 1, /Directory \(tenant\) ID/],
    ['tenantId', { tenantId: 'common' }, 1, /own Directory/],
    ['clientId', { clientId: 'abc' }, 1, /not the Object ID/],
    ['clientSecret', { clientSecret: '' }, 5, /Value/],
    ['clientSecret', { clientSecret: ' padded ' }, 5, /without spaces/],
    ['clientSecret', { clientSecret: undefined }, 5, /secret/],
    ['sender', { sender: 'not-an-address' }, 6, /logon name/],
    ['cloud', { cloud: 'mars' }, 1, /global/],
    ['cloud.authorityHost', { cloud: { authorityHost: 'http://login.example', graphEndpoint: 'https://g.example' } }, undefined, /https/],
    ['timeoutMs', { timeoutMs: -1 }, undefined, /whole number/],
    ['tls.ca', { tls: { ca: 'not a pem' } }, undefined, /PEM/],
    ['proxy', { proxy: 'nonsense' }, undefined, /proxy URL/],
    ['maxConcurrency', { maxConcurrency: 9 }, undefined, /1 to 4/],
    ['secretExpiresAt', { secretExpiresAt: 'someday' }, 5, /Expires date/],
    ['secretExpiresAt', { secretExpiresAt: '12/10/2026' }, 5, /year-month-day, e\.g\. "2027-06-30"/],
    ['secretExpiresAt', { secretExpiresAt: 'June 30, 2027' }, 5, /year-month-day/],
  ];
  for (const [field, overrides, step, fix] of cases) {
    it(`names ${field}, its step and a fix (${JSON.stringify(overrides)})`, () => {
      const err = configError(overrides);
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toContain(`\`${field}\``);
      expect(err.step).toBe(step);
      expect(err.fix).toMatch(fix);
    });
  }

  it('secretExpiresAt: ISO 8601 strings and Dates are accepted; 12/10/2026 is refused as ambiguous', () => {
    expect(validateConfig(mailerConfig({ secretExpiresAt: '2027-06-30' })).secretExpiresAt?.toISOString()).toBe('2027-06-30T00:00:00.000Z');
    expect(validateConfig(mailerConfig({ secretExpiresAt: '2027-06-30T12:00:00+02:00' })).secretExpiresAt?.toISOString()).toBe('2027-06-30T10:00:00.000Z');
    expect(validateConfig(mailerConfig({ secretExpiresAt: new Date('2027-06-30T00:00:00Z') })).secretExpiresAt?.getTime()).toBe(Date.parse('2027-06-30'));
    expect(configError({ secretExpiresAt: '12/10/2026' }).message).toMatch(/10 December in some countries and 12 October in others/);
  });

  it('accepts a verified domain as tenant and resolves clouds and defaults', () => {
    const usgov = validateConfig({ ...mailerConfig({ tenantId: 'contoso.onmicrosoft.com' }), cloud: 'usgov-dod' });
    expect(usgov.cloud).toEqual({ name: 'usgov-dod', authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://dod-graph.microsoft.us', custom: false });
    expect(usgov.scope).toBe('https://dod-graph.microsoft.us/.default');
    expect(usgov.timeoutMs).toBe(30_000);
    expect(usgov.saveToSentItems).toBe(true);
    expect(usgov.maxConcurrency).toBe(4);
    const china = validateConfig({ ...mailerConfig(), cloud: 'china' });
    expect(china.scope).toBe('https://microsoftgraph.chinacloudapi.cn/.default');
    const custom = validateConfig({ ...mailerConfig(), cloud: { authorityHost: 'https://127.0.0.1:8443/', graphEndpoint: 'https://127.0.0.1:8443' } });
    expect(custom.cloud).toMatchObject({ name: 'custom', custom: true, authorityHost: 'https://127.0.0.1:8443' });
  });

  it('takes HTTPS_PROXY and NO_PROXY from the environment when no proxy is configured', () => {
    const c = validateConfig(mailerConfig(), { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'localhost,.internal' });
    expect(c.proxy).toBe('http://proxy.corp:3128');
    expect(c.noProxy).toBe('localhost,.internal');
    expect(validateConfig(mailerConfig({ proxy: 'http://mine:8080' }), { HTTPS_PROXY: 'http://proxy.corp:3128' }).proxy).toBe('http://mine:8080');
  });

  it('does no I/O: constructing needs no network and no secret store read', () => {
    let reads = 0;
    const store = { get: async () => { reads++; return 's'; }, set: async () => {}, delete: async () => {} };
    new O365OAuthMailer(mailerConfig({ clientSecret: undefined, secretStore: store }));
    expect(reads).toBe(0);
  });
});

describe('exactly one credential', () => {
  const pem = { privateKey: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n', certificate: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n' };
  const store = { get: async () => 's', set: async () => {}, delete: async () => {} };

  it.each([
    ['clientSecret', { clientSecret: 's3cret~value' }],
    ['secretStore', { clientSecret: undefined, secretStore: store }],
    ['clientCertificate', { clientSecret: undefined, clientCertificate: pem }],
    ['clientCertificate (file)', { clientSecret: undefined, clientCertificate: { path: 'key-and-cert.pem', passphrase: 'p', sendX5c: true } }],
    ['clientAssertion (string)', { clientSecret: undefined, clientAssertion: 'a.b.c' }],
    ['clientAssertion (function)', { clientSecret: undefined, clientAssertion: () => 'a.b.c' }],
    ['federatedTokenFile', { clientSecret: undefined, federatedTokenFile: '/var/run/secrets/azure/tokens/azure-identity-token' }],
    ['managedIdentity', { clientSecret: undefined, managedIdentity: true }],
    ['managedIdentity (user-assigned)', { clientSecret: undefined, managedIdentity: { clientId: '7b0e8a3c-51d2-4f4e-9a55-2f6c1d7e9b01' } }],
    ['one credential, the others present as undefined', { clientSecret: undefined, secretStore: undefined, clientCertificate: undefined, clientAssertion: undefined, federatedTokenFile: undefined, managedIdentity: true }],
  ])('accepts %s alone', (_name, overrides) => {
    expect(() => new O365OAuthMailer(mailerConfig(overrides) as O365OAuthMailerConfig)).not.toThrow();
  });

  it('refuses two credentials, naming both, at step 5', () => {
    const err = configError({ clientCertificate: pem });
    expect(err).toMatchObject({ code: 'CONFIG_INVALID', step: 5 });
    expect(err.message).toBe('Invalid configuration: `clientCertificate` is given together with `clientSecret`: configure exactly one credential (`clientSecret`, `clientCertificate` were given).');
    expect(configError({ clientSecret: undefined, secretStore: store, managedIdentity: true }).message).toMatch(/`managedIdentity` is given together with `secretStore`/);
  });

  it('refuses none, naming every kind', () => {
    const err = configError({ clientSecret: undefined });
    expect(err.message).toMatch(/`clientSecret` is missing, and no other credential \(`secretStore`, `clientCertificate`, `clientAssertion`, `federatedTokenFile` or `managedIdentity`\)/);
  });

  it.each([
    ['clientCertificate', { clientCertificate: 'cert.pem' }, /must be \{ path, passphrase\? \} or \{ privateKey, certificate \}/],
    ['clientCertificate.privateKey', { clientCertificate: { privateKey: 'x', certificate: pem.certificate } }, /PEM private key/],
    ['clientCertificate.certificate', { clientCertificate: { privateKey: pem.privateKey, certificate: 'x' } }, /PEM certificate uploaded in step 5/],
    ['clientCertificate', { clientCertificate: { path: 'a.pem', ...pem } }, /both `path` and PEM strings/],
    ['clientCertificate.sendX5c', { clientCertificate: { path: 'a.pem', sendX5c: 'yes' } }, /true or false/],
    ['clientAssertion', { clientAssertion: 'not-a-jwt' }, /signed JWT/],
    ['federatedTokenFile', { federatedTokenFile: ' ' }, /path of the file/],
    ['managedIdentity', { managedIdentity: { clientId: 'abc' } }, /user-assigned identity's client ID \(a GUID\)/],
    ['managedIdentity', { managedIdentity: false }, /must be true/],
    ['secretExpiresAt', { clientCertificate: pem, secretExpiresAt: '2027-01-01' }, /applies to client secrets only/],
  ])('names %s when it is malformed', (field, overrides, message) => {
    const err = configError({ clientSecret: undefined, ...overrides });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(`\`${field}\``);
    expect(err.message).toMatch(message);
  });
});

describe('strict configuration keys', () => {
  it.each([
    ['tenantID', 'tenantId'],
    ['clientID', 'clientId'],
    ['client_secret', 'clientSecret'],
    ['clientSecrt', 'clientSecret'],
    ['timeout', 'timeoutMs'],
    ['password', undefined],
    ['timeoutMS', 'timeoutMs'],
    ['saveToSentItem', 'saveToSentItems'],
    ['Sender', 'sender'],
  ])('%s is CONFIG_INVALID, with did-you-mean %s', (key, guess) => {
    const err = configError({ [key]: 'x' });
    expect(err.code).toBe('CONFIG_INVALID');
    if (guess !== undefined) {
      expect(err.message).toBe(`Invalid configuration: \`${key}\` is not a setting of o365-oauth-mailer. Did you mean \`${guess}\`?`);
      expect(err.fix).toBe(`Rename \`${key}\` to \`${guess}\` (names are case-sensitive).`);
    } else {
      expect(err.message).toBe(`Invalid configuration: \`${key}\` is not a setting of o365-oauth-mailer.`);
      expect(err.fix).toMatch(/^Remove `[\w_]+`; the settings are `authType`, `tenantId`/);
    }
  });

  it('checks the keys of tls, retry and custom clouds too', () => {
    expect(configError({ tls: { CA: 'x' } }).message).toContain('`tls.CA` is not a setting of o365-oauth-mailer. Did you mean `tls.ca`?');
    expect(configError({ retry: { maxRetires: 1 } }).message).toContain('Did you mean `retry.maxRetries`?');
    expect(configError({ cloud: { authorityHost: 'https://a.example', graphEndpoint: 'https://b.example', graphEndPoint: 'x' } }).message).toContain(
      'Did you mean `cloud.graphEndpoint`?',
    );
  });

  it('a typo is an error even when its value is undefined', () => {
    expect(configError({ tenantID: undefined }).message).toContain('Did you mean `tenantId`?');
  });

  it('every documented key is accepted', () => {
    expect(() =>
      validateConfig(
        mailerConfig({
          secretName: 'n',
          secretExpiresAt: '2030-01-01',
          cloud: 'global',
          timeoutMs: 1000,
          tls: {},
          proxy: 'http://proxy.example:3128',
          saveToSentItems: false,
          logger: {},
          retry: { maxRetries: 1, maxDelayMs: 10 },
          maxConcurrency: 2,
        }) as O365OAuthMailerConfig,
      ),
    ).not.toThrow();
  });
});

describe('missing is reported as missing, wrong as wrong', () => {
  it.each([
    ['tenantId', 1],
    ['clientId', 1],
    ['sender', 6],
  ] as const)('%s', (field, step) => {
    for (const missing of [undefined, null, '', '   ']) {
      const err = configError({ [field]: missing });
      expect(err.message).toBe(`Invalid configuration: \`${field}\` is missing.`);
      expect(err.step).toBe(step);
      expect(err.fix).toContain(`Set \`${field}\``);
    }
    const wrong = configError({ [field]: 'not right' });
    expect(wrong.message).toMatch(new RegExp(`^Invalid configuration: \`${field}\` is "not right"; it must be `));
    expect(configError({ [field]: 42 }).message).toContain(`\`${field}\` is a number; it must be`);
  });
});
