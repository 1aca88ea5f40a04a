import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/outbox/sqlite-store';
import type { PacingLimits } from '../../src/outbox/store-types';

const SENDER = 'lab@contoso.com';
const LIMITS: PacingLimits = { maxInFlight: 4, recipientsPerDay: 10_000, uploadBytesPer5Min: 150 * 1024 * 1024 };
const T0 = Date.UTC(2026, 10, 30, 8, 0, 0);
let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-store-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function storeWith(items: Array<{ recipients?: number; bytes?: number }>, file = join(dir, `s${++n}.db`)): Promise<{ store: SqliteStore; file: string; ids: string[] }> {
  const store = await SqliteStore.open(file);
  const ids: string[] = [];
  items.forEach((it, i) => {
    const id = `item-${i}`;
    store.insertIncoming({ id, sender: SENDER, messageId: `<${i}@contoso.com>`, message: { subject: `s${i}` }, recipients: it.recipients ?? 1, createdAt: T0 + i });
    if (it.bytes) store.addChunk(id, 0, 0, Buffer.alloc(it.bytes));
    store.commitIncoming(id, it.bytes ? [{ filename: 'f.bin', size: it.bytes }] : []);
    ids.push(id);
  });
  return { store, file, ids };
}

const claimIds = (store: SqliteStore, now: number, limits = LIMITS, owner = 'w1') => store.claim(owner, [SENDER], limits, now, 30_000, 100).map((c) => c.id);

describe('SQLite store: claims are leases within pacing budgets', () => {
  it('leases at most maxInFlight items per sender; a second worker gets none of them', async () => {
    const { store } = await storeWith(Array.from({ length: 6 }, () => ({})));
    expect(claimIds(store, T0 + 10)).toEqual(['item-0', 'item-1', 'item-2', 'item-3']);
    expect(claimIds(store, T0 + 10, LIMITS, 'w2')).toEqual([]);
    store.close();
  });

  it('takes over an item in sending after its lease runs out, as an ambiguous one', async () => {
    const { store } = await storeWith([{}]);
    const [item] = store.claim('w1', [SENDER], LIMITS, T0, 1000, 10);
    store.markSending(item!.id, 'w1');
    expect(store.claim('w2', [SENDER], LIMITS, T0 + 999, 1000, 10)).toEqual([]);
    const [again] = store.claim('w2', [SENDER], LIMITS, T0 + 1000, 1000, 10);
    expect(again).toMatchObject({ id: item!.id, state: 'sending', attempts: 1 });
    // The first worker lost its lease: its write-ahead and outcomes no longer apply.
    expect(() => store.markSending(item!.id, 'w1')).toThrow(/lease/);
    store.close();
  });

  it('holds a sender at recipientsPerDay over a rolling 24 hours, and the budget survives a restart', async () => {
    const limits = { ...LIMITS, recipientsPerDay: 5 };
    const { store, file } = await storeWith([{ recipients: 2 }, { recipients: 2 }, { recipients: 2 }]);
    expect(claimIds(store, T0 + 10, limits)).toEqual(['item-0', 'item-1']);
    for (const id of ['item-0', 'item-1']) sent(store, id, T0 + 20);
    store.close();
    const reopened = await SqliteStore.open(file);
    expect(claimIds(reopened, T0 + 3_600_000, limits)).toEqual([]);
    expect(claimIds(reopened, T0 + 10 + 86_400_000, limits)).toEqual(['item-2']);
    reopened.close();
  });

  it('gives the budget back when the send provably did not happen', async () => {
    const limits = { ...LIMITS, recipientsPerDay: 3 };
    const { store } = await storeWith([{ recipients: 2 }, { recipients: 2 }]);
    const [first] = store.claim('w1', [SENDER], limits, T0 + 10, 30_000, 10);
    store.markSending(first!.id, 'w1');
    expect(claimIds(store, T0 + 11, limits)).toEqual([]);
    store.commit(first!, 'w1', { kind: 'retry', at: T0 + 20, error: { code: 'SERVICE_UNAVAILABLE', message: 'x' } }, T0 + 12);
    expect(claimIds(store, T0 + 13, limits)).toEqual(['item-1']);
    store.close();
  });

  it('holds a sender at uploadBytesPer5Min and at messagesPerMinute', async () => {
    const { store } = await storeWith([{ bytes: 600 }, { bytes: 600 }, { bytes: 600 }]);
    const bytesLimits = { ...LIMITS, uploadBytesPer5Min: 1000 };
    const sendAll = (ids: string[], at: number) => ids.forEach((id) => sent(store, id, at));
    const first = claimIds(store, T0 + 10, bytesLimits);
    expect(first).toEqual(['item-0']);
    sendAll(first, T0 + 10);
    expect(claimIds(store, T0 + 10 + 299_000, bytesLimits)).toEqual([]);
    expect(claimIds(store, T0 + 10 + 300_000, bytesLimits)).toEqual(['item-1']);
    store.close();
    const { store: s2 } = await storeWith([{}, {}, {}, {}]);
    const mpm = { ...LIMITS, messagesPerMinute: 2 };
    const firstTwo = claimIds(s2, T0 + 10, mpm);
    expect(firstTwo).toEqual(['item-0', 'item-1']);
    firstTwo.forEach((id) => sent(s2, id, T0 + 10));
    expect(claimIds(s2, T0 + 59_000, mpm)).toEqual([]);
    expect(claimIds(s2, T0 + 60_010, mpm)).toEqual(['item-2', 'item-3']);
    s2.close();
  });

  it('skips a throttled sender until its Retry-After has passed', async () => {
    const { store } = await storeWith([{}]);
    const [first] = store.claim('w1', [SENDER], LIMITS, T0 + 10, 30_000, 1);
    store.markSending(first!.id, 'w1');
    store.commit(first!, 'w1', { kind: 'throttle', until: T0 + 5000, error: { code: 'THROTTLED', message: 'x' } }, T0 + 20);
    expect(claimIds(store, T0 + 4999)).toEqual([]);
    expect(claimIds(store, T0 + 5000)).toEqual(['item-0']);
    store.close();
  });

  it('skips a paused sender until it is resumed; its items stay queued and a drain does not wait for them', async () => {
    const { store } = await storeWith([{}, {}]);
    const [first] = store.claim('w1', [SENDER], LIMITS, T0 + 10, 30_000, 1);
    store.markSending(first!.id, 'w1');
    store.commit(first!, 'w1', { kind: 'pause', error: { code: 'SECRET_EXPIRED', message: 'expired' } }, T0 + 20);
    expect(claimIds(store, T0 + 10_000)).toEqual([]);
    expect(store.pausedSenders().get(SENDER)).toMatchObject({ code: 'SECRET_EXPIRED', message: 'expired' });
    expect(store.list({}).map((r) => r.state)).toEqual(['queued', 'queued']);
    expect(store.pending()).toBe(0);
    expect(store.resume(SENDER)).toBe(true);
    expect(store.resume(SENDER)).toBe(false);
    expect(claimIds(store, T0 + 10_001).sort()).toEqual(['item-0', 'item-1']);
    store.close();
  });
});

describe('SQLite store: enqueue', () => {
  it('an enqueue that never committed does not block its idempotency key', async () => {
    const store = await SqliteStore.open(join(dir, `s${++n}.db`));
    const item = { id: 'first', sender: SENDER, messageId: '<1@contoso.com>', idempotencyKey: 'k', message: {}, recipients: 1, createdAt: T0 };
    expect(store.insertIncoming(item)).toBeUndefined();
    store.addChunk('first', 0, 0, Buffer.from('half'));
    // The process dies here. A new enqueue with the same key takes over.
    expect(store.insertIncoming({ ...item, id: 'second', messageId: '<2@contoso.com>' })).toBeUndefined();
    store.commitIncoming('second', []);
    expect(() => store.commitIncoming('first', [])).toThrow(expect.objectContaining({ message: expect.stringContaining('idempotency key') }));
    expect(store.insertIncoming({ ...item, id: 'third' })).toMatchObject({ id: 'second', state: 'queued', messageId: '<2@contoso.com>' });
    expect(store.readChunk('first', 0, 0)).toBeNull();
    store.close();
  });
});

function sent(store: SqliteStore, id: string, at: number): void {
  store.markSending(id, 'w1');
  store.commit({ id, sender: SENDER, state: 'queued', attempts: 0, messageId: '', createdAt: T0, message: {}, attachments: [] }, 'w1', { kind: 'sent', sentAt: at, reconciled: false }, at);
}
