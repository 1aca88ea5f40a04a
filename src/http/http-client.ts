import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { safeUrl } from '../errors/redact';
import { bypassesProxy } from './no-proxy';
import { TransportError, classifyFetchError, safeProxy } from './transport-error';

/** Settings shared by every request a mailer makes, token requests included. */
export interface HttpClientOptions {
  /** Time limit for one request, from sending it to reading the whole response. */
  timeoutMs: number;
  /** Extra trusted roots, added to Node's bundled ones. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** HTTPS proxy URL. */
  proxy?: string;
  /** Hosts that bypass the proxy (`NO_PROXY` syntax). */
  noProxy?: string;
  /** A fetch to use instead of the global one (tests, instrumentation). Looked up at call time when absent. */
  fetch?: typeof globalThis.fetch;
  /** Sees every request and its outcome (debug logging, OpenTelemetry spans). */
  observer?: HttpObserver;
}

/** What an {@link HttpObserver} sees of a request as it starts. */
export interface HttpRequestStart {
  method: HttpRequest['method'];
  /** The full URL. Observers must drop its query string (an upload URL's carries a token). */
  url: string;
  /** The body's size in bytes, when known (computed on demand: it costs a pass over a string body). */
  requestBytes(): number | undefined;
}

/** How a request ended. */
export interface HttpRequestEnd {
  /** The HTTP status, when an answer came. */
  status?: number;
  /** Graph's `request-id` (or Entra's `x-ms-request-id`) header. */
  requestId?: string;
  /** How it failed below HTTP, when no answer came. */
  failure?: TransportError['failure'];
  /** From the start of the request to the end of its response body. */
  durationMs: number;
}

/**
 * Called as each request starts; the function it returns (if any) is called once as the request ends. Returning
 * undefined costs the request nothing further.
 */
export type HttpObserver = (start: HttpRequestStart) => ((end: HttpRequestEnd) => void) | undefined;

function bodyBytes(req: HttpRequest): number | undefined {
  const length = req.headers?.['Content-Length'] ?? req.headers?.['content-length'];
  if (length !== undefined) return Number(length);
  if (typeof req.body === 'string') return Buffer.byteLength(req.body);
  if (req.body instanceof Uint8Array) return req.body.byteLength;
  return undefined;
}

/** One HTTP request. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  /**
   * The body. A stream is sent as it is read, never held whole in memory: give its length in a
   * `Content-Length` header (upload sessions require one).
   */
  body?: string | Uint8Array | Readable;
  /** The caller's cancellation. */
  signal?: AbortSignal;
}

/** A whole HTTP response, body read. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The body as text ('' when empty). */
  text: string;
}

/**
 * The one place the library talks HTTP: Node's fetch with an undici dispatcher that carries the proxy and the
 * extra CA, a time limit on every request, and failures classified as "provably not sent" or "maybe sent".
 */
export class HttpClient {
  readonly #timeoutMs: number;
  readonly #direct: Dispatcher | undefined;
  readonly #proxied: Dispatcher | undefined;
  readonly #noProxy: string | undefined;
  readonly #proxyName: string | undefined;
  readonly #fetch: typeof globalThis.fetch | undefined;
  readonly #observer: HttpObserver | undefined;

  constructor(options: HttpClientOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#fetch = options.fetch;
    this.#observer = options.observer;
    this.#noProxy = options.noProxy;
    if (options.proxy) this.#proxyName = safeProxy(options.proxy);
    const extra = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
    const ca = extra.length ? [...rootCertificates, ...extra.map((c) => c.toString())] : undefined;
    if (ca || options.proxy) this.#direct = new Agent(ca ? { connect: { ca } } : {});
    if (options.proxy) this.#proxied = new ProxyAgent({ uri: options.proxy, ...(ca ? { requestTls: { ca } } : {}) });
  }

  /** Sends a request and reads the whole response. Rejects only with a {@link TransportError}. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const target = safeUrl(req.url);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const fetchImpl = this.#fetch ?? (await globalFetch());
    // Never follow a redirect: a 3xx to another host (or to http://) would carry the message or the client secret
    // there. The 3xx is returned as it is, and the callers refuse it.
    const init: RequestInit & { dispatcher?: Dispatcher; duplex?: 'half' } = { method: req.method, signal, redirect: 'manual' };
    if (req.headers) init.headers = req.headers;
    if (req.body instanceof Readable) {
      init.body = Readable.toWeb(req.body) as unknown as BodyInit;
      init.duplex = 'half';
    } else if (req.body !== undefined) {
      init.body = req.body as BodyInit;
    }
    const dispatcher = this.#dispatcherFor(req.url);
    if (dispatcher) init.dispatcher = dispatcher;
    const ended = this.#observer?.({ method: req.method, url: req.url, requestBytes: () => bodyBytes(req) });
    const started = ended ? performance.now() : 0;
    try {
      const res = await fetchImpl(req.url, init);
      const text = await res.text();
      if (ended) {
        const requestId = res.headers.get('request-id') ?? res.headers.get('x-ms-request-id') ?? undefined;
        ended({ status: res.status, durationMs: performance.now() - started, ...(requestId ? { requestId } : {}) });
      }
      return { status: res.status, headers: res.headers, text };
    } catch (err) {
      if (req.body instanceof Readable) req.body.destroy();
      const error =
        req.signal?.aborted
          ? new TransportError('aborted', 'The operation was aborted.', target, { cause: err })
          : timeout.aborted
            ? new TransportError('timeout', `No complete answer within ${this.#timeoutMs} ms.`, target, { cause: err })
            : classifyFetchError(err, target, dispatcher !== undefined && dispatcher === this.#proxied ? this.#proxyName : undefined);
      ended?.({ failure: error.failure, durationMs: performance.now() - started });
      throw error;
    }
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await Promise.all([this.#direct?.close(), this.#proxied?.close()]);
  }

  #dispatcherFor(url: string): Dispatcher | undefined {
    if (this.#proxied && !bypassesProxy(new URL(url), this.#noProxy)) return this.#proxied;
    return this.#direct;
  }
}

/**
 * The global fetch. `isomorphic-fetch` is a fallback loaded only where the runtime has none, so on Node >= 18 it is
 * never loaded (and its punycode deprecation warning never prints).
 */
async function globalFetch(): Promise<typeof globalThis.fetch> {
  if (typeof globalThis.fetch !== 'function') await import('isomorphic-fetch');
  return globalThis.fetch;
}

/** Parses a JSON body, or `undefined` when it is empty or not JSON. */
export function parseJson<T = unknown>(text: string): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
