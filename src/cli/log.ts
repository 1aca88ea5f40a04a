import type { Logger } from '../config/types';
import { palette } from './format';
import type { CliContext } from './io';

/** How much `--verbose` (info) and `--debug` (every request) show. */
export type CliLogLevel = 'info' | 'debug';

function detailText(details: Record<string, unknown> | undefined, skip: readonly string[]): string {
  if (!details) return '';
  const parts = Object.entries(details)
    .filter(([key, value]) => value !== undefined && !skip.includes(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/**
 * The library's logger for `--verbose` and `--debug`: one line per event on stderr, prefixed with its level.
 * The library has already removed secrets and tokens; the CLI's output filter removes any registered secret again.
 */
export function cliLogger(ctx: CliContext, level: CliLogLevel): Logger {
  const p = palette(ctx.errColor);
  const line = (tag: string, message: string, details: Record<string, unknown> | undefined, skip: readonly string[] = []) =>
    ctx.err(`${tag} ${message}${detailText(details, skip)}\n`);
  const logger: Logger = {
    info: (message, details) => line(p.dim('[info]'), message, details, ['route']),
    warn: (message, details) => line(p.yellow('[warn]'), message, details),
    error: (message, details) => line(p.red('[error]'), message, details),
  };
  // A request line already says everything its details hold.
  if (level === 'debug') logger.debug = (message, details) => line(p.dim('[debug]'), message, message.startsWith('HTTP ') ? undefined : details);
  return logger;
}
