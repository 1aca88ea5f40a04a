import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { isMailerError } from '../../src/errors/mailer-error';
import { KeyringSecretStore } from '../../src/secrets/index';

// A stand-in for the native module: the real one needs an OS keyring, which CI machines lack.
const vault = vi.hoisted(() => ({ items: new Map<string, string>(), locked: false, calls: [] as string[] }));

vi.mock('@napi-rs/keyring', () => ({
  Entry: class {
    readonly #id: string;
    constructor(service: string, account: string) {
      this.#id = `${service}/${account}`;
      vault.calls.push(`new ${this.#id}`);
    }
    getPassword(): string | null {
      if (vault.locked) throw new Error('Platform secure storage failure: keyring is locked');
      return vault.items.get(this.#id) ?? null;
    }
    setPassword(password: string): void {
      if (vault.locked) throw new Error(`Platform secure storage failure: cannot store ${password}`);
      vault.items.set(this.#id, password);
    }
    deleteCredential(): boolean {
      if (!vault.items.has(this.#id)) throw new Error('No matching entry found in secure storage');
      return vault.items.delete(this.#id);
    }
  },
}));

describe('KeyringSecretStore with @napi-rs/keyring', () => {
  it('stores under service/name, reads back and deletes', async () => {
    const store = new KeyringSecretStore();
    expect(await store.get('a')).toBeUndefined();
    await store.set('a', 'secret-a-value');
    expect(vault.items.get('o365-oauth-mailer/a')).toBe('secret-a-value');
    expect(await store.get('a')).toBe('secret-a-value');
    await store.delete('a');
    await store.delete('a'); // no entry: no error
    expect(await store.get('a')).toBeUndefined();
    await new KeyringSecretStore({ service: 'truechem' }).set('b', 'v');
    expect(vault.items.get('truechem/b')).toBe('v');
  });

  it('a refusing keyring gives SECRET_STORE_LOCKED without the secret in the error', async () => {
    const store = new KeyringSecretStore();
    vault.locked = true;
    try {
      const error = await store.set('a', 'secret-to-hide-123').catch((e: unknown) => e);
      expect(isMailerError(error, 'SECRET_STORE_LOCKED')).toBe(true);
      expect(`${(error as Error).message} ${inspect(error, { depth: 5 })} ${JSON.stringify(error)}`).not.toContain('secret-to-hide-123');
      expect(isMailerError(await store.get('a').catch((e: unknown) => e), 'SECRET_STORE_LOCKED')).toBe(true);
    } finally {
      vault.locked = false;
    }
  });

  it('is safe to print', async () => {
    const store = new KeyringSecretStore({ service: 'svc' });
    await store.set('x', 'printed-secret-value');
    await store.get('x');
    for (const printed of [inspect(store, { showHidden: true, depth: 10 }), JSON.stringify(store)]) {
      expect(printed).not.toContain('printed-secret-value');
    }
    expect(JSON.parse(JSON.stringify(store))).toEqual({ kind: 'KeyringSecretStore', service: 'svc' });
  });
});
