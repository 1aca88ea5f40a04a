import { CATALOGUE } from './catalogue';
import { MailerError } from './mailer-error';

/**
 * Any error as a {@link MailerError}: a MailerError passes through; anything else (a bug, a dependency's raw error)
 * becomes `UNKNOWN` that carries the underlying message (scrubbed of `secrets`) and keeps it as the cause.
 *
 * @example
 * ```ts
 * try { await work() } catch (e) { throw unexpected(e, 'sending', secrets) }
 * ```
 */
export function unexpected(error: unknown, doing: string, secrets: readonly string[] = []): MailerError {
  if (error instanceof MailerError) return error;
  let detail: string;
  try {
    const name = (error as Error)?.name;
    const message = String((error as Error)?.message ?? error);
    detail = name && name !== 'Error' ? `${name}: ${message}` : message;
  } catch {
    detail = 'an error that cannot be printed';
  }
  return new MailerError(
    {
      code: 'UNKNOWN',
      message: `Unexpected failure while ${doing}: ${detail}`,
      fix: CATALOGUE.UNKNOWN.fix,
      cause: error,
    },
    secrets,
  );
}
