import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src/verify/types';
import { CLIENT, GRAPH, SECRET, SEND_PATH, TENANT, entraError, fakeJwt, graphError, openIdConfig, tokenEndpoint, tokenReply } from '../helpers/microsoft';
import { ANSI, ENV, cli, tempDir } from './cli-harness';

const CHECK_IDS = ['tenant', 'credentials', 'permission', 'redirect-uri', 'secret-expiry', 'test-email'];
const TOKEN = fakeJwt({ roles: ['Mail.Send'] });

function healthyTenant(token = TOKEN) {
  openIdConfig();
  return tokenEndpoint().reply(200, tokenReply(token));
}

/** Structural check of a VerifyReport parsed from --json. */
function expectVerifyReport(value: unknown): asserts value is VerifyReport {
  expect(value).toEqual(expect.objectContaining({ ok: expect.any(Boolean), checks: expect.any(Array) }));
  const report = value as VerifyReport;
  expect(report.checks.map((c) => c.id)).toEqual(CHECK_IDS);
  for (const check of report.checks) {
    expect(['pass', 'fail', 'warn', 'skip']).toContain(check.status);
    expect(typeof check.message).toBe('string');
    if (check.step !== undefined) expect([1, 2, 3, 4, 5, 6]).toContain(check.step);
    if (check.code !== undefined) expect(typeof check.code).toBe('string');
    if (check.fix !== undefined) expect(typeof check.fix).toBe('string');
  }
  if (report.permissions !== undefined) expect(report.permissions).toEqual(expect.any(Array));
}

function expectNoLeak(...outputs: string[]) {
  for (const text of outputs) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toMatch(/eyJ[\w-]{2,}\.[\w-]{2,}/);
  }
}

describe('o365-mailer verify', () => {
  it('exits 0 with a checklist when every check passes (skips allowed), without colour off a TTY', async () => {
    const token = healthyTenant();
    const r = await cli(['verify']);
    expect(r.code).toBe(0);
    expect(token.isDone()).toBe(true);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^✔ Tenant \(step 1\): The tenant .* exists/);
    expect(lines[1]).toMatch(/^✔ Credentials \(step 5\): /);
    expect(lines[2]).toMatch(/^✔ Permission \(step 3\): Mail\.Send is granted/);
    expect(lines[3]).toMatch(/^– Redirect URI \(step 4\): /);
    expect(lines[4]).toMatch(/^– Secret expiry \(step 5\): .*--secret-expires-at/);
    expect(lines[5]).toMatch(/^– Test email \(step 6\): .*--to/);
    // Without --to the sender is untested: never "All checks passed".
    expect(r.stdout).toContain('Setup checks passed; the sender was not tested: pass --to.');
    expect(r.stdout).not.toContain('All checks passed');
    expect(r.stdout).not.toMatch(ANSI);
    expectNoLeak(r.stdout, r.stderr);
  });

  it('--json prints the VerifyReport', async () => {
    healthyTenant(fakeJwt({ roles: ['Mail.Send', 'Mail.ReadWrite'] }));
    const r = await cli(['verify', '--json']);
    expect(r.code).toBe(0);
    const report: unknown = JSON.parse(r.stdout);
    expectVerifyReport(report);
    expect(report.ok).toBe(true);
    expect(report.permissions).toEqual(['Mail.Send', 'Mail.ReadWrite']);
    expect(report.checks.find((c) => c.id === 'credentials')?.status).toBe('pass');
  });

  it('exits 1 when a check fails, with the step and the fix indented under it, and never prints the secret', async () => {
    openIdConfig();
    tokenEndpoint().reply(401, entraError(7000215, 'invalid_client', 'Invalid client secret provided.'));
    const r = await cli(['verify']);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    const i = lines.findIndex((l) => l.startsWith('✖ Credentials'));
    expect(lines[i]).toMatch(/^✖ Credentials \(step 5\) SECRET_INVALID: /);
    expect(lines[i + 1]).toMatch(/^ {4}Fix: Enter the client secret's Value from step 5/);
    expect(r.stdout).toMatch(/^– Permission \(step 3\): Not checked/m);
    expect(r.stdout).toContain('1 check failed.');
    expectNoLeak(r.stdout, r.stderr);
  });

  it('--json on failure: ok false, exit 1, the failed check with code, step and fix', async () => {
    openIdConfig();
    tokenEndpoint().reply(200, tokenReply(fakeJwt({ roles: [] })));
    // No roles in the token proves nothing (RBAC for Applications): the test email decides, and Graph refuses it.
    const graph = nock(GRAPH).post(SEND_PATH).reply(401, graphError('NoPermissionsInAccessToken', 'The token contains no permissions, or permissions can not be understood.'));
    const r = await cli(['verify', '--json', '--to', 'qa@contoso.com']);
    expect(r.code).toBe(1);
    expect(graph.isDone()).toBe(true);
    const report: unknown = JSON.parse(r.stdout);
    expectVerifyReport(report);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.id === 'permission')).toMatchObject({ status: 'fail', step: 3, code: 'CONSENT_MISSING', fix: expect.any(String) });
    expect(report.checks.find((c) => c.id === 'test-email')).toMatchObject({ status: 'fail', step: 3, code: 'CONSENT_MISSING' });
  });

  it('no Mail.Send in the token and no --to: a warning, never a failure, and exit 0', async () => {
    openIdConfig();
    tokenEndpoint().reply(200, tokenReply(fakeJwt({ roles: [] })));
    const r = await cli(['verify']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^! Permission \(step 3\) CONSENT_MISSING: Not proven: Mail\.Send is not in the token .*RBAC for Applications/m);
    expect(r.stdout).toMatch(/^ {4}Fix: Run verify with `--to` to send a test email\./m);
    expect(r.stdout).toContain('Setup checks passed, with 1 warning; the sender was not tested: pass --to.');
  });

  it('--secret-expires-at takes ISO 8601 only: 12/10/2026 is refused as ambiguous (exit 2)', async () => {
    const r = await cli(['verify', '--secret-expires-at', '12/10/2026']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/`--secret-expires-at` is "12\/10\/2026", which is not an ISO 8601 date/);
    expect(r.stderr).not.toContain('secretExpiresAt');
    expect(r.stderr).toMatch(/2027-06-30/);
  });

  it('a warning (secret expiring soon) prints "!" with the fix and still exits 0', async () => {
    healthyTenant();
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const r = await cli(['verify', '--secret-expires-at', soon]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^! Secret expiry \(step 5\) CREDENTIAL_EXPIRING: The client secret still works but expires on /m);
    expect(r.stdout).toMatch(/^ {4}Fix: Before that date/m);
    expect(r.stdout).toContain('Setup checks passed, with 1 warning; the sender was not tested: pass --to.');
  });

  it('--to sends the test email through Graph', async () => {
    healthyTenant();
    const graph = nock(GRAPH).post(SEND_PATH).reply(202, '', { 'request-id': 'verify-req-1' });
    const r = await cli(['verify', '--to', 'qa@contoso.com']);
    expect(r.code).toBe(0);
    expect(graph.isDone()).toBe(true);
    expect(r.stdout).toMatch(/^✔ Test email \(step 6\): Exchange accepted the test email to qa@contoso\.com \(request verify-req-1\)/m);
    expect(r.stdout).toContain('All checks passed.');
  });

  it('flags win over the environment, and a national cloud goes to its own hosts', async () => {
    const tenant = 'fabrikam.onmicrosoft.com';
    openIdConfig('https://login.microsoftonline.us', tenant);
    const token = tokenEndpoint('https://login.microsoftonline.us', tenant).reply(200, tokenReply());
    const r = await cli(['verify', '--tenant-id', tenant, '--cloud', 'usgov', '--timeout-ms', '5000']);
    expect(r.code).toBe(0);
    expect(token.isDone()).toBe(true);
    expect(r.stdout).toContain(`The tenant ${tenant} exists in the usgov cloud`);
  });

  it('colours the checklist only on a TTY with NO_COLOR unset', async () => {
    healthyTenant();
    const tty = await cli(['verify'], { tty: { stdout: true } });
    expect(tty.stdout).toMatch(ANSI);
    expect(tty.stdout).toContain('\u001b[32m✔\u001b[39m');
    healthyTenant();
    const noColor = await cli(['verify'], { tty: { stdout: true }, env: { ...ENV, NO_COLOR: '1' } });
    expect(noColor.code).toBe(0);
    expect(noColor.stdout).not.toMatch(ANSI);
  });

  describe('usage errors exit 2', () => {
    it('--client-secret is refused, explaining shell history, without echoing the value', async () => {
      for (const argv of [['verify', '--client-secret', SECRET], ['verify', `--client-secret=${SECRET}`], ['send', '--to', 'a@contoso.com', '--client-secret', SECRET]]) {
        const r = await cli(argv);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('--client-secret is not accepted');
        expect(r.stderr).toContain('shell history');
        expect(r.stderr).toContain('AZURE_CLIENT_SECRET');
        expectNoLeak(r.stdout, r.stderr);
      }
    });

    it('a secret pasted as a stray argument (or as a number) is never echoed', async () => {
      for (const argv of [['verify', SECRET], ['send', '--to', 'a@contoso.com', SECRET, '--subject', 'x'], ['verify', '--timeout-ms', SECRET]]) {
        const r = await cli(argv);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/Unexpected argument \(argument \d of \d\)|--timeout-ms must be a whole number/);
        expectNoLeak(r.stdout, r.stderr);
      }
    });

    it('missing configuration names each flag and environment variable', async () => {
      const r = await cli(['verify'], { env: { HOME: ENV.HOME } });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('--tenant-id or set AZURE_TENANT_ID');
      expect(r.stderr).toContain('--client-id or set AZURE_CLIENT_ID');
      expect(r.stderr).toContain('--sender or set O365_SENDER');
      expect(r.stderr).toContain('set AZURE_CLIENT_SECRET');
      expect(r.stderr).toContain('o365-mailer verify --help');
    });

    it('a missing secret alone (no TTY, no store) names AZURE_CLIENT_SECRET', async () => {
      const r = await cli(['verify'], { env: { ...ENV, AZURE_CLIENT_SECRET: undefined } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/client secret \(step 5\): set AZURE_CLIENT_SECRET/);
      expect(r.stderr).not.toContain('AZURE_TENANT_ID');
    });

    it('a malformed value the library refuses names the flag and variable', async () => {
      const r = await cli(['verify', '--client-id', 'not-a-guid']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Invalid configuration: `--client-id` (or AZURE_CLIENT_ID) is "not-a-guid"; it must be the Application (client) ID, a GUID.');
      expect(r.stderr).not.toContain('clientId');
      expect(r.stderr).toContain('Fix:');
    });

    it.each([
      [['verify', '--bogus'], 'Unknown option --bogus'],
      [['verify', 'extra'], 'Unexpected argument (argument 1 of 1): `o365-mailer verify` takes only options. Its value is not shown'],
      [['verify', '--to'], 'o365-mailer: --to needs a value: --to <value>.\nRun `o365-mailer verify --help` for usage.'],
      [['verify', '--tenant-id', '--client-id', CLIENT], '--tenant-id needs a value: --tenant-id <value> (the next word starts with a dash; for a value that does, write --tenant-id=-value).'],
      [['verify', '--tenant-idd', TENANT], 'Unknown option --tenant-idd for `o365-mailer verify`. Did you mean --tenant-id?'],
      [['verify', '--cafile', 'x.pem'], 'Did you mean --ca-file?'],
      [['verify', '--cloud', 'mars'], '--cloud must be one of global, usgov, usgov-dod, china'],
      [['verify', '--authority-host', 'https://login.example.com'], 'needs both'],
      [['verify', '--cloud', 'china', '--authority-host', 'https://a.example.com', '--graph-endpoint', 'https://b.example.com'], 'not both'],
      [['verify', '--timeout-ms', 'soon'], '--timeout-ms must be a whole number'],
      [['verify', '--ca-file', '/nonexistent/ca.pem'], '--ca-file /nonexistent/ca.pem cannot be read'],
      [['verify', '--secret-expires-at', 'someday'], '--secret-expires-at'],
      [['verify', '--store', 'vault'], '--store must be file or keyring'],
      [['frobnicate'], 'Unknown command "frobnicate"'],
    ])('%j', async (argv, message) => {
      const r = await cli(argv as string[]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(nock.pendingMocks()).toEqual([]);
    });
  });

  it('a custom cloud takes --authority-host, --graph-endpoint and the --ca-file PEM', async () => {
    const dir = await tempDir();
    const ca = join(dir, 'ca.pem');
    await writeFile(ca, 'not a certificate');
    const bad = await cli(['verify', '--authority-host', 'https://login.example.test', '--graph-endpoint', 'https://graph.example.test', '--ca-file', ca]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid configuration: `--ca-file` must be PEM certificates');
    expect(bad.stderr).toContain('Fix: Give `--ca-file` a PEM file holding the root certificate(s)');
    expect(bad.stderr).not.toContain('tls.ca');
  });
});
