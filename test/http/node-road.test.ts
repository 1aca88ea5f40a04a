import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpClient } from '../../src/http/http-client';
import { TransportError } from '../../src/http/transport-error';
import { httpServer, httpsServer, makeCert, rejectionOf, withRealSockets, type LocalServer, type TestCert } from '../reliability/helpers';

// The node:https road of HttpClient (text bodies, no proxy), against real local servers over real sockets.
withRealSockets();
let cert: TestCert;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  cert = await makeCert();
});

afterEach(async () => {
  vi.unstubAllGlobals();
  for (const thing of open.splice(0)) await thing.close();
});

/** The server side of the last connection made to `server`. */
function lastConnection(server: LocalServer): { socket: Socket | undefined } {
  const seen: { socket: Socket | undefined } = { socket: undefined };
  server.onConnection = (socket) => {
    seen.socket = socket;
    return false;
  };
  return seen;
}

/**
 * A client with a short time limit whose connection to `server` is already up (its answer to GET /warm), so a
 * limit that passes later can only pass after the request was written, however slow the TLS handshake is on a busy
 * machine. A warm-up that itself ran out of time (a handshake slower than the limit) is tried again.
 */
async function warmClient(server: LocalServer, timeoutMs = 1000): Promise<HttpClient> {
  const http = client(timeoutMs);
  for (let attempt = 1; ; attempt++) {
    try {
      await http.request({ method: 'GET', url: `${server.origin}/warm` });
      return http;
    } catch (err) {
      if (attempt === 5) throw err;
    }
  }
}

function client(timeoutMs = 10_000): HttpClient {
  const http = new HttpClient({ timeoutMs, ca: cert.cert });
  open.push(http);
  return http;
}

describe('HttpClient: text bodies go by node:https', () => {
  it('sends the body once with its length, keeps one connection alive across requests, and never calls fetch', async () => {
    const fetchSpy = vi.fn(() => Promise.reject(new Error('fetch must not be used')));
    vi.stubGlobal('fetch', fetchSpy);
    const server = await httpsServer(cert, (req, res) => {
      res.writeHead(202, { 'request-id': `rid-${server.received.length}` });
      res.end();
    });
    open.push(server);
    const http = client();
    const body = JSON.stringify({ message: { subject: 'Grüße' } });
    for (let i = 0; i < 3; i++) {
      const res = await http.request({ method: 'POST', url: `${server.origin}/v1.0/users/x/sendMail`, headers: { 'Content-Type': 'application/json' }, body });
      expect(res.status).toBe(202);
      expect(res.headers.get('Request-Id')).toBe(`rid-${i + 1}`);
    }
    expect(server.received.map((r) => r.body.toString())).toEqual([body, body, body]);
    expect(server.received[0]!.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(server.received[0]!.headers['content-type']).toBe('application/json');
    expect(server.connections).toBe(1);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('sends bytes and streams as they are, with their Content-Length, in several writes', async () => {
    const server = await httpsServer(cert, (req, res) => {
      res.writeHead(200);
      res.end(String(req.body.length));
    });
    open.push(server);
    const http = client();
    // Larger than one write (1 MiB), so the views are written one after another as the socket drains.
    const bytes = randomBytes(2.5 * 1024 * 1024);
    const sent = await http.request({ method: 'PUT', url: `${server.origin}/bytes`, headers: { 'Content-Length': String(bytes.length) }, body: bytes });
    expect(sent.text).toBe(String(bytes.length));
    expect(server.received[0]!.body.equals(bytes)).toBe(true);
    const parts = [randomBytes(70_000), randomBytes(5), randomBytes(300_000)];
    const streamed = await http.request({ method: 'PUT', url: `${server.origin}/stream`, headers: { 'Content-Length': '370005' }, body: Readable.from(parts) });
    expect(streamed.text).toBe('370005');
    expect(server.received[1]!.body.equals(Buffer.concat(parts))).toBe(true);
    expect(server.received[1]!.headers['content-length']).toBe('370005');
  });

  it('a body stream that fails stops the request; one still open when the time limit passes is destroyed', async () => {
    const server = await httpsServer(cert, (req, res) => {
      res.writeHead(200);
      res.end();
    });
    open.push(server);
    const http = await warmClient(server);
    const failing = new Readable({
      read() {
        this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
      },
    });
    const err = await rejectionOf(http.request({ method: 'PUT', url: `${server.origin}/x`, headers: { 'Content-Length': '10' }, body: failing }));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toMatch(/EIO/);
    // A stream that never ends: the time limit stops the request and destroys the stream (a file stays open otherwise).
    const endless = new Readable({ read() {} });
    endless.push(Buffer.from('abc'));
    const timedOut = await rejectionOf((await warmClient(server)).request({ method: 'PUT', url: `${server.origin}/y`, headers: { 'Content-Length': '10' }, body: endless }));
    expect(timedOut).toMatchObject({ failure: 'timeout' });
    expect(endless.destroyed).toBe(true);
    expect(server.received.map((r) => r.path)).toEqual(['/warm', '/warm']);
  });

  it('reads the answer as fetch would: text without a byte order mark, repeated headers joined, a 3xx not followed', async () => {
    const server = await httpServer((req, res) => {
      if (req.path === '/moved') {
        res.writeHead(302, { location: 'https://elsewhere.example/' });
        res.end();
        return;
      }
      res.setHeader('x-twice', ['a', 'b']);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('\ufeff{"ok":"ä"}');
    });
    open.push(server);
    const http = client();
    const res = await http.request({ method: 'GET', url: `${server.origin}/json` });
    expect(res.text).toBe('{"ok":"ä"}');
    expect(res.headers.get('x-twice')).toBe('a, b');
    const seen: Record<string, string> = {};
    res.headers.forEach((value, name) => (seen[name] = value));
    expect(seen).toMatchObject({ 'content-type': 'application/json', 'x-twice': 'a, b' });
    const moved = await http.request({ method: 'POST', url: `${server.origin}/moved`, body: 'x' });
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe('https://elsewhere.example/');
    expect(server.received.map((r) => r.path)).toEqual(['/json', '/moved']);
    expect(server.received[1]!.headers['content-type']).toBe('text/plain;charset=UTF-8');
  });

  it('stops a request that outlives its time limit as a timeout (maybe sent), and closes its connection', async () => {
    const server = await httpsServer(cert, (req, res) => {
      // Answers only the warm-up.
      if (req.path === '/warm') res.end();
    });
    open.push(server);
    const connection = lastConnection(server);
    const http = await warmClient(server);
    const err = await rejectionOf(http.request({ method: 'POST', url: `${server.origin}/v1.0/users/x/sendMail`, body: '{}' }));
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ failure: 'timeout', notSent: false, message: 'No complete answer within 1000 ms.' });
    expect(server.received.at(-1)!.path).toBe('/v1.0/users/x/sendMail');
    if (!connection.socket!.destroyed) await once(connection.socket!, 'close');
  });

  it('calls a connection that never finishes its TLS handshake "not sent" when the time limit passes', async () => {
    // Accepts TCP and then says nothing: the client's TLS hello is never answered.
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    open.push({
      close: () => {
        for (const s of sockets) s.destroy();
        return new Promise<void>((resolve) => silent.close(() => resolve()));
      },
    });
    const { port } = silent.address() as AddressInfo;
    const err = await rejectionOf(client(300).request({ method: 'POST', url: `https://127.0.0.1:${port}/v1.0/users/x/sendMail`, body: '{}' }));
    expect(err).toMatchObject({ failure: 'connect', notSent: true, message: 'No connection within 300 ms.' });
  });

  it('calls a connection reset during the TLS handshake "not sent"', async () => {
    const server = await httpsServer(cert, () => {
      throw new Error('no request can arrive');
    });
    open.push(server);
    server.onConnection = (socket) => {
      socket.destroy();
      return true;
    };
    const err = await rejectionOf(client().request({ method: 'POST', url: `${server.origin}/x`, body: '{}' }));
    expect(err).toMatchObject({ failure: 'connect', notSent: true });
    expect(server.received).toHaveLength(0);
  });

  it('calls a refused connection "not sent"', async () => {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await rejectionOf(client().request({ method: 'GET', url: `https://127.0.0.1:${port}/` }));
    expect(err).toMatchObject({ failure: 'connect', notSent: true });
    expect(err.message).toMatch(/^ECONNREFUSED/);
  });

  it("stops a request when the caller's signal fires, as aborted, and closes its connection", async () => {
    const server = await httpsServer(cert, () => {
      controller.abort();
    });
    open.push(server);
    const controller = new AbortController();
    const connection = lastConnection(server);
    const err = await rejectionOf(client().request({ method: 'POST', url: `${server.origin}/x`, body: '{}', signal: controller.signal }));
    expect(err).toMatchObject({ failure: 'aborted' });
    if (!connection.socket!.destroyed) await once(connection.socket!, 'close');
    // Already aborted: nothing is sent at all.
    const again = await rejectionOf(client().request({ method: 'POST', url: `${server.origin}/x`, body: '{}', signal: controller.signal }));
    expect(again).toMatchObject({ failure: 'aborted' });
    expect(server.received).toHaveLength(1);
  });

  it('calls a connection broken after the request was written "maybe sent"', async () => {
    const server = await httpsServer(cert, (req, res, raw) => {
      raw.socket.destroy();
    });
    open.push(server);
    const err = await rejectionOf(client().request({ method: 'POST', url: `${server.origin}/x`, body: '{}' }));
    expect(err).toMatchObject({ failure: 'reset', notSent: false });
    expect(server.received).toHaveLength(1);
  });

  it('a broken answer halfway through its body is a failure, not a short text', async () => {
    const server = await httpsServer(cert, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setImmediate(() => res.socket?.destroy());
    });
    open.push(server);
    const err = await rejectionOf(client().request({ method: 'GET', url: `${server.origin}/x` }));
    expect(err).toMatchObject({ failure: 'reset' });
  });

  it('an answer before the whole body was written ends the request: the body stream is destroyed, nothing keeps writing', async () => {
    // Answers 413 as soon as the headers arrive, without reading the body (as a server refusing an upload does).
    const early = createHttpsServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"RequestEntityTooLarge"}}');
    });
    await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => early.close(() => resolve())).then(() => undefined) });
    early.on('connection', (socket: Socket) => open.push({ close: async () => void socket.destroy() }));
    const endless = new Readable({ read() {} });
    endless.push(Buffer.alloc(64 * 1024));
    const { port } = early.address() as AddressInfo;
    const res = await client().request({ method: 'PUT', url: `https://127.0.0.1:${port}/upload`, headers: { 'Content-Length': String(1024 * 1024 * 1024) }, body: endless });
    expect(res.status).toBe(413);
    expect(endless.destroyed).toBe(true);
  });

  it("an observer that throws (a user's logger) changes nothing: the answer still arrives", async () => {
    const server = await httpsServer(cert, (req, res) => {
      res.writeHead(202);
      res.end();
    });
    open.push(server);
    const ends: string[] = [];
    const http = new HttpClient({
      timeoutMs: 10_000,
      ca: cert.cert,
      observer: () => (end) => {
        ends.push(String(end.status));
        throw new Error('logger broke');
      },
    });
    open.push(http);
    const res = await http.request({ method: 'POST', url: `${server.origin}/x`, body: '{}' });
    expect(res.status).toBe(202);
    expect(ends).toEqual(['202']);
  });

  it('close() lets a request under way finish, then closes its connection', async () => {
    let answer: () => void = () => {};
    let arrived: () => void = () => {};
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = await httpsServer(cert, (req, res) => {
      answer = () => {
        res.writeHead(200);
        res.end('done');
      };
      arrived();
    });
    open.push(server);
    const connection = lastConnection(server);
    const http = new HttpClient({ timeoutMs: 10_000, ca: cert.cert });
    const pending = http.request({ method: 'POST', url: `${server.origin}/x`, body: '{}' });
    await requestArrived;
    await http.close();
    const closed = once(connection.socket!, 'close');
    answer();
    expect((await pending).text).toBe('done');
    await closed;
  });

  it('close() closes the idle keep-alive connection', async () => {
    const server = await httpsServer(cert, (req, res) => {
      res.writeHead(204);
      res.end();
    });
    open.push(server);
    const connection = lastConnection(server);
    const http = new HttpClient({ timeoutMs: 10_000, ca: cert.cert });
    await http.request({ method: 'GET', url: `${server.origin}/x` });
    expect(connection.socket!.destroyed).toBe(false);
    const closed = once(connection.socket!, 'close');
    await http.close();
    await closed;
  });
});
