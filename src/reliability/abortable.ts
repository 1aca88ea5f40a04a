import { MailerError } from '../errors/mailer-error';
import { catalogued } from '../errors/catalogue';

/** The error every cancelled operation rejects with. */
export function abortedError(doing: string): MailerError {
  return new MailerError(catalogued('ABORTED', `Cancelled while ${doing}.`));
}

/** Rejects at once when `signal` fires, without cancelling `promise` (others may still be waiting on it). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, doing: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortedError(doing));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(doing));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Waits `ms`, or rejects with `ABORTED` as soon as `signal` fires. */
export function sleep(ms: number, signal: AbortSignal | undefined, doing: string): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError(doing));
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(doing));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
