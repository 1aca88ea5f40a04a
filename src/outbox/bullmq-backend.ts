import { Readable } from 'node:stream';
import type { Job, Queue, Worker } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import { loadOptionalModule } from '../secrets/optional-module';
import type { AttachmentMeta, ClaimedItem, ItemOps, Outcome } from './engine';
import type { StoredError } from './stored-error';
import type { AttachmentInput, ItemRow, NewItem, OutboxBackend, PacingLimits, StatsRow } from './store-types';
import { emptyStats } from './store-types';
import type { ListOptions, OutboxItemState, StoredMessage } from './types';

type BullMQModule = typeof import('bullmq');
type IORedisCtor = new (...args: unknown[]) => IORedis;

/** Settings of {@link BullmqBackend}. */
export interface BullmqBackendOptions {
  connection: string | Record<string, unknown>;
  prefix: string;
  senders: readonly string[];
  limits: PacingLimits;
  leaseMs: number;
  now: () => number;
}

const STATES: readonly OutboxItemState[] = ['queued', 'sending', 'sent', 'failed', 'unknown'];

/**
 * Checks the sender's rolling budgets and reserves one message's share when it fits, atomically for every worker.
 * KEYS[1] the budget sorted set (member `id:attempt:recipients:bytes`, score = time).
 * ARGV: now, member, recipients, bytes, recipientsPerDay, bytesPer5Min, messagesPerMinute (0 = off).
 * Returns 0 when reserved, else the milliseconds until the budget frees up.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 86400000)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local rcpt, bytes, msgs = 0, 0, 0
local want_r, want_b = tonumber(ARGV[3]), tonumber(ARGV[4])
local per_day, per_5, per_min = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local wait = 0
for i = 1, #entries, 2 do
  local m, at = entries[i], tonumber(entries[i + 1])
  local _, _, r, b = string.find(m, ':(%d+):(%d+)$')
  rcpt = rcpt + tonumber(r)
  if at > now - 300000 then bytes = bytes + tonumber(b) end
  if at > now - 60000 then msgs = msgs + 1 end
end
if rcpt > 0 and rcpt + want_r > per_day then
  wait = math.max(wait, tonumber(entries[2]) + 86400000 - now)
end
if want_b > 0 and bytes > 0 and bytes + want_b > per_5 then wait = math.max(wait, 1000) end
if per_min > 0 and msgs >= per_min then wait = math.max(wait, 1000) end
if wait > 0 then return wait end
redis.call('ZADD', KEYS[1], now, ARGV[2])
return 0
`;

/** A queue name for a sender mailbox (BullMQ names may not contain `:`). */
function queueName(sender: string): string {
  return `mailbox-${sender.replace(/:/g, '_')}`;
}

function toRow(h: Record<string, string>): ItemRow | undefined {
  if (!h.id || !h.state || h.state === 'incoming') return undefined;
  const row: ItemRow = {
    id: h.id,
    sender: h.sender ?? '',
    state: h.state as OutboxItemState,
    attempts: Number(h.attempts ?? 0),
    messageId: h.messageId ?? '',
    createdAt: Number(h.createdAt ?? 0),
    parked: h.parked === '1',
  };
  if (h.sentAt) row.sentAt = Number(h.sentAt);
  if (h.error) row.error = JSON.parse(h.error) as StoredError;
  if (h.idempotencyKey) row.idempotencyKey = h.idempotencyKey;
  return row;
}

/**
 * The fleet outbox: items, attachments (in chunks) and budgets in Redis; scheduling, leases (job locks), per-mailbox
 * concurrency (BullMQ's global concurrency) and sender-wide waits (its rate limiter) from BullMQ, one queue per
 * sender mailbox. The one module that loads `bullmq` (and the ioredis client it is given).
 */
export class BullmqBackend implements OutboxBackend {
  readonly #o: BullmqBackendOptions;
  readonly #redis: IORedis;
  readonly #bull: BullMQModule;
  readonly #queues = new Map<string, Queue>();
  readonly #workers = new Map<string, Worker>();
  readonly #starting = new Map<string, Promise<void>>();
  #stopping = false;
  readonly #sweeps: NodeJS.Timeout[] = [];

  private constructor(o: BullmqBackendOptions, redis: IORedis, bull: BullMQModule) {
    this.#o = o;
    this.#redis = redis;
    this.#bull = bull;
  }

  /** Connects to Redis (lazily loading bullmq and ioredis). */
  static async open(o: BullmqBackendOptions): Promise<BullmqBackend> {
    const bull = await loadOptionalModule<BullMQModule>('bullmq', 'The Redis outbox ({ store: { redis } })');
    const mod = await loadOptionalModule<{ default?: IORedisCtor; Redis?: IORedisCtor }>('ioredis', 'The Redis outbox ({ store: { redis } })');
    const Ctor = (mod.Redis ?? mod.default) as IORedisCtor;
    const options = { maxRetriesPerRequest: null, lazyConnect: false };
    const redis = typeof o.connection === 'string' ? new Ctor(o.connection, options) : new Ctor({ ...o.connection, ...options });
    redis.defineCommand('o365OutboxReserve', { numberOfKeys: 1, lua: RESERVE });
    return new BullmqBackend(o, redis, bull);
  }

  #key(...parts: string[]): string {
    return [this.#o.prefix, 'outbox', ...parts].join(':');
  }

  #queue(sender: string): Queue {
    let q = this.#queues.get(sender);
    if (!q) {
      q = new this.#bull.Queue(queueName(sender), { connection: this.#redis, prefix: this.#o.prefix });
      this.#queues.set(sender, q);
    }
    return q;
  }

  async #addJob(sender: string, id: string, delay = 0): Promise<void> {
    await this.#queue(sender).add('send', { id }, { jobId: id, removeOnComplete: true, removeOnFail: true, ...(delay > 0 ? { delay } : {}) });
  }

  async enqueue(item: NewItem, attachments: AttachmentInput[]): Promise<ItemRow | undefined> {
    const r = this.#redis;
    if (item.idempotencyKey !== undefined) {
      const won = await r.set(this.#key('idem', item.idempotencyKey), item.id, 'NX');
      if (won === null) {
        const existingId = await r.get(this.#key('idem', item.idempotencyKey));
        const existing = existingId ? toRow(await r.hgetall(this.#key('item', existingId))) : undefined;
        if (existing) return existing;
        // The first enqueue with this key died before committing: this one takes the key over.
        await r.set(this.#key('idem', item.idempotencyKey), item.id);
      }
    }
    const metas: AttachmentMeta[] = [];
    try {
      for (let att = 0; att < attachments.length; att++) {
        const a = attachments[att]!;
        let size = 0;
        for await (const chunk of a.chunks) {
          await r.rpush(this.#key('att', item.id, String(att)), chunk);
          size += chunk.length;
        }
        metas.push({ ...a.meta, size });
      }
    } catch (err) {
      await this.#deleteData(item.id, attachments.length);
      if (item.idempotencyKey !== undefined) await r.del(this.#key('idem', item.idempotencyKey));
      throw err;
    }
    const bytes = metas.reduce((sum, m) => sum + m.size, 0);
    await r
      .multi()
      .hset(this.#key('item', item.id), {
        id: item.id,
        sender: item.sender,
        state: 'queued',
        parked: '0',
        attempts: '0',
        messageId: item.messageId,
        message: JSON.stringify(item.message),
        attachments: JSON.stringify(metas),
        recipients: String(item.recipients),
        uploadBytes: String(bytes),
        createdAt: String(item.createdAt),
        ...(item.idempotencyKey !== undefined ? { idempotencyKey: item.idempotencyKey } : {}),
      })
      .sadd(this.#key('state', item.sender, 'queued'), item.id)
      .sadd(this.#key('senders'), item.sender)
      .exec();
    await this.#addJob(item.sender, item.id);
    return undefined;
  }

  async #deleteData(id: string, attachments: number): Promise<void> {
    const keys = Array.from({ length: attachments }, (_, i) => this.#key('att', id, String(i)));
    if (keys.length) await this.#redis.del(...keys);
  }

  async get(id: string): Promise<ItemRow | undefined> {
    return toRow(await this.#redis.hgetall(this.#key('item', id)));
  }

  async list(options: ListOptions): Promise<ItemRow[]> {
    const senders = options.sender !== undefined ? [options.sender.toLowerCase()] : await this.#redis.smembers(this.#key('senders'));
    const states = options.state !== undefined ? [options.state] : STATES;
    const ids: string[] = [];
    for (const s of senders) for (const st of states) ids.push(...(await this.#redis.smembers(this.#key('state', s, st))));
    const rows: ItemRow[] = [];
    for (const id of ids) {
      const row = await this.get(id);
      if (row) rows.push(row);
    }
    rows.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    return rows.slice(0, options.limit ?? 100);
  }

  /** Moves an item between states (and its state sets) with extra fields, in one transaction. */
  async #move(id: string, sender: string, from: OutboxItemState, to: OutboxItemState, fields: Record<string, string>, extra?: (m: ReturnType<IORedis['multi']>) => void): Promise<void> {
    const m = this.#redis.multi().hset(this.#key('item', id), { ...fields, state: to });
    if (from !== to) m.srem(this.#key('state', sender, from), id).sadd(this.#key('state', sender, to), id);
    extra?.(m);
    await m.exec();
  }

  async retry(id: string): Promise<boolean> {
    const row = await this.get(id);
    if (!row || (row.state !== 'failed' && row.state !== 'unknown')) return false;
    await this.#move(id, row.sender, row.state, 'queued', { parked: '0', error: '', reconcileUntil: '' }, (m) => m.srem(this.#key('parked', row.sender), id));
    await this.#addJob(row.sender, id);
    return true;
  }

  async drop(id: string): Promise<boolean> {
    const h = await this.#redis.hgetall(this.#key('item', id));
    const row = toRow(h);
    if (!row || row.state === 'sending') return false;
    const job = await this.#queue(row.sender).getJob(id);
    if (job && (await job.isActive())) return false;
    await job?.remove().catch(() => undefined);
    const count = (JSON.parse(h.attachments ?? '[]') as unknown[]).length;
    await this.#deleteData(id, count);
    const m = this.#redis.multi().del(this.#key('item', id)).srem(this.#key('state', row.sender, row.state), id).srem(this.#key('parked', row.sender), id);
    if (row.idempotencyKey) m.del(this.#key('idem', row.idempotencyKey));
    await m.exec();
    return true;
  }

  async resume(sender: string): Promise<boolean> {
    const was = await this.#redis.hdel(this.#key('paused'), sender);
    await this.#queue(sender).resume();
    return was === 1;
  }

  async pausedSenders(): Promise<Map<string, { code: string; message: string; since: number }>> {
    const all = await this.#redis.hgetall(this.#key('paused'));
    return new Map(Object.entries(all).map(([s, v]) => [s, JSON.parse(v) as { code: string; message: string; since: number }]));
  }

  async stats(): Promise<StatsRow[]> {
    const senders = (await this.#redis.smembers(this.#key('senders'))).sort();
    const paused = await this.pausedSenders();
    const rows: StatsRow[] = [];
    for (const sender of senders) {
      const row: StatsRow = { sender, ...emptyStats() };
      for (const st of STATES) row.states[st] = await this.#redis.scard(this.#key('state', sender, st));
      row.parked = await this.#redis.scard(this.#key('parked', sender));
      const p = paused.get(sender);
      if (p) row.paused = p;
      const until = Number(await this.#redis.get(this.#key('throttled', sender)));
      if (until > this.#o.now()) row.throttledUntil = until;
      rows.push(row);
    }
    return rows;
  }

  async pending(): Promise<number> {
    const senders = await this.#redis.smembers(this.#key('senders'));
    const paused = await this.pausedSenders();
    let n = 0;
    for (const s of senders) {
      n += await this.#redis.scard(this.#key('state', s, 'sending'));
      // A paused sender's queued and unknown items wait for the administrator: a drain does not wait for them.
      if (paused.has(s)) continue;
      for (const st of ['queued', 'unknown']) n += await this.#redis.scard(this.#key('state', s, st));
      n -= await this.#redis.scard(this.#key('parked', s));
    }
    return n;
  }

  start(run: (item: ClaimedItem, ops: ItemOps) => Promise<Outcome>): void {
    for (const sender of this.#o.senders) {
      if (this.#workers.has(sender) || this.#starting.has(sender)) continue;
      // The queue's global concurrency must be in Redis before this worker fetches a job, or several processes
      // starting together could each take maxInFlight jobs.
      const starting = this.#queue(sender)
        .setGlobalConcurrency(this.#o.limits.maxInFlight)
        .then(() => {
          if (!this.#stopping) this.#startWorker(sender, run);
        })
        .finally(() => this.#starting.delete(sender));
      this.#starting.set(sender, starting);
    }
  }

  #startWorker(sender: string, run: (item: ClaimedItem, ops: ItemOps) => Promise<Outcome>): void {
    const queue = this.#queue(sender);
    const { maxInFlight, messagesPerMinute } = this.#o.limits;
    const worker: Worker = new this.#bull.Worker(queue.name, (job, token) => this.#process(sender, worker, job, token, run), {
      connection: this.#redis,
      prefix: this.#o.prefix,
      concurrency: maxInFlight,
      lockDuration: this.#o.leaseMs,
      stalledInterval: Math.max(1000, Math.min(30_000, Math.floor(this.#o.leaseMs / 2))),
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      limiter: messagesPerMinute !== undefined ? { max: messagesPerMinute, duration: 60_000 } : { max: 1_000_000, duration: 1_000 },
    });
    worker.on('error', () => undefined);
    this.#workers.set(sender, worker);
    void this.#sweep(sender);
    // A safety net: should a job ever be lost (a crash between two Redis writes, a failed move after a lost lock),
    // its live item gets a job again at the next sweep instead of waiting for a restart.
    const timer = setInterval(() => void this.#sweep(sender).catch(() => undefined), Math.max(5_000, 2 * this.#o.leaseMs));
    timer.unref();
    this.#sweeps.push(timer);
  }

  /** Gives every live item of `sender` a job (adding is a no-op for one that has it): covers a crash between commit and add. */
  async #sweep(sender: string): Promise<void> {
    if (this.#stopping) return;
    const ids = new Set<string>();
    for (const st of ['queued', 'sending', 'unknown']) for (const id of await this.#redis.smembers(this.#key('state', sender, st))) ids.add(id);
    for (const id of await this.#redis.smembers(this.#key('parked', sender))) ids.delete(id);
    for (const id of ids) await this.#addJob(sender, id).catch(() => undefined);
  }

  async #process(
    sender: string,
    worker: Worker,
    job: Job,
    token: string | undefined,
    run: (item: ClaimedItem, ops: ItemOps) => Promise<Outcome>,
  ): Promise<void> {
    const id = (job.data as { id: string }).id;
    const h = await this.#redis.hgetall(this.#key('item', id));
    const row = toRow(h);
    if (!row || row.state === 'sent' || row.state === 'failed' || (row.state === 'unknown' && row.parked)) return;
    const item: ClaimedItem = {
      id,
      sender,
      state: row.state as ClaimedItem['state'],
      attempts: row.attempts,
      messageId: row.messageId,
      createdAt: row.createdAt,
      message: JSON.parse(h.message ?? '{}') as StoredMessage,
      attachments: JSON.parse(h.attachments ?? '[]') as AttachmentMeta[],
      ...(h.reconcileUntil ? { reconcileUntil: Number(h.reconcileUntil) } : {}),
    };
    const now = this.#o.now();
    const budgetMember = `${id}:${item.attempts + 1}:${h.recipients ?? 0}:${h.uploadBytes ?? 0}`;
    if (item.state === 'queued') {
      const wait = Number(
        await (this.#redis as unknown as { o365OutboxReserve(...a: unknown[]): Promise<number> }).o365OutboxReserve(
          this.#key('budget', sender),
          now,
          budgetMember,
          h.recipients ?? 0,
          h.uploadBytes ?? 0,
          this.#o.limits.recipientsPerDay,
          this.#o.limits.uploadBytesPer5Min,
          this.#o.limits.messagesPerMinute ?? 0,
        ),
      );
      if (wait > 0) {
        await worker.rateLimit(wait);
        throw this.#bull.Worker.RateLimitError();
      }
    }
    const outcome = await run(item, this.#ops(item, budgetMember)).catch(async (err: unknown) => {
      if (item.state === 'queued') await this.#redis.zrem(this.#key('budget', sender), budgetMember);
      throw err;
    });
    switch (outcome.kind) {
      case 'unknown':
        await job.moveToDelayed(Math.max(outcome.checkAt, Date.now() + 1), token);
        throw new this.#bull.DelayedError();
      case 'check':
        await job.moveToDelayed(Math.max(outcome.at, Date.now() + 1), token);
        throw new this.#bull.DelayedError();
      case 'retry':
        await job.moveToDelayed(Math.max(outcome.at, Date.now() + 1), token);
        throw new this.#bull.DelayedError();
      case 'resend':
        await job.moveToDelayed(Date.now() + 1, token);
        throw new this.#bull.DelayedError();
      case 'throttle':
        await worker.rateLimit(Math.max(1, outcome.until - this.#o.now()));
        throw this.#bull.Worker.RateLimitError();
      case 'pause':
        await this.#queue(sender).pause();
        await worker.rateLimit(1);
        throw this.#bull.Worker.RateLimitError();
      default:
        return;
    }
  }

  #ops(item: ClaimedItem, budgetMember: string): ItemOps {
    const { id, sender } = item;
    const refund = (m: ReturnType<IORedis['multi']>) => {
      if (item.state === 'queued') m.zrem(this.#key('budget', sender), budgetMember);
    };
    const from = (): OutboxItemState => (item.state === 'queued' ? 'sending' : item.state);
    return {
      markSending: async () => {
        await this.#move(id, sender, 'queued', 'sending', { attempts: String(item.attempts + 1) });
      },
      commit: async (outcome: Outcome) => {
        const now = this.#o.now();
        switch (outcome.kind) {
          case 'sent':
            await this.#move(id, sender, from(), 'sent', { sentAt: String(outcome.sentAt), error: '', parked: '0' }, (m) => m.srem(this.#key('parked', sender), id));
            await this.#deleteData(id, item.attachments.length);
            break;
          case 'failed':
            await this.#move(id, sender, from(), 'failed', { error: JSON.stringify(outcome.error) });
            break;
          case 'unknown':
            await this.#move(id, sender, from(), 'unknown', { error: JSON.stringify(outcome.error), reconcileUntil: String(outcome.reconcileUntil), parked: '0' });
            break;
          case 'check':
            break;
          case 'park':
            await this.#move(id, sender, 'unknown', 'unknown', { parked: '1' }, (m) => m.sadd(this.#key('parked', sender), id));
            break;
          case 'resend':
            await this.#move(id, sender, 'unknown', 'queued', { reconcileUntil: '', parked: '0' });
            break;
          case 'retry':
            await this.#move(id, sender, from(), 'queued', { error: JSON.stringify(outcome.error) }, refund);
            break;
          case 'throttle':
            await this.#move(id, sender, from(), 'queued', { error: JSON.stringify(outcome.error) }, (m) => {
              refund(m);
              m.set(this.#key('throttled', sender), String(outcome.until), 'PX', Math.max(1, outcome.until - now));
            });
            break;
          case 'pause':
            await this.#move(id, sender, from(), 'queued', { error: JSON.stringify(outcome.error) }, (m) => {
              refund(m);
              m.hsetnx(this.#key('paused'), sender, JSON.stringify({ code: outcome.error.code, message: outcome.error.message, since: now }));
            });
            break;
        }
      },
      openAttachment: (index: number) => {
        const key = this.#key('att', id, String(index));
        const redis = this.#redis;
        return Readable.from(
          (async function* () {
            for (let seq = 0; ; seq++) {
              const chunk = await redis.lindexBuffer(key, seq);
              if (chunk === null) return;
              yield chunk;
            }
          })(),
        );
      },
      renew: async () => true,
    };
  }

  wake(): void {}

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#sweeps.splice(0)) clearInterval(timer);
    await Promise.allSettled([...this.#starting.values()]);
    await Promise.all([...this.#workers.values()].map((w) => w.close()));
    this.#workers.clear();
  }

  async close(): Promise<void> {
    await this.stop();
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

