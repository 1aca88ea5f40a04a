import { O365OAuthMailer } from '/work/wt/i14/dist/index.js';
import { GraphApi } from '/work/wt/i14/src/graph/graph-api.ts';
import { HttpClient } from '/work/wt/i14/src/http/http-client.ts';
import { benchEmulator, rawToken, spread } from '/work/wt/i14/bench/stats.ts';
const e = benchEmulator();
const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret, sender: e.sender, cloud: { authorityHost: e.url, graphEndpoint: e.url } });
const token = await rawToken(e);
const message = { to: ['Ann Lee <ann@contoso.com>', 'bob@contoso.com'], cc: 'carol@contoso.com', subject: 'Report', html: '<p>Quarterly figures attached.</p>' };
const body = { message: { subject: 'Report', body: { contentType: 'HTML', content: '<p>Quarterly figures attached.</p>' }, toRecipients: [{ emailAddress: { address: 'ann@contoso.com', name: 'Ann Lee' } }, { emailAddress: { address: 'bob@contoso.com' } }], ccRecipients: [{ emailAddress: { address: 'carol@contoso.com' } }] }, saveToSentItems: true };
const url = `${e.url}/v1.0/users/${encodeURIComponent(e.sender)}/sendMail`;
const http = new HttpClient({ timeoutMs: 30000 });
const api = new GraphApi(e.url, http);
const headers = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', 'client-request-id': crypto.randomUUID() });
const c: Record<string, () => Promise<unknown>> = {
  raw: async () => { const r = await fetch(url, { method: 'POST', headers: headers(), body: JSON.stringify(body) }); await r.text(); },
  rawSignal: async () => { const ac = new AbortController(); const r = await fetch(url, { method: 'POST', headers: headers(), body: JSON.stringify(body), signal: ac.signal }); await r.text(); },
  rawTimeout: async () => { const r = await fetch(url, { method: 'POST', headers: headers(), body: JSON.stringify(body), signal: AbortSignal.timeout(30000) }); await r.text(); },
  direct: async () => { await api.call({ method: 'POST', path: `/users/${encodeURIComponent(e.sender)}/sendMail`, json: JSON.stringify(body), token, clientRequestId: crypto.randomUUID() }); },
  http: async () => { await http.request({ method: 'POST', url, headers: headers(), body: JSON.stringify(body) }); },
  mailer: () => mailer.send(message),
};
const names = Object.keys(c);
for (let i = 0; i < 100; i++) for (const n of names) await c[n]!();
const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
const cpu: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
for (let i = 0; i < 600; i++) for (let k = 0; k < names.length; k++) { const n = names[(i + k) % names.length]!; const u = process.cpuUsage(); const t = performance.now(); await c[n]!(); times[n]!.push(performance.now() - t); const d = process.cpuUsage(u); cpu[n]! += d.user + d.system; }
const base = spread(times.raw!).median;
for (const n of names) console.log(n.padEnd(10), (spread(times[n]!).median * 1000).toFixed(0), 'µs', (spread(times[n]!).median / base).toFixed(3), 'cpu', (cpu[n]! / 600).toFixed(0), 'µs');
await mailer.close();
