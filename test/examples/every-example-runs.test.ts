import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

describe('every file under examples/ runs in the suite', () => {
  it('is a test file vitest runs, or a test under test/examples/ runs it', () => {
    const include = readFileSync(join(root, 'vitest.config.ts'), 'utf8');
    expect(include).toContain("'examples/**/*.test.ts'");
    const runners = readdirSync(join(root, 'test/examples'))
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(root, 'test/examples', f), 'utf8'))
      .join('\n');
    const examples = readdirSync(join(root, 'examples')).filter((f) => /\.[cm]?[jt]s$/.test(f));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    const notRun = examples.filter((f) => !f.endsWith('.test.ts') && !runners.includes(`examples/${f}`));
    expect(notRun).toEqual([]);
  });

  it('imports the package by its public names only, so a copy from node_modules/o365-oauth-mailer/examples works', () => {
    for (const f of readdirSync(join(root, 'examples'))) {
      const imports = [...readFileSync(join(root, 'examples', f), 'utf8').matchAll(/\bfrom\s+'([^']+)'/g)].map((m) => m[1] as string);
      expect(imports.filter((s) => s.startsWith('.')), f).toEqual([]);
    }
  });
});
