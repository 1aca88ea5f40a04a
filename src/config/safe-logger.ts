import { MailerError } from '../errors/mailer-error';
import { scrub } from '../errors/redact';
import type { Logger } from './types';
import { nodeUtil } from '../runtime/node-builtins';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Details as a plain, scrubbed object; values JSON cannot hold (BigInt, cycles) are shown by `util.inspect`. */
function cleanDetails(details: Record<string, unknown>, known: readonly string[]): Record<string, unknown> {
  try {
    return JSON.parse(scrub(JSON.stringify(details), known)) as Record<string, unknown>;
  } catch {
    try {
      return { details: scrub(nodeUtil().inspect(details, { depth: 4, breakLength: Infinity }), known) };
    } catch {
      return { details: '[unprintable]' };
    }
  }
}

/**
 * Wraps the user's logger so that no line can carry a secret and no logger can change a send: every message and
 * detail value is scrubbed of the known secrets, JWT-shaped tokens, bearer credentials and secret-bearing query
 * strings before it leaves, and whatever a logger method throws (synchronously or as a rejected promise) is
 * ignored. A logger whose methods cannot even be read (a throwing getter or Proxy) is refused with `CONFIG_INVALID`
 * when the mailer is built.
 */
export function safeLogger(logger: Logger, secrets: () => readonly string[]): Logger {
  const out: Logger = {};
  for (const level of LEVELS) {
    let method: unknown;
    try {
      method = logger[level];
    } catch (error) {
      throw new MailerError({
        code: 'CONFIG_INVALID',
        message: `Invalid configuration: \`logger.${level}\` threw when read (${String((error as Error)?.message ?? error)}).`,
        fix: 'Pass console, a pino/winston logger, or an object with debug/info/warn/error methods.',
        cause: error,
      });
    }
    if (typeof method !== 'function') continue;
    out[level] = (message, details) => {
      try {
        const known = secrets();
        const clean = details === undefined ? undefined : cleanDetails(details, known);
        const returned: unknown = method.call(logger, scrub(message, known), ...(clean === undefined ? [] : [clean]));
        // An async logger's rejection must not become an unhandled rejection either.
        if (returned && typeof (returned as Promise<unknown>).then === 'function') (returned as Promise<unknown>).then(undefined, () => undefined);
      } catch {
        /* a logger that throws must not turn a delivered mail into a failure, nor cut a retry loop short */
      }
    };
  }
  return out;
}
