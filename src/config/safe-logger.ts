import { scrub } from '../errors/redact';
import type { Logger } from './types';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * Wraps the user's logger so that no line can carry a secret: every message and detail value is scrubbed of the
 * known secrets, JWT-shaped tokens, bearer credentials and secret-bearing query strings before it leaves.
 */
export function safeLogger(logger: Logger, secrets: () => readonly string[]): Logger {
  const out: Logger = {};
  for (const level of LEVELS) {
    const method = logger[level];
    if (typeof method !== 'function') continue;
    out[level] = (message, details) => {
      const known = secrets();
      const clean = details === undefined ? undefined : (JSON.parse(scrub(JSON.stringify(details), known)) as Record<string, unknown>);
      method.call(logger, scrub(message, known), ...(clean === undefined ? [] : [clean]));
    };
  }
  return out;
}
