import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { safeUrl } from '../errors/redact';
import { Deadlines } from './deadlines';
import { bypassesProxy } from './no-proxy';
import { TransportError, classifyFetchError, safeProxy } from './transport-error';
import { loadUndici } from './undici';
import { isNodeReadable, nodeHttp, nodeHttps, nodeStream, nodeTls } from '../runtime/node-builtins';

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
  /** A fetch that carries every request (tests, instrumentation), instead of `node:https`. */
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

/** The headers of a response: what the library reads of them (a fetch `Headers` is one). */
export interface ResponseHeaders {
  /** The value of the header `name` (any case), repeated values joined with `, `; `null` when absent. */
  get(name: string): string | null;
  /** Calls `fn` with each header's value and lower-case name. */
  forEach(fn: (value: string, name: string) => void): void;
}

/** A whole HTTP response, body read. */
export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  /** The body as text ('' when empty). */
  text: string;
}

/**
 * The one place the library talks HTTP, with a time limit on every request and failures classified as "provably
 * not sent" or "maybe sent". Two roads, chosen per client here and nowhere else:
 * - without a proxy, every request goes by `node:https` over a keep-alive agent of this client's (carrying the
 *   extra CA). In Node 20 each `fetch` call builds WHATWG `Request`, `AbortSignal` and stream objects that cost
 *   more than all the rest of a warm send, and a stream body goes through `Readable.toWeb`, which copies every
 *   chunk; `node:https` stops a request with `destroy()`, so it needs no signal, and takes a body's bytes as they
 *   are;
 * - through a proxy (or with a `fetch` given), requests go by that fetch, with an undici dispatcher for the proxy
 *   and the extra CA.
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
  /** The keep-alive agents of the `node:https` road, by protocol, made on first use. */
  #agents: { https?: import('node:https').Agent; http?: import('node:http').Agent } = {};
  readonly #nodeRoad: boolean;
  /** Set by close(): connections are no longer kept once their request is done. */
  #closing = false;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs;
    this.#deadlines = new Deadlines(options.timeoutMs);
    this.#fetch = options.fetch;
    this.#observer = options.observer;
    if (options.proxy) this.#proxyName = safeProxy(options.proxy);
    // A given fetch (tests, instrumentation) carries every request; so does Node's fetch through a proxy (undici's
    // ProxyAgent).
    this.#nodeRoad = options.fetch === undefined && !options.proxy;
  }

  /** Sends a request and reads the whole response. Rejects only with a {@link TransportError}. */
  request(req: HttpRequest): Promise<HttpResponse> {
    return this.#nodeRoad ? this.#viaNode(req) : this.#viaFetch(req);
  }

  /** The `node:https` road (see the class): one request, its body written as the socket takes it, its answer read whole. */
  #viaNode(req: HttpRequest): Promise<HttpResponse> {
    const callerSignal = req.signal;
    if (callerSignal?.aborted) return Promise.reject(new TransportError('aborted', 'The operation was aborted.', safeUrl(req.url)));
    const ended = this.#observer?.({ method: req.method, url: req.url, requestBytes: () => bodyBytes(req) });
    const started = ended ? performance.now() : 0;
    const secure = req.url.startsWith('https:');
    return new Promise<HttpResponse>((resolve, reject) => {
      const headers: Record<string, string | number> = { ...req.headers };
      const body = req.body;
      if (typeof body === 'string') {
        headers['Content-Length'] = Buffer.byteLength(body);
        // What fetch sends for a text body without a type.
        if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'text/plain;charset=UTF-8';
      }
      /** Set once the connection is up (TLS done), from when the request can have reached the server. */
      let connected = false;
      let settled = false;
      let stop: 'aborted' | undefined;
      let request: import('node:http').ClientRequest;
      try {
        request = (secure ? nodeHttps() : nodeHttp()).request(req.url, { method: req.method, headers, agent: this.#agent(secure) });
      } catch (err) {
        // Refused before anything was written (e.g. a character a header cannot carry).
        const error = new TransportError('connect', String((err as Error)?.message ?? err), safeUrl(req.url), { cause: err });
        reject(error);
        report(ended, { failure: error.failure, durationMs: 0 });
        return;
      }
      const deadline = this.#deadlines.start(() => request.destroy());
      const onAbort = () => {
        stop = 'aborted';
        request.destroy();
      };
      callerSignal?.addEventListener('abort', onAbort, { once: true });
      const onBodyError = (err: Error) => request.destroy(err);
      const settle = () => {
        settled = true;
        callerSignal?.removeEventListener('abort', onAbort);
        if (isNodeReadable(body)) body.off('error', onBodyError);
        this.#deadlines.finish(deadline);
      };
      const fail = (err: unknown) => {
        if (settled) return;
        settle();
        if (isNodeReadable(body)) body.destroy();
        const target = safeUrl(req.url);
        const error =
          stop === 'aborted'
            ? new TransportError('aborted', 'The operation was aborted.', target, { cause: err })
            : deadline.expired
              ? connected
                ? new TransportError('timeout', `No complete answer within ${this.#timeoutMs} ms.`, target, { cause: err })
                : // Nothing can have reached the server before the connection was up.
                  new TransportError('connect', `No connection within ${this.#timeoutMs} ms.`, target, { cause: err })
              : connected
                ? classifyFetchError(err, target)
                : // Failed before the connection was up (refused, DNS, a reset during the TLS handshake): not sent.
                  new TransportError('connect', classifyFetchError(err, target).message, target, { cause: err });
        reject(error);
        report(ended, { failure: error.failure, durationMs: performance.now() - started });
      };
      let socket: import('node:net').Socket | undefined;
      request.on('socket', (assigned) => {
        socket = assigned;
        // A TLS socket of our own is up once its handshake is done (and stays so when the agent hands it out again).
        // Any other socket (plain HTTP, or a test interceptor's stand-in) is judged by its error codes alone, as on
        // the fetch road.
        if (request.reusedSocket || handshakeDone.has(assigned) || !(assigned instanceof nodeTls().TLSSocket)) connected = true;
        else {
          assigned.once('secureConnect', () => {
            handshakeDone.add(assigned);
            connected = true;
          });
        }
      });
      request.on('error', fail);
      // Safety nets: a request or response closed without an error or a whole answer is a broken connection.
      const closed = () => fail(new Error('The connection closed before the whole answer arrived.'));
      let answered = false;
      request.on('close', () => {
        if (!answered) closed();
      });
      request.on('response', (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', fail);
        res.on('close', closed);
        res.on('end', () => {
          if (settled) return;
          settle();
          if (!request.writableFinished) {
            // Answered before the whole body was written (an early 4xx): stop writing, and keep no file open.
            request.destroy();
            if (isNodeReadable(body)) body.destroy();
          } else if (this.#closing) {
            // After close(), the connection is not kept for another request: it closes once the agent has it back.
            setImmediate(() => socket?.destroy());
          }
          const status = res.statusCode ?? 0;
          const responseHeaders = new NodeResponseHeaders(res.headers);
          // As fetch's text(): a leading byte order mark is not part of the text.
          resolve({ status, headers: responseHeaders, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text });
          if (ended) {
            const requestId = responseHeaders.get('request-id') ?? responseHeaders.get('x-ms-request-id') ?? undefined;
            report(ended, { status, durationMs: performance.now() - started, ...(requestId ? { requestId } : {}) });
          }
        });
      });
      if (body instanceof Uint8Array) void writeViews(request, body);
      else if (isNodeReadable(body)) {
        body.once('error', onBodyError);
        body.pipe(request);
      } else request.end(body);
    });
  }

  /** This client's keep-alive agent for the `node:https` road. */
  #agent(secure: boolean): import('node:http').Agent {
    const protocol = secure ? 'https' : 'http';
    const existing = this.#agents[protocol];
    if (existing) return existing;
    const extra = this.#options.ca === undefined ? [] : Array.isArray(this.#options.ca) ? this.#options.ca : [this.#options.ca];
    // An explicit `ca` replaces Node's bundled roots, so they go in too, as on the fetch road.
    const ca = secure && extra.length ? [...nodeTls().rootCertificates, ...extra.map((c) => c.toString())] : undefined;
    // Idle connections close after 4 s (undici's default; sooner when the server announces less), before a server
    // or load balancer drops them: a request written to a dropped connection could not be told from a sent one.
    const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, ...(ca ? { ca } : {}) };
    if (secure) return (this.#agents.https = new (nodeHttps().Agent)(options));
    return (this.#agents.http = new (nodeHttp().Agent)(options));
  }

  /** The fetch road (see the class). */
  async #viaFetch(req: HttpRequest): Promise<HttpResponse> {
    let route: { dispatcher: Dispatcher; proxied: boolean } | undefined;
    if (this.#options.ca !== undefined || this.#options.proxy) {
      try {
        route = await this.#routeFor(req.url);
      } catch (err) {
        // No connection can have been made without a dispatcher: nothing was sent.
        throw new TransportError('connect', `Could not set up the proxy or trusted roots: ${String((err as Error)?.message ?? err)}`, safeUrl(req.url), { cause: err });
      }
    }
    const controller = new AbortController();
    const deadline = this.#deadlines.start(() => controller.abort(new DOMException('The request took longer than its time limit.', 'TimeoutError')));
    const { signal } = controller;
    const callerSignal = req.signal;
    const onAbort = () => controller.abort(callerSignal?.reason);
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
    // Idle connections close now; a request still under way finishes, and its connection closes after it.
    this.#closing = true;
    for (const agent of [this.#agents.https, this.#agents.http]) {
      for (const sockets of Object.values(agent?.freeSockets ?? {})) for (const socket of sockets ?? []) socket.destroy();
    }
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

/**
 * Writes `bytes` as views of at most {@link WRITE_BYTES}, each once the socket has taken the one before: no byte is
 * copied, and TLS encrypts a bounded amount at a time.
 */
async function writeViews(request: import('node:http').ClientRequest, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += WRITE_BYTES) {
    if (request.destroyed) return;
    if (!request.write(bytes.subarray(offset, Math.min(offset + WRITE_BYTES, bytes.length)))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          request.off('drain', done);
          request.off('close', done);
          resolve();
        };
        request.on('drain', done);
        request.on('close', done);
      });
    }
  }
  if (!request.destroyed) request.end();
}

/** TLS sockets whose handshake completed: a request on one of them may reach the server. */
const handshakeDone = new WeakSet<object>();

/** Tells an observer how a request ended; an observer that throws (a logger) changes nothing about the request. */
function report(ended: ((end: HttpRequestEnd) => void) | undefined, end: HttpRequestEnd): void {
  try {
    ended?.(end);
  } catch {
    // The request's outcome is already settled; an observer's failure must not turn into an unhandled error.
  }
}

/** How long an idle keep-alive connection of the `node:https` road stays open. */
const IDLE_SOCKET_MS = 4000;

function hasHeader(headers: Record<string, unknown>, lowerName: string): boolean {
  for (const name in headers) if (name.toLowerCase() === lowerName) return true;
  return false;
}

/** A `node:http` response's headers as {@link ResponseHeaders}. */
class NodeResponseHeaders implements ResponseHeaders {
  readonly #raw: import('node:http').IncomingHttpHeaders;

  constructor(raw: import('node:http').IncomingHttpHeaders) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    const value = this.#raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  forEach(fn: (value: string, name: string) => void): void {
    for (const name of Object.keys(this.#raw)) {
      const value = this.#raw[name];
      if (value !== undefined) fn(Array.isArray(value) ? value.join(', ') : value, name);
    }
  }
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
