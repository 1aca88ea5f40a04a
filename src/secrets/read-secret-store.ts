import { MailerError } from '../errors/mailer-error';
import { callUserCode, describeError, TIMED_OUT } from '../reliability/user-code';
import type { SecretStore } from './secret-store';

/**
 * Reads the client secret from a store, built-in or the caller's own, so that it can neither hang a send nor leave a
 * raw error: a store that does not answer within `timeoutMs` is `TIMEOUT` (retriable); one that throws something
 * other than a {@link MailerError} is `SECRET_STORE_LOCKED` carrying its message; a value that is not a string
 * counts as no secret.
 *
 * @example
 * ```ts
 * const secret = await readSecretStore(store, defaultSecretName(tenantId, clientId), 30_000)
 * ```
 */
export async function readSecretStore(store: SecretStore, name: string, timeoutMs: number): Promise<string | undefined> {
  let value: unknown;
  try {
    value = await callUserCode(() => store.get(name), timeoutMs);
  } catch (error) {
    if (error instanceof MailerError) throw error;
    throw new MailerError({
      code: 'SECRET_STORE_LOCKED',
      step: 5,
      message: `The secret store failed when asked for "${name}": ${describeError(error)}. Nothing was sent.`,
      fix: 'Check the secret store the mailer was given (its backend, its permissions), or store the secret again with `o365-mailer secret set`.',
      cause: error,
    });
  }
  if (value === TIMED_OUT) {
    throw new MailerError({
      code: 'TIMEOUT',
      message: `The secret store did not answer within ${timeoutMs} ms when asked for "${name}". Nothing was sent.`,
      fix: 'Check the secret store (a keyring that waits for an unlock prompt, a file on a hung network share, your own store\'s backend), then try again.',
      retriable: true,
    });
  }
  return typeof value === 'string' ? value : undefined;
}
