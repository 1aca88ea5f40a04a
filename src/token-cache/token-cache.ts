/**
 * A key-value store for msal-node's serialized token cache, shared between mailers or processes so that they make
 * one token request per token lifetime between them. Values are opaque strings holding access tokens: treat them
 * as secrets.
 */
export interface TokenCache {
  /** The value stored under `key`, or `undefined`. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key`; `ttlSeconds` is how long it stays useful (the token's remaining lifetime). */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Removes `key`. */
  delete?(key: string): Promise<void>;
}
