import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import dc from 'node:diagnostics_channel';
import { benchEmulator, builtPackage } from './stats';
const e = benchEmulator();
const path = process.env.BENCH_PATH;
const MB = 100;
async function main(): Promise<void> {
  const { O365OAuthMailer } = await builtPackage();
  const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret, sender: e.sender, cloud: { authorityHost: e.url, graphEndpoint: e.url } });
  await mailer.send({ to: 'warm@contoso.com', text: 'warm-up', attachments: [{ filename: 'w.bin', content: Readable.from([randomBytes(9 * 1024 * 1024)]) }] });
  const chunk = randomBytes(1024 * 1024);
  let produced = 0;
  const stream = new Readable({ read() { this.push(produced++ < MB ? chunk : null); } });
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  const t0 = performance.now();
  const log: string[] = [];
  const mark = (what: string) => log.push(`${(performance.now() - t0).toFixed(0).padStart(5)} ms rss +${((process.memoryUsage().rss - base) / 1048576).toFixed(1)} ${what}`);
  dc.subscribe('http.client.request.start', (m: any) => mark(`https ${m.request.method} ${m.request.path.slice(0, 60)}`));
  dc.subscribe('undici:request:create', (m: any) => mark(`undici ${m.request.method} ${String(m.request.path).slice(0, 40)}`));
  const sampler = setInterval(() => mark(''), 10);
  await mailer.send({ to: 'qa@contoso.com', subject: 'big', text: 'x', attachments: [path ? { path } : { filename: 'big.bin', content: stream }] });
  clearInterval(sampler);
  mark('done');
  console.log(log.join('\n'));
  await mailer.close();
}
void main();
