import { MailerError } from '../errors/mailer-error';
import { loadOptionalModule } from './optional-module';
import type { SecretStore } from './secret-store';
import { INSPECT_CUSTOM } from '../runtime/node-builtins';

/**
 * The part of `@napi-rs/keyring`'s `Entry` this store uses (`deletePassword` in old versions, `deleteCredential`
 * in new ones).
 *
 * @example
 * ```ts
 * const entry: KeyringEntry = new (await import('@napi-rs/keyring')).Entry('o365-oauth-mailer', name)
 * ```
 */
export interface KeyringEntry {
  /** The stored secret, or nothing when the entry does not exist. */
  getPassword(): string | null | undefined;
  /** Stores the secret. */
  setPassword(password: string): void;
  /** Removes the entry (newer `@napi-rs/keyring`). */
  deleteCredential?(): boolean;
  /** Removes the entry (older `@napi-rs/keyring`). */
  deletePassword?(): boolean | void;
}

/**
 * The shape of the `@napi-rs/keyring` module this store needs.
 *
 * @example
 * ```ts
 * const keyring: KeyringModule = await import('@napi-rs/keyring')
 * ```
 */
export interface KeyringModule {
  /** `new Entry(service, account)`. */
  Entry: KeyringEntryConstructor;
}

/** The `Entry` class of `@napi-rs/keyring`. */
export interface KeyringEntryConstructor {
  /** The entry of `account` under `service` (it need not exist yet). */
  new (service: string, account: string): KeyringEntry;
}

/**
 * Options of {@link KeyringSecretStore}.
 *
 * @example
 * ```ts
 * const options: KeyringSecretStoreOptions = { service: 'truechem-mailer' }
 * ```
 */
export interface KeyringSecretStoreOptions {
  /** The keyring service the secrets are filed under; each secret's name is the account. @default 'o365-oauth-mailer' */
  service?: string;
}

const PACKAGE = '@napi-rs/keyring';

function isNoEntry(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /no (matching )?entry|not found|NoEntry/i.test(message);
}

/**
 * A {@link SecretStore} in the operating system's credential store (macOS Keychain, Windows Credential Manager,
 * the Secret Service on Linux) through the optional package `@napi-rs/keyring`, loaded on first use: when it is
 * missing, calls reject with a {@link MailerError} `CONFIG_INVALID` that says `npm install @napi-rs/keyring`. A
 * keyring that refuses access (locked, no Secret Service on a headless server) rejects with `SECRET_STORE_LOCKED`.
 * Safe to print: `util.inspect` and `JSON.stringify` show only the kind and service.
 *
 * @example
 * ```ts
 * // npm install @napi-rs/keyring
 * const store = new KeyringSecretStore()
 * await store.set(defaultSecretName(tenantId, clientId), clientSecret)
 * const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId, clientId, sender, secretStore: store })
 * ```
 */
export class KeyringSecretStore implements SecretStore {
  readonly #service: string;
  #module: Promise<KeyringModule> | undefined;

  constructor(options: KeyringSecretStoreOptions = {}) {
    const service = options.service ?? 'o365-oauth-mailer';
    if (typeof service !== 'string' || service.length === 0) {
      throw new MailerError({ code: 'CONFIG_INVALID', message: 'KeyringSecretStore: `service` must be a non-empty string.' });
    }
    this.#service = service;
  }

  /** The keyring service name. */
  get service(): string {
    return this.#service;
  }

  async get(name: string): Promise<string | undefined> {
    const entry = await this.#entry(name);
    try {
      return entry.getPassword() ?? undefined;
    } catch (e) {
      if (isNoEntry(e)) return undefined;
      throw this.#failed('read', name, e);
    }
  }

  async set(name: string, value: string): Promise<void> {
    const entry = await this.#entry(name);
    try {
      entry.setPassword(value);
    } catch (e) {
      throw this.#failed('store', name, e, [value]);
    }
  }

  async delete(name: string): Promise<void> {
    const entry = await this.#entry(name);
    try {
      if (typeof entry.deleteCredential === 'function') entry.deleteCredential();
      else entry.deletePassword?.();
    } catch (e) {
      if (isNoEntry(e)) return;
      throw this.#failed('delete', name, e);
    }
  }

  async #entry(name: string): Promise<KeyringEntry> {
    this.#module ??= loadOptionalModule<KeyringModule>(PACKAGE, 'KeyringSecretStore');
    let module: KeyringModule;
    try {
      module = await this.#module;
    } catch (e) {
      this.#module = undefined; // let a later call find a package installed meanwhile
      throw e;
    }
    const Entry = module.Entry ?? (module as unknown as { default?: KeyringModule }).default?.Entry;
    return new Entry(this.#service, name);
  }

  #failed(operation: string, name: string, cause: unknown, secrets: string[] = []): MailerError {
    return new MailerError(
      {
        code: 'SECRET_STORE_LOCKED',
        step: 5,
        message: `The operating system keyring refused to ${operation} the secret "${name}" (service "${this.#service}").`,
        fix: 'Unlock the keyring for the account this process runs as; on a headless Linux server without a Secret Service, use EncryptedFileSecretStore or EnvSecretStore instead.',
        cause,
      },
      secrets,
    );
  }

  /** Only the kind and service: never a secret. */
  toJSON(): Record<string, string> {
    return { kind: 'KeyringSecretStore', service: this.#service };
  }

  /** `util.inspect` shows only the kind and service. */
  [INSPECT_CUSTOM](): string {
    return `KeyringSecretStore { service: ${JSON.stringify(this.#service)} }`;
  }
}
