import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer } from '../../src/index';
import { READ_WRITE_TOKEN, USER_PATH, UploadServer } from './draft-fakes';
import {
  LOCAL_SEND_PATH,
  authorityServer,
  httpsServer,
  json,
  localConfig,
  makeCert,
  rejectionOf,
  type LocalServer,
  type TestCert,
  withRealSockets,
} from './helpers';

// Real sockets, real TLS: the failures are produced by a local server, not simulated inside the client.
withRealSockets();
let cert: TestCert;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  cert = await makeCert();
});

afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close();
});

async function servers(graphHandler: Parameters<typeof httpsServer>[1], auth: Parameters<typeof authorityServer>[1] = {}) {
  const authority = await authorityServer(cert, auth);
  const graph = await httpsServer(cert, graphHandler);
  open.push(authority, graph);
  return { authority, graph };
}

function mailerFor(authority: LocalServer, graph: LocalServer, overrides: Record<string, unknown> = {}) {
  const mailer = new O365OAuthMailer(localConfig(cert, authority, graph, { retry: { maxRetries: 3, maxDelayMs: 20 }, ...overrides }));
  open.push(mailer);
  return mailer;
}

const mail = { to: 'ann@contoso.com', subject: 'Report', text: 'Attached.' };

describe('connection failures before the request was written are retried', () => {
  it('a connection reset during the TLS handshake is retried on a new connection, then the mail goes once', async () => {
    const { authority, graph } = await servers((req, res) => {
      res.writeHead(202, { 'request-id': 'rid-ok' });
      res.end();
    });
    // The first two TCP connections to Graph are torn down before the TLS handshake completes.
    graph.onConnection = (socket, index) => {
      if (index < 2) {
        socket.destroy();
        return true;
      }
      return false;
    };
    const mailer = mailerFor(authority, graph);
    const result = await mailer.send(mail);
    expect(result.attempts).toBe(3);
    expect(result.requestId).toBe('rid-ok');
    expect(graph.connections).toBe(3);
    // Only one request was ever written: one mail.
    expect(graph.received.map((r) => `${r.method} ${r.path}`)).toEqual([`POST ${LOCAL_SEND_PATH}`]);
    expect(graph.received[0]?.headers.authorization).toMatch(/^Bearer eyJ/);
  });

  it('a reset during every handshake ends in NETWORK (retriable) after exactly maxRetries + 1 connections, nothing written', async () => {
    const { authority, graph } = await servers((_req, res) => json(res, 202, undefined));
    graph.onConnection = (socket) => {
      socket.destroy();
      return true;
    };
    const mailer = mailerFor(authority, graph, { retry: { maxRetries: 2, maxDelayMs: 20 } });
    const err = (await rejectionOf(mailer.send(mail))) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('NETWORK');
    expect(err.retriable).toBe(true);
    expect(graph.connections).toBe(3);
    expect(graph.received).toEqual([]);
  });

  it('a Graph certificate the mailer does not trust fails the TLS handshake: retried, then NETWORK, nothing written', async () => {
    const authority = await authorityServer(cert);
    const stranger = await makeCert();
    const graph = await httpsServer(stranger, (_req, res) => json(res, 202, undefined));
    open.push(authority, graph);
    const mailer = mailerFor(authority, graph, { retry: { maxRetries: 2, maxDelayMs: 20 } });
    const err = (await rejectionOf(mailer.send(mail))) as MailerError;
    expect(err.code).toBe('NETWORK');
    expect(err.retriable).toBe(true);
    expect(err.message).toMatch(/self-signed|certificate|SELF_SIGNED/i);
    expect(graph.connections).toBe(3);
    expect(graph.received).toEqual([]);
  });

  it('a refused connection (nothing listening) is retried and ends in NETWORK', async () => {
    const authority = await authorityServer(cert);
    open.push(authority);
    // A port that was free a moment ago: nothing listens on it.
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const warnings: string[] = [];
    const mailer = new O365OAuthMailer(
      localConfig(cert, authority, { port } as LocalServer, {
        retry: { maxRetries: 2, maxDelayMs: 20 },
        logger: { warn: (message: string) => warnings.push(message) },
      }),
    );
    open.push(mailer);
    const err = (await rejectionOf(mailer.send(mail))) as MailerError;
    expect(err.code).toBe('NETWORK');
    expect(err.retriable).toBe(true);
    expect(err.message).toMatch(/ECONNREFUSED/);
    // Two retries, each announced: three attempts in all.
    expect(warnings).toHaveLength(2);
    expect(warnings.every((w) => /nothing was sent, retrying/.test(w))).toBe(true);
  });
});

describe('ambiguous outcomes are never repeated', () => {
  it('a connection destroyed after the whole sendMail request was read → DELIVERY_UNKNOWN after exactly one request', async () => {
    const { authority, graph } = await servers((_req, _res, raw) => {
      raw.socket.destroy();
    });
    const mailer = mailerFor(authority, graph);
    const err = (await rejectionOf(mailer.send(mail))) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('DELIVERY_UNKNOWN');
    expect(err.retriable).toBe(false);
    expect(err.message).toMatch(/may have been sent/);
    expect(err.message).toMatch(/Sent Items/);
    expect(graph.received).toHaveLength(1);
    expect(graph.received[0]?.path).toBe(LOCAL_SEND_PATH);
    expect(JSON.parse(graph.received[0]!.body.toString()).message.subject).toBe('Report');
  });

  it('a sendMail request that is never answered → DELIVERY_UNKNOWN after timeoutMs, exactly one request', async () => {
    // The first mail is answered (it warms the token and the connection, so that the time limit meets only the
    // Graph request); the second is never answered.
    const { authority, graph } = await servers((_req, res) => {
      if (graph.received.length === 1) json(res, 202, undefined);
    });
    const mailer = mailerFor(authority, graph, { timeoutMs: 1_000 });
    // The warm-up's cold token request falls under the same limit: on a loaded machine it may time out, which is
    // retriable and sends nothing. Warm up until it succeeds (the event), rather than hoping it fits the limit.
    for (let tries = 1; ; tries++) {
      const warm = await mailer.send(mail).then(() => undefined, (e: MailerError) => e);
      if (!warm) break;
      expect(warm.code).toBe('TIMEOUT');
      expect(graph.received).toHaveLength(0);
      if (tries === 10) throw warm;
    }
    const started = performance.now();
    const err = (await rejectionOf(mailer.send(mail))) as MailerError;
    const elapsed = performance.now() - started;
    expect(err.code).toBe('DELIVERY_UNKNOWN');
    expect(err.retriable).toBe(false);
    expect(err.message).toMatch(/may have been sent/);
    expect(err.message).toMatch(/Sent Items/);
    expect(graph.received).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(4_000);
  });

  it('a 502 from the server after sendMail was written → DELIVERY_UNKNOWN, exactly one request', async () => {
    const { authority, graph } = await servers((_req, res) => json(res, 502, { error: { code: 'BadGateway', message: 'Bad gateway' } }));
    const mailer = mailerFor(authority, graph);
    const err = (await rejectionOf(mailer.send(mail))) as MailerError;
    expect(err.code).toBe('DELIVERY_UNKNOWN');
    expect(err.status).toBe(502);
    expect(graph.received).toHaveLength(1);
  });
});

describe('timeoutMs applies to token requests', () => {
  it('a token endpoint that never answers → TIMEOUT (retriable) after timeoutMs, and no Graph request', async () => {
    const { authority, graph } = await servers((_req, res) => json(res, 202, undefined), {
      tokenHandler: () => {
        /* never answers */
      },
    });
    // 1 s: enough for the metadata request and the TLS handshakes on a loaded machine; the token POST never answers.
    const mailer = mailerFor(authority, graph, { timeoutMs: 1_000 });
    const started = performance.now();
    const err = (await rejectionOf(mailer.send(mail))) as MailerError;
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(err.retriable).toBe(true);
    expect(elapsed).toBeLessThan(5_000);
    expect(authority.received.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(graph.received).toEqual([]);
    expect(graph.connections).toBe(0);
  });
});

describe('a lost /send reply on the draft route (real sockets)', () => {
  it('the first /send connection is destroyed after the request was read; the second /send answers 404 ErrorItemNotFound → resolved, exactly two /send', async () => {
    const upload = await new UploadServer().listen();
    open.push(upload);
    const sends: string[] = [];
    const { authority, graph } = await servers(
      (req, res, raw) => {
        const path = req.path;
        if (req.method === 'POST' && path === `${USER_PATH}/messages`) return json(res, 201, { id: 'AAMkDraft=' });
        if (req.method === 'POST' && path.endsWith('/attachments/createUploadSession')) {
          return json(res, 201, { uploadUrl: upload.create(JSON.parse(req.body.toString()).AttachmentItem.size), nextExpectedRanges: ['0-'] });
        }
        if (req.method === 'POST' && path.endsWith('/send')) {
          sends.push(path);
          if (sends.length === 1) return void raw.socket.destroy();
          return json(res, 404, { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } });
        }
        return json(res, 400, { error: { code: 'BadRequest', message: `unexpected ${req.method} ${path}` } });
      },
      { token: READ_WRITE_TOKEN },
    );
    const mailer = mailerFor(authority, graph);
    const result = await mailer.send({ ...mail, attachments: [{ filename: 'big.bin', content: Buffer.alloc(3_500_000, 7) }] });
    expect(result.route).toBe('draft');
    expect(result.attempts).toBe(2);
    expect(sends).toEqual([`${USER_PATH}/messages/AAMkDraft%3D/send`, `${USER_PATH}/messages/AAMkDraft%3D/send`]);
    expect(upload.puts.map((p) => p.contentRange)).toEqual(['bytes 0-3499999/3500000']);
    expect(graph.received.filter((r) => r.method === 'DELETE')).toEqual([]);
    // The bearer token reached the custom Graph host (customHosts without the port), never the upload URL.
    expect(graph.received.every((r) => /^Bearer eyJ/.test(String(r.headers.authorization)))).toBe(true);
    expect(upload.puts[0]?.authorization).toBeUndefined();
  });
});
