const { O365OAuthMailer } = await import('/work/wt/i14/dist/index.js');
import { benchEmulator } from '/work/wt/i14/bench/stats';
const e = benchEmulator();
const mailer = new O365OAuthMailer({ authType: 'oauth2', tenantId: e.tenantId, clientId: e.clientId, clientSecret: e.clientSecret, sender: e.sender, cloud: { authorityHost: e.url, graphEndpoint: e.url }, telemetry: { enabled: false } });
const message = { to: ['Ann Lee <ann@contoso.com>', 'bob@contoso.com'], cc: 'carol@contoso.com', subject: 'Report', html: '<p>Quarterly figures attached.</p>' };
for (let i = 0; i < 3000; i++) await mailer.send(message);
await mailer.close();
