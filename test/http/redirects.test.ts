import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer } from '../../src/index';
import { SECRET, TENANT } from '../helpers/microsoft';
import { authorityServer, httpServer, httpsServer, json, localConfig, makeCert, rejectionOf, type LocalServer, type TestCert } from '../reliability/helpers';

/**
 * The attack: Graph's or Entra's address answers 307 to a plain-http host it controls. Before, fetch followed it and
 * re-sent the message (or the client secret) in clear text, and send() reported the mail accepted.
 */
let cert: TestCert;
const open: Array<{ close(): Promise<void> }> = [];
let evil: LocalServer;

beforeAll(async () => {
  cert = await makeCert();
  evil = await httpServer((_req, res) => json(res, 202, undefined));
});
afterAll(async () => {
  await evil.close();
});
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close();
  evil.received.length = 0;
});

const mail = { to: 'ann@contoso.com', subject: 'Quarterly numbers', text: 'Confidential body' };

describe('redirects are never followed', () => {
  it.each([301, 302, 307, 308])('sendMail answered %i → NETWORK, not retried, nothing reaches the other host, no "accepted"', async (status) => {
    const authority = await authorityServer(cert);
    const graph = await httpsServer(cert, (_req, res) => {
      res.writeHead(status, { location: `${evil.origin}/v1.0/steal?x=1` });
      res.end();
    });
    open.push(authority, graph);
    const mailer = new O365OAuthMailer(localConfig(cert, authority, graph, { retry: { maxRetries: 3, maxDelayMs: 10 } }));
    open.push(mailer);
    const err = (await rejectionOf(mailer.send(mail))) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('NETWORK');
    expect(err.status).toBe(status);
    expect(err.retriable).toBe(false);
    expect(err.message).toContain(`a redirect to ${evil.origin}`);
    expect(err.message).toMatch(/Sent Items/);
    expect(err.fix).toMatch(/proxy/);
    expect(graph.received).toHaveLength(1);
    expect(evil.received).toHaveLength(0);
  });

  it('the token endpoint answering 307 → NETWORK, the client secret never reaches the other host, no Graph request', async () => {
    const authority = await authorityServer(cert, {
      tokenHandler: (_req, res) => {
        res.writeHead(307, { location: `${evil.origin}/${TENANT}/oauth2/v2.0/token` });
        res.end();
      },
    });
    const graph = await httpsServer(cert, (_req, res) => json(res, 202, undefined));
    open.push(authority, graph);
    const mailer = new O365OAuthMailer(localConfig(cert, authority, graph));
    open.push(mailer);
    const err = (await rejectionOf(mailer.send(mail))) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('NETWORK');
    expect(err.message).toContain('requesting a token');
    expect(err.message).toContain(`a redirect to ${evil.origin}`);
    expect(evil.received).toHaveLength(0);
    expect(graph.received).toHaveLength(0);
    expect(JSON.stringify({ ...err.toJSON(), stack: err.stack })).not.toContain(SECRET);
  });

  it('an upload session answering 307 → the upload fails, nothing goes to the other host, the draft is deleted', async () => {
    const authority = await authorityServer(cert, { token: (await import('../reliability/draft-fakes')).READ_WRITE_TOKEN });
    const upload = await httpServer((_req, res) => {
      res.writeHead(307, { location: `${evil.origin}/upload` });
      res.end();
    });
    const deletes: string[] = [];
    const graph = await httpsServer(cert, (req, res) => {
      if (req.method === 'POST' && req.path.endsWith('/messages')) return json(res, 201, { id: 'draft-1' });
      if (req.method === 'POST' && req.path.endsWith('/createUploadSession')) return json(res, 201, { uploadUrl: `${upload.origin}/up?authtoken=t0k3n` });
      if (req.method === 'DELETE') {
        deletes.push(req.path);
        return json(res, 204, undefined);
      }
      json(res, 500, { error: { code: 'Unexpected', message: req.path } });
    });
    open.push(authority, graph, upload);
    const mailer = new O365OAuthMailer(localConfig(cert, authority, graph, { retry: { maxRetries: 1, maxDelayMs: 10 } }));
    open.push(mailer);
    const err = (await rejectionOf(mailer.send({ ...mail, attachments: [{ filename: 'big.bin', content: Buffer.alloc(5 * 1024 * 1024, 1) }] }))) as MailerError;
    expect(err).toBeInstanceOf(MailerError);
    expect(err.message).toMatch(/HTTP 307/);
    // A redirect, named as such (NETWORK with the redirect's host and a fix about what answered in Outlook's place), not UNKNOWN.
    expect(err.code).toBe('NETWORK');
    expect(err.retriable).toBe(true);
    expect(err.message).toContain(`uploading big.bin, the server answered HTTP 307, a redirect to ${evil.origin}`);
    expect(err.message).toContain('nothing was sent');
    expect(err.fix).toMatch(/proxy, firewall or captive portal/);
    expect(JSON.stringify({ ...err.toJSON(), stack: err.stack })).not.toContain('t0k3n');
    expect(evil.received).toHaveLength(0);
    // One PUT: neither followed nor retried; then the draft is deleted and never sent.
    expect(upload.received.filter((r) => r.method === 'PUT')).toHaveLength(1);
    expect(deletes).toHaveLength(1);
    expect(graph.received.filter((r) => r.path.endsWith('/send'))).toEqual([]);
  });
});
