/**
 * Start-up cost, as ratios to a bare `node` start measured in the same rounds: importing the built main entry,
 * `o365-mailer --help` and `o365-mailer verify --help`.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spread, type Spread } from './stats';

const root = fileURLToPath(new URL('..', import.meta.url));

function wall(args: string[]): number {
  const t = performance.now();
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${String(run.stderr)}`);
  return ms;
}

/** `packageDir`: the installed package (its `dist/index.js` and `dist/cli.js`). */
export function measureStartup(rounds: number, packageDir: string): { importRatio: Spread; help: Spread; verifyHelp: Spread } {
  const entry = pathToFileURL(resolve(packageDir, 'dist/index.js')).href;
  const cli = resolve(packageDir, 'dist/cli.js');
  const cases: Array<[string, string[]]> = [
    ['bare', ['--input-type=module', '-e', '']],
    ['import', ['--input-type=module', '-e', `import ${JSON.stringify(entry)}`]],
    ['help', [cli, '--help']],
    ['verifyHelp', [cli, 'verify', '--help']],
  ];
  for (const [, args] of cases) wall(args); // warm the file system cache
  const out = { importRatio: [] as number[], help: [] as number[], verifyHelp: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const t: Record<string, number> = {};
    // Bare runs before and after the others; its mean is the reference, so a load swing hits both sides.
    const bare1 = wall(cases[0]![1]);
    for (const [name, args] of cases.slice(1)) t[name] = wall(args);
    const bare = (bare1 + wall(cases[0]![1])) / 2;
    out.importRatio.push(t.import! / bare);
    out.help.push(t.help! / bare);
    out.verifyHelp.push(t.verifyHelp! / bare);
  }
  return { importRatio: spread(out.importRatio), help: spread(out.help), verifyHelp: spread(out.verifyHelp) };
}
