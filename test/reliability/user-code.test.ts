import { describe, expect, it } from 'vitest';
import { callUser, callUserCode, describeError, TIMED_OUT, within } from '../../src/reliability/user-code';

// The one guard every piece of user code goes through (clientAssertion, secret stores, token caches).
describe('callUserCode', () => {
  it('gives the value, sync or async', async () => {
    expect(await callUserCode(() => 1, 1000)).toBe(1);
    expect(await callUserCode(async () => 2, 1000)).toBe(2);
  });

  it('turns a synchronous throw into a rejection', async () => {
    const p = callUser(() => {
      throw new Error('sync');
    });
    await expect(p).rejects.toThrow('sync');
  });

  it('gives TIMED_OUT for code that never settles, and a late rejection stays handled', async () => {
    let reject: (e: unknown) => void = () => undefined;
    const pending = new Promise<number>((_, r) => (reject = r));
    expect(await callUserCode(() => pending, 5)).toBe(TIMED_OUT);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    reject(new Error('late'));
    await new Promise((r) => setImmediate(r));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  it('has no limit when ms is not finite', async () => {
    expect(await within(Promise.resolve('x'), Number.POSITIVE_INFINITY)).toBe('x');
  });
});

describe('describeError', () => {
  it('prints an error, a value, and never throws for one that refuses to be printed', () => {
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError(42n)).toBe('42');
    expect(describeError(Symbol('s'))).toBe('Symbol(s)');
    expect(describeError(Object.create(null))).toBe('an error that cannot be printed');
  });
});
