/** What {@link within} and {@link callUserCode} give when the time ran out. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * Calls the caller's code (a callback, a custom secret store or token cache) so that a synchronous throw, or a
 * thenable whose `then` throws, becomes a rejection instead of escaping into the library's own control flow.
 */
export function callUser<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}

/**
 * `promise`, or {@link TIMED_OUT} after `ms` (no limit when `ms` is not finite). The timer never outlives the race
 * and never holds the process open; a promise abandoned by the race may still settle later, its rejection handled.
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (!Number.isFinite(ms)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
    timer.unref?.();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The one guard around user code: {@link callUser} bounded by {@link within}. Resolves with what the code gave, or
 * {@link TIMED_OUT}; rejects with what it threw. Callers turn either into a `MailerError` with their own code.
 *
 * @example
 * ```ts
 * const value = await callUserCode(() => store.get(name), timeoutMs)
 * if (value === TIMED_OUT) throw new MailerError({ code: 'TIMEOUT', message: 'The secret store did not answer.' })
 * ```
 */
export function callUserCode<T>(fn: () => T | PromiseLike<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  return within(callUser(fn), ms);
}

/** What user code threw, as text for a message: never throws itself (a thrown object may refuse to be printed). */
export function describeError(error: unknown): string {
  try {
    return String((error as Error)?.message ?? error);
  } catch {
    return 'an error that cannot be printed';
  }
}
