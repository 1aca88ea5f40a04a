import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderTroubleshooting } from '../../scripts/troubleshooting';
import { CATALOGUE } from '../../src/errors/catalogue';
import { ERROR_CODES } from '../../src/errors/codes';

describe('docs/troubleshooting.md', () => {
  it('is exactly what the catalogue renders (run `npm run docs` after changing the catalogue)', () => {
    expect(readFileSync(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8')).toBe(renderTroubleshooting());
  });

  it('has one row per error code, each with a fix', () => {
    const doc = renderTroubleshooting();
    for (const code of ERROR_CODES) {
      expect(doc).toContain(`| \`${code}\` |`);
      expect(CATALOGUE[code].fix.length).toBeGreaterThan(20);
    }
  });
});
