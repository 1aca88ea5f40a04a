/** Footprint: the packed tarball's size, and a production install of it (size on disk, package count). */
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));

function duBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

export function measureFootprint(): { tarballBytes: number; installBytes: number; packages: number } {
  const work = mkdtempSync(join(tmpdir(), 'o365-footprint-'));
  try {
    // The dist is already built by the bench: skip prepack's build.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    const project = join(work, 'consumer');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    execFileSync('npm', ['install', tarball, '--omit=dev', '--omit=peer', '--prefer-offline', '--no-audit', '--no-fund', '--silent'], { cwd: project, stdio: ['ignore', 'pipe', 'inherit'] });
    const lock = JSON.parse(execFileSync('cat', [join(project, 'package-lock.json')], { encoding: 'utf8' })) as { packages: Record<string, unknown> };
    return { tarballBytes: statSync(tarball).size, installBytes: duBytes(join(project, 'node_modules')), packages: Object.keys(lock.packages).filter((k) => k !== '').length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
