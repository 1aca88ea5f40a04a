import { randomUUID } from 'node:crypto';
import { request, type Agent } from 'node:https';
/** min / median / max of a list of figures (ratios, usually). */
export interface Spread {
  min: number;
  median: number;
  max: number;
  rounds: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]!, rounds: sorted.length };
}

/** `1.04× (min 1.01, max 1.09, 15 rounds)` */
export function ratio(s: Spread, unit = '×'): string {
  return `${s.median.toFixed(2)}${unit} (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}, ${s.rounds} rounds)`;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Runs `count` tasks with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** What the orchestrator tells a child about the emulator it runs (the child trusts its certificate through NODE_EXTRA_CA_CERTS). */
export interface BenchEmulator {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  sender: string;
  senders: string[];
}

export function benchEmulator(): BenchEmulator {
  const raw = process.env.BENCH_EMULATOR;
  if (!raw) throw new Error('Run through `npm run bench`: BENCH_EMULATOR is not set.');
  return JSON.parse(raw) as BenchEmulator;
}

/** A token from the emulator's token endpoint, by a plain fetch (the raw-fetch reference uses it). */
export async function rawToken(e: BenchEmulator): Promise<string> {
  const res = await fetch(`${e.url}/${e.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: e.clientId, client_secret: e.clientSecret, scope: `${e.url}/.default` }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`No token: HTTP ${res.status}`);
  return body.access_token;
}

/** A sendMail body as the bench writes it by hand. */
export interface SendMailBody {
  message: Record<string, unknown>;
  saveToSentItems: boolean;
}

/**
 * `body` with what the mailer puts in every message: a fresh Message-ID (`internetMessageId`) in the sender's
 * domain. So the references send the same JSON as the mailer, and the emulator does the same work for each.
 */
export function withMessageId(body: SendMailBody, sender: string): SendMailBody {
  return { ...body, message: { ...body.message, internetMessageId: `<${randomUUID()}@${sender.slice(sender.indexOf('@') + 1)}>` } };
}

/**
 * One raw sendMail POST: what the mailer's warm send is compared with. The same request as the mailer's: the same
 * JSON (see {@link withMessageId}) and headers (`Authorization`, `client-request-id`, `Content-Type`).
 */
export async function rawSend(e: BenchEmulator, token: string, body: SendMailBody, sender = e.sender): Promise<void> {
  const res = await fetch(`${e.url}/v1.0/users/${encodeURIComponent(sender)}/sendMail`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'client-request-id': randomUUID(), 'content-type': 'application/json' },
    body: JSON.stringify(withMessageId(body, sender)),
  });
  await res.text();
  if (res.status !== 202) throw new Error(`raw sendMail: HTTP ${res.status}`);
}

/**
 * The same sendMail POST as {@link rawSend}, by `node:https` over a keep-alive agent: the transport the mailer
 * itself uses for JSON requests, so `send() / this` is the library's own cost on top of the wire.
 */
export function rawHttpsSend(e: BenchEmulator, token: string, body: SendMailBody, agent: Agent, sender = e.sender): Promise<void> {
  const json = JSON.stringify(withMessageId(body, sender));
  return new Promise<void>((resolve, reject) => {
    const req = request(
      `${e.url}/v1.0/users/${encodeURIComponent(sender)}/sendMail`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${token}`, 'client-request-id': randomUUID(), 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) },
      },
      (res) => {
        res.on('data', () => {});
        res.on('error', reject);
        res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`raw https sendMail: HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(json);
  });
}

/** Prints the child's result for the orchestrator. */
export function report(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * The package as users run it: the main entry of the packed tarball installed in a consumer project (BENCH_ENTRY,
 * set by bench/run.ts), else this checkout's `dist/`. Typed from the source, so a fresh clone type-checks without
 * either.
 */
export async function builtPackage(): Promise<typeof import('../src/index')> {
  const entry = process.env.BENCH_ENTRY ?? new URL('../dist/index.js', import.meta.url).href;
  return (await import(entry)) as typeof import('../src/index');
}
