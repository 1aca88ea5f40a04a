import type { RetryOptions } from '../config/types';
import { parseRetryAfter } from './retry-after';

/** What happened on one attempt, as the policy sees it. */
export type AttemptOutcome =
  | { kind: 'status'; status: number; retryAfter?: string | null }
  /** A transport failure; `notSent` when the request provably never reached the server. */
  | { kind: 'transport'; notSent: boolean };

/** The policy's verdict on one outcome. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/**
 * Decides what is retried: only what provably did not send. 429 and 503 (the server says it did not process the
 * request), and connection failures before the request was written. Everything else is final, and anything
 * ambiguous on a request that can deliver mail becomes `DELIVERY_UNKNOWN` upstream.
 */
export class RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** The longest single wait. */
  readonly maxDelayMs: number;
  readonly #baseDelayMs: number;
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(options: RetryOptions = {}, seams: { random?: () => number; now?: () => number; baseDelayMs?: number } = {}) {
    this.maxRetries = options.maxRetries ?? 3;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.#baseDelayMs = seams.baseDelayMs ?? 1_000;
    this.#random = seams.random ?? Math.random;
    this.#now = seams.now ?? Date.now;
  }

  /** `retriesSoFar` is 0 after the first attempt. */
  decide(outcome: AttemptOutcome, retriesSoFar: number): RetryDecision {
    if (retriesSoFar >= this.maxRetries) return { retry: false };
    if (outcome.kind === 'transport') {
      return outcome.notSent ? { retry: true, delayMs: this.backoff(retriesSoFar) } : { retry: false };
    }
    if (outcome.status !== 429 && outcome.status !== 503) return { retry: false };
    const hinted = parseRetryAfter(outcome.retryAfter, this.#now());
    const delayMs = hinted === undefined ? this.backoff(retriesSoFar) : Math.min(hinted, this.maxDelayMs);
    return { retry: true, delayMs };
  }

  /**
   * Exponential backoff with jitter, capped by `maxDelayMs`: the ceiling doubles per retry from `baseDelayMs`
   * (1 s), and the wait is drawn between half the ceiling and the ceiling ("equal jitter").
   */
  backoff(retriesSoFar: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.#baseDelayMs * 2 ** retriesSoFar);
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
  }
}
