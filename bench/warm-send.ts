/**
 * Child of bench/run.ts: a warm send() against a raw fetch POST of the same Graph JSON with an equivalent token,
 * against the same POST by raw `node:https` (the mailer's own transport for JSON requests, so that ratio is the
 * library's own cost), and against the ad-hoc peer (@azure/identity + the Graph client), interleaved one by one
 * in this process.
 * The emulator lives in the parent, so this process does only the client's work.
 */
import { ClientSecretCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { Agent } from 'node:https';
import { benchEmulator, builtPackage, rawHttpsSend, rawSend, rawToken, report, spread, withMessageId, type SendMailBody } from './stats';

const e = benchEmulator();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const PER_ROUND = 60;

const message = { to: ['Ann Lee <ann@contoso.com>', 'bob@contoso.com'], cc: 'carol@contoso.com', subject: 'Report', html: '<p>Quarterly figures attached.</p>' };
// The JSON the mailer sends for `message`, written by hand (the references add its fresh Message-ID).
const graphBody: SendMailBody = {
  message: {
    subject: 'Report',
    body: { contentType: 'HTML', content: '<p>Quarterly figures attached.</p>' },
    toRecipients: [{ emailAddress: { address: 'ann@contoso.com', name: 'Ann Lee' } }, { emailAddress: { address: 'bob@contoso.com' } }],
    ccRecipients: [{ emailAddress: { address: 'carol@contoso.com' } }],
  },
  saveToSentItems: true,
};

async function main(): Promise<void> {
  const { O365OAuthMailer } = await builtPackage();
  const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret, sender: e.sender, cloud: { authorityHost: e.url, graphEndpoint: e.url } });
  const token = await rawToken(e);
  const agent = new Agent({ keepAlive: true });
  const credential = new ClientSecretCredential(e.tenantId, e.clientId, e.clientSecret, { authorityHost: e.url, disableInstanceDiscovery: true });
  const peer = Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [`${e.url}/.default`] }),
    baseUrl: `${e.url}/`,
    customHosts: new Set([new URL(e.url).hostname]),
  });
  const sendPath = `/users/${encodeURIComponent(e.sender)}/sendMail`;
  const contenders: Array<[string, () => Promise<unknown>]> = [
    ['mailer', () => mailer.send(message)],
    ['raw', () => rawSend(e, token, graphBody)],
    ['https', () => rawHttpsSend(e, token, graphBody, agent)],
    ['peer', () => peer.api(sendPath).post(withMessageId(graphBody, e.sender))],
  ];
  // Warm up every contender: connections, tokens, JIT.
  for (let i = 0; i < 100; i++) for (const [, run] of contenders) await run();
  const mailerVsRaw: number[] = [];
  const peerVsRaw: number[] = [];
  const mailerVsPeer: number[] = [];
  const mailerVsHttps: number[] = [];
  const httpsVsRaw: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
    for (let i = 0; i < PER_ROUND; i++) {
      // Rotate who goes first, so no contender always follows the same one.
      for (let k = 0; k < contenders.length; k++) {
        const [name, run] = contenders[(i + k) % contenders.length]!;
        const t = performance.now();
        await run();
        times.get(name)!.push(performance.now() - t);
      }
    }
    // Medians, not sums: a pause of the shared machine during one request must not decide the round.
    const median = (name: string) => spread(times.get(name)!).median;
    mailerVsRaw.push(median('mailer') / median('raw'));
    peerVsRaw.push(median('peer') / median('raw'));
    mailerVsPeer.push(median('mailer') / median('peer'));
    mailerVsHttps.push(median('mailer') / median('https'));
    httpsVsRaw.push(median('https') / median('raw'));
  }
  await mailer.close();
  agent.destroy();
  report({ mailerVsRaw: spread(mailerVsRaw), peerVsRaw: spread(peerVsRaw), mailerVsPeer: spread(mailerVsPeer), mailerVsHttps: spread(mailerVsHttps), httpsVsRaw: spread(httpsVsRaw) });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
