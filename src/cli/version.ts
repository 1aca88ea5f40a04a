import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'o365-oauth-mailer';

/**
 * Files to start looking for package.json from: this module's own file, then the script node was started with.
 *
 * `import.meta.url` is not used on purpose: tsup also builds this entry as CommonJS, where `import.meta` is a
 * syntax error. The module's file is read from a stack frame instead (`file:///…/dist/cli.js` in ESM, a path in
 * CommonJS), with `__filename` when it exists.
 */
function startFiles(): string[] {
  const files: string[] = [];
  if (typeof __filename === 'string') files.push(__filename);
  const frame = new Error().stack?.split('\n')[1];
  const location = frame && /((?:file:\/\/|\/|[A-Za-z]:\\).+?):\d+:\d+\)?\s*$/.exec(frame)?.[1];
  if (location) {
    try {
      files.push(location.startsWith('file:') ? fileURLToPath(location) : location);
    } catch {
      // not a usable location
    }
  }
  const script = process.argv[1];
  if (script) {
    try {
      // node_modules/.bin/o365-mailer is a symlink to dist/cli.js
      files.push(realpathSync(script));
    } catch {
      // not a file
    }
  }
  return files;
}

/** The nearest package.json named `o365-oauth-mailer` at or above `file`'s folder. */
function versionAbove(file: string): string | undefined {
  let dir = dirname(file);
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
  return undefined;
}

/**
 * The package's version, read from its package.json at run time: `../package.json` from the built
 * `dist/cli.js` (or a chunk next to it), `../../package.json` from `src/cli/`. `'unknown'` when none is found.
 */
export function readVersion(files: readonly string[] = startFiles()): string {
  for (const file of files) {
    const version = versionAbove(file);
    if (version) return version;
  }
  return 'unknown';
}
