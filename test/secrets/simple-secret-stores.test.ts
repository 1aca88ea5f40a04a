import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isMailerError } from '../../src/errors/mailer-error';
import { EnvSecretStore, MemorySecretStore, defaultSecretName, requireSecret } from '../../src/secrets/index';

const SECRET = 'Zz9~memory-secret-value-0123456789';

describe('MemorySecretStore', () => {
  it('gets, sets and deletes', async () => {
    const store = new MemorySecretStore({ seeded: 'x' });
    expect(await store.get('seeded')).toBe('x');
    expect(await store.get('missing')).toBeUndefined();
    await store.set('a', SECRET);
    expect(await store.get('a')).toBe(SECRET);
    await store.delete('a');
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
  });

  it('is safe to print', async () => {
    const store = new MemorySecretStore({ a: SECRET });
    for (const printed of [inspect(store, { showHidden: true, depth: 10 }), JSON.stringify(store), String(store)]) {
      expect(printed).not.toContain(SECRET);
    }
    expect(JSON.parse(JSON.stringify(store))).toEqual({ kind: 'MemorySecretStore' });
  });
});

describe('EnvSecretStore', () => {
  it('returns AZURE_CLIENT_SECRET whatever the name, read at call time', async () => {
    const env: NodeJS.ProcessEnv = {};
    const store = new EnvSecretStore({ env });
    expect(await store.get('anything')).toBeUndefined();
    env.AZURE_CLIENT_SECRET = SECRET;
    expect(await store.get('anything')).toBe(SECRET);
    expect(await store.get(defaultSecretName('T', 'C'))).toBe(SECRET);
    env.AZURE_CLIENT_SECRET = '';
    expect(await store.get('anything')).toBeUndefined();
  });

  it('reads another variable, and process.env by default (at call time)', async () => {
    expect(await new EnvSecretStore({ variable: 'MY_SECRET', env: { MY_SECRET: 'v1' } }).get('x')).toBe('v1');
    const store = new EnvSecretStore({ variable: 'O365_TEST_SECRET_AT_CALL_TIME' });
    expect(await store.get('x')).toBeUndefined();
    process.env.O365_TEST_SECRET_AT_CALL_TIME = 'late';
    try {
      expect(await store.get('x')).toBe('late');
    } finally {
      delete process.env.O365_TEST_SECRET_AT_CALL_TIME;
    }
  });

  it('set() and delete() fail with CONFIG_INVALID: env stores are read-only', async () => {
    const store = new EnvSecretStore({ env: {} });
    for (const attempt of [store.set('a', SECRET), store.delete('a')]) {
      const error = await attempt.catch((e: unknown) => e);
      expect(isMailerError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/read-only/);
      expect((error as { fix?: string }).fix).toContain('AZURE_CLIENT_SECRET');
      expect(inspect(error)).not.toContain(SECRET);
    }
  });

  it('is safe to print', () => {
    const store = new EnvSecretStore({ env: { AZURE_CLIENT_SECRET: SECRET } });
    for (const printed of [inspect(store, { showHidden: true, depth: 10 }), JSON.stringify(store)]) {
      expect(printed).not.toContain(SECRET);
    }
    expect(JSON.parse(JSON.stringify(store))).toEqual({ kind: 'EnvSecretStore', variable: 'AZURE_CLIENT_SECRET' });
  });
});

describe('requireSecret', () => {
  it('returns the secret, or fails with SECRET_MISSING naming the store', async () => {
    expect(await requireSecret(new MemorySecretStore({ n: SECRET }), 'n')).toBe(SECRET);
    const error = await requireSecret(new EnvSecretStore({ env: {} }), 'n').catch((e: unknown) => e);
    expect(isMailerError(error, 'SECRET_MISSING')).toBe(true);
    expect((error as Error).message).toContain('AZURE_CLIENT_SECRET');
    expect((error as { step?: number }).step).toBe(5);
  });
});
