import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { HttpClient } from './http-client';
import { parseJson } from './http-client';
import { TransportError } from './transport-error';

/** Per-acquisition context: msal-node replaces a network module's errors with a generic one, so keep ours here. */
export interface NetworkScope {
  /** The acquisition's correlation ID, which msal-node hands to the token request. */
  correlationId?: string;
  /** The last transport failure of this acquisition. */
  error?: TransportError;
  /**
   * The last Entra ID error body seen (`error_codes`), kept because msal-node reports a failed metadata request
   * (an unknown tenant: AADSTS90002) as `endpoints_resolution_error` and drops the code.
   */
  entraError?: EntraErrorBody;
  /** A redirect answer (never followed): msal-node would report it as an unreadable answer. */
  redirect?: { status: number; location: string | null };
}

/** An Entra ID error answer, reduced to what the catalogue reads. */
export interface EntraErrorBody {
  errorNo?: number;
  description: string;
  status: number;
  traceId?: string;
}

/**
 * msal-node's network module, backed by the mailer's {@link HttpClient} so token requests get the same proxy, CA
 * and time limit as Graph requests (msal-node's own POST has no timeout, and it has no proxy option since v5).
 */
export class MsalNetworkModule implements INetworkModule {
  readonly #http: HttpClient;
  /**
   * The acquisitions under way. A plain set, not AsyncLocalStorage: that one, once used, slows every `await` in
   * the host process (Node 20 implements it with promise hooks).
   */
  readonly #active = new Set<NetworkScope>();

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Runs `fn` (an msal acquisition) with a scope that records the transport failure, if any. */
  async run<T>(scope: NetworkScope, fn: () => Promise<T>): Promise<T> {
    this.#active.add(scope);
    try {
      return await fn();
    } finally {
      this.#active.delete(scope);
    }
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.#send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.#send<T>('POST', url, options);
  }

  /**
   * The scopes a request belongs to: the one with its correlation ID (msal-node passes it with token requests),
   * else every acquisition under way (a metadata request serves them all).
   */
  #scopesOf(options?: NetworkRequestOptions): Iterable<NetworkScope> {
    const id = (options as { correlationId?: unknown } | undefined)?.correlationId;
    if (typeof id === 'string') {
      for (const scope of this.#active) if (scope.correlationId === id) return [scope];
    }
    return this.#active;
  }

  async #send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    try {
      const res = await this.#http.request({
        method,
        url,
        ...(options?.headers ? { headers: options.headers } : {}),
        ...(options?.body !== undefined ? { body: options.body } : {}),
      });
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => {
        headers[key] = value;
      });
      const body = parseJson<Record<string, unknown>>(res.text) ?? {};
      if (res.status >= 400) {
        const error = entraError(res.status, body);
        for (const scope of this.#scopesOf(options)) scope.entraError = error;
      }
      if (res.status >= 300 && res.status < 400) {
        const redirect = { status: res.status, location: res.headers.get('location') };
        for (const scope of this.#scopesOf(options)) scope.redirect = redirect;
      }
      return { status: res.status, headers, body: body as T };
    } catch (err) {
      if (err instanceof TransportError) for (const scope of this.#scopesOf(options)) scope.error = err;
      throw err;
    }
  }
}

function entraError(status: number, body: Record<string, unknown>): EntraErrorBody {
  const codes = Array.isArray(body.error_codes) ? body.error_codes : [];
  const first = Number(codes[0]);
  const out: EntraErrorBody = {
    status,
    description: typeof body.error_description === 'string' ? body.error_description : `HTTP ${status} ${String(body.error ?? '')}`.trim(),
  };
  if (Number.isFinite(first)) out.errorNo = first;
  if (typeof body.trace_id === 'string') out.traceId = body.trace_id;
  return out;
}
