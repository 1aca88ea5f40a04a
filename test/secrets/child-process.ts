import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles a TypeScript child script (and the library sources it imports) into one ESM file that plain `node` can
 * run: the repository has no tsx, and the children must be real separate processes.
 */
export async function bundleChild(entry: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'o365-child-'));
  const outfile = join(dir, 'child.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    // CommonJS dependencies (jsonwebtoken under msal-node) call require() for Node built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  return outfile;
}

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node file ...args` and collects its output. `wrapper` runs node through another command, e.g.
 * `['setpriv', '--reuid=65534', ...]` to run it as another user, with only `env` (and PATH) in its environment.
 */
export function runNode(file: string, args: string[], env: Record<string, string> = {}, wrapper: string[] = []): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const [command, ...prefix] = [...wrapper, process.execPath];
    const child = spawn(command!, [...prefix, file, ...args], {
      env: wrapper.length ? { PATH: process.env.PATH ?? '', ...env } : { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
