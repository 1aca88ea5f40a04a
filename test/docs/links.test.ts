import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[]; license: string };

/** Is `path` (relative to the package root) in the published package? */
const published = (path: string) => pkg.files.some((f) => path === f || path.startsWith(`${f}/`)) || /^(README|LICENSE|CHANGELOG)/.test(path);

describe('the package carries what the README and the messages promise', () => {
  it('the catalogue\'s fix texts name only files that exist in the package', () => {
    for (const [path] of readFileSync(join(root, 'src/errors/catalogue.ts'), 'utf8').matchAll(/docs\/[\w-]+\.md/g)) {
      expect(existsSync(join(root, path)) && published(path), path).toBe(true);
    }
  });

  it('a LICENSE file matching package.json', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
  });

  it('every relative link of the README and docs/ leads to a file that is published', () => {
    const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const broken: string[] = [];
    for (const doc of documents) {
      const text = readFileSync(join(root, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (!target || /^[a-z]+:/i.test(target)) continue;
        const path = join(dirname(doc), target).replace(/\\/g, '/');
        if (!existsSync(join(root, path)) || !published(path)) broken.push(`${doc} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
