import { createHash, type Hash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import nock from 'nock';
import { GRAPH, SENDER, fakeJwt, graphError, tokenEndpoint, tokenReply } from '../helpers/microsoft';

/** The token of an app with Mail.Send and Mail.ReadWrite (application permissions). */
export const READ_WRITE_TOKEN = fakeJwt({ roles: ['Mail.Send', 'Mail.ReadWrite'] });
export const USER_PATH = `/v1.0/users/${encodeURIComponent(SENDER)}`;
/** The secret an upload URL carries; it must never leave in a log or an error. */
export const AUTHTOKEN = 'UPLOADSECRET-eyJ0eXAi-abc';

/** Tracks requests in flight across every fake, to prove the mailbox limit covers them all. */
export class InFlight {
  now = 0;
  max = 0;
  enter(): void {
    this.now++;
    this.max = Math.max(this.max, this.now);
  }
  leave(): void {
    this.now--;
  }
}

export const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What a PUT fault does: answer normally, answer 500, drop the connection (before or after storing), hang, or
 * answer 200 without storing, still expecting the same range (a stuck session).
 */
export type Fault = 'ok' | '500' | 'drop-before-store' | 'drop-after-store' | 'hang' | 'stuck';

export interface PutRecord {
  session: string;
  contentRange: string | undefined;
  authorization: string | undefined;
  bytes: number;
  fault: Fault;
}

interface Session {
  total: number;
  next: number;
  hash: Hash;
  complete: boolean;
}

/**
 * A local HTTP server playing Outlook's upload sessions: it checks each PUT's Content-Range against what it has,
 * hashes the bytes without keeping them, answers `nextExpectedRanges`, and 201 on the last chunk.
 */
export class UploadServer {
  readonly puts: PutRecord[] = [];
  readonly gets: Array<{ authorization: string | undefined }> = [];
  /** Content-Range values that did not start where the session expected (must stay empty). */
  readonly mismatches: string[] = [];
  readonly sessions = new Map<string, Session>();
  fault: (put: { index: number; session: string; start: number; end: number }) => Fault = () => 'ok';
  delayMs = 0;
  inFlight: InFlight | undefined;
  #server: Server;
  #port = 0;
  #ids = 0;
  readonly #sockets = new Set<Socket>();

  constructor() {
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      s.on('error', () => {});
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  /** Opens a session for `total` bytes and returns its pre-authenticated URL. */
  create(total: number): string {
    const id = `s${++this.#ids}`;
    this.sessions.set(id, { total, next: 0, hash: createHash('sha256'), complete: false });
    return `http://127.0.0.1:${this.#port}/upload/${id}?authtoken=${AUTHTOKEN}`;
  }

  /** The sha256 of what a session stored, once complete. */
  digest(id: string): string {
    return this.sessions.get(id)!.hash.copy().digest('hex');
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const id = url.pathname.split('/')[2] ?? '';
    const session = this.sessions.get(id);
    const authorization = req.headers.authorization;
    if (!session || url.searchParams.get('authtoken') !== AUTHTOKEN) {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'GET') {
      this.gets.push({ authorization });
      req.resume();
      const body = JSON.stringify({ expirationDateTime: '2026-11-29T10:00:00Z', nextExpectedRanges: session.complete ? [] : [`${session.next}-`] });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    if (req.method !== 'PUT') {
      res.writeHead(405).end();
      return;
    }
    this.inFlight?.enter();
    let left = false;
    const leave = () => {
      if (!left) this.inFlight?.leave();
      left = true;
    };
    res.on('close', leave);
    const contentRange = req.headers['content-range'];
    const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? '');
    const start = match ? Number(match[1]) : -1;
    const end = match ? Number(match[2]) + 1 : -1;
    const record: PutRecord = { session: id, contentRange, authorization, bytes: 0, fault: 'ok' };
    record.fault = this.fault({ index: this.puts.length, session: id, start, end });
    this.puts.push(record);
    if (record.fault === 'drop-before-store') {
      req.socket.destroy();
      return;
    }
    const accept = match !== null && start === session.next && Number(match[3]) === session.total && record.fault !== '500' && record.fault !== 'stuck';
    if (match === null || start !== session.next) this.mismatches.push(String(contentRange));
    req.on('data', (chunk: Buffer) => {
      record.bytes += chunk.length;
      if (accept) session.hash.update(chunk);
    });
    req.on('end', async () => {
      if (this.delayMs) await sleepMs(this.delayMs);
      if (record.fault === 'hang') return;
      if (record.fault === 'stuck') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ expirationDateTime: '2026-11-29T10:00:00Z', nextExpectedRanges: [`${session.next}-`] }));
        return;
      }
      if (record.fault === '500') {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(graphError('InternalServerError', 'chunk lost')));
        return;
      }
      if (!accept || record.bytes !== end - start) {
        res.writeHead(416, { 'content-type': 'application/json' }).end(JSON.stringify({ nextExpectedRanges: [`${session.next}-`] }));
        return;
      }
      session.next = end;
      if (record.fault === 'drop-after-store') {
        if (end === session.total) session.complete = true;
        req.socket.destroy();
        return;
      }
      if (end === session.total) {
        session.complete = true;
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `att-${id}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ expirationDateTime: '2026-11-29T10:00:00Z', nextExpectedRanges: [`${end}-`] }));
    });
  }
}

type Reply = [number, unknown?, Record<string, string>?] | 'reset';

/**
 * Graph's draft endpoints through nock: create a draft, attach small files, open upload sessions on the
 * {@link UploadServer}, send, delete. Every call is counted; `/send` answers come from `sendReplies` in turn.
 */
export class DraftGraph {
  creates = 0;
  /** The bodies of the create-draft requests, as JSON. */
  readonly createBodies: unknown[] = [];
  readonly attachments: Array<{ draft: string; body: Record<string, unknown> }> = [];
  readonly sessionsOpened: Array<{ draft: string; item: Record<string, unknown> }> = [];
  readonly sends: string[] = [];
  readonly deletes: string[] = [];
  readonly authorizations: string[] = [];
  readonly clientRequestIds: string[] = [];
  /** Answers to create-draft in turn, given AFTER the draft was made (e.g. a 504): then the default 201. */
  createReplies: Reply[] = [];
  /** The paths (query included) of the Drafts look-ups. */
  readonly lookups: string[] = [];
  /** Drafts made and neither sent nor deleted. */
  readonly live = new Set<string>();
  /** Answers to /send in turn; the last repeats. */
  sendReplies: Reply[] = [[202]];
  /** An answer to createUploadSession instead of opening one. */
  sessionReply: Reply | undefined;
  delayMs = 0;
  inFlight: InFlight | undefined;
  /** Called when a request arrives (to abort at a given stage). */
  onRequest: ((what: string) => void) | undefined;

  constructor(readonly upload: UploadServer) {
    const messages = new RegExp(`^${escape(USER_PATH)}/messages$`);
    const attach = new RegExp(`^${escape(USER_PATH)}/messages/([^/]+)/attachments$`);
    const session = new RegExp(`^${escape(USER_PATH)}/messages/([^/]+)/attachments/createUploadSession$`);
    const send = new RegExp(`^${escape(USER_PATH)}/messages/([^/]+)/send$`);
    const item = new RegExp(`^${escape(USER_PATH)}/messages/([^/]+)$`);
    const self = this;
    const wrap = (what: string, fn: (path: string, body: unknown) => Reply) =>
      async function (this: nock.ReplyFnContext, path: string, body: unknown) {
        self.authorizations.push(String(this.req.headers.authorization));
        self.clientRequestIds.push(String(this.req.headers['client-request-id']));
        self.onRequest?.(what);
        self.inFlight?.enter();
        try {
          if (self.delayMs) await sleepMs(self.delayMs);
          const reply = fn(path, body);
          if (reply === 'reset') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          const [status, replyBody, headers] = reply;
          return [status, replyBody === undefined ? '' : (replyBody as nock.Body), headers ?? {}] as [number, nock.Body, Record<string, string>];
        } finally {
          self.inFlight?.leave();
        }
      };
    nock(GRAPH)
      .persist()
      .post(messages)
      .reply(
        wrap('create', (_path, body) => {
          self.creates++;
          self.createBodies.push(body);
          self.live.add(`draft-${self.creates}`);
          return self.createReplies.shift() ?? [201, { id: `draft-${self.creates}`, isDraft: true }];
        }),
      )
      .post(attach)
      .reply(
        wrap('attach', (path, body) => {
          self.attachments.push({ draft: decodeURIComponent(attach.exec(path)![1]!), body: body as Record<string, unknown> });
          return [201, { id: `att-${self.attachments.length}` }];
        }),
      )
      .post(session)
      .reply(
        wrap('session', (path, body) => {
          const attachmentItem = (body as { AttachmentItem: Record<string, unknown> }).AttachmentItem;
          self.sessionsOpened.push({ draft: decodeURIComponent(session.exec(path)![1]!), item: attachmentItem });
          if (self.sessionReply) return self.sessionReply;
          return [201, { uploadUrl: self.upload.create(attachmentItem.size as number), nextExpectedRanges: ['0-'], expirationDateTime: '2026-11-29T10:00:00Z' }];
        }),
      )
      .post(send)
      .reply(
        wrap('send', (path) => {
          self.sends.push(decodeURIComponent(send.exec(path)![1]!));
          const reply = self.sendReplies[Math.min(self.sends.length - 1, self.sendReplies.length - 1)]!;
          if (reply !== 'reset' && reply[0] === 202) self.live.delete(decodeURIComponent(send.exec(path)![1]!));
          return reply;
        }),
      )
      .delete(item)
      .reply(
        wrap('delete', (path) => {
          self.deletes.push(decodeURIComponent(item.exec(path)![1]!));
          self.live.delete(decodeURIComponent(item.exec(path)![1]!));
          return [204];
        }),
      )
      .get(new RegExp(`^${escape(USER_PATH)}/mailFolders/drafts/messages\\?`))
      .reply(
        wrap('lookup', (path) => {
          self.lookups.push(path);
          return [200, { value: [...self.live].map((id) => ({ id })) }];
        }),
      );
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A token endpoint that hands out the Mail.ReadWrite token as often as asked. */
export function readWriteTokens() {
  return tokenEndpoint().times(20).reply(200, () => tokenReply(READ_WRITE_TOKEN));
}

export { graphError };
