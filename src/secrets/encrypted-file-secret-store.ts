import { MailerError } from '../errors/mailer-error';
import type { FileLockOptions } from './file-io';
import { MapFile } from './map-file';
import type { SecretStore } from './secret-store';
import { INSPECT_CUSTOM } from '../runtime/node-builtins';

/**
 * Options of {@link EncryptedFileSecretStore}.
 *
 * @example
 * ```ts
 * const options: EncryptedFileSecretStoreOptions = { path: '/etc/o365-mailer/secrets.enc', passphrase: process.env.MAILER_PASSPHRASE! }
 * ```
 */
export interface EncryptedFileSecretStoreOptions {
  /** The encrypted file. Written with mode 0600; its folder is created with mode 0700 when missing. */
  path: string;
  /** The passphrase the file's key is derived from (scrypt). Keep it out of the file's folder. */
  passphrase: string;
  /** Lock timing for writers. @default { timeoutMs: 15000, staleMs: 10000 } */
  lock?: FileLockOptions;
}

/**
 * A {@link SecretStore} in one file holding a JSON map of name → secret, encrypted as a whole with AES-256-GCM
 * under a key derived from `passphrase` with scrypt (N = 2^17, r = 8, p = 1, per-file random salt). The header
 * (magic `O365MS`, version 1, scrypt parameters, salt, IV) is authenticated, every write uses a fresh IV, and the
 * key is derived once per salt and kept in the instance (so reuse one instance).
 *
 * - Files are written atomically (temporary file, fsync, rename, folder fsync) with mode 0600.
 * - `set` and `delete` are read-modify-writes under a lock file (`<path>.lock`), so concurrent writers (instances
 *   or processes) never lose each other's names.
 * - A wrong passphrase or any modified byte rejects with a {@link MailerError} `SECRET_STORE_LOCKED`.
 * - `get` of a missing file resolves `undefined`.
 * - Safe to print: `util.inspect` and `JSON.stringify` show only the kind and path.
 *
 * @example
 * ```ts
 * const store = new EncryptedFileSecretStore({ path: '/etc/o365-mailer/secrets.enc', passphrase: process.env.MAILER_PASSPHRASE! })
 * await store.set(defaultSecretName(tenantId, clientId), clientSecret)
 * const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId, clientId, sender, secretStore: store })
 * ```
 */
export class EncryptedFileSecretStore implements SecretStore {
  readonly #file: MapFile<string>;

  constructor(options: EncryptedFileSecretStoreOptions) {
    if (!options || typeof options.passphrase !== 'string' || options.passphrase.length === 0) {
      throw new MailerError({
        code: 'CONFIG_INVALID',
        message: 'EncryptedFileSecretStore needs a non-empty `passphrase`.',
        fix: 'Pass the passphrase from an environment variable or your deployment secret manager.',
      });
    }
    this.#file = new MapFile<string>({
      path: options.path,
      format: 'o365-oauth-mailer/secrets',
      passphrase: options.passphrase,
      ...(options.lock ? { lock: options.lock } : {}),
    });
  }

  /** The absolute path of the encrypted file. */
  get path(): string {
    return this.#file.path;
  }

  async get(name: string): Promise<string | undefined> {
    const entries = await this.#file.read();
    const value = entries?.[name];
    return typeof value === 'string' ? value : undefined;
  }

  async set(name: string, value: string): Promise<void> {
    if (typeof value !== 'string') {
      throw new MailerError({ code: 'CONFIG_INVALID', message: `EncryptedFileSecretStore: the secret "${name}" must be a string.` });
    }
    await this.#file.update((entries) => {
      entries[name] = value;
    });
  }

  async delete(name: string): Promise<void> {
    await this.#file.update((entries) => {
      if (!(name in entries)) return false;
      delete entries[name];
    });
  }

  /** Only the kind and path: never a secret or the passphrase. */
  toJSON(): Record<string, string> {
    return { kind: 'EncryptedFileSecretStore', path: this.#file.path };
  }

  /** `util.inspect` shows only the kind and path. */
  [INSPECT_CUSTOM](): string {
    return `EncryptedFileSecretStore { path: ${JSON.stringify(this.#file.path)} }`;
  }
}
