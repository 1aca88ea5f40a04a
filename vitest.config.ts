import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // The examples import the package by its public name, as a user would; here that name means the source.
    alias: [
      { find: /^o365-oauth-mailer\/testing$/, replacement: src('testing/index.ts') },
      { find: /^o365-oauth-mailer\/outbox$/, replacement: src('outbox/index.ts') },
      { find: /^o365-oauth-mailer\/emulator$/, replacement: src('emulator/index.ts') },
      { find: /^o365-oauth-mailer\/nodemailer$/, replacement: src('nodemailer/index.ts') },
      { find: /^o365-oauth-mailer$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The type assertions in test/**/*.test-d.ts are checked by test/package/typecheck.test.ts's one tsc run over
    // the whole project; a second run in vitest's typecheck mode would cost the suite another 40 s of CPU.
  },
});
