import { describe, expect, it } from 'vitest';
import { MailerError } from '../../src/errors/mailer-error';
import { TransportError, classifyFetchError } from '../../src/http/transport-error';
import { raceAbort, sleep } from '../../src/reliability/abortable';
import { MailboxLimiter } from '../../src/reliability/mailbox-limiter';
import { parseRetryAfter } from '../../src/reliability/retry-after';
import { RetryPolicy } from '../../src/reliability/retry-policy';
import { rejectionOf } from './helpers';

const NOW = Date.parse('2026-11-29T09:00:00.000Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter('7')).toBe(7_000);
    expect(parseRetryAfter(' 120 ')).toBe(120_000);
  });

  it('reads an HTTP date relative to now, and a past date as 0', () => {
    expect(parseRetryAfter('Sun, 29 Nov 2026 09:00:05 GMT', NOW)).toBe(5_000);
    expect(parseRetryAfter(new Date(NOW + 42_000).toUTCString(), NOW)).toBe(42_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 08:59:00 GMT', NOW)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    for (const value of [null, undefined, '', '-5', 'soon', '12abc', '1e3']) {
      expect(parseRetryAfter(value as string | null | undefined, NOW), String(value)).toBeUndefined();
    }
  });
});

describe('RetryPolicy', () => {
  const policy = (options: { maxRetries?: number; maxDelayMs?: number } = {}, random = () => 0.5) =>
    new RetryPolicy(options, { random, now: () => NOW, baseDelayMs: 100 });

  it('defaults to 3 retries and a 60 s cap', () => {
    const p = new RetryPolicy();
    expect(p.maxRetries).toBe(3);
    expect(p.maxDelayMs).toBe(60_000);
  });

  it('retries 429 and 503 after the Retry-After seconds', () => {
    expect(policy().decide({ kind: 'status', status: 429, retryAfter: '7' }, 0)).toEqual({ retry: true, delayMs: 7_000 });
    expect(policy().decide({ kind: 'status', status: 503, retryAfter: '2' }, 1)).toEqual({ retry: true, delayMs: 2_000 });
    expect(policy().decide({ kind: 'status', status: 429, retryAfter: '0' }, 2)).toEqual({ retry: true, delayMs: 0 });
  });

  it('retries 429 after a Retry-After HTTP date', () => {
    const date = new Date(NOW + 9_000).toUTCString();
    expect(policy().decide({ kind: 'status', status: 429, retryAfter: date }, 0)).toEqual({ retry: true, delayMs: 9_000 });
  });

  it('caps Retry-After by maxDelayMs', () => {
    expect(policy({ maxDelayMs: 5_000 }).decide({ kind: 'status', status: 429, retryAfter: '120' }, 0)).toEqual({ retry: true, delayMs: 5_000 });
    const far = new Date(NOW + 3_600_000).toUTCString();
    expect(policy({ maxDelayMs: 5_000 }).decide({ kind: 'status', status: 503, retryAfter: far }, 0)).toEqual({ retry: true, delayMs: 5_000 });
  });

  it('without (or with an unreadable) Retry-After backs off exponentially with jitter, capped by maxDelayMs', () => {
    // Equal jitter: half the ceiling fixed, half random; the ceiling doubles per retry from baseDelayMs.
    const low = policy({}, () => 0);
    const high = policy({}, () => 0.999999);
    for (const [retries, ceiling] of [
      [0, 100],
      [1, 200],
      [2, 400],
    ] as const) {
      const lo = low.decide({ kind: 'status', status: 429 }, retries);
      const hi = high.decide({ kind: 'status', status: 503, retryAfter: 'soon' }, retries);
      expect(lo).toEqual({ retry: true, delayMs: ceiling / 2 });
      expect(hi).toEqual({ retry: true, delayMs: ceiling });
    }
    const capped = policy({ maxRetries: 20, maxDelayMs: 1_000 }, () => 0.999999);
    expect(capped.decide({ kind: 'status', status: 429 }, 10)).toEqual({ retry: true, delayMs: 1_000 });
    // Jitter: different random draws give different waits.
    const a = policy({}, () => 0.1).backoff(3);
    const b = policy({}, () => 0.9).backoff(3);
    expect(a).not.toBe(b);
    expect(a).toBeGreaterThanOrEqual(400);
    expect(b).toBeLessThanOrEqual(800);
  });

  it('never retries a status that may have been processed', () => {
    for (const status of [400, 401, 403, 404, 409, 413, 500, 501, 502, 504]) {
      expect(policy().decide({ kind: 'status', status, retryAfter: '0' }, 0), String(status)).toEqual({ retry: false });
    }
  });

  it('retries a transport failure only when the request was provably not written', () => {
    expect(policy({}, () => 0).decide({ kind: 'transport', notSent: true }, 0)).toEqual({ retry: true, delayMs: 50 });
    expect(policy().decide({ kind: 'transport', notSent: false }, 0)).toEqual({ retry: false });
  });

  it('stops after maxRetries', () => {
    const p = policy({ maxRetries: 2 });
    expect(p.decide({ kind: 'status', status: 429, retryAfter: '0' }, 1).retry).toBe(true);
    expect(p.decide({ kind: 'status', status: 429, retryAfter: '0' }, 2)).toEqual({ retry: false });
    expect(p.decide({ kind: 'transport', notSent: true }, 2)).toEqual({ retry: false });
    expect(policy({ maxRetries: 0 }).decide({ kind: 'status', status: 503, retryAfter: '0' }, 0)).toEqual({ retry: false });
  });
});

describe('classifyFetchError', () => {
  const fetchFailed = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });
  const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('calls failures before a connection "connect" (provably not sent)', () => {
    for (const cause of [
      coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'),
      coded('ENOTFOUND', 'getaddrinfo ENOTFOUND graph.microsoft.com'),
      coded('EAI_AGAIN', 'getaddrinfo EAI_AGAIN graph.microsoft.com'),
      coded('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'),
      coded('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'),
      coded('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
      coded('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'),
    ]) {
      const err = classifyFetchError(fetchFailed(cause), 'https://graph.microsoft.com/v1.0/x');
      expect(err.failure, (cause as Error).message).toBe('connect');
      expect(err.notSent).toBe(true);
    }
  });

  it('calls a broken connection "reset" (maybe sent)', () => {
    for (const cause of [coded('ECONNRESET', 'read ECONNRESET'), coded('UND_ERR_SOCKET', 'other side closed'), coded('EPIPE', 'write EPIPE')]) {
      const err = classifyFetchError(fetchFailed(cause), 'https://graph.microsoft.com/v1.0/x');
      expect(err).toBeInstanceOf(TransportError);
      expect(err.failure, (cause as Error).message).toBe('reset');
      expect(err.notSent).toBe(false);
    }
  });
});

describe('MailboxLimiter', () => {
  it('holds at most max slots and grants waiters in arrival order', async () => {
    const limiter = new MailboxLimiter(2);
    const order: number[] = [];
    let active = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const jobs = Array.from({ length: 6 }, (_, i) =>
      limiter.run(async () => {
        order.push(i);
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => gates.push(resolve));
        active--;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(4);
    while (order.length < 6 || gates.length > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(jobs);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(limiter.active).toBe(0);
  });

  it('a queued waiter whose signal fires leaves the queue with ABORTED and takes no slot', async () => {
    const limiter = new MailboxLimiter(1);
    const release = await limiter.acquire();
    const controller = new AbortController();
    const queued = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    expect(limiter.waiting).toBe(2);
    controller.abort();
    const err = await rejectionOf(queued);
    expect(err).toBeInstanceOf(MailerError);
    expect(err.code).toBe('ABORTED');
    expect(limiter.waiting).toBe(1);
    release();
    release(); // twice is harmless
    const second = await next;
    expect(limiter.active).toBe(1);
    second();
    expect(limiter.active).toBe(0);
  });
});

describe('sleep and raceAbort', () => {
  it('sleep rejects with ABORTED as soon as the signal fires', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = sleep(60_000, controller.signal, 'waiting to retry');
    setTimeout(() => controller.abort(), 20);
    const err = await rejectionOf(pending);
    expect(err.code).toBe('ABORTED');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('raceAbort rejects at once without settling the shared promise', async () => {
    const controller = new AbortController();
    let resolveShared!: (v: string) => void;
    const shared = new Promise<string>((r) => (resolveShared = r));
    const raced = raceAbort(shared, controller.signal, 'requesting a token');
    controller.abort();
    expect((await rejectionOf(raced)).code).toBe('ABORTED');
    resolveShared('token');
    await expect(shared).resolves.toBe('token');
  });
});
