import { ConfidentialClientApplication, type INetworkModule, type NetworkResponse } from '@azure/msal-node';
import { createCachePlugin, type CachePluginOptions, type MailerCachePlugin } from '../../src/auth/cache-plugin';
import type { TokenCache } from '../../src/token-cache/token-cache';

/** Test doubles for msal-node: a fake Entra ID behind msal-node's `INetworkModule`, and apps wired to a TokenCache. */

export const TENANT_ID = '5d6c7b1a-2f3e-4a5b-8c9d-0e1f2a3b4c5d';
export const CLIENT_ID = '0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d';
export const CLIENT_SECRET = 'Qx8~fake-client-secret-value-for-tests';
export const HOST = 'login.example.test';
export const AUTHORITY = `https://${HOST}/${TENANT_ID}`;
export const TOKEN_ENDPOINT = `${AUTHORITY}/oauth2/v2.0/token`;
export const SCOPE = 'https://graph.microsoft.com/.default';
export const PARTITION_KEY = `${CLIENT_ID}.${TENANT_ID}`;

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT-shaped access token (unsigned: msal-node does not read app access tokens). */
export function fakeJwt(serial: number, expiresIn = 3599): string {
  const now = Math.floor(Date.now() / 1000);
  return [
    b64url({ typ: 'JWT', alg: 'RS256', kid: 'test' }),
    b64url({ aud: 'https://graph.microsoft.com', tid: TENANT_ID, appid: CLIENT_ID, roles: ['Mail.Send'], iat: now, exp: now + expiresIn, serial }),
    Buffer.from(`signature-${serial}`).toString('base64url'),
  ].join('.');
}

export interface FakeEntra {
  network: INetworkModule;
  /** POSTs to the token endpoint. */
  readonly tokenRequests: number;
  /** GETs of the OpenID configuration. */
  readonly metadataRequests: number;
  /** Every access token handed out. */
  readonly issued: string[];
}

export interface FakeEntraOptions {
  /** Called on every token POST (e.g. to count them in a file shared by processes). */
  onTokenRequest?: () => void;
  /** Delays the token answer, to widen race windows. */
  tokenDelayMs?: number;
  /** `expires_in` of issued tokens. @default 3599 */
  expiresIn?: number;
}

/**
 * Serves what msal-node 7 asks for with authority `https://login.example.test/<tenant>` and
 * `knownAuthorities: ['login.example.test']`: a GET of `<authority>/v2.0/.well-known/openid-configuration`
 * (`Authority.getEndpointMetadataFromNetwork`) and POSTs to the token endpoint (`Token.sendPostRequest`). Anything
 * else rejects, so a test notices an unexpected call.
 */
export function createFakeEntra(options: FakeEntraOptions = {}): FakeEntra {
  const state = { tokenRequests: 0, metadataRequests: 0, issued: [] as string[] };
  const network: INetworkModule = {
    async sendGetRequestAsync<T>(url: string): Promise<NetworkResponse<T>> {
      if (url === `${AUTHORITY}/v2.0/.well-known/openid-configuration`) {
        state.metadataRequests++;
        const body = {
          token_endpoint: TOKEN_ENDPOINT,
          issuer: `${AUTHORITY}/v2.0`,
          authorization_endpoint: `${AUTHORITY}/oauth2/v2.0/authorize`,
          jwks_uri: `${AUTHORITY}/discovery/v2.0/keys`,
          end_session_endpoint: `${AUTHORITY}/oauth2/v2.0/logout`,
        };
        return { status: 200, headers: {}, body: body as T };
      }
      throw new Error(`fake Entra: unexpected GET ${url}`);
    },
    async sendPostRequestAsync<T>(url: string, request?: { body?: string }): Promise<NetworkResponse<T>> {
      if (url.split('?')[0] !== TOKEN_ENDPOINT) throw new Error(`fake Entra: unexpected POST ${url}`);
      const form = new URLSearchParams(request?.body ?? '');
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== CLIENT_SECRET) {
        return { status: 401, headers: {}, body: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] } as T };
      }
      state.tokenRequests++;
      options.onTokenRequest?.();
      if (options.tokenDelayMs) await new Promise((r) => setTimeout(r, options.tokenDelayMs));
      const token = fakeJwt(state.issued.length + 1, options.expiresIn ?? 3599);
      state.issued.push(token);
      return { status: 200, headers: {}, body: { token_type: 'Bearer', expires_in: options.expiresIn ?? 3599, ext_expires_in: options.expiresIn ?? 3599, access_token: token } as T };
    },
  };
  return {
    network,
    get tokenRequests() {
      return state.tokenRequests;
    },
    get metadataRequests() {
      return state.metadataRequests;
    },
    issued: state.issued,
  };
}

/** A real msal-node app against the fake Entra, caching through `createCachePlugin(cache, PARTITION_KEY)`. */
export function createApp(
  cache: TokenCache,
  entra: FakeEntra,
  pluginOptions: CachePluginOptions = {},
): { app: ConfidentialClientApplication; plugin: MailerCachePlugin } {
  const plugin = createCachePlugin(cache, PARTITION_KEY, pluginOptions);
  const app = new ConfidentialClientApplication({
    auth: { clientId: CLIENT_ID, authority: AUTHORITY, clientSecret: CLIENT_SECRET, knownAuthorities: [HOST] },
    cache: { cachePlugin: plugin },
    system: { networkClient: entra.network },
  });
  return { app, plugin };
}

/** A TokenCache wrapper that counts calls. */
export function countingCache<C extends TokenCache>(inner: C): C & { calls: { get: number; set: number } } {
  const calls = { get: 0, set: 0 };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'calls') return calls;
      if (prop === 'get') return (key: string) => (calls.get++, target.get(key));
      if (prop === 'set') return (key: string, value: string, ttl?: number) => (calls.set++, target.set(key, value, ttl));
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as C & { calls: { get: number; set: number } };
}
