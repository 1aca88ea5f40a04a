/**
 * Benchmarks (never run by `npm test`): `npm run bench`. It builds the package, then prints every figure as a
 * ratio to its reference measured side by side in the same run (bare node, raw fetch, the @azure/identity +
 * Graph client peer), with min / median / max over rounds. The emulator runs in this process over real HTTPS;
 * each measurement runs in a child process that does only the client's work, with the packed tarball installed in
 * a consumer project (production dependencies only), and trusts the emulator's certificate through
 * NODE_EXTRA_CA_CERTS, as a production host trusts Microsoft's.
 *
 * Environment: BENCH_ROUNDS (warm-send rounds, default 15), BENCH_STARTUP_ROUNDS (default 15),
 * BENCH_THROUGHPUT_ROUNDS (default 3), BENCH_UPLOAD_ROUNDS (default 3), BENCH_ONLY (comma-separated:
 * startup,send,upload,throughput,fleet,outbox,footprint).
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startEmulator, type Emulator } from '../src/emulator/index';
import { installPacked } from './footprint';
import { measureStartup } from './startup';
import { mib, ratio, spread, type BenchEmulator, type Spread } from './stats';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.env.BENCH_ONLY?.split(',');
const wanted = (name: string) => !only || only.includes(name);
const rows: Array<[string, string]> = [];
const row = (name: string, value: string) => {
  rows.push([name, value]);
  console.error(`  ${name}: ${value}`);
};

const SENDERS = Array.from({ length: 100 }, (_, i) => `fleet${i}@contoso.onmicrosoft.com`);

async function child<T>(script: string, emulator: Emulator, caFile: string, env: Record<string, string> = {}, flags: string[] = []): Promise<T> {
  const info: BenchEmulator = { url: emulator.url, tenantId: emulator.tenantId, clientId: emulator.clientId, clientSecret: emulator.clientSecret, sender: emulator.sender, senders: SENDERS };
  // Asynchronous: the emulator answering the child lives in this process's event loop.
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--import', 'tsx', join('bench', script)], {
    cwd: root,
    env: { ...process.env, ...env, BENCH_EMULATOR: JSON.stringify(info), NODE_EXTRA_CA_CERTS: caFile },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

async function writeFile(path: string, mb: number): Promise<void> {
  const block = randomBytes(1024 * 1024);
  const handle = await open(path, 'w');
  for (let i = 0; i < mb; i++) await handle.write(block);
  await handle.close();
}

async function main(): Promise<void> {
  console.error('Building the package (tsup)…');
  execFileSync(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], { cwd: root, stdio: 'ignore' });
  const work = mkdtempSync(join(tmpdir(), 'o365-bench-'));
  const emulator = await startEmulator({
    apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }],
    mailboxes: ['sender@contoso.onmicrosoft.com', ...SENDERS],
    limits: { maxMessageBytes: 160 * 1024 * 1024 },
  });
  const caFile = join(work, 'emulator-ca.pem');
  writeFileSync(caFile, emulator.ca);
  try {
    console.error('Packing and installing the tarball in a consumer project (production dependencies only)…');
    const packed = installPacked(work);
    // Every child runs the installed package, as a user does (optional peers such as @opentelemetry/api absent).
    process.env.BENCH_ENTRY = pathToFileURL(join(packed.packageDir, 'dist/index.js')).href;
    if (wanted('startup')) {
      console.error('Start-up (against a bare node start)…');
      const s = measureStartup(Number(process.env.BENCH_STARTUP_ROUNDS ?? 15), packed.packageDir);
      row('import the main entry / bare node', ratio(s.importRatio));
      row('o365-mailer --help / bare node', ratio(s.help));
      row('o365-mailer verify --help / bare node', ratio(s.verifyHelp));
    }
    if (wanted('send')) {
      console.error('Warm send (interleaved with raw fetch and the peer)…');
      const s = await child<{ mailerVsRaw: Spread; peerVsRaw: Spread; mailerVsPeer: Spread; mailerVsHttps: Spread; httpsVsRaw: Spread }>('warm-send.ts', emulator, caFile);
      row('warm send() / raw fetch', ratio(s.mailerVsRaw));
      row('peer (@azure/identity + Graph client) / raw fetch', ratio(s.peerVsRaw));
      row('warm send() / peer', ratio(s.mailerVsPeer));
      row('warm send() / raw node:https (its own transport)', ratio(s.mailerVsHttps));
      row('raw node:https / raw fetch', ratio(s.httpsVsRaw));
      emulator.reset();
    }
    if (wanted('upload')) {
      console.error('Large attachments (peak RSS growth of a child doing only the send)…');
      const rounds = Number(process.env.BENCH_UPLOAD_ROUNDS ?? 3);
      for (const [source, mb] of [['path', 100], ['stream', 100], ['stream', 20], ['stream', 150]] as const) {
        const env: Record<string, string> = { BENCH_MB: String(mb) };
        if (source === 'path') {
          env.BENCH_PATH = join(work, `big-${mb}.bin`);
          await writeFile(env.BENCH_PATH, mb);
        }
        const runs: Array<{ ms: number; growth: NodeJS.MemoryUsage }> = [];
        for (let r = 0; r < rounds; r++) {
          runs.push(await child<{ ms: number; growth: NodeJS.MemoryUsage }>('upload-child.ts', emulator, caFile, env, ['--expose-gc']));
          emulator.reset();
        }
        const rss = spread(runs.map((u) => u.growth.rss / 1024 / 1024));
        const median = [...runs].sort((a, b) => a.growth.rss - b.growth.rss)[runs.length >> 1]!;
        const g = median.growth;
        row(`${mb} MiB from a ${source}: peak RSS growth`, `${ratio(rss, ' MiB')}`);
        row(`  median run: memoryUsage() growth at the peak`, `heapTotal ${mib(g.heapTotal)}, heapUsed ${mib(g.heapUsed)}, external ${mib(g.external)}, arrayBuffers ${mib(g.arrayBuffers)}; ${(median.ms / 1000).toFixed(2)} s`);
        if (env.BENCH_PATH) rmSync(env.BENCH_PATH);
      }
    }
    if (wanted('throughput')) {
      console.error('Throughput: 1,000 sends, 4 in flight, 20 ms latency…');
      const slow = await startEmulator({ apps: [{ roles: ['Mail.Send'] }], latencyMs: 20 });
      const slowCa = join(work, 'slow-ca.pem');
      writeFileSync(slowCa, slow.ca);
      try {
        const t = await child<{ throughputVsRaw: Spread; mailerPerSecond: Spread }>('throughput.ts', slow, slowCa);
        row('throughput at 4 in flight / raw fetch', ratio(t.throughputVsRaw));
      } finally {
        await slow.close();
      }
    }
    if (wanted('fleet')) {
      console.error('Fleet: 100 mailers sharing one token cache…');
      emulator.reset();
      const f = await child<{ mailers: number; heapPerMailerBytes: number }>('fleet.ts', emulator, caFile, {}, ['--expose-gc']);
      row(`token requests for ${f.mailers} mailers sharing one cache`, String(emulator.tokenRequests));
      row('heap added per mailer', `${(f.heapPerMailerBytes / 1024).toFixed(1)} KB`);
    }
    if (wanted('outbox') && existsSync(join(root, 'bench/outbox.ts'))) {
      // #12's outbox bench (drain throughput from SQLite and from BullMQ at 4 in flight per mailbox), when present.
      console.error('Outbox drain…');
      type OutboxRow = { store: string; messages: number; drainPerSecond: number; peakInFlight: number };
      const outbox = (await import(pathToFileURL(join(root, 'bench/outbox.ts')).href)) as { benchOutbox?: (n?: number) => Promise<OutboxRow[]> };
      for (const r of (await outbox.benchOutbox?.()) ?? []) {
        row(`outbox drain from ${r.store} (${r.messages} messages)`, `${r.drainPerSecond.toFixed(0)} messages/s, at most ${r.peakInFlight} in flight per mailbox`);
      }
    }
    if (wanted('footprint')) {
      row('tarball', `${(packed.tarballBytes / 1024).toFixed(0)} KB`);
      row('production install', `${mib(packed.installBytes)}, ${packed.packages} packages`);
    }
  } finally {
    await emulator.close();
    rmSync(work, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nnode ${process.version}, ${process.platform}/${process.arch}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
