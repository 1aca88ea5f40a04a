import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'o365-clone-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a fresh clone, before any build', () => {
  it('`npx o365-mailer --help` runs the CLI from source', () => {
    // The repository's tracked files, without dist/ (a clone has none), with the installed dependencies (`npm ci`).
    const clone = join(work, 'repo');
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of files) {
      if (file.startsWith('dist/')) continue;
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      try {
        cpSync(join(root, file), join(clone, file));
      } catch {
        // deleted in the work tree but not yet committed
      }
    }
    symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
    const env = { ...process.env, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false' };
    const help = spawnSync('npx', ['--no-install', 'o365-mailer', '--help'], { cwd: clone, env, encoding: 'utf8', timeout: 90_000 });
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^Usage: o365-mailer <command> \[options\]/);
    expect(help.status).toBe(0);
    const wrong = spawnSync('npx', ['--no-install', 'o365-mailer', 'verfy'], { cwd: clone, env, encoding: 'utf8', timeout: 90_000 });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('Did you mean `o365-mailer verify`?');
  }, 120_000);
});
