/** Child of bench/run.ts: sends a 100 MB streamed attachment and reports the time and its own peak RSS growth. */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { O365OAuthMailer, type O365OAuthMailerConfig } from '../src/index';

async function main(): Promise<void> {
  const mailer = new O365OAuthMailer(JSON.parse(process.env.BENCH_CONFIG ?? '{}') as O365OAuthMailerConfig);
  // Warm up the same route (draft + upload session), so the figure is what the 100 MB adds, not first-use code.
  await mailer.send({ to: 'warm@contoso.com', text: 'warm-up', attachments: [{ filename: 'w.bin', content: Readable.from([randomBytes(5 * 1024 * 1024)]) }] });
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const chunk = randomBytes(1024 * 1024);
  let produced = 0;
  const stream = new Readable({
    read() {
      this.push(produced++ < Number(process.env.BENCH_MB ?? 100) ? chunk : null);
    },
  });
  const t = performance.now();
  await mailer.send({ to: 'qa@contoso.com', subject: 'big', text: 'x', attachments: [{ filename: 'big.bin', content: stream }] });
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await mailer.close();
  process.stdout.write(JSON.stringify({ ms: performance.now() - t, peakMb: (peak - before) / 1024 / 1024 }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
