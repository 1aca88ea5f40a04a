import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/reliability/retry-after';

describe('parseRetryAfter (properties)', () => {
  const now = Date.UTC(2026, 10, 29, 9, 0, 0);

  it('delay-seconds become milliseconds', () => {
    fc.assert(fc.property(fc.nat({ max: 10_000_000 }), (seconds) => parseRetryAfter(String(seconds), now) === seconds * 1000));
  });

  it('an HTTP date becomes the time until it, never negative', () => {
    fc.assert(
      fc.property(fc.integer({ min: -86_400, max: 86_400 }), (offsetSeconds) => {
        const header = new Date(now + offsetSeconds * 1000).toUTCString();
        return parseRetryAfter(header, now) === Math.max(0, offsetSeconds * 1000);
      }),
    );
  });

  it('anything else is unreadable, never a wait', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        fc.pre(!/^\s*\d+(\.\d+)?\s*$/.test(text) && Number.isNaN(Date.parse(text)));
        return parseRetryAfter(text, now) === undefined;
      }),
    );
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
