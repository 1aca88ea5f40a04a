import { createServer, type Server } from 'node:https';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { O365OAuthMailerConfig } from '../config/types';
import { TokenSigner } from './access-token';
import { FederatedIssuer } from './client-assertion';
import { MANAGED_IDENTITY_PATH } from './managed-identity-route';
import { handleAuthority, isAuthorityPath } from './authority-routes';
import { GRAPH_APP_ID, type EmulatorContext, type RouteRequest } from './context';
import { Directory } from './directory';
import { AADSTS, entraError } from './entra-errors';
import { FaultController, type QueuedFault } from './faults';
import { GRAPH_MESSAGES, graphError } from './graph-errors';
import { handleGraph, isGraphPath } from './graph-routes';
import { header, jsonReply, readBody, readSomeThen, writeReply, type Reply } from './http-io';
import { newGuid, newSecretValue } from './ids';
import { handleMailboxUi, isMailboxUiPath } from './mailbox-api';
import { MailStore } from './mail-store';
import { MimeReader, requireMimeParser } from './mime-message';
import { EmlWriter } from './eml';
import { generateTlsMaterial } from './tls-certificate';
import type { Emulator, EmulatorLimits, EmulatorOptions, EmulatorRequestLogEntry, FederatedTokenOptions, IssueTokenOptions } from './types';
import { handleUpload, isUploadPath, outlookError } from './upload-routes';

const DEFAULT_LIMITS: Required<EmulatorLimits> = {
  maxRequestBytes: 4 * 1024 * 1024,
  maxChunkBytes: 4 * 1024 * 1024,
  minUploadSessionBytes: 2 * 1024 * 1024,
  maxUploadSessionBytes: 150 * 1024 * 1024,
  maxMessageBytes: 35 * 1024 * 1024,
};

type Area = EmulatorRequestLogEntry['area'];

function classify(path: string): Area | 'ui' {
  if (isMailboxUiPath(path)) return 'ui';
  if (isGraphPath(path)) return 'graph';
  if (isUploadPath(path)) return 'upload';
  if (isAuthorityPath(path)) return 'authority';
  return 'other';
}

function retryAfter(fault: QueuedFault): Record<string, string> {
  if (fault.retryAfterDate) return { 'retry-after': fault.retryAfterDate.toUTCString() };
  if (fault.retryAfterSeconds !== undefined) return { 'retry-after': String(fault.retryAfterSeconds) };
  return {};
}

/** The error reply a throttle / 503 / 504 fault gives, in the shape of the area it hits. */
function faultReply(ctx: EmulatorContext, request: RouteRequest, area: Area, fault: QueuedFault): Reply {
  const headers = retryAfter(fault);
  const status = fault.kind === 'throttle' ? 429 : fault.kind === 'unavailable' ? 503 : fault.kind === 'gatewayTimeout' ? 504 : 500;
  if (area === 'authority') {
    const ectx = { baseUrl: ctx.url, ...(request.clientRequestIdHeader ? { correlationId: request.clientRequestIdHeader } : {}) };
    return status === 429
      ? entraError(ectx, 429, 'temporarily_unavailable', 90055, AADSTS.throttled(), headers)
      : entraError(ectx, status, 'temporarily_unavailable', 90033, AADSTS.transient(), headers);
  }
  const [code, message] =
    status === 429
      ? ['ApplicationThrottled', GRAPH_MESSAGES.throttled]
      : status === 503
        ? ['ServiceUnavailable', GRAPH_MESSAGES.unavailable]
        : status === 504
          ? ['GatewayTimeout', GRAPH_MESSAGES.gatewayTimeout]
          : ['InternalServerError', 'An internal server error occurred. The operation failed.'];
  if (area === 'upload') return outlookError(request, status, code, message);
  return graphError(request.ids, status, code, message, headers);
}

/**
 * Starts a local emulator of Entra ID (token endpoint, OpenID metadata) and Microsoft Graph mail (sendMail,
 * drafts, attachments, upload sessions) on `https://127.0.0.1:{port}`, with a fresh self-signed certificate,
 * fault injection, captured messages and a mailbox page at `/`.
 *
 * It reads MIME requests with mailparser, an optional peer dependency: `npm install --save-dev mailparser`.
 *
 * @throws MailerError `CONFIG_INVALID` when mailparser is not installed (naming that command).
 * @example
 * ```ts
 * const emulator = await startEmulator();
 * const mailer = new O365OAuthMailer(emulator.mailerConfig());
 * await mailer.send({ to: 'ann@contoso.com', subject: 'Hi', text: 'Hello' });
 * expect(emulator.messages[0]?.subject).toBe('Hi');
 * await emulator.close();
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  requireMimeParser();
  const tls = options.tls ?? (await generateTlsMaterial());
  const directory = new Directory(options);
  const store = new MailStore();
  const signer = new TokenSigner();
  const faults = new FaultController();
  const requests: EmulatorRequestLogEntry[] = [];
  const hung = new Set<ServerResponse>();
  const logger = options.logger;
  const inFlight = new Map<string, number>();
  const peaks = new Map<string, number>();
  const latency = options.latencyMs;
  const ctx: EmulatorContext = {
    url: '',
    directory,
    store,
    signer,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    counters: { tokenRequests: 0, tokensIssued: 0 },
    graphAudiences: [],
    federatedIssuer: new FederatedIssuer(''),
    identityHeader: newSecretValue(),
    mime: new MimeReader(),
    eml: new EmlWriter(),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    let parsed: URL;
    try {
      parsed = new URL(req.url ?? '/', ctx.url);
    } catch {
      writeReply(res, jsonReply(400, { error: 'bad_request' }));
      return;
    }
    const path = parsed.pathname;
    const area = classify(path);
    const clientRequestIdHeader = header(req, 'client-request-id');
    const requestId = newGuid();
    const request: RouteRequest = {
      req,
      method,
      path,
      query: parsed.searchParams,
      ids: { requestId, clientRequestId: clientRequestIdHeader ?? requestId },
      ...(clientRequestIdHeader !== undefined ? { clientRequestIdHeader } : {}),
    };
    if (area === 'ui') {
      await readBody(req, 64 * 1024);
      writeReply(res, await handleMailboxUi(ctx, request));
      return;
    }

    const entry: EmulatorRequestLogEntry = {
      method,
      path,
      hasAuthorization: req.headers.authorization !== undefined,
      status: 0,
      area,
      at: new Date(),
    };
    requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      logger?.debug?.('emulator request', { method, path, status: res.statusCode });
    });
    const faultRequest = { method, path, area };

    // In flight for a mailbox: from the request's arrival until its answer is written (or the connection closes).
    let answered = (): void => undefined;
    const mailbox = area === 'graph' ? /^\/[^/]+\/users\/([^/]+)/i.exec(path)?.[1] : undefined;
    if (mailbox !== undefined) {
      const key = safeDecode(mailbox).toLowerCase();
      const now = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, now);
      peaks.set(key, Math.max(peaks.get(key) ?? 0, now));
      let done = false;
      answered = () => {
        if (done) return;
        done = true;
        inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
      };
      res.on('close', answered);
    }
    const delay = typeof latency === 'number' ? latency : latency ? latency[0] + Math.random() * (latency[1] - latency[0]) : 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));

    const before = faults.takeBefore(faultRequest);
    if (before) {
      entry.fault = before.kind;
      logger?.debug?.('emulator fault', { kind: before.kind, method, path });
      if (before.kind === 'hang') {
        hung.add(res);
        res.on('close', () => hung.delete(res));
        req.resume();
        return;
      }
      if (before.kind === 'failChunk' && before.mode === 'drop') {
        const length = Number(header(req, 'content-length') ?? '0');
        readSomeThen(req, Math.max(1, Math.floor(length / 2)), () => req.socket.destroy());
        return;
      }
      await readBody(req, 0);
      answered();
      writeReply(res, faultReply(ctx, request, area, before));
      return;
    }

    let reply: Reply;
    if (area === 'authority') reply = await handleAuthority(ctx, request);
    else if (area === 'graph') reply = await handleGraph(ctx, request);
    else if (area === 'upload') reply = await handleUpload(ctx, request);
    else {
      await readBody(req, 0);
      reply = jsonReply(404, { error: 'not_found', error_description: `The emulator has no endpoint ${method} ${path}.` });
    }

    if (reply.status >= 200 && reply.status < 300) {
      const after = faults.takeAfter(faultRequest);
      if (after) {
        entry.fault = after.kind;
        logger?.debug?.('emulator fault', { kind: after.kind, method, path });
        if (after.kind === 'dropAfterAccept') {
          req.socket.destroy();
          return;
        }
        reply = faultReply(ctx, request, area, after);
      }
    }
    answered();
    writeReply(res, reply);
  }

  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger?.error?.('emulator internal error', { message: error instanceof Error ? error.message : String(error) });
      writeReply(res, jsonReply(500, { error: 'emulator_error' }));
    });
  });
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_error, socket) => socket.destroy());

  await listen(server, options.port ?? 0);
  const { port } = server.address() as AddressInfo;
  ctx.url = `https://127.0.0.1:${port}`;
  // The mailbox page (and only it) over plain HTTP on loopback, for a browser without a certificate warning.
  let httpServer: ReturnType<typeof createHttpServer> | undefined;
  let httpUrl: string | undefined;
  if (options.httpPort !== undefined) {
    httpServer = createHttpServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (!isMailboxUiPath(path)) {
        writeReply(res, jsonReply(404, { error: 'not_found', error_description: `Only the mailbox page and its API are served over HTTP; Entra ID and Graph are at ${ctx.url}.` }));
        return;
      }
      handle(req, res).catch(() => writeReply(res, jsonReply(500, { error: 'emulator_error' })));
    });
    try {
      await listen(httpServer, options.httpPort);
    } catch (error) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
    httpUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  }
  ctx.graphAudiences = [ctx.url, GRAPH_APP_ID];
  ctx.federatedIssuer = new FederatedIssuer(`${ctx.url}/federation`);
  logger?.info?.('emulator listening', { url: ctx.url });

  const defaultTenant = directory.tenants[0]!;
  const defaultApp = directory.apps.find((a) => a.managedIdentity === undefined);
  const firstIdentity = directory.apps.find((a) => a.managedIdentity !== undefined);
  const defaultSecret = defaultApp?.secrets[0];
  const defaultMailbox = directory.mailboxes[0];

  function releaseHung(): void {
    for (const res of hung) res.socket?.destroy();
    hung.clear();
  }

  const emulator: Emulator = {
    url: ctx.url,
    ca: tls.cert,
    httpUrl,
    tenantId: defaultTenant.id,
    tenantDomain: defaultTenant.domains[0],
    clientId: defaultApp?.clientId ?? '',
    clientSecret: defaultSecret?.value ?? '',
    secretId: defaultSecret?.id ?? '',
    sender: defaultMailbox?.address ?? '',
    identityEndpoint: `${ctx.url}${MANAGED_IDENTITY_PATH}`,
    identityHeader: ctx.identityHeader,
    managedIdentityClientId: firstIdentity?.clientId ?? '',
    get federatedIssuer() {
      return ctx.federatedIssuer.issuer;
    },
    issueFederatedToken(tokenOptions: FederatedTokenOptions): string {
      return ctx.federatedIssuer.issue(tokenOptions);
    },
    mailerConfig(overrides: Partial<O365OAuthMailerConfig> = {}): O365OAuthMailerConfig {
      // Another credential in the overrides replaces the default app's secret (a mailer takes exactly one).
      const otherCredential = (['secretStore', 'clientCertificate', 'clientAssertion', 'federatedTokenFile', 'managedIdentity'] as const).some(
        (k) => overrides[k] !== undefined,
      );
      return {
        authType: 'oauth2',
        tenantId: emulator.tenantId,
        clientId: emulator.clientId,
        ...(otherCredential ? {} : { clientSecret: emulator.clientSecret }),
        sender: emulator.sender,
        cloud: { authorityHost: ctx.url, graphEndpoint: ctx.url },
        tls: { ca: tls.cert },
        ...overrides,
      };
    },
    get messages() {
      return store.messages;
    },
    get drafts() {
      return [...store.drafts.keys()];
    },
    get requests() {
      return requests;
    },
    get tokenRequests() {
      return ctx.counters.tokenRequests;
    },
    get tokensIssued() {
      return ctx.counters.tokensIssued;
    },
    peakInFlight(mailbox?: string): number {
      if (mailbox !== undefined) return peaks.get(mailbox.toLowerCase()) ?? 0;
      return Math.max(0, ...peaks.values());
    },
    faults,
    grant(clientId: string, roles: string[]): void {
      directory.grant(clientId, roles);
    },
    updateApp(clientId, patch): void {
      directory.updateApp(clientId, patch);
    },
    updateMailbox(address, patch): void {
      directory.updateMailbox(address, patch);
    },
    issueToken(tokenOptions: IssueTokenOptions = {}): string {
      const app = directory.findAppAnywhere(tokenOptions.clientId ?? emulator.clientId);
      if (!app) throw new Error(`The emulator has no app with client ID ${tokenOptions.clientId ?? emulator.clientId}`);
      return signer.sign({
        audience: tokenOptions.audience ?? ctx.url,
        tenantId: tokenOptions.tenantId ?? app.tenantId,
        clientId: app.clientId,
        appDisplayName: app.displayName,
        servicePrincipalId: app.servicePrincipalId,
        roles: tokenOptions.roles ?? app.roles,
        lifetimeSeconds: tokenOptions.expiresInSeconds ?? ctx.tokenLifetimeSeconds,
      }).token;
    },
    reset(): void {
      store.reset();
      faults.clear();
      requests.length = 0;
      ctx.counters.tokenRequests = 0;
      ctx.counters.tokensIssued = 0;
      peaks.clear();
      directory.reset();
      releaseHung();
    },
    close(): Promise<void> {
      const closing = [server, ...(httpServer ? [httpServer] : [])].map(
        (srv) =>
          new Promise<void>((resolve) => {
            srv.close(() => resolve());
            srv.closeAllConnections();
          }),
      );
      releaseHung();
      return Promise.all(closing).then(() => undefined);
    },
  };
  return emulator;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Listens on 127.0.0.1. A port in use rejects with an error that says so in words (its `code` stays `EADDRINUSE`),
 * not a bare `listen EADDRINUSE`.
 */
function listen(server: { listen(port: number, host: string, cb: () => void): unknown; once(e: 'error', l: (e: Error) => void): unknown; off(e: 'error', l: (e: Error) => void): unknown }, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        const clear = new Error(`Port ${port} on 127.0.0.1 is already in use (another emulator, or another program). Choose another port, or 0 for a free one.`);
        Object.assign(clear, { code: 'EADDRINUSE', port });
        reject(clear);
        return;
      }
      reject(error);
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}
