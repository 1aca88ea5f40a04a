import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { safeUrl } from '../errors/redact';
import { Deadlines } from './deadlines';
import { bypassesProxy } from './no-proxy';
import { TransportError, classifyFetchError, safeProxy } from './transport-error';
import { loadUndici } from './undici';
import { isNodeReadable, nodeStream } from '../runtime/node-builtins';

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
   * `Content-Length` header (upload sessions require one). A `Uint8Array` is sent as it is, not copied, also
   * with a `Content-Length` header: leave it unchanged until the request has settled.
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
  readonly #deadlines: Deadlines;
  readonly #options: HttpClientOptions;
  /** Dispatchers for the proxy and the extra CA, made (and npm's undici loaded) on the first request. */
  #routes: Promise<Routes> | undefined;
  readonly #proxyName: string | undefined;
  readonly #fetch: typeof globalThis.fetch | undefined;
  readonly #observer: HttpObserver | undefined;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs;
    this.#deadlines = new Deadlines(options.timeoutMs);
    this.#fetch = options.fetch;
    this.#observer = options.observer;
    if (options.proxy) this.#proxyName = safeProxy(options.proxy);
  }

  /** Sends a request and reads the whole response. Rejects only with a {@link TransportError}. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    let route: { dispatcher: Dispatcher; proxied: boolean } | undefined;
    if (this.#options.ca !== undefined || this.#options.proxy) {
      try {
        route = await this.#routeFor(req.url);
      } catch (err) {
        // No connection can have been made without a dispatcher: nothing was sent.
        throw new TransportError('connect', `Could not set up the proxy or trusted roots: ${String((err as Error)?.message ?? err)}`, safeUrl(req.url), { cause: err });
      }
    }
    const deadline = this.#deadlines.start();
    const { signal } = deadline.controller;
    const callerSignal = req.signal;
    const onAbort = () => deadline.controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) onAbort();
    else callerSignal?.addEventListener('abort', onAbort, { once: true });
    const ended = this.#observer?.({ method: req.method, url: req.url, requestBytes: () => bodyBytes(req) });
    const started = ended ? performance.now() : 0;
    try {
      const fetchImpl = this.#fetch ?? globalThis.fetch ?? (await fallbackFetch());
      // Never follow a redirect: a 3xx to another host (or to http://) would carry the message or the client secret
      // there. The 3xx is returned as it is, and the callers refuse it.
      const init: RequestInit & { dispatcher?: Dispatcher; duplex?: 'half' } = { method: req.method, signal, redirect: 'manual' };
      if (req.headers) init.headers = req.headers;
      if (isNodeReadable(req.body)) {
        init.body = nodeStream().Readable.toWeb(req.body) as unknown as BodyInit;
        init.duplex = 'half';
      } else if (req.body instanceof Uint8Array) {
        // fetch copies a Uint8Array body; as a stream of views of it, it goes to the socket as it is.
        init.body = viewsOf(req.body);
        init.duplex = 'half';
      } else if (req.body !== undefined) {
        init.body = req.body;
      }
      if (route) init.dispatcher = route.dispatcher;
      const res = await fetchImpl(req.url, init);
      const text = await res.text();
      if (ended) {
        const requestId = res.headers.get('request-id') ?? res.headers.get('x-ms-request-id') ?? undefined;
        ended({ status: res.status, durationMs: performance.now() - started, ...(requestId ? { requestId } : {}) });
      }
      return { status: res.status, headers: res.headers, text };
    } catch (err) {
      if (isNodeReadable(req.body)) req.body.destroy();
      const target = safeUrl(req.url);
      const error = callerSignal?.aborted
        ? new TransportError('aborted', 'The operation was aborted.', target, { cause: err })
        : deadline.expired
          ? new TransportError('timeout', `No complete answer within ${this.#timeoutMs} ms.`, target, { cause: err })
          : classifyFetchError(err, target, route?.proxied ? this.#proxyName : undefined);
      ended?.({ failure: error.failure, durationMs: performance.now() - started });
      throw error;
    } finally {
      callerSignal?.removeEventListener('abort', onAbort);
      this.#deadlines.finish(deadline);
    }
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    const routes = await this.#routes?.catch(() => undefined);
    await Promise.all([routes?.direct?.close(), routes?.proxied?.close()]);
  }

  async #routeFor(url: string): Promise<{ dispatcher: Dispatcher; proxied: boolean } | undefined> {
    this.#routes ??= makeRoutes(this.#options);
    const { direct, proxied } = await this.#routes;
    if (proxied && !bypassesProxy(new URL(url), this.#options.noProxy)) return { dispatcher: proxied, proxied: true };
    return direct ? { dispatcher: direct, proxied: false } : undefined;
  }
}

interface Routes {
  direct: Dispatcher | undefined;
  proxied: Dispatcher | undefined;
}

async function makeRoutes(options: HttpClientOptions): Promise<Routes> {
  const { Agent, ProxyAgent } = await loadUndici();
  const extra = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
  // node:tls too loads here, not at import: Node's fetch loads it on its first request anyway.
  const ca = extra.length ? [...(await import('node:tls')).rootCertificates, ...extra.map((c) => c.toString())] : undefined;
  return {
    direct: ca || options.proxy ? new Agent(ca ? { connect: { ca } } : {}) : undefined,
    proxied: options.proxy ? new ProxyAgent({ uri: options.proxy, ...(ca ? { requestTls: { ca } } : {}) }) : undefined,
  };
}

/** Bytes per write of a `Uint8Array` body: TLS encrypts each write whole, so smaller writes keep its buffers small. */
const WRITE_BYTES = 1024 * 1024;

/** `bytes` as a stream of views of at most {@link WRITE_BYTES}, pulled as the socket drains: no byte is copied. */
function viewsOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const end = Math.min(offset + WRITE_BYTES, bytes.length);
        if (end > offset) controller.enqueue(bytes.subarray(offset, end));
        offset = end;
        if (offset >= bytes.length) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * The global fetch. `isomorphic-fetch` is a fallback loaded only where the runtime has none, so on Node >= 18 it is
 * never loaded (and its punycode deprecation warning never prints).
 */
async function fallbackFetch(): Promise<typeof globalThis.fetch> {
  await import('isomorphic-fetch');
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
