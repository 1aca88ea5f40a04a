import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Emulator } from '../../src/emulator/index';

const root = resolve(__dirname, '../..');

/** What a child process printed, and how it ended. */
export interface ChildRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A project of its own for running user code (an example, a README snippet) unchanged, as TypeScript, against an
 * emulator: `o365-oauth-mailer` is the package's source, except that every mailer also gets the emulator's
 * endpoints and CA (./emulated-package). The emulator's values are put where a user puts theirs: AZURE_TENANT_ID,
 * AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and O365_SENDER.
 */
export interface EmulatedProject {
  /** The project folder (the cwd of every run): write the code and its files here. */
  dir: string;
  /** The environment of every run. */
  env: Record<string, string>;
  /** Runs `node --import tsx <file>` there, asynchronously (the emulator answers from this process). */
  run(file: string, args?: string[], env?: Record<string, string>): Promise<ChildRun>;
  /** Removes the folder. */
  remove(): void;
}

export function emulatedProject(emulator: Emulator): EmulatedProject {
  // An ES module package with the repository's node_modules linked: tsx applies tsconfig paths outside node_modules only.
  const dir = mkdtempSync(join(tmpdir(), 'o365-emulated-run-'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-code', private: true, type: 'module' }));
  writeFileSync(join(dir, 'emulator-ca.pem'), emulator.ca);
  const shim = join(__dirname, 'emulated-package');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        paths: {
          'o365-oauth-mailer': [join(shim, 'index.ts')],
          'o365-oauth-mailer/nodemailer': [join(shim, 'nodemailer.ts')],
          'o365-oauth-mailer/*': [join(root, 'src/*/index.ts')],
        },
      },
    }),
  );
  const env = {
    AZURE_TENANT_ID: emulator.tenantId,
    AZURE_CLIENT_ID: emulator.clientId,
    AZURE_CLIENT_SECRET: emulator.clientSecret,
    O365_SENDER: emulator.sender,
    SNIPPET_EMULATOR_URL: emulator.url,
    SNIPPET_EMULATOR_CA: join(dir, 'emulator-ca.pem'),
    TSX_TSCONFIG_PATH: join(dir, 'tsconfig.json'),
  };
  return {
    dir,
    env,
    run(file, args = [], extra = {}) {
      return new Promise((done, fail) => {
        const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: dir, env: { ...process.env, ...env, ...extra, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('error', fail);
        child.once('close', (status) => done({ status, stdout, stderr }));
      });
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
