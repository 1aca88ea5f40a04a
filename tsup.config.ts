import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    emulator: 'src/emulator/index.ts',
    testing: 'src/testing/index.ts',
    nodemailer: 'src/nodemailer/index.ts',
    outbox: 'src/outbox/index.ts',
    cli: 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', emulator: 'src/emulator/index.ts', testing: 'src/testing/index.ts', nodemailer: 'src/nodemailer/index.ts', outbox: 'src/outbox/index.ts' } },
  target: 'node20',
  platform: 'node',
  // No source maps: dist/ is readable, unminified JavaScript with the sources' names; maps with embedded sources
  // were 2.7 MB of a 4 MB dist/ (see the README's Development section).
  sourcemap: false,
  clean: true,
  splitting: true,
  treeshake: true,
});
