import type { AttachmentMeta } from './engine';
import type { StoredError } from './stored-error';
import type { ListOptions, OutboxItemState, StoredMessage } from './types';

/** A new item, before its attachments are copied in. */
export interface NewItem {
  id: string;
  sender: string;
  messageId: string;
  idempotencyKey?: string;
  message: StoredMessage;
  recipients: number;
  createdAt: number;
}

/** An item as both stores report it. */
export interface ItemRow {
  id: string;
  sender: string;
  state: OutboxItemState;
  attempts: number;
  messageId: string;
  createdAt: number;
  parked: boolean;
  sentAt?: number;
  error?: StoredError;
  idempotencyKey?: string;
}

/** Pacing with every default filled in. */
export interface PacingLimits {
  maxInFlight: number;
  recipientsPerDay: number;
  uploadBytesPer5Min: number;
  messagesPerMinute?: number;
}

/** Counts of one sender, as stored. */
export interface StatsRow {
  sender: string;
  states: Record<OutboxItemState, number>;
  parked: number;
  paused?: { code: string; message: string; since: number };
  throttledUntil?: number;
}

/** Zero of everything. */
export function emptyStats(): { states: Record<OutboxItemState, number>; parked: number } {
  return { states: { queued: 0, sending: 0, sent: 0, failed: 0, unknown: 0 }, parked: 0 };
}

/** An attachment on its way into the store: its fields, and its bytes as chunks. */
export interface AttachmentInput {
  meta: Omit<AttachmentMeta, 'size'>;
  chunks: AsyncIterable<Buffer>;
}

/** What the outbox needs from a store (SQLite, or Redis with BullMQ). */
export interface OutboxBackend {
  /** Stores the item durably; resolves the existing item instead when its idempotency key is known. */
  enqueue(item: NewItem, attachments: AttachmentInput[]): Promise<ItemRow | undefined>;
  get(id: string): Promise<ItemRow | undefined>;
  list(options: ListOptions): Promise<ItemRow[]>;
  retry(id: string): Promise<boolean>;
  drop(id: string): Promise<boolean>;
  /** Clears a sender's pause; true when it was paused. */
  resume(sender: string): Promise<boolean>;
  pausedSenders(): Promise<Map<string, { code: string; message: string; since: number }>>;
  stats(): Promise<StatsRow[]>;
  /** Items a drain still waits for. */
  pending(): Promise<number>;
  /** Starts taking items for the engine's senders. */
  start(run: (item: import('./engine').ClaimedItem, ops: import('./engine').ItemOps) => Promise<import('./engine').Outcome>): void;
  /** Stops taking items and waits for those in hand. */
  stop(): Promise<void>;
  /** Wakes idle workers (an item was enqueued, retried or resumed here). */
  wake(): void;
  close(): Promise<void>;
}
