import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryTokenCache, isLockableTokenCache } from '../../src/token-cache/index';

const TOKEN = 'eyJ0eXAiOiJKV1QifQ.eyJzZWNyZXQiOiJ0b2tlbiJ9.c2ln';

afterEach(() => {
  vi.useRealTimers();
});

describe('MemoryTokenCache', () => {
  it('gets, sets and deletes', async () => {
    const cache = new MemoryTokenCache();
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', 'v');
    expect(await cache.get('k')).toBe('v');
    await cache.delete('k');
    expect(await cache.get('k')).toBeUndefined();
  });

  it('honours ttlSeconds', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-29T10:00:00Z') });
    const cache = new MemoryTokenCache();
    await cache.set('k', 'v', 60);
    await cache.set('forever', 'v');
    vi.advanceTimersByTime(59_999);
    expect(await cache.get('k')).toBe('v');
    vi.advanceTimersByTime(1);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.get('forever')).toBe('v');
    await cache.set('zero', 'v', 0);
    expect(await cache.get('zero')).toBeUndefined();
  });

  it('lock() runs one holder per key at a time', async () => {
    const cache = new MemoryTokenCache();
    expect(isLockableTokenCache(cache)).toBe(true);
    const order: string[] = [];
    const work = (name: string) => async () => {
      order.push(`${name}:start`);
      await new Promise((r) => setTimeout(r, 10));
      order.push(`${name}:end`);
      return name;
    };
    const results = await Promise.all([cache.lock('k', work('a')), cache.lock('k', work('b'))]);
    expect(results).toEqual(['a', 'b']);
    expect(order).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
    await expect(cache.lock('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.lock('k', async () => 'after')).toBe('after');
  });

  it('is safe to print', async () => {
    const cache = new MemoryTokenCache();
    await cache.set('k', TOKEN, 60);
    for (const printed of [inspect(cache, { showHidden: true, depth: 10 }), JSON.stringify(cache)]) {
      expect(printed).not.toContain(TOKEN);
    }
    expect(JSON.parse(JSON.stringify(cache))).toEqual({ kind: 'MemoryTokenCache' });
  });
});
