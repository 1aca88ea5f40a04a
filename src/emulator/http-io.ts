import type { IncomingMessage, ServerResponse } from 'node:http';

/** A response a route computes; the server writes it (or a fault replaces it). */
export interface Reply {
  /** HTTP status. */
  status: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Body; JSON routes pass a string already serialized. */
  body?: string | Buffer;
}

/** A JSON reply. */
export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}

/** An empty reply (202, 204, 201 of a last upload chunk). */
export function emptyReply(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers };
}

/** Outcome of {@link readBody}. */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'tooLarge' | 'aborted'; received: number };

const DRAIN_CAP = 256 * 1024 * 1024;

/**
 * Reads a request body of at most `limit` bytes. A longer body is drained and discarded (so the client can read
 * the error that follows) up to 256 MB, after which the connection is destroyed.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) chunks.push(chunk);
      else chunks.length = 0;
      if (received > DRAIN_CAP) {
        req.destroy();
        finish({ ok: false, reason: 'tooLarge', received });
      }
    });
    req.on('end', () => {
      finish(received > limit ? { ok: false, reason: 'tooLarge', received } : { ok: true, body: Buffer.concat(chunks) });
    });
    req.on('error', () => finish({ ok: false, reason: 'aborted', received }));
    req.on('close', () => finish({ ok: false, reason: 'aborted', received }));
  });
}

/** Reads the body with a partial-read budget, then calls `onPartial` (used to drop a connection mid-upload). */
export function readSomeThen(req: IncomingMessage, bytes: number, onPartial: () => void): void {
  let received = 0;
  let fired = false;
  const fire = (): void => {
    if (fired) return;
    fired = true;
    onPartial();
  };
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received >= bytes) fire();
  });
  req.on('end', fire);
}

/** Writes a reply, with `content-length`. */
export function writeReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const body = reply.body === undefined ? undefined : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body);
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.setHeader('content-length', String(body?.length ?? 0));
  res.end(body);
}

/** The first value of a request header. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
