/**
 * Where the client secret lives when it is not passed as `clientSecret`. Implementations must never log the value.
 *
 * @example
 * ```ts
 * const store = new EncryptedFileSecretStore({ path: '/etc/truechem/secret.enc', passphrase })
 * const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId, clientId, sender, secretStore: store })
 * ```
 */
export interface SecretStore {
  /** The secret stored under `name`, or `undefined` when there is none. */
  get(name: string): Promise<string | undefined>;
  /** Stores `value` under `name`, replacing any earlier value. */
  set(name: string, value: string): Promise<void>;
  /** Removes the secret stored under `name`; no error when there is none. */
  delete(name: string): Promise<void>;
}

/** The secret name used when `secretName` is not configured: `o365-oauth-mailer:<tenantId>:<clientId>`. */
export function defaultSecretName(tenantId: string, clientId: string): string {
  return `o365-oauth-mailer:${tenantId.toLowerCase()}:${clientId.toLowerCase()}`;
}
