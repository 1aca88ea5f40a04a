import { MailerError } from '../errors/mailer-error';
import type { SecretStore } from './secret-store';
import { INSPECT_CUSTOM } from '../runtime/node-builtins';

/**
 * Options of {@link EnvSecretStore}.
 *
 * @example
 * ```ts
 * const options: EnvSecretStoreOptions = { variable: 'MAILER_CLIENT_SECRET' }
 * ```
 */
export interface EnvSecretStoreOptions {
  /** The environment variable that holds the client secret. @default 'AZURE_CLIENT_SECRET' */
  variable?: string;
  /** Where to read it from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * A read-only {@link SecretStore} backed by one environment variable. `get()` returns the variable's value whatever
 * name is asked for, read at call time (never at import), and `undefined` when it is unset or empty. `set()` and
 * `delete()` reject with a {@link MailerError} `CONFIG_INVALID`: environment stores are read-only.
 *
 * @example
 * ```ts
 * // AZURE_CLIENT_SECRET=... node app.js
 * const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId, clientId, sender, secretStore: new EnvSecretStore() })
 * ```
 */
export class EnvSecretStore implements SecretStore {
  readonly #variable: string;
  readonly #env: NodeJS.ProcessEnv | undefined;

  constructor(options: EnvSecretStoreOptions = {}) {
    const variable = options.variable ?? 'AZURE_CLIENT_SECRET';
    if (typeof variable !== 'string' || variable.length === 0) {
      throw new MailerError({
        code: 'CONFIG_INVALID',
        message: 'EnvSecretStore: `variable` must be a non-empty environment variable name.',
      });
    }
    this.#variable = variable;
    this.#env = options.env;
  }

  /** The environment variable this store reads. */
  get variable(): string {
    return this.#variable;
  }

  async get(_name: string): Promise<string | undefined> {
    const value = (this.#env ?? process.env)[this.#variable];
    return value === undefined || value === '' ? undefined : value;
  }

  async set(_name: string, _value: string): Promise<void> {
    throw this.#readOnly('set');
  }

  async delete(_name: string): Promise<void> {
    throw this.#readOnly('delete');
  }

  #readOnly(operation: string): MailerError {
    return new MailerError({
      code: 'CONFIG_INVALID',
      message: `EnvSecretStore is read-only: cannot ${operation} a secret in the environment variable ${this.#variable}.`,
      fix: `Set ${this.#variable} in the process environment (a service unit, container or CI secret), or use EncryptedFileSecretStore or KeyringSecretStore to store secrets.`,
    });
  }

  /** Only the kind and the variable name: never its value. */
  toJSON(): Record<string, string> {
    return { kind: 'EnvSecretStore', variable: this.#variable };
  }

  /** `util.inspect` shows only the kind and the variable name. */
  [INSPECT_CUSTOM](): string {
    return `EnvSecretStore { variable: ${JSON.stringify(this.#variable)} }`;
  }
}
