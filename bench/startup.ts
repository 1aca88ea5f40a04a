/**
 * Start-up cost, as ratios to a bare `node` start measured in the same rounds: importing the built main entry,
 * `o365-mailer --help` and `o365-mailer verify --help`.
 *
 * Each figure is the CPU time (user + system, all threads) the process used from its start to its exit, read by a
 * preloaded exit hook. Unlike wall time, it does not count the time a busy machine keeps the process waiting for a
 * core, so rounds on a loaded machine agree with rounds on a quiet one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spread, type Spread } from './stats';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Preloaded into every measured process: prints its CPU time in µs on stderr as it exits. */
const HOOK = `process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('\\ncpu-us ' + (u.user + u.system) + '\\n'); });\n`;

function cpu(hook: string, args: string[]): number {
  const run = spawnSync(process.execPath, ['--require', hook, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const match = /cpu-us (\d+)/.exec(String(run.stderr));
  if (run.status !== 0 || !match) throw new Error(`node ${args.join(' ')} failed: ${String(run.stderr)}`);
  return Number(match[1]);
}

/** `packageDir`: the installed package (its `dist/index.js` and `dist/cli.js`). */
export function measureStartup(rounds: number, packageDir: string): { importRatio: Spread; help: Spread; verifyHelp: Spread } {
  const hook = join(mkdtempSync(join(tmpdir(), 'o365-startup-')), 'cpu-hook.cjs');
  writeFileSync(hook, HOOK);
  const entry = pathToFileURL(resolve(packageDir, 'dist/index.js')).href;
  const cli = resolve(packageDir, 'dist/cli.js');
  const cases: Array<[string, string[]]> = [
    ['bare', ['--input-type=module', '-e', '']],
    ['import', ['--input-type=module', '-e', `import ${JSON.stringify(entry)}`]],
    ['help', [cli, '--help']],
    ['verifyHelp', [cli, 'verify', '--help']],
  ];
  for (const [, args] of cases) cpu(hook, args); // warm the file system cache
  const out = { importRatio: [] as number[], help: [] as number[], verifyHelp: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const t: Record<string, number> = {};
    // Bare runs before and after the others; its mean is the reference, so a swing hits both sides.
    const bare1 = cpu(hook, cases[0]![1]);
    for (const [name, args] of cases.slice(1)) t[name] = cpu(hook, args);
    const bare = (bare1 + cpu(hook, cases[0]![1])) / 2;
    out.importRatio.push(t.import! / bare);
    out.help.push(t.help! / bare);
    out.verifyHelp.push(t.verifyHelp! / bare);
  }
  return { importRatio: spread(out.importRatio), help: spread(out.help), verifyHelp: spread(out.verifyHelp) };
}
