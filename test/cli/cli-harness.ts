import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll } from 'vitest';
import { run, type CliIO } from '../../src/cli/run';
import { CLIENT, SECRET, SENDER, TENANT } from '../helpers/microsoft';

/** An empty home folder: no test finds a real ~/.config/o365-oauth-mailer/secret.enc. */
export const EMPTY_HOME = mkdtempSync(join(tmpdir(), 'o365-cli-home-'));
const made: string[] = [EMPTY_HOME];

/** A temporary folder, removed after the test file. */
export async function tempDir(prefix = 'o365-cli-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The four settings in the environment, as a deployment would set them. */
export const ENV = {
  HOME: EMPTY_HOME,
  AZURE_TENANT_ID: TENANT,
  AZURE_CLIENT_ID: CLIENT,
  AZURE_CLIENT_SECRET: SECRET,
  O365_SENDER: SENDER,
};

export interface CliRunOptions {
  env?: Record<string, string | undefined>;
  /** Piped standard input. */
  stdin?: string | CliIO['stdin'];
  tty?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  columns?: number;
  signal?: AbortSignal;
}

export interface CliRunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Captures what the CLI writes. */
export function captureIO(options: CliRunOptions = {}) {
  const out = { stdout: '', stderr: '' };
  const stdin = typeof options.stdin === 'string' || options.stdin === undefined ? Readable.from(options.stdin ? [Buffer.from(options.stdin)] : []) : options.stdin;
  const io: CliIO = {
    stdout: { write: (s: string) => ((out.stdout += s), true) },
    stderr: { write: (s: string) => ((out.stderr += s), true) },
    stdin,
    env: options.env ?? { ...ENV },
    isTTY: options.tty ?? {},
    ...(options.columns ? { columns: options.columns } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return { io, out };
}

/** Runs `o365-mailer <argv>` in-process. */
export async function cli(argv: string[], options: CliRunOptions = {}): Promise<CliRunResult> {
  const { io, out } = captureIO(options);
  const code = await run(argv, io);
  return { code, ...out };
}

/** A fake terminal on stdin: records raw-mode switches, and types `keys` once the prompt is listening. */
export function fakeTerminal(keys: string[]) {
  const stream = new PassThrough() as PassThrough & { setRawMode(mode: boolean): void; rawModes: boolean[]; isTTY: boolean };
  stream.rawModes = [];
  stream.isTTY = true;
  stream.setRawMode = (mode: boolean) => {
    stream.rawModes.push(mode);
    // Type the next key sequence each time a prompt switches raw mode on.
    if (mode) {
      const next = keys.shift();
      if (next !== undefined) setTimeout(() => stream.write(next), 5);
    }
  };
  return stream;
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[[0-9;]*[A-Za-z]/;
