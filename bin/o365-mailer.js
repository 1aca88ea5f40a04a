#!/usr/bin/env node
// The o365-mailer command. In the installed package it runs the built CLI (dist/cli.js). In a fresh clone of the
// repository, before `npm run build`, it runs the TypeScript source through tsx (a dev dependency), so
// `npx o365-mailer --help` works right after `npm ci`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write('o365-mailer: the CLI is not built yet. Run `npm run build` in the repository (or `npm ci` to install tsx, which runs it from source).\n');
    process.exit(1);
  }
  tsx.register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
