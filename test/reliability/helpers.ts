import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { generateTlsMaterial } from '../../src/emulator/tls-certificate';
import { O365OAuthMailer } from '../../src/index';
import { CLIENT, SENDER, TENANT, fakeJwt, mailerConfig, tokenReply } from '../helpers/microsoft';

export { CLIENT, SENDER, TENANT };

/** A self-signed certificate for 127.0.0.1, trusted by the mailer through `tls.ca`. */
export interface TestCert {
  key: string;
  cert: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made as the emulator makes its own. */
export function makeCert(): Promise<TestCert> {
  return generateTlsMaterial(1);
}

/** One request a local server received, body read whole. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Handler = (req: Received, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

/** A local HTTPS (or HTTP) server that records what it receives and lets a test hook each TCP connection. */
export class LocalServer {
  readonly received: Received[] = [];
  /** TCP connections accepted (before any TLS). */
  connections = 0;
  /** Called for each new TCP connection, before TLS; return true when the hook destroyed it. */
  onConnection: ((socket: Socket, index: number) => boolean) | undefined;
  handler: Handler;
  readonly #server: Server | ReturnType<typeof createHttpServer>;
  readonly #sockets = new Set<Socket>();
  #port = 0;
  readonly #secure: boolean;

  constructor(cert: TestCert | undefined, handler: Handler) {
    this.handler = handler;
    this.#secure = cert !== undefined;
    const listener = (raw: IncomingMessage, res: ServerResponse) => {
      const parts: Buffer[] = [];
      raw.on('data', (c: Buffer) => parts.push(c));
      raw.on('end', () => {
        const req: Received = { method: raw.method ?? '', path: raw.url ?? '', headers: raw.headers, body: Buffer.concat(parts) };
        this.received.push(req);
        void Promise.resolve(this.handler(req, res, raw)).catch((err: unknown) => {
          res.destroy(err as Error);
        });
      });
    };
    this.#server = cert ? createHttpsServer({ key: cert.key, cert: cert.cert }, listener) : createHttpServer(listener);
    this.#server.on('connection', (socket: Socket) => {
      const index = this.connections++;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {});
      this.onConnection?.(socket, index);
    });
    this.#server.on('tlsClientError', () => {});
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  get port(): number {
    return this.#port;
  }

  get origin(): string {
    return `${this.#secure ? 'https' : 'http'}://127.0.0.1:${this.#port}`;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Starts an HTTPS server on 127.0.0.1. */
export function httpsServer(cert: TestCert, handler: Handler): Promise<LocalServer> {
  return new LocalServer(cert, handler).listen();
}

/** Starts a plain HTTP server on 127.0.0.1 (an upload URL does not have to be https). */
export function httpServer(handler: Handler): Promise<LocalServer> {
  return new LocalServer(undefined, handler).listen();
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * A sign-in server (msal-node asks it for the tenant's openid-configuration, then POSTs the token).
 * `tokenHandler` may answer the token POST itself (e.g. never, for a timeout).
 */
export async function authorityServer(cert: TestCert, options: { token?: string; tokenHandler?: Handler } = {}): Promise<LocalServer> {
  const server = new LocalServer(cert, (req, res, raw) => {
    const origin = `https://127.0.0.1:${server.port}`;
    if (req.method === 'GET' && req.path === `/${TENANT}/v2.0/.well-known/openid-configuration`) {
      json(res, 200, {
        token_endpoint: `${origin}/${TENANT}/oauth2/v2.0/token`,
        issuer: `${origin}/${TENANT}/v2.0`,
        authorization_endpoint: `${origin}/${TENANT}/oauth2/v2.0/authorize`,
        jwks_uri: `${origin}/${TENANT}/discovery/v2.0/keys`,
        end_session_endpoint: `${origin}/${TENANT}/oauth2/v2.0/logout`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      });
      return;
    }
    if (req.method === 'POST' && req.path.startsWith(`/${TENANT}/oauth2/v2.0/token`)) {
      if (options.tokenHandler) return options.tokenHandler(req, res, raw);
      json(res, 200, tokenReply(options.token ?? fakeJwt({ roles: ['Mail.Send'] })));
      return;
    }
    json(res, 404, { error: 'not_found' });
  });
  return server.listen();
}

/** A mailer configuration pointing at local servers, trusting the test certificate. */
export function localConfig(cert: TestCert, authority: LocalServer, graph: LocalServer, overrides: Record<string, unknown> = {}) {
  return mailerConfig({
    cloud: { authorityHost: `https://127.0.0.1:${authority.port}`, graphEndpoint: `https://127.0.0.1:${graph.port}` },
    tls: { ca: cert.cert },
    ...overrides,
  });
}

export const LOCAL_SEND_PATH = `/v1.0/users/${encodeURIComponent(SENDER)}/sendMail`;

/** Rejection of `promise`, or a failure if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** Resolves when `check()` is true, polling on real macrotasks (works under fake setTimeout). */
export async function until(check: () => boolean, limitMs = 5_000): Promise<void> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The garbage collector, exposed at run time when the process was not started with --expose-gc. */
export function exposeGc(): (options?: { type?: 'major' | 'minor' }) => void {
  type Gc = (options?: { type?: 'major' | 'minor' }) => void;
  const existing = (globalThis as { gc?: Gc }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Gc;
}

/**
 * A factory of nock-backed mailers (`mailerConfig()` merged with `defaults`, then `overrides`), each closed after
 * the test that made it. Call once at a test file's top level.
 */
export function trackedMailers(defaults: Record<string, unknown> = {}): (overrides?: Record<string, unknown>) => O365OAuthMailer {
  const made: O365OAuthMailer[] = [];
  afterEach(async () => {
    for (const m of made.splice(0)) await m.close();
  });
  return (overrides = {}) => {
    const m = new O365OAuthMailer(mailerConfig({ ...defaults, ...overrides }));
    made.push(m);
    return m;
  };
}

/**
 * Lifts nock's interceptor for the calling test file, which must talk to loopback servers only. nock stands a
 * socket of its own in for `node:https`'s: it opens a new connection for every request and reports a reset
 * during the TLS handshake as a bare "socket hang up", so connection reuse and handshake failures could not be seen
 * through it.
 */
export function withRealSockets(): void {
  beforeAll(() => {
    nock.restore();
  });
  afterAll(() => {
    nock.activate();
  });
}
