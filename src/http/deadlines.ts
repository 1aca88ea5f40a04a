/** One request's time limit. */
export interface Deadline {
  /** Aborts the request: when the limit passes, or when the caller's signal fires. */
  readonly controller: AbortController;
  /** True once the limit passed (the abort came from the clock, not the caller). */
  readonly expired: boolean;
}

interface Entry {
  controller: AbortController | undefined;
  at: number;
  expired: boolean;
  done: boolean;
}

/**
 * Time limits for the requests of one client. Every request gets the same duration, so deadlines arrive in the
 * order requests start, and one unref'd timer armed for the oldest serves them all: no timer or
 * `AbortSignal.timeout` per request, and nothing left behind for the host process.
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

  /** Starts the clock for one request; call {@link finish} when it has settled, whatever the outcome. */
  start(): Deadline {
    const entry: Entry = { controller: new AbortController(), at: performance.now() + this.#ms, expired: false, done: false };
    this.#queue.push(entry);
    if (!this.#timer) this.#arm(this.#ms);
    return entry as Deadline;
  }

  finish(deadline: Deadline): void {
    const entry = deadline as Entry;
    entry.done = true;
    entry.controller = undefined;
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
      const controller = entry.controller;
      entry.controller = undefined;
      controller?.abort(new DOMException('The request took longer than its time limit.', 'TimeoutError'));
    }
    this.#drop();
  }
}
