/** One request's time limit. */
export interface Deadline {
  /** True once the limit passed (the request was stopped by the clock, not by the caller). */
  readonly expired: boolean;
}

interface Entry {
  onExpire: (() => void) | undefined;
  at: number;
  expired: boolean;
  done: boolean;
}

/**
 * Time limits for the requests of one client. Every request gets the same duration, so deadlines arrive in the
 * order requests start, and one unref'd timer armed for the oldest serves them all: no timer, `AbortController`
 * or `AbortSignal.timeout` per request, and nothing left behind for the host process.
 */
export class Deadlines {
  readonly #ms: number;
  readonly #queue: Entry[] = [];
  #head = 0;
  /** The armed timer, held so it is not collected before it fires. */
  #timer: AbortSignal | undefined;

  constructor(ms: number) {
    this.#ms = ms;
  }

  /**
   * Starts the clock for one request: `onExpire` is called once if the limit passes first (it stops the request).
   * Call {@link finish} when the request has settled, whatever the outcome.
   */
  start(onExpire: () => void): Deadline {
    const entry: Entry = { onExpire, at: performance.now() + this.#ms, expired: false, done: false };
    this.#queue.push(entry);
    if (!this.#timer) this.#arm(this.#ms);
    return entry as Deadline;
  }

  finish(deadline: Deadline): void {
    const entry = deadline as Entry;
    entry.done = true;
    entry.onExpire = undefined;
    this.#drop();
  }

  /** Removes settled entries from the front, so the queue holds only what is in flight (and what settled after it). */
  #drop(): void {
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.done) this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #arm(delay: number): void {
    // AbortSignal.timeout as the one timer: unref'd, and like the per-request signal it replaces, a real-time
    // guard that fake clocks in tests (which patch setTimeout) neither see nor drive.
    const timer = AbortSignal.timeout(Math.max(1, Math.ceil(delay)));
    timer.addEventListener('abort', () => this.#fire(), { once: true });
    this.#timer = timer;
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (let i = this.#head; i < this.#queue.length; i++) {
      const entry = this.#queue[i]!;
      if (entry.done) continue;
      if (entry.at > now) {
        this.#drop();
        this.#arm(entry.at - now);
        return;
      }
      entry.expired = true;
      entry.done = true;
      const onExpire = entry.onExpire;
      entry.onExpire = undefined;
      onExpire?.();
    }
    this.#drop();
  }
}
