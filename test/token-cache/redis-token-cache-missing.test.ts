import { describe, expect, it, vi } from 'vitest';
import { isMailerError } from '../../src/errors/mailer-error';
import { RedisTokenCache } from '../../src/token-cache/index';

// Simulates an application that did not install the optional peer dependency ioredis.
vi.mock('ioredis', () => {
  throw Object.assign(new Error("Cannot find package 'ioredis' imported from /app/node_modules/o365-oauth-mailer/dist/index.js"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
});

describe('RedisTokenCache({ url }) without ioredis', () => {
  it('rejects with CONFIG_INVALID saying `npm install ioredis`', async () => {
    const cache = new RedisTokenCache({ url: 'redis://127.0.0.1:6379' });
    const error = await cache.get('k').catch((e: unknown) => e);
    expect(isMailerError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain('npm install ioredis');
    expect((error as { fix?: string }).fix).toContain('npm install ioredis');
  });

  it('a given client needs no ioredis', async () => {
    const store = new Map<string, string>();
    const cache = new RedisTokenCache({
      client: {
        get: async (k) => store.get(k) ?? null,
        set: async (k: string, v: string) => void store.set(k, v),
        del: async (k) => Number(store.delete(k)),
      },
    });
    await cache.set('k', 'v', 10);
    expect(await cache.get('k')).toBe('v');
  });
});
