import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'o365-oauth-mailer';

/** This module's file: `import.meta.url` in ESM, `__filename` in the CJS build (where import.meta is empty). */
function currentFile(): string | undefined {
  try {
    const url = import.meta.url;
    if (typeof url === 'string' && url.startsWith('file:')) return fileURLToPath(url);
  } catch {
    // not an ES module
  }
  return typeof __filename === 'string' ? __filename : undefined;
}

/**
 * The package's version, read from its package.json at run time: the nearest package.json named
 * `o365-oauth-mailer` above this file. That is `../package.json` from the built `dist/cli.js` (or a chunk next to
 * it) and `../../package.json` from `src/cli/`. `'unknown'` when none is found (a copied single-file bundle).
 */
export function readVersion(start: string | undefined = currentFile()): string {
  if (!start) return 'unknown';
  let dir = dirname(start);
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here, or not readable: keep looking upwards
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return 'unknown';
}
