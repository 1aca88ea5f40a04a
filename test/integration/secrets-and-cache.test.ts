import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore, MemorySecretStore, MemoryTokenCache, O365OAuthMailer, RedisTokenCache, defaultSecretName } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { startRedis, type RedisServer } from '../helpers/redis';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

describe('secret stores with the real mailer', () => {
  it('a mailer configured with an encrypted file store and no clientSecret sends mail', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'o365-secret-')), 'secret.enc');
    const store = new EncryptedFileSecretStore({ path, passphrase: 'correct horse battery staple' });
    await store.set(defaultSecretName(emulator.tenantId, emulator.clientId), emulator.clientSecret);
    const { clientSecret: _omit, ...config } = emulator.mailerConfig();
    const mailer = new O365OAuthMailer({ ...config, secretStore: store });
    await mailer.send({ to: 'qa@contoso.com', subject: 'from the store', text: 'x' });
    expect(emulator.messages.map((m) => m.subject)).toEqual(['from the store']);
    await mailer.close();
  });

  it('an empty store fails with SECRET_MISSING (step 5) before any request', async () => {
    const { clientSecret: _omit, ...config } = emulator.mailerConfig();
    const mailer = new O365OAuthMailer({ ...config, secretStore: new MemorySecretStore(), secretName: 'nothing-here' });
    const err = await mailer.send({ to: 'qa@contoso.com', text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SECRET_MISSING', step: 5 });
    expect(String((err as Error).message)).toContain('nothing-here');
    expect(emulator.requests).toEqual([]);
    await mailer.close();
  });
});

describe('token caches shared between mailers', () => {
  it('two mailers sharing a MemoryTokenCache, cold and concurrent, make one token request', async () => {
    const cache = new MemoryTokenCache();
    const a = new O365OAuthMailer(emulator.mailerConfig({ tokenCache: cache }));
    const b = new O365OAuthMailer(emulator.mailerConfig({ tokenCache: cache }));
    await Promise.all([a.send({ to: 'x@contoso.com', text: '1' }), b.send({ to: 'y@contoso.com', text: '2' }), a.send({ to: 'z@contoso.com', text: '3' })]);
    expect(emulator.tokenRequests).toBe(1);
    expect(emulator.messages).toHaveLength(3);
    await Promise.all([a.close(), b.close()]);
  });

  describe('RedisTokenCache against a real redis-server', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
      if ('skipReason' in redis) {
        if (process.env.CI) throw new Error(`Redis must run in CI: ${redis.skipReason}`);
        console.warn(`NOTICE: Redis tests skipped on this machine: ${redis.skipReason}`);
      }
    });
    afterAll(async () => {
      if ('stop' in redis) await redis.stop();
    });

    it('two mailers (think: two servers) sharing Redis make one token request, and the key expires with the token', async (ctx) => {
      if ('skipReason' in redis) return ctx.skip();
      const cacheA = new RedisTokenCache({ url: redis.url });
      const cacheB = new RedisTokenCache({ url: redis.url });
      const a = new O365OAuthMailer(emulator.mailerConfig({ tokenCache: cacheA }));
      const b = new O365OAuthMailer(emulator.mailerConfig({ tokenCache: cacheB }));
      await Promise.all([a.send({ to: 'x@contoso.com', text: '1' }), b.send({ to: 'y@contoso.com', text: '2' })]);
      await b.send({ to: 'z@contoso.com', text: '3' });
      expect(emulator.tokenRequests).toBe(1);
      expect(emulator.messages).toHaveLength(3);
      await Promise.all([a.close(), b.close(), cacheA.close(), cacheB.close()]);
    });
  });
});
