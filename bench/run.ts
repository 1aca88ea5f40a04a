/**
 * Benchmarks (never run by `npm test`): `npm run bench`.
 * Everything runs against the local emulator over real HTTPS, so the figures include msal-node, the Graph client,
 * TLS and JSON, but no Internet latency.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { O365OAuthMailer } from '../src/index';
import { startEmulator } from '../src/emulator/index';
import { normalizeMessage } from '../src/message/normalize';
import { toGraphMessage } from '../src/message/graph-json';

const fmt = (n: number, digits = 1) => n.toFixed(digits);

async function main(): Promise<void> {
  const emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }], limits: { maxMessageBytes: 150 * 1024 * 1024 } });
  const rows: Array<[string, string]> = [];

  // 1. Message building on the hot path (no I/O): validate + normalise + Graph JSON.
  const message = { to: ['Ann Lee <ann@contoso.com>', 'bob@contoso.com'], cc: 'carol@contoso.com', subject: 'Report', html: '<p>x</p>', headers: { 'X-A': '1' } };
  const n = 20_000;
  let t = performance.now();
  for (let i = 0; i < n; i++) toGraphMessage(normalizeMessage(message));
  rows.push(['normalize + Graph JSON per message', `${fmt(((performance.now() - t) * 1000) / n, 2)} µs`]);

  // 2. Token requests: 50 concurrent cold sends, then 50 warm ones.
  const mailer = new O365OAuthMailer(emulator.mailerConfig());
  t = performance.now();
  await Promise.all(Array.from({ length: 50 }, (_, i) => mailer.send({ to: `u${i}@contoso.com`, subject: 's', text: 't' })));
  const cold = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 50; i++) await mailer.send({ to: `w${i}@contoso.com`, subject: 's', text: 't' });
  const warm = performance.now() - t;
  rows.push(['token requests for 100 sends (50 concurrent cold + 50 warm)', String(emulator.tokenRequests)]);
  rows.push(['50 concurrent cold sends (4 in flight per mailbox)', `${fmt(cold, 0)} ms`]);
  rows.push(['sequential warm send, mean', `${fmt(warm / 50, 2)} ms`]);

  // 3. Large attachment memory: 100 MB from a stream through the draft route. The mailer runs in a child process,
  // so its RSS does not include the emulator, which keeps every byte it receives.
  emulator.reset();
  // The child must run asynchronously: the emulator answering it lives in this process's event loop.
  const child = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--expose-gc', 'bench/upload-child.ts'], {
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(emulator.mailerConfig()) },
  });
  const { ms, peakMb } = JSON.parse(child.stdout) as { ms: number; peakMb: number };
  rows.push(['100 MB streamed attachment: time', `${fmt(ms, 0)} ms`]);
  rows.push(['100 MB streamed attachment: peak RSS growth of the sender', `${fmt(peakMb)} MB`]);

  await mailer.close();
  await emulator.close();
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
