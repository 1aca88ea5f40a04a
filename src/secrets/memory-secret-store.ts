import type { SecretStore } from './secret-store';
import { INSPECT_CUSTOM } from '../runtime/node-builtins';

/**
 * A {@link SecretStore} that keeps secrets in this process's memory: for tests, and for secrets fetched at start-up
 * from somewhere else. Safe to print: `util.inspect` and `JSON.stringify` show only its kind.
 *
 * @example
 * ```ts
 * const store = new MemorySecretStore({ [defaultSecretName(tenantId, clientId)]: secretFromVault })
 * const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId, clientId, sender, secretStore: store })
 * ```
 */
export class MemorySecretStore implements SecretStore {
  readonly #secrets = new Map<string, string>();

  /** @param initial - Secrets to start with, by name. */
  constructor(initial: Readonly<Record<string, string>> = {}) {
    for (const [name, value] of Object.entries(initial)) this.#secrets.set(name, value);
  }

  async get(name: string): Promise<string | undefined> {
    return this.#secrets.get(name);
  }

  async set(name: string, value: string): Promise<void> {
    this.#secrets.set(name, value);
  }

  async delete(name: string): Promise<void> {
    this.#secrets.delete(name);
  }

  /** Only the kind: never a secret. */
  toJSON(): Record<string, string> {
    return { kind: 'MemorySecretStore' };
  }

  /** `util.inspect` shows only the kind. */
  [INSPECT_CUSTOM](): string {
    return 'MemorySecretStore {}';
  }
}
