import { fromEntra, fromRedirect, fromTransport, catalogued, type CatalogueContext } from '../errors/catalogue';
import { MailerError } from '../errors/mailer-error';
import type { MsalNetworkModule, NetworkScope } from '../http/msal-network';
import type { TokenClient } from './msal-app';
import { raceAbort, sleep } from '../reliability/abortable';
import { loadMsal } from './msal';
import { nodeCrypto } from '../runtime/node-builtins';

/** An access token and when it expires. */
export interface AccessToken {
  /** The bearer token. Never log it. */
  readonly token: string;
  /** Expiry, milliseconds since the epoch. */
  readonly expiresOn: number;
}

/** How to get one token. */
export interface TokenRequest {
  /** The caller's cancellation: it stops the caller's wait, not a request other callers share. */
  signal?: AbortSignal;
  /** Bypass every cache (msal's and ours): after consent changes, or when Graph refused the current token. */
  fresh?: boolean;
  /**
   * The token Graph just refused. When the current token is already another one (a concurrent caller refreshed
   * it), that one is returned without a new request.
   */
  replacing?: string;
}

/** What the provider needs from the mailer. */
export interface TokenProviderOptions {
  /** Builds (once) msal-node's client; may read the secret from a store or the certificate from a file. */
  app: () => Promise<TokenClient>;
  /**
   * Called once per acquisition after Entra ID refused the credential: resolves true when the credential was read
   * again and changed (a rotated secret or certificate), after which `app()` gives a new client and the token
   * request is tried once more. @default never
   */
  reload?: (error: MailerError) => Promise<boolean>;
  network: MsalNetworkModule;
  /** `${graphEndpoint}/.default`. */
  scope: string;
  /** Secrets to scrub from errors. */
  secrets: () => readonly string[];
  /** Wording context for the catalogue. */
  context: () => CatalogueContext;
  /**
   * Serialises cached (non-fresh) acquisitions across mailers and processes that share a TokenCache, so that
   * cold starts make one token request between them. @default none
   */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** The clock. @default Date.now */
  now?: () => number;
  /**
   * Why a token that came from a cache is not this mailer's (another tenant, app or audience), or `undefined`. Such
   * a token is discarded and a fresh one requested. @default none
   */
  distrust?: (token: string) => string | undefined;
  /** Told when a cached token was discarded, and why. */
  onDistrust?: (problem: string) => void;
  /** Wraps each acquisition (tracing). `fresh` is true when every cache is bypassed. */
  observe?: <T>(acquisition: () => Promise<T>, fresh: boolean) => Promise<T>;
}

/** Retries of a token request that could not connect, and the first wait (doubled each time). */
const CONNECT_RETRIES = 2;
const CONNECT_RETRY_DELAY_MS = 250;

/** msal-node refreshes this long before expiry; so do we. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Owns the token lifecycle: one request per token lifetime, one shared in-flight request however many callers
 * arrive at once (msal-node does not coalesce), and one forced refresh after Graph refuses a token.
 */
export class TokenProvider {
  readonly #options: TokenProviderOptions;
  readonly #now: () => number;
  #current: AccessToken | undefined;
  #cached: Promise<AccessToken> | undefined;
  #fresh: Promise<AccessToken> | undefined;

  constructor(options: TokenProviderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** A valid token: from memory when it has more than 5 minutes left, else from msal-node (single-flight). */
  getToken(request: TokenRequest = {}): Promise<AccessToken> {
    const current = this.#current;
    const usable = current !== undefined && current.expiresOn - this.#now() > REFRESH_MARGIN_MS;
    if (request.replacing !== undefined && usable && current.token !== request.replacing) {
      return Promise.resolve(current);
    }
    if (request.fresh || request.replacing !== undefined) {
      this.#fresh ??= this.#observed(true).finally(() => {
        this.#fresh = undefined;
      });
      return raceAbort(this.#fresh, request.signal, 'requesting a token');
    }
    if (usable) return Promise.resolve(current);
    this.#cached ??= this.#observed(false).finally(() => {
      this.#cached = undefined;
    });
    return raceAbort(this.#cached, request.signal, 'requesting a token');
  }

  #observed(skipCache: boolean): Promise<AccessToken> {
    const observe = this.#options.observe;
    return observe ? observe(() => this.#acquire(skipCache), skipCache) : this.#acquire(skipCache);
  }

  async #acquire(skipCache: boolean): Promise<AccessToken> {
    let app = await this.#options.app();
    const lock = this.#options.lock;
    let reloaded = false;
    for (let attempt = 0; ; attempt++) {
      // The correlation ID ties msal-node's requests to this scope (it is also the request's client-request-id).
      const scope: NetworkScope = { correlationId: nodeCrypto().randomUUID() };
      const acquire = () => app.acquire(this.#options.scope, skipCache, scope.correlationId);
      try {
        const result = await this.#options.network.run(scope, () => (lock && !skipCache ? lock(acquire) : acquire()));
        if (!result?.accessToken) {
          throw new MailerError(catalogued('AUTH_FAILED', 'Entra ID answered without an access token.'));
        }
        const problem = !skipCache && result.fromCache ? this.#options.distrust?.(result.accessToken) : undefined;
        if (problem !== undefined) {
          // A shared cache held someone else's token: never use it; a fresh request replaces it in the cache.
          this.#options.onDistrust?.(problem);
          return await this.#acquire(true);
        }
        const token: AccessToken = {
          token: result.accessToken,
          expiresOn: result.expiresOn?.getTime() ?? this.#now() + 3_600_000,
        };
        this.#current = token;
        return token;
      } catch (err) {
        // A token request that never reached Entra ID (refused, DNS, TLS) is retried like any unsent request.
        if (scope.error?.notSent && !scope.entraError && attempt < CONNECT_RETRIES) {
          await sleep(CONNECT_RETRY_DELAY_MS * 2 ** attempt, undefined, 'requesting a token');
          continue;
        }
        const error = await this.#mapError(err, scope);
        // A rotated secret or certificate: read it again, and try once more with it.
        if (!reloaded && this.#options.reload && (await this.#options.reload(error))) {
          reloaded = true;
          app = await this.#options.app();
          continue;
        }
        throw error;
      }
    }
  }

  async #mapError(err: unknown, scope: NetworkScope): Promise<MailerError> {
    const secrets = this.#options.secrets();
    if (scope.redirect) {
      return new MailerError({ ...fromRedirect(scope.redirect.status, scope.redirect.location, 'requesting a token from Entra ID', false), cause: err }, secrets);
    }
    if (err instanceof MailerError) return err;
    const { AuthError, ServerError } = await loadMsal();
    if (scope.entraError) {
      const e = scope.entraError;
      return new MailerError({ ...fromEntra(e.errorNo, e.description, this.#options.context(), e.status, e.traceId), cause: err }, secrets);
    }
    if (err instanceof ServerError && !err.errorNo && err.status === undefined) {
      // msal-node replaying a recent 429/5xx from its throttling cache, without a request.
      return new MailerError(
        { ...catalogued('SERVICE_UNAVAILABLE', `Entra ID recently refused token requests, and msal-node is holding off for up to 60 s: ${err.errorMessage}`.trim(), { retriable: true }), cause: err },
        secrets,
      );
    }
    if (err instanceof ServerError) {
      const errorNo = err.errorNo ? Number(err.errorNo) : undefined;
      return new MailerError(
        { ...fromEntra(errorNo, err.errorMessage, this.#options.context(), err.status), cause: err },
        secrets,
      );
    }
    if (scope.error) {
      const t = scope.error;
      return new MailerError(
        { ...fromTransport({ failure: t.failure, detail: t.message, doing: 'requesting a token from Entra ID', couldDeliver: false, ...(t.proxy !== undefined ? { proxy: t.proxy } : {}) }), cause: t },
        secrets,
      );
    }
    const detail = err instanceof AuthError ? `${err.errorCode}: ${err.errorMessage}` : String((err as Error)?.message ?? err);
    return new MailerError({ ...catalogued('AUTH_FAILED', `Could not get a token from Entra ID (${detail}).`), cause: err }, secrets);
  }
}
