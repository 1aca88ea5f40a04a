import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_HOME } from './cli-harness';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
let dir: string;
let bin: string;

/** Runs the bundled bin as a real process; resolves its exit code and output (also for non-zero exits). */
async function node(args: string[], env: Record<string, string | undefined>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: env as NodeJS.ProcessEnv, timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

beforeAll(async () => {
  // Inside node_modules, so the bundle's external packages resolve from the project's node_modules.
  await mkdir(join(ROOT, 'node_modules', '.cache'), { recursive: true });
  dir = await mkdtemp(join(ROOT, 'node_modules', '.cache', 'o365-cli-bin-'));
  bin = join(dir, 'cli.mjs');
  await build({ entryPoints: [join(ROOT, 'src/cli/main.ts')], outfile: bin, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'silent' });
}, 30_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.concurrent('the o365-mailer bin (bundled with esbuild, run with node)', () => {
  // A clean environment: only what node needs, an empty HOME, none of the AZURE_* settings.
  const env = { PATH: process.env.PATH, HOME: EMPTY_HOME, NO_COLOR: '1' };

  it('--help exits 0 and lists the commands', async () => {
    const r = await node(['--help'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: o365-mailer <command>/);
    for (const command of ['verify', 'send', 'secret', 'emulator']) expect(r.stdout).toContain(command);
  });

  it('verify without configuration exits 2 naming the variables', async () => {
    const r = await node(['verify'], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('AZURE_TENANT_ID');
    expect(r.stderr).toContain('AZURE_CLIENT_SECRET');
  });

  it('--version prints the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await node(['--version'], env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });
});
