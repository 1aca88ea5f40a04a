/**
 * Child of bench/run.ts: sends one large attachment (BENCH_MB MiB, from BENCH_PATH or from a stream) through the
 * draft route and reports the time and its own peak RSS growth, sampled every 10 ms, without forcing any GC
 * during the send (one runs before the baseline, when started with --expose-gc). The emulator receiving the bytes lives in the parent.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { benchEmulator, builtPackage, report } from './stats';

const e = benchEmulator();
const MB = Number(process.env.BENCH_MB ?? 100);
const path = process.env.BENCH_PATH;

async function main(): Promise<void> {
  const { O365OAuthMailer } = await builtPackage();
  const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret, sender: e.sender, cloud: { authorityHost: e.url, graphEndpoint: e.url } });
  // Warm up the same route (draft + upload session), so the figure is what the large file adds, not first-use code.
  await mailer.send({ to: 'warm@contoso.com', text: 'warm-up', attachments: [{ filename: 'w.bin', content: Readable.from([randomBytes(9 * 1024 * 1024)]) }] });
  const chunk = randomBytes(1024 * 1024);
  let produced = 0;
  const stream = new Readable({
    read() {
      this.push(produced++ < MB ? chunk : null);
    },
  });
  // One collection before the baseline, so it does not count the warm-up's garbage; none during the send.
  globalThis.gc?.();
  const before = process.memoryUsage();
  let peak = before;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
  }, 10);
  const t = performance.now();
  await mailer.send({ to: 'qa@contoso.com', subject: 'big', text: 'x', attachments: [path ? { path } : { filename: 'big.bin', content: stream }] });
  const ms = performance.now() - t;
  clearInterval(sampler);
  const after = process.memoryUsage();
  if (after.rss > peak.rss) peak = after;
  await mailer.close();
  const growth = Object.fromEntries((Object.keys(before) as Array<keyof NodeJS.MemoryUsage>).map((k) => [k, peak[k] - before[k]]));
  report({ ms, mb: MB, source: path ? 'path' : 'stream', before, peak, growth });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
