import type { ResolvedConfig } from '../config/validate';
import { catalogued } from '../errors/catalogue';
import { MailerError } from '../errors/mailer-error';
import { readSecretStore } from '../secrets/read-secret-store';
import type { Credential, CredentialExpiry, CredentialHooks } from './credential';
import { createMsalApp, type MsalAppOptions, type TokenClient } from './msal-app';

/**
 * A client secret, given in the configuration or read from a `secretStore` when first needed. After Entra ID
 * refuses it (`SECRET_INVALID`, `SECRET_EXPIRED`), the store is read again: a secret rotated with
 * `o365-mailer secret set` (or fixed there) is picked up without a restart.
 */
export class SecretCredential implements Credential {
  readonly kind: 'secret' | 'secret-store';
  readonly description: string;
  readonly #config: Pick<ResolvedConfig, 'clientSecret' | 'secretStore' | 'secretName' | 'secretExpiresAt' | 'timeoutMs'>;
  readonly #hooks: CredentialHooks;
  #current: string | undefined;

  constructor(config: Pick<ResolvedConfig, 'clientSecret' | 'secretStore' | 'secretName' | 'secretExpiresAt' | 'timeoutMs'>, hooks: CredentialHooks) {
    this.#config = config;
    this.#hooks = hooks;
    this.kind = config.clientSecret !== undefined ? 'secret' : 'secret-store';
    this.description = config.clientSecret !== undefined ? 'the configured client secret' : `the client secret from the secret store ("${config.secretName}")`;
    if (config.clientSecret !== undefined) {
      this.#current = config.clientSecret;
      hooks.protect(config.clientSecret);
    }
  }

  /** The secret in use, once read. */
  get current(): string | undefined {
    return this.#current;
  }

  async createClient(options: MsalAppOptions): Promise<TokenClient> {
    const secret = this.#current ?? (await this.#read());
    if (!secret) {
      throw new MailerError(catalogued('SECRET_MISSING', `No client secret: none was configured, and the secret store holds nothing under "${this.#config.secretName}".`));
    }
    this.#current = secret;
    return createMsalApp(options, { clientSecret: secret });
  }

  async reload(error: MailerError): Promise<boolean> {
    if (!this.#config.secretStore || (error.code !== 'SECRET_INVALID' && error.code !== 'SECRET_EXPIRED')) return false;
    let fresh: string | undefined;
    try {
      fresh = await this.#read();
    } catch {
      return false; // the store failing now must not hide Entra's answer
    }
    if (!fresh || fresh === this.#current) return false;
    this.#current = fresh;
    return true;
  }

  async expiry(): Promise<CredentialExpiry | undefined> {
    const at = this.#config.secretExpiresAt;
    return at ? { expiresAt: at, what: 'The client secret', source: 'configured' } : undefined;
  }

  async #read(): Promise<string | undefined> {
    const store = this.#config.secretStore;
    // Bounded by timeoutMs, and any failure of the store becomes a MailerError (readSecretStore).
    const value = store ? await readSecretStore(store, this.#config.secretName, this.#config.timeoutMs) : undefined;
    if (value) this.#hooks.protect(value);
    return value || undefined;
  }
}
