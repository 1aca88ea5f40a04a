import type BetterSqlite3 from 'better-sqlite3';
import { MailerError } from '../index';
import { loadOptionalModule } from '../secrets/optional-module';
import type { AttachmentMeta, ClaimedItem, Outcome } from './engine';
import type { StoredError } from './stored-error';
import type { ListOptions, OutboxItemState, StoredMessage } from './types';
import { emptyStats, type ItemRow, type NewItem, type PacingLimits, type StatsRow } from './store-types';

type Database = BetterSqlite3.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY,
  sender TEXT NOT NULL,
  state TEXT NOT NULL,
  parked INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  message_id TEXT NOT NULL,
  idempotency_key TEXT UNIQUE,
  message TEXT NOT NULL,
  attachments TEXT NOT NULL DEFAULT '[]',
  recipients INTEGER NOT NULL,
  upload_bytes INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  reconcile_until INTEGER,
  sent_at INTEGER,
  error TEXT
);
CREATE INDEX IF NOT EXISTS items_due ON items (sender, state, next_at);
CREATE TABLE IF NOT EXISTS chunks (
  item_id TEXT NOT NULL,
  att INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (item_id, att, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS budget (
  sender TEXT NOT NULL,
  at INTEGER NOT NULL,
  recipients INTEGER NOT NULL,
  upload_bytes INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  attempt INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS budget_by_sender ON budget (sender, at);
CREATE TABLE IF NOT EXISTS senders (
  sender TEXT PRIMARY KEY,
  paused_code TEXT,
  paused_message TEXT,
  paused_at INTEGER,
  throttled_until INTEGER
);
`;

const DAY = 86_400_000;
const FIVE_MINUTES = 300_000;
const MINUTE = 60_000;
/** Enqueues that never committed (the process died while copying attachments) are removed after this. */
const STALE_INCOMING_MS = 3_600_000;

interface RawItem {
  id: string;
  sender: string;
  state: string;
  parked: number;
  attempts: number;
  message_id: string;
  idempotency_key: string | null;
  message: string;
  attachments: string;
  recipients: number;
  upload_bytes: number;
  created_at: number;
  next_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  reconcile_until: number | null;
  sent_at: number | null;
  error: string | null;
}

function toRow(r: RawItem): ItemRow {
  const row: ItemRow = {
    id: r.id,
    sender: r.sender,
    state: r.state as OutboxItemState,
    attempts: r.attempts,
    messageId: r.message_id,
    createdAt: r.created_at,
    parked: r.parked === 1,
  };
  if (r.sent_at !== null) row.sentAt = r.sent_at;
  if (r.error !== null) row.error = JSON.parse(r.error) as StoredError;
  if (r.idempotency_key !== null) row.idempotencyKey = r.idempotency_key;
  return row;
}

function toClaimed(r: RawItem): ClaimedItem {
  const item: ClaimedItem = {
    id: r.id,
    sender: r.sender,
    state: r.state as ClaimedItem['state'],
    attempts: r.attempts,
    messageId: r.message_id,
    createdAt: r.created_at,
    message: JSON.parse(r.message) as StoredMessage,
    attachments: JSON.parse(r.attachments) as AttachmentMeta[],
  };
  if (r.reconcile_until !== null) item.reconcileUntil = r.reconcile_until;
  return item;
}

/**
 * The outbox's SQLite file, through better-sqlite3 (the one module that loads it). WAL journal; every commit that
 * a promise depends on (an enqueue, the write-ahead `sending`, an outcome) runs with `synchronous=FULL`. Claims are
 * leases taken in `BEGIN IMMEDIATE` transactions, so processes sharing the file never take one item twice.
 */
export class SqliteStore {
  readonly #db: Database;
  readonly #stmts: Record<string, BetterSqlite3.Statement>;

  private constructor(db: Database) {
    this.#db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = OFF');
    db.exec(SCHEMA);
    const p = (sql: string) => db.prepare(sql);
    this.#stmts = {
      byId: p('SELECT * FROM items WHERE id = ?'),
      byKey: p('SELECT * FROM items WHERE idempotency_key = ?'),
      insert: p(
        `INSERT INTO items (id, sender, state, message_id, idempotency_key, message, recipients, created_at, next_at)
         VALUES (@id, @sender, 'incoming', @messageId, @idempotencyKey, @message, @recipients, @createdAt, @createdAt)`,
      ),
      chunk: p('INSERT INTO chunks (item_id, att, seq, data) VALUES (?, ?, ?, ?)'),
      readChunk: p('SELECT data FROM chunks WHERE item_id = ? AND att = ? AND seq = ?'),
      commitIncoming: p(`UPDATE items SET state = 'queued', attachments = ?, upload_bytes = ? WHERE id = ? AND state = 'incoming'`),
      deleteItem: p('DELETE FROM items WHERE id = ?'),
      deleteChunks: p('DELETE FROM chunks WHERE item_id = ?'),
      sender: p('SELECT * FROM senders WHERE sender = ?'),
      inflight: p('SELECT COUNT(*) AS n FROM items WHERE sender = ? AND lease_owner IS NOT NULL AND lease_until > ?'),
      candidates: p(
        `SELECT * FROM items WHERE sender = ? AND next_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
           AND (state IN ('queued', 'sending') OR (state = 'unknown' AND parked = 0))
         ORDER BY next_at, created_at LIMIT ?`,
      ),
      used: p('SELECT COALESCE(SUM(recipients), 0) AS r FROM budget WHERE sender = ? AND at > ?'),
      usedBytes: p('SELECT COALESCE(SUM(upload_bytes), 0) AS b FROM budget WHERE sender = ? AND at > ?'),
      usedMessages: p('SELECT COUNT(*) AS n FROM budget WHERE sender = ? AND at > ?'),
      reserve: p('INSERT INTO budget (sender, at, recipients, upload_bytes, item_id, attempt) VALUES (?, ?, ?, ?, ?, ?)'),
      refund: p('DELETE FROM budget WHERE item_id = ? AND attempt = ?'),
      prune: p('DELETE FROM budget WHERE at <= ?'),
      lease: p('UPDATE items SET lease_owner = ?, lease_until = ? WHERE id = ?'),
      sending: p(`UPDATE items SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND lease_owner = ?`),
      renew: p('UPDATE items SET lease_until = ? WHERE id = ? AND lease_owner = ?'),
      sent: p(
        `UPDATE items SET state = 'sent', sent_at = ?, parked = 0, error = NULL, lease_owner = NULL, lease_until = NULL, reconcile_until = NULL
         WHERE id = ? AND state IN ('sending', 'unknown')`,
      ),
      failed: p(`UPDATE items SET state = 'failed', error = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?`),
      unknown: p(
        `UPDATE items SET state = 'unknown', error = ?, reconcile_until = ?, next_at = ?, parked = 0, lease_owner = NULL, lease_until = NULL
         WHERE id = ? AND lease_owner = ?`,
      ),
      check: p('UPDATE items SET next_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?'),
      park: p(`UPDATE items SET parked = 1, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ? AND state = 'unknown'`),
      requeue: p(
        `UPDATE items SET state = 'queued', next_at = ?, error = ?, parked = 0, reconcile_until = NULL, lease_owner = NULL, lease_until = NULL
         WHERE id = ? AND lease_owner = ?`,
      ),
      throttle: p(
        `INSERT INTO senders (sender, throttled_until) VALUES (?, ?)
         ON CONFLICT (sender) DO UPDATE SET throttled_until = MAX(COALESCE(throttled_until, 0), excluded.throttled_until)`,
      ),
      pause: p(
        `INSERT INTO senders (sender, paused_code, paused_message, paused_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (sender) DO UPDATE SET paused_code = excluded.paused_code, paused_message = excluded.paused_message,
           paused_at = COALESCE(paused_at, excluded.paused_at)`,
      ),
      resume: p('UPDATE senders SET paused_code = NULL, paused_message = NULL, paused_at = NULL WHERE sender = ? AND paused_at IS NOT NULL'),
      paused: p('SELECT sender, paused_code, paused_message, paused_at FROM senders WHERE paused_at IS NOT NULL'),
      retry: p(
        `UPDATE items SET state = 'queued', parked = 0, next_at = ?, reconcile_until = NULL, error = NULL
         WHERE id = ? AND (state IN ('failed', 'unknown', 'queued')) AND (lease_until IS NULL OR lease_until <= ?)`,
      ),
      pending: p(
        `SELECT COUNT(*) AS n FROM items i LEFT JOIN senders s ON s.sender = i.sender
         WHERE i.state = 'sending' OR ((i.state = 'queued' OR (i.state = 'unknown' AND i.parked = 0)) AND s.paused_at IS NULL)`,
      ),
      nextDue: p(
        `SELECT MIN(next_at) AS t FROM items WHERE state IN ('queued', 'sending') OR (state = 'unknown' AND parked = 0)`,
      ),
      stats: p(
        `SELECT i.sender AS sender, i.state AS state, i.parked AS parked, COUNT(*) AS n FROM items i
         WHERE i.state != 'incoming' GROUP BY i.sender, i.state, i.parked`,
      ),
      senders: p('SELECT * FROM senders'),
      staleIncoming: p(`SELECT id FROM items WHERE state = 'incoming' AND created_at < ?`),
    };
    this.#removeStaleIncoming(Date.now());
  }

  /** Opens (and creates) the file. */
  static async open(path: string): Promise<SqliteStore> {
    const mod = await loadOptionalModule<{ default: typeof BetterSqlite3 }>('better-sqlite3', 'The SQLite outbox ({ store: { sqlite } })');
    const Ctor = (mod.default ?? mod) as typeof BetterSqlite3;
    return new SqliteStore(new Ctor(path, { timeout: 15_000 }));
  }

  /** Starts an enqueue: the row exists but no worker sees it until {@link commitIncoming}. Returns the existing item for a known key. */
  insertIncoming(item: NewItem): ItemRow | undefined {
    return this.#db
      .transaction((): ItemRow | undefined => {
        if (item.idempotencyKey !== undefined) {
          const existing = this.#stmts.byKey!.get(item.idempotencyKey) as RawItem | undefined;
          if (existing && existing.state !== 'incoming') return toRow(existing);
          // An enqueue with this key that never committed (its process died, or it failed half-way): this one
          // replaces it. Should that enqueue still be running, its commit finds its row gone and fails.
          if (existing) {
            this.#stmts.deleteChunks!.run(existing.id);
            this.#stmts.deleteItem!.run(existing.id);
          }
        }
        this.#stmts.insert!.run({
          id: item.id,
          sender: item.sender,
          messageId: item.messageId,
          idempotencyKey: item.idempotencyKey ?? null,
          message: JSON.stringify(item.message),
          recipients: item.recipients,
          createdAt: item.createdAt,
        });
        return undefined;
      })
      .immediate();
  }

  /** Stores one chunk of an attachment (not yet synced: the final commit is). */
  addChunk(id: string, att: number, seq: number, data: Buffer): void {
    this.#relaxed(() => this.#stmts.chunk!.run(id, att, seq, data));
  }

  /** Makes an enqueued item visible to workers, durably (`synchronous=FULL`). */
  commitIncoming(id: string, attachments: AttachmentMeta[]): void {
    const bytes = attachments.reduce((sum, a) => sum + a.size, 0);
    if (this.#stmts.commitIncoming!.run(JSON.stringify(attachments), bytes, id).changes !== 1) {
      throw new MailerError({
        code: 'CONFIG_INVALID',
        message: 'The message was not queued: another enqueue with the same idempotency key replaced it while its attachments were being copied in.',
        fix: 'Enqueue it again with the same idempotency key: you get the one item that was queued.',
      });
    }
  }

  /** Forgets an enqueue that failed half-way. */
  abortIncoming(id: string): void {
    this.#db.transaction(() => {
      this.#stmts.deleteChunks!.run(id);
      this.#stmts.deleteItem!.run(id);
    })();
  }

  readChunk(id: string, att: number, seq: number): Buffer | null {
    const row = this.#stmts.readChunk!.get(id, att, seq) as { data: Buffer } | undefined;
    return row ? row.data : null;
  }

  /**
   * Leases due items of `senders` to `owner`, within each sender's free request slots and budgets. Queued items
   * reserve their recipients and bytes in the budget in the same transaction.
   */
  claim(owner: string, senders: readonly string[], limits: PacingLimits, now: number, leaseMs: number, max: number, inHand: ReadonlySet<string> = new Set()): ClaimedItem[] {
    return this.#db
      .transaction((): ClaimedItem[] => {
        const out: ClaimedItem[] = [];
        this.#stmts.prune!.run(now - DAY);
        for (const sender of senders) {
          if (out.length >= max) break;
          const s = this.#stmts.sender!.get(sender) as { paused_at: number | null; throttled_until: number | null } | undefined;
          // A paused sender's items wait, except that a dead worker's `sending` item is still taken over (it
          // becomes `unknown` without a request), so that nothing stays `sending` behind a pause.
          const paused = s?.paused_at != null;
          const throttled = s?.throttled_until != null && s.throttled_until > now;
          const inflight = (this.#stmts.inflight!.get(sender, now) as { n: number }).n;
          let slots = Math.min(limits.maxInFlight - inflight, max - out.length);
          if (slots <= 0) continue;
          const rows = this.#stmts.candidates!.all(sender, now, now, slots + 16) as RawItem[];
          let budgetBlocked = false;
          for (const r of rows) {
            if (slots <= 0) break;
            // This process still holds it (its lease ran out while it was busy): not another worker's leftover.
            if (inHand.has(r.id)) continue;
            if (paused && r.state !== 'sending') continue;
            if (r.state === 'queued') {
              if (throttled || budgetBlocked) continue;
              if (!this.#fits(sender, r, limits, now)) {
                budgetBlocked = true;
                continue;
              }
              // A claim whose worker died before sending left its reservation: replace it, never count it twice.
              this.#stmts.refund!.run(r.id, r.attempts + 1);
              this.#stmts.reserve!.run(sender, now, r.recipients, r.upload_bytes, r.id, r.attempts + 1);
            }
            this.#stmts.lease!.run(owner, now + leaseMs, r.id);
            out.push(toClaimed(r));
            slots--;
          }
        }
        return out;
      })
      .immediate();
  }

  #fits(sender: string, r: RawItem, limits: PacingLimits, now: number): boolean {
    const recipients = (this.#stmts.used!.get(sender, now - DAY) as { r: number }).r;
    if (recipients > 0 && recipients + r.recipients > limits.recipientsPerDay) return false;
    const bytes = (this.#stmts.usedBytes!.get(sender, now - FIVE_MINUTES) as { b: number }).b;
    if (r.upload_bytes > 0 && bytes > 0 && bytes + r.upload_bytes > limits.uploadBytesPer5Min) return false;
    if (limits.messagesPerMinute !== undefined) {
      const messages = (this.#stmts.usedMessages!.get(sender, now - MINUTE) as { n: number }).n;
      if (messages >= limits.messagesPerMinute) return false;
    }
    return true;
  }

  /** The write-ahead commit before a send. */
  markSending(id: string, owner: string): void {
    const changed = this.#stmts.sending!.run(id, owner).changes;
    if (changed !== 1) throw new Error(`The lease on outbox item ${id} was lost before sending; it was not sent.`);
  }

  renew(id: string, owner: string, until: number): boolean {
    return this.#stmts.renew!.run(until, id, owner).changes === 1;
  }

  /** Commits an outcome of the engine. */
  commit(item: ClaimedItem, owner: string, outcome: Outcome, now: number): void {
    const { id, sender } = item;
    const s = this.#stmts;
    const attempt = item.state === 'queued' ? item.attempts + 1 : item.attempts;
    this.#db.transaction(() => {
      switch (outcome.kind) {
        case 'sent':
          if (s.sent!.run(outcome.sentAt, id).changes === 1) s.deleteChunks!.run(id);
          break;
        case 'failed':
          s.failed!.run(JSON.stringify(outcome.error), id, owner);
          break;
        case 'unknown':
          s.unknown!.run(JSON.stringify(outcome.error), outcome.reconcileUntil, outcome.checkAt, id, owner);
          break;
        case 'check':
          s.check!.run(outcome.at, id, owner);
          break;
        case 'park':
          s.park!.run(id, owner);
          break;
        case 'resend':
          s.requeue!.run(now, null, id, owner);
          break;
        case 'retry':
          s.refund!.run(id, attempt);
          s.requeue!.run(outcome.at, JSON.stringify(outcome.error), id, owner);
          break;
        case 'throttle':
          s.refund!.run(id, attempt);
          s.requeue!.run(now, JSON.stringify(outcome.error), id, owner);
          s.throttle!.run(sender, outcome.until);
          break;
        case 'pause':
          s.refund!.run(id, attempt);
          s.requeue!.run(now, JSON.stringify(outcome.error), id, owner);
          s.pause!.run(sender, outcome.error.code, outcome.error.message, now);
          break;
      }
    })();
  }

  /** Gives back a claim without doing anything (the worker is closing). */
  release(item: ClaimedItem, owner: string): void {
    this.#db.transaction(() => {
      if (item.state === 'queued') this.#stmts.refund!.run(item.id, item.attempts + 1);
      this.#db.prepare('UPDATE items SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?').run(item.id, owner);
    })();
  }

  get(id: string): ItemRow | undefined {
    const r = this.#stmts.byId!.get(id) as RawItem | undefined;
    return r && r.state !== 'incoming' ? toRow(r) : undefined;
  }

  list(options: ListOptions): ItemRow[] {
    const where: string[] = ["state != 'incoming'"];
    const args: unknown[] = [];
    if (options.state !== undefined) {
      where.push('state = ?');
      args.push(options.state);
    }
    if (options.sender !== undefined) {
      where.push('sender = ?');
      args.push(options.sender.toLowerCase());
    }
    args.push(options.limit ?? 100);
    const rows = this.#db.prepare(`SELECT * FROM items WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT ?`).all(...args) as RawItem[];
    return rows.map(toRow);
  }

  /** Queues a failed or unknown item again (a person's decision). */
  retry(id: string, now: number): boolean {
    return this.#stmts.retry!.run(now, id, now).changes === 1;
  }

  drop(id: string, now: number): boolean {
    return this.#db.transaction(() => {
      const r = this.#stmts.byId!.get(id) as RawItem | undefined;
      if (!r || r.state === 'incoming') return false;
      if (r.state === 'sending' && r.lease_until !== null && r.lease_until > now) return false;
      this.#stmts.deleteChunks!.run(id);
      this.#stmts.deleteItem!.run(id);
      return true;
    })();
  }

  /** Clears a sender's pause; true when it was paused. */
  resume(sender: string): boolean {
    return this.#stmts.resume!.run(sender).changes === 1;
  }

  pausedSenders(): Map<string, { code: string; message: string; since: number }> {
    const rows = this.#stmts.paused!.all() as Array<{ sender: string; paused_code: string; paused_message: string; paused_at: number }>;
    return new Map(rows.map((r) => [r.sender, { code: r.paused_code, message: r.paused_message, since: r.paused_at }]));
  }

  /** Items a drain still waits for: queued, sending or being reconciled, of senders that are not paused. */
  pending(): number {
    return (this.#stmts.pending!.get() as { n: number }).n;
  }

  /** The earliest `next_at` of any live item. */
  nextDue(): number | undefined {
    const t = (this.#stmts.nextDue!.get() as { t: number | null }).t;
    return t ?? undefined;
  }

  stats(): StatsRow[] {
    const counts = this.#stmts.stats!.all() as Array<{ sender: string; state: OutboxItemState; parked: number; n: number }>;
    const senders = this.#stmts.senders!.all() as Array<{
      sender: string;
      paused_code: string | null;
      paused_message: string | null;
      paused_at: number | null;
      throttled_until: number | null;
    }>;
    const bySender = new Map<string, StatsRow>();
    const row = (sender: string): StatsRow => {
      let r = bySender.get(sender);
      if (!r) bySender.set(sender, (r = { sender, ...emptyStats() }));
      return r;
    };
    for (const c of counts) {
      const r = row(c.sender);
      r.states[c.state] += c.n;
      if (c.parked === 1 && c.state === 'unknown') r.parked += c.n;
    }
    for (const s of senders) {
      if (s.paused_at === null && (s.throttled_until === null || s.throttled_until <= Date.now())) continue;
      const r = row(s.sender);
      if (s.paused_at !== null) r.paused = { code: s.paused_code ?? 'UNKNOWN', message: s.paused_message ?? '', since: s.paused_at };
      if (s.throttled_until !== null && s.throttled_until > Date.now()) r.throttledUntil = s.throttled_until;
    }
    return [...bySender.values()].sort((a, b) => a.sender.localeCompare(b.sender));
  }

  close(): void {
    this.#db.close();
  }

  /** Runs `fn` with `synchronous=NORMAL` (for attachment chunks, which the final FULL commit makes durable). */
  #relaxed<T>(fn: () => T): T {
    this.#db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
  }

  #removeStaleIncoming(now: number): void {
    const stale = this.#stmts.staleIncoming!.all(now - STALE_INCOMING_MS) as Array<{ id: string }>;
    for (const { id } of stale) this.abortIncoming(id);
  }
}
