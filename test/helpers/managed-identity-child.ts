// Runs in a child process whose environment holds IDENTITY_ENDPOINT and IDENTITY_HEADER, as on App Service:
// msal-node reads them from process.env, so the test process's own environment stays untouched.
// argv[2]: JSON { config, to } ; prints one JSON line with the outcome of verify() and send().
import { O365OAuthMailer, type O365OAuthMailerConfig } from '../../src/index';

const input = JSON.parse(process.argv[2] ?? '{}') as { config: O365OAuthMailerConfig; to: string };
const mailer = new O365OAuthMailer(input.config);
const outcome: Record<string, unknown> = {};
try {
  outcome.report = await mailer.verify({ to: input.to });
  outcome.send = await mailer.send({ to: input.to, subject: 'from a managed identity', text: 'x' }).then(
    (r) => ({ ok: true, route: r.route }),
    (e: { code?: string; message?: string; fix?: string; step?: number }) => ({ ok: false, code: e.code, message: e.message, fix: e.fix, step: e.step }),
  );
} finally {
  await mailer.close();
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
