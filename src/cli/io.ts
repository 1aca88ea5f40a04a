/** Something text can be written to: `process.stdout`, `process.stderr`, or a test's fake stream. */
export interface CliOutput {
  write(chunk: string): unknown;
}

/** Standard input: `process.stdin`, or a test's fake stream (`Readable.from(...)`). */
export type CliInput = NodeJS.ReadableStream & {
  /** Present on a TTY: switches off echo and line buffering for the hidden prompt. */
  setRawMode?(mode: boolean): unknown;
};

/**
 * Everything the CLI touches outside itself, so tests can run it in-process with fake streams.
 *
 * @example
 * ```ts
 * const code = await run(process.argv.slice(2), {
 *   stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env,
 *   isTTY: { stdin: !!process.stdin.isTTY, stdout: !!process.stdout.isTTY, stderr: !!process.stderr.isTTY },
 * })
 * ```
 */
export interface CliIO {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: CliInput;
  /** The environment (`AZURE_TENANT_ID`, `NO_COLOR`, `HOME`, …). */
  env: Record<string, string | undefined>;
  /** Which streams are terminals. @default all false */
  isTTY?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  /** Width of the terminal on stderr, for the progress bar. @default 80 */
  columns?: number;
  /** Stops `emulator` (and cancels `verify`/`send`). Without it, `emulator` waits for SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

/** A mistake in the command line or missing configuration: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose `--help` the message points to. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** The user pressed Ctrl+C at a prompt: exit code 130. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor() {
    super('Interrupted.');
  }
}

/** What every command gets: the I/O, with output that can never contain a registered secret. */
export interface CliContext {
  io: CliIO;
  env: Record<string, string | undefined>;
  /** Writes to stdout. Registered secrets are replaced by `[REDACTED]`. */
  out(text: string): void;
  /** Writes to stderr. Registered secrets are replaced by `[REDACTED]`. */
  err(text: string): void;
  /** Registers a value (client secret, passphrase) that must never be printed. */
  protect(value: string | undefined): void;
  /** The registered values, for scrubbing error messages. */
  readonly secrets: readonly string[];
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Colour on stdout: a TTY, and NO_COLOR unset or empty. */
  color: boolean;
  /** Colour on stderr: a TTY, and NO_COLOR unset or empty. */
  errColor: boolean;
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[REDACTED]');
  return out;
}

export function createContext(io: CliIO): CliContext {
  const secrets: string[] = [];
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  const tty = io.isTTY ?? {};
  return {
    io,
    env: io.env,
    out: (text) => void io.stdout.write(redact(text, secrets)),
    err: (text) => void io.stderr.write(redact(text, secrets)),
    protect(value) {
      // Short values would blank out ordinary words (and corrupt --json output); none of them is ever printed anyway,
      // this is the second line of defence.
      if (value && value.length >= 8 && !secrets.includes(value)) secrets.push(value);
    },
    secrets,
    stdinIsTTY: tty.stdin === true,
    stdoutIsTTY: tty.stdout === true,
    stderrIsTTY: tty.stderr === true,
    color: tty.stdout === true && !noColor,
    errColor: tty.stderr === true && !noColor,
  };
}
