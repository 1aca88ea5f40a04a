/**
 * Child of bench/run.ts: 1,000 sends with 4 in flight against the emulator answering after 20 ms, against the
 * same number of raw fetch POSTs at the same concurrency, alternating per round.
 */
import { benchEmulator, builtPackage, pool, rawSend, rawToken, report, spread, type SendMailBody } from './stats';

const e = benchEmulator();
const ROUNDS = Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 3);
const SENDS = 1000;
const IN_FLIGHT = 4;

const message = { to: 'ann@contoso.com', subject: 'Throughput', text: 'hello' };
const graphBody: SendMailBody = {
  message: { subject: 'Throughput', body: { contentType: 'Text', content: 'hello' }, toRecipients: [{ emailAddress: { address: 'ann@contoso.com' } }] },
  saveToSentItems: true,
};

async function main(): Promise<void> {
  const { O365OAuthMailer } = await builtPackage();
  const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret, sender: e.sender, cloud: { authorityHost: e.url, graphEndpoint: e.url } });
  const token = await rawToken(e);
  await pool(20, IN_FLIGHT, () => mailer.send(message));
  await pool(20, IN_FLIGHT, () => rawSend(e, token, graphBody));
  const ratios: number[] = [];
  const perSecond: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let t = performance.now();
    await pool(SENDS, IN_FLIGHT, () => mailer.send(message));
    const mailerMs = performance.now() - t;
    t = performance.now();
    await pool(SENDS, IN_FLIGHT, () => rawSend(e, token, graphBody));
    const rawMs = performance.now() - t;
    ratios.push(rawMs / mailerMs);
    perSecond.push((SENDS / mailerMs) * 1000);
  }
  await mailer.close();
  report({ throughputVsRaw: spread(ratios), mailerPerSecond: spread(perSecond) });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
