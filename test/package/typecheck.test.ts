import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('types', () => {
  it('src, tests (with the type assertions of test/**/*.test-d.ts), examples and benchmarks type-check under strict TypeScript', () => {
    const root = resolve(__dirname, '../..');
    const run = spawnSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 120_000);
});
