import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AttachmentMeta, ClaimedItem, ItemOps, Outcome } from './engine';
import { pullStream } from './engine';
import type { SqliteStore } from './sqlite-store';
import type { AttachmentInput, ItemRow, NewItem, OutboxBackend, PacingLimits, StatsRow } from './store-types';
import type { ListOptions } from './types';

/** Settings of {@link SqliteBackend}. */
export interface SqliteBackendOptions {
  /** Senders this process has mailers for (lower case). */
  senders: readonly string[];
  limits: PacingLimits;
  leaseMs: number;
  now: () => number;
  /** Longest idle wait before looking at the file again (other processes may have enqueued). @default 250 */
  pollMs?: number;
}

/** The SQLite outbox: items, attachments and budgets in one file; workers in this process take leases on due items. */
export class SqliteBackend implements OutboxBackend {
  readonly #store: SqliteStore;
  readonly #o: SqliteBackendOptions;
  readonly #owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #inHand = new Set<Promise<unknown>>();
  readonly #ids = new Set<string>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(store: SqliteStore, options: SqliteBackendOptions) {
    this.#store = store;
    this.#o = options;
  }

  async enqueue(item: NewItem, attachments: AttachmentInput[]): Promise<ItemRow | undefined> {
    const existing = this.#store.insertIncoming(item);
    if (existing) return existing;
    try {
      const metas: AttachmentMeta[] = [];
      for (let att = 0; att < attachments.length; att++) {
        const a = attachments[att]!;
        let size = 0;
        let seq = 0;
        for await (const chunk of a.chunks) {
          this.#store.addChunk(item.id, att, seq++, chunk);
          size += chunk.length;
        }
        metas.push({ ...a.meta, size });
      }
      this.#store.commitIncoming(item.id, metas);
    } catch (err) {
      this.#store.abortIncoming(item.id);
      throw err;
    }
    this.wake();
    return undefined;
  }

  async get(id: string): Promise<ItemRow | undefined> {
    return this.#store.get(id);
  }

  async list(options: ListOptions): Promise<ItemRow[]> {
    return this.#store.list(options);
  }

  async retry(id: string): Promise<boolean> {
    const done = this.#store.retry(id, this.#o.now());
    if (done) this.wake();
    return done;
  }

  async drop(id: string): Promise<boolean> {
    return this.#store.drop(id, this.#o.now());
  }

  async resume(sender: string): Promise<boolean> {
    const done = this.#store.resume(sender);
    if (done) this.wake();
    return done;
  }

  async pausedSenders(): Promise<Map<string, { code: string; message: string; since: number }>> {
    return this.#store.pausedSenders();
  }

  async stats(): Promise<StatsRow[]> {
    return this.#store.stats();
  }

  async pending(): Promise<number> {
    return this.#store.pending();
  }

  start(run: (item: ClaimedItem, ops: ItemOps) => Promise<Outcome>): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#work(run);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    await Promise.allSettled([...this.#inHand]);
  }

  wake(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async close(): Promise<void> {
    await this.stop();
    this.#store.close();
  }

  async #work(run: (item: ClaimedItem, ops: ItemOps) => Promise<Outcome>): Promise<void> {
    const { senders, limits, leaseMs, now } = this.#o;
    const capacity = senders.length * limits.maxInFlight;
    while (this.#running) {
      const free = capacity - this.#inHand.size;
      const claimed = free > 0 ? this.#store.claim(this.#owner, senders, limits, now(), leaseMs, free, this.#ids) : [];
      for (const item of claimed) {
        this.#ids.add(item.id);
        const task = run(item, this.#ops(item))
          .catch(() => this.#store.release(item, this.#owner))
          .finally(() => {
            this.#ids.delete(item.id);
            this.#inHand.delete(task);
            this.wake();
          });
        this.#inHand.add(task);
      }
      if (!this.#running) break;
      const due = this.#store.nextDue();
      const pollMs = this.#o.pollMs ?? 250;
      const waitMs = claimed.length > 0 ? 0 : Math.max(5, Math.min(pollMs, due === undefined ? pollMs : due - now()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  #ops(item: ClaimedItem): ItemOps {
    const store = this.#store;
    const owner = this.#owner;
    const { now, leaseMs } = this.#o;
    return {
      async markSending() {
        store.markSending(item.id, owner);
      },
      async commit(outcome: Outcome) {
        store.commit(item, owner, outcome, now());
      },
      openAttachment(index: number) {
        let seq = 0;
        return pullStream(() => store.readChunk(item.id, index, seq++));
      },
      async renew() {
        return store.renew(item.id, owner, now() + leaseMs);
      },
    };
  }
}
