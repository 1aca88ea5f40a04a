/**
 * Child of bench/run.ts: 100 mailers (100 sender mailboxes) sharing one MemoryTokenCache send one message each,
 * all at once; then 100 more. The parent counts the token requests; this child reports the heap each mailer adds
 * (measured with forced GC, on the second hundred, once every module is loaded).
 */
import { benchEmulator, builtPackage, report } from './stats';
import type { MemoryTokenCache as Cache, O365OAuthMailer as Mailer } from '../src/index';

const e = benchEmulator();
const gc = globalThis.gc;

async function fleet(cache: Cache): Promise<Mailer[]> {
  const { O365OAuthMailer } = await builtPackage();
  const mailers = e.senders.map(
    (sender) => new O365OAuthMailer({ authType: 'oauth2', tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret, sender, tokenCache: cache, cloud: { authorityHost: e.url, graphEndpoint: e.url } }),
  );
  await Promise.all(mailers.map((m, i) => m.send({ to: 'ann@contoso.com', subject: `fleet ${i}`, text: 'hello' })));
  return mailers;
}

async function main(): Promise<void> {
  if (!gc) throw new Error('run with --expose-gc');
  const { MemoryTokenCache } = await builtPackage();
  const cache = new MemoryTokenCache();
  const first = await fleet(cache);
  gc();
  const before = process.memoryUsage().heapUsed;
  const second = await fleet(cache);
  gc();
  const perMailer = (process.memoryUsage().heapUsed - before) / second.length;
  await Promise.all([...first, ...second].map((m) => m.close()));
  report({ mailers: first.length + second.length, heapPerMailerBytes: perMailer });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
