import nock from 'nock';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MailerError, O365OAuthMailer } from '../../src/index';
import { GRAPH, SECRET, SEND_PATH, entraError, fakeJwt, graphError, mailerConfig, openIdConfig, socketError, tokenEndpoint, tokenReply } from '../helpers/microsoft';

/** Everything a user could print: log lines, and each error's message, stack, inspect, JSON and cause chain. */
function printed(logs: string[], errors: unknown[], extra: unknown[] = []): string {
  const parts = [...logs];
  for (const e of [...errors, ...extra]) {
    parts.push(inspect(e, { depth: 10, showHidden: true }), JSON.stringify(e) ?? '', String(e));
    if (e instanceof Error) parts.push(e.message, e.stack ?? '', inspect((e as { cause?: unknown }).cause, { depth: 10, showHidden: true }));
  }
  return parts.join('\n');
}

function capturingLogger(lines: string[]) {
  const log = (level: string) => (message: string, details?: unknown) => lines.push(`${level} ${message} ${JSON.stringify(details ?? {})}`);
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

describe('the secret and tokens never leak', () => {
  it('through any failure path, the logger, inspect or JSON of the mailer and its errors', async () => {
    const token = fakeJwt({ roles: ['Mail.Send'], n: 7 });
    const logs: string[] = [];
    const errors: unknown[] = [];
    const mailer = new O365OAuthMailer(mailerConfig({ logger: capturingLogger(logs), retry: { maxRetries: 1, maxDelayMs: 1 } }));
    const attempt = async (setup: () => void, message = { to: 'a@contoso.com', text: 'x' }) => {
      setup();
      await mailer.send(message).then(
        () => errors.push(new Error('unexpectedly sent')),
        (e: unknown) => errors.push(e),
      );
      nock.cleanAll();
    };
    // Entra quotes the raw secret (no "client_secret=" around it).
    await attempt(() => tokenEndpoint().reply(401, entraError(7000215, 'invalid_client', `Secret '${SECRET}' is not valid.`)));
    // The token endpoint refuses the secret; echoes the request body back in its error text.
    await attempt(() => tokenEndpoint().reply(401, (_u, body) => entraError(7000215, 'invalid_client', `Invalid client secret provided. Body was ${String(body)}`)));
    // The connection fails mid-request with the secret in the low-level error text.
    await attempt(() => tokenEndpoint().replyWithError(socketError('ECONNRESET', `socket hang up client_secret=${SECRET}`)));
    // A token, then every Graph failure kind.
    await attempt(() => {
      tokenEndpoint().reply(200, tokenReply(token));
      nock(GRAPH).post(SEND_PATH).reply(403, graphError('ErrorAccessDenied', `Access is denied for Bearer ${token}`));
    });
    await attempt(() => nock(GRAPH).post(SEND_PATH).reply(504, graphError('GatewayTimeout', 'upstream timeout')));
    await attempt(() => nock(GRAPH).post(SEND_PATH).times(2).reply(429, graphError('ApplicationThrottled', 'slow down'), { 'Retry-After': '0' }));
    await attempt(() => nock(GRAPH).post(SEND_PATH).replyWithError(socketError('ECONNRESET', `reset while sending Authorization: Bearer ${token}`)));
    await attempt(() => {
      tokenEndpoint().reply(200, tokenReply(token));
      nock(GRAPH).post(SEND_PATH).times(2).reply(401, graphError('InvalidAuthenticationToken', `bad token ${token}`));
    });
    await attempt(() => undefined, { to: 'bad address', text: SECRET } as never);

    expect(errors).toHaveLength(9);
    for (const e of errors) expect(e).toBeInstanceOf(MailerError);
    const everything = printed(logs, errors, [mailer]) + inspect(mailer, { showHidden: true, depth: 10 }) + JSON.stringify(mailer);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.split('.')[2]);
    expect(everything).toContain('[REDACTED]');
    expect(logs.length).toBeGreaterThan(0);
  });

  it('inspect and JSON of the mailer show settings, not the secret', () => {
    const mailer = new O365OAuthMailer(mailerConfig());
    expect(inspect(mailer)).toContain('lab@contoso.com');
    expect(inspect(mailer, { showHidden: true, depth: 10 })).not.toContain(SECRET);
    expect(JSON.stringify(mailer)).toContain('"clientSecret":"[REDACTED]"');
    expect(Object.keys(mailer)).toEqual([]);
  });

  it('verify() reports never carry the secret', async () => {
    openIdConfig();
    tokenEndpoint().reply(401, (_u, body) => entraError(7000215, 'invalid_client', `echo ${String(body)}`));
    const report = await new O365OAuthMailer(mailerConfig()).verify();
    expect(JSON.stringify(report)).not.toContain(SECRET);
    expect(report.ok).toBe(false);
  });
});
