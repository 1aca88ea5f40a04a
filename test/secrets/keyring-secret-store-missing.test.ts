import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isMailerError } from '../../src/errors/mailer-error';
import { KeyringSecretStore } from '../../src/secrets/index';

// @napi-rs/keyring is an optional peer dependency and is not installed in this repository.
describe('KeyringSecretStore without @napi-rs/keyring', () => {
  it.each(['get', 'set', 'delete'] as const)('%s() rejects with CONFIG_INVALID saying `npm install @napi-rs/keyring`', async (method) => {
    const store = new KeyringSecretStore();
    const error = await (method === 'set' ? store.set('name', 'value-not-to-print') : store[method]('name')).catch((e: unknown) => e);
    expect(isMailerError(error, 'CONFIG_INVALID'), inspect(error)).toBe(true);
    const e = error as Error & { fix?: string };
    expect(e.message).toContain('npm install @napi-rs/keyring');
    expect(e.message).toContain('not installed');
    expect(e.fix).toContain('npm install @napi-rs/keyring');
    expect(`${e.message}${e.stack}${inspect(e)}`).not.toContain('value-not-to-print');
  });

  it('constructing it does not load the package', () => {
    expect(() => new KeyringSecretStore({ service: 'x' })).not.toThrow();
  });
});
