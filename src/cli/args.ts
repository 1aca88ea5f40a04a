import { parseArgs } from 'node:util';
import { didYouMean } from '../config/did-you-mean';
import { UsageError } from './io';

/** One option of `node:util` parseArgs. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
}
export type OptionSpecs = Record<string, OptionSpec>;

/** What parseArgs gives for a set of options (strings, booleans, or arrays of them). */
export type ParsedValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** Flags that would put the secret on the command line, refused before parsing. */
const SECRET_FLAGS = ['--client-secret', '--secret'];

/** The options every command has. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const satisfies OptionSpecs;

/**
 * Parses a command's arguments strictly: unknown options, missing values and stray arguments are usage errors
 * (exit code 2). A `--client-secret` flag is refused with the reason, without echoing its value.
 */
export function parseCommandArgs(argv: string[], options: OptionSpecs, command: string): ParsedValues {
  for (const arg of argv) {
    if (arg === '--') break;
    const name = arg.split('=')[0] ?? arg;
    if (SECRET_FLAGS.includes(name)) {
      throw new UsageError(
        `${name} is not accepted: command-line flags end up in your shell history and in the process list, where others can read the secret. ` +
          'Set AZURE_CLIENT_SECRET in the environment, store the secret once with `o365-mailer secret set` (it is then read from the secret store), ' +
          'or run in a terminal to be asked for it at a hidden prompt.',
        command,
      );
    }
  }
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as ParsedValues;
  } catch (e) {
    const error = e as { code?: string; message?: string };
    const quoted = /'([^']*)'/.exec(error.message ?? '')?.[1];
    switch (error.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
        const name = quoted ?? '';
        const guess = didYouMean(name.replace(/^-+/, ''), Object.keys(options));
        throw new UsageError(`Unknown option ${name} for \`o365-mailer ${command}\`.${guess !== undefined ? ` Did you mean --${guess}?` : ''}`, command);
      }
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
        // "Option '--to <value>' argument missing", or "Option '--subject' argument is ambiguous" (the next word is a flag).
        const name = (quoted ?? '').split(' ')[0] ?? '';
        const spec = options[name.replace(/^-+/, '')];
        const long = spec ? `--${name.replace(/^-+/, '')}` : name;
        throw new UsageError(
          `${long} needs a value: ${long} <value>${/ambiguous/.test(error.message ?? '') ? ` (the next word starts with a dash; for a value that does, write ${long}=-value)` : ''}.`,
          command,
        );
      }
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        // Never quote it: a stray word is often a secret pasted in the wrong place, and this line lands in logs.
        throw new UsageError(
          `Unexpected argument${positionOf(argv, options)}: \`o365-mailer ${command}\` takes only options. Its value is not shown, in case it is a secret; a value belongs after its option (--name value).`,
          command,
        );
      default:
        throw new UsageError(`Could not read the arguments of \`o365-mailer ${command}\` (${error.code ?? 'error'}).`, command);
    }
  }
}

/** " (the 3rd argument)": where the first stray positional argument is, counted from 1, without its value. */
function positionOf(argv: string[], options: OptionSpecs): string {
  try {
    const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
    const stray = tokens?.find((t) => t.kind === 'positional');
    return stray ? ` (argument ${stray.index + 1} of ${argv.length})` : '';
  } catch {
    return '';
  }
}

/** The string value of an option (the last one when repeated), or undefined. */
export function str(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  if (Array.isArray(v)) {
    const last = v[v.length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  return typeof v === 'string' ? v : undefined;
}

/** Every value of a repeatable string option. */
export function list(values: ParsedValues, name: string): string[] {
  const v = values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

export function flag(values: ParsedValues, name: string): boolean {
  return values[name] === true;
}

/** A whole number in [min, max] from an option, or a usage error naming the option. */
export function intOption(values: ParsedValues, name: string, min: number, max: number, command: string): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got ${raw.length} character(s) that are not one; not shown, in case they are a secret).`, command);
  }
  return Number(raw);
}
