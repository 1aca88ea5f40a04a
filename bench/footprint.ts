/** The packed tarball, installed as a user installs it: its size, and the production install's size and package count. */
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));

function duBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

/** A consumer project with the packed tarball installed for production, as a user gets it. */
export interface PackedInstall {
  tarballBytes: number;
  installBytes: number;
  packages: number;
  /** The installed package's directory. */
  packageDir: string;
}

/**
 * Packs the package (dist must be built) and installs the tarball with production dependencies only (no dev or
 * optional peer dependencies) into a new project under `work`.
 */
export function installPacked(work: string): PackedInstall {
  // The dist is already built by the bench: skip prepack's build.
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  const project = join(work, 'consumer');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync('npm', ['install', tarball, '--omit=dev', '--omit=peer', '--omit=optional', '--prefer-offline', '--no-audit', '--no-fund', '--silent'], { cwd: project, stdio: ['ignore', 'pipe', 'inherit'] });
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  return {
    tarballBytes: statSync(tarball).size,
    installBytes: duBytes(join(project, 'node_modules')),
    packages: Object.keys(lock.packages).filter((k) => k !== '').length,
    packageDir: join(project, 'node_modules', 'o365-oauth-mailer'),
  };
}
