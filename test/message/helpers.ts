import { expect } from 'vitest';
import type { ErrorCode } from '../../src/errors/codes';
import { MailerError } from '../../src/errors/mailer-error';

/** Runs `fn` and returns what it threw; fails the test when it does not throw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw, but it returned');
}

/** Awaits `promise` and returns its rejection reason; fails the test when it resolves. */
export async function rejected(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** Asserts `err` is a MailerError with `code`, a fix sentence, and (when given) a message that starts with `field`. */
export function expectMailerError(err: unknown, code: ErrorCode, field?: string): MailerError {
  expect(err).toBeInstanceOf(MailerError);
  const e = err as MailerError;
  expect(e.code).toBe(code);
  expect(typeof e.fix).toBe('string');
  expect((e.fix ?? '').length).toBeGreaterThan(10);
  if (field !== undefined) expect(e.message.startsWith(`${field} `), `"${e.message}" should start with "${field} "`).toBe(true);
  return e;
}
