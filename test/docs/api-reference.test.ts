import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

describe('npm run docs:api (the API reference)', () => {
  it('TypeDoc treats warnings as errors and requires TSDoc on every exported name', () => {
    const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as {
      entryPoints: string[];
      treatWarningsAsErrors: boolean;
      validation: Record<string, boolean>;
    };
    expect(config.treatWarningsAsErrors).toBe(true);
    expect(config.validation).toEqual({ notExported: true, invalidLink: true, notDocumented: true });
    // Every entry point of the package (package.json "exports", the CLI aside) is documented.
    const tsup = readFileSync(join(root, 'tsup.config.ts'), 'utf8');
    const dtsEntries = [...(tsup.match(/dts:\s*\{\s*entry:\s*\{([^}]*)\}/)?.[1] ?? '').matchAll(/'(src\/[^']+)'/g)].map((m) => m[1]);
    expect(dtsEntries.length).toBeGreaterThanOrEqual(5);
    expect([...config.entryPoints].sort()).toEqual([...dtsEntries].sort());
  });

  it('builds without a single warning: every export, member and link is documented', () => {
    // Type errors are the type-check test's job (test/package/typecheck.test.ts); skipping them here halves the time.
    const run = spawnSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none', '--skipErrorChecking', '--logLevel', 'Warn'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(`${run.stdout}${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '').trim()).toBe('');
    expect(run.status).toBe(0);
  }, 240_000);
});
