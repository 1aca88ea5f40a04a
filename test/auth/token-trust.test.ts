import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tokenMismatch } from '../../src/auth/token-trust';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { MemoryTokenCache, O365OAuthMailer } from '../../src/index';
import { CLIENT, TENANT } from '../helpers/microsoft';

/**
 * The attack: a shared cache (written by another deployment, or tampered with) holds a token of another tenant, app
 * or audience under this mailer's key. It used to be used as it was, and Graph's answer (MAILBOX_NOT_FOUND) misled.
 */
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const OTHER = '99999999-8888-4777-8666-555555555555';

/** A token with some claims changed (its signature no longer matches: it is discarded before anyone checks). */
function withClaims(token: string, claims: Record<string, unknown>): string {
  const [head, payload, sig] = token.split('.') as [string, string, string];
  const changed = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...claims };
  return `${head}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${sig}`;
}

/** Puts `token` in place of every access token of the serialized msal cache under the mailer's key. */
async function plant(cache: MemoryTokenCache, token: string): Promise<void> {
  const key = `${emulator.clientId}.${emulator.tenantId}`;
  const serialized = JSON.parse((await cache.get(key))!) as { AccessToken: Record<string, { secret: string }> };
  for (const entry of Object.values(serialized.AccessToken)) entry.secret = token;
  await cache.set(key, JSON.stringify(serialized), 3000);
}

describe('tokens from a shared cache are checked before use', () => {
  it.each([
    ['another tenant', () => emulator.issueToken({ tenantId: OTHER }), `issued for tenant ${OTHER}`],
    ['another app', () => withClaims(emulator.issueToken(), { appid: OTHER }), `issued to the app ${OTHER}`],
    ['another audience', () => emulator.issueToken({ audience: 'https://vault.azure.net' }), 'it is for https://vault.azure.net'],
  ])('a token of %s is discarded with a warning, a fresh one requested, and the mail sent', async (_what, forge, reason) => {
    const cache = new MemoryTokenCache();
    const first = new O365OAuthMailer(emulator.mailerConfig({ tokenCache: cache }));
    await first.send({ to: 'qa@contoso.com', subject: 'warm', text: 'x' });
    await first.close();
    await plant(cache, forge());
    const warnings: string[] = [];
    const second = new O365OAuthMailer(emulator.mailerConfig({ tokenCache: cache, logger: { warn: (m) => warnings.push(m) } }));
    const result = await second.send({ to: 'qa@contoso.com', subject: 'after the plant', text: 'x' });
    expect(result.accepted).toEqual(['qa@contoso.com']);
    expect(emulator.tokenRequests).toBe(2);
    expect(warnings.some((w) => w.includes('Discarded a token from the shared token cache') && w.includes(reason))).toBe(true);
    expect(emulator.messages.map((m) => m.subject)).toEqual(['warm', 'after the plant']);
    await second.close();
  });
});

describe('tokenMismatch', () => {
  const owner = { tenantId: TENANT, clientId: CLIENT, graphEndpoint: 'https://graph.microsoft.com' };
  const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  it('accepts this tenant, this app (appid or azp) and Graph (URL or app ID), and opaque tokens', () => {
    expect(tokenMismatch(jwt({ tid: TENANT.toUpperCase(), appid: CLIENT, aud: 'https://graph.microsoft.com/' }), owner)).toBeUndefined();
    expect(tokenMismatch(jwt({ tid: TENANT, azp: CLIENT, aud: '00000003-0000-0000-c000-000000000000' }), owner)).toBeUndefined();
    expect(tokenMismatch('opaque-token', owner)).toBeUndefined();
    expect(tokenMismatch(jwt({ tid: OTHER }), { ...owner, tenantId: 'contoso.onmicrosoft.com' })).toBeUndefined();
  });
  it('names what does not match', () => {
    expect(tokenMismatch(jwt({ tid: OTHER }), owner)).toContain(OTHER);
    expect(tokenMismatch(jwt({ azp: OTHER }), owner)).toContain(`app ${OTHER}`);
    expect(tokenMismatch(jwt({ aud: 'https://graph.microsoft.us' }), owner)).toContain('https://graph.microsoft.us');
  });
});
