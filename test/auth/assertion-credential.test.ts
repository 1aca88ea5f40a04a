import { describe, expect, it } from 'vitest';
import { AssertionCredential } from '../../src/auth/assertion-credential';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

describe('AssertionCredential.next()', () => {
  it('calls the function each time and registers what it returns as a secret', async () => {
    const protectedValues: string[] = [];
    let calls = 0;
    const credential = new AssertionCredential({ assertion: () => (calls++, ` ${JWT}\n`) }, { protect: (v) => protectedValues.push(v) });
    expect([await credential.next(), await credential.next()]).toEqual([JWT, JWT]);
    expect(calls).toBe(2);
    expect(protectedValues).toEqual([JWT, JWT]);
  });

  it('a synchronous throw is a CREDENTIAL_UNAVAILABLE rejection, never an exception out of the mailer', async () => {
    const credential = new AssertionCredential({ assertion: () => { throw new TypeError('no OIDC variables'); } }, { protect: () => undefined });
    await expect(credential.next()).rejects.toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', step: 5, message: expect.stringMatching(/failed: no OIDC variables\./) });
  });

  it('a function that never settles fails after timeoutMs instead of hanging every send', async () => {
    const credential = new AssertionCredential({ assertion: () => new Promise<string>(() => undefined) }, { protect: () => undefined }, 50);
    await expect(credential.next()).rejects.toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', message: expect.stringMatching(/did not return within 50 ms \(timeoutMs\)/) });
  });

  it('attack: a thrown value that refuses to be printed, or a thenable whose `then` throws, is still CREDENTIAL_UNAVAILABLE', async () => {
    const unprintable = {
      get message(): string {
        throw new Error('message getter');
      },
      toString(): string {
        throw new Error('toString');
      },
    };
    const throwsIt = new AssertionCredential({ assertion: () => { throw unprintable; } }, { protect: () => undefined });
    await expect(throwsIt.next()).rejects.toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', message: expect.stringMatching(/failed: an error that cannot be printed\./) });
    const badThenable = new Proxy({}, { get: (_t, key) => { if (key === 'then') throw new Error('then trap'); return undefined; } });
    const thenable = new AssertionCredential({ assertion: () => badThenable as unknown as string }, { protect: () => undefined });
    await expect(thenable.next()).rejects.toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', message: expect.stringMatching(/failed: then trap\./) });
  });

  it('a non-string is named by its kind', async () => {
    const credential = new AssertionCredential({ assertion: () => null as unknown as string }, { protect: () => undefined });
    await expect(credential.next()).rejects.toMatchObject({ code: 'CREDENTIAL_UNAVAILABLE', message: expect.stringMatching(/gave a null instead of a signed JWT/) });
  });
});
