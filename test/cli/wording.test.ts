import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forShell } from '../../src/cli/wording';
import { CONFIG_KEYS, NESTED_CONFIG_KEYS } from '../../src/config/known-keys';
import { CATALOGUE, ENTRA_CODES, fromTransport } from '../../src/errors/catalogue';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { EMPTY_HOME, cli, tempDir } from './cli-harness';

/** Every configuration field name as the library writes it in backticks: `tenantId`, `tls.ca`, `retry.maxRetries`. */
const FIELDS = [
  ...CONFIG_KEYS,
  ...Object.entries(NESTED_CONFIG_KEYS).flatMap(([parent, keys]) => keys.map((k) => `${parent}.${k}`)),
  'to',
];
const FIELD_IN_TEXT = new RegExp(`\`(${FIELDS.map((f) => f.replace('.', '\\.')).join('|')})\``);

describe('the CLI never tells a shell user to set a config field', () => {
  const texts: Array<[string, string]> = [
    ...Object.entries(CATALOGUE).map(([code, e]) => [`catalogue ${code}`, e.fix] as [string, string]),
    ...Object.entries(ENTRA_CODES).flatMap(([n, r]) => (r.fix ? [[`AADSTS${n}`, r.fix] as [string, string]] : [])),
    ['proxy fix', fromTransport({ failure: 'connect', detail: 'x', doing: 'y', couldDeliver: false, proxy: 'http://proxy:3128' }).fix as string],
  ];
  it.each(texts)('%s', (_, text) => {
    const shell = forShell(text);
    expect(shell).not.toMatch(FIELD_IN_TEXT);
  });

  it('rewrites fields into flags and variables', () => {
    expect(forShell("a proxy (set `proxy` or HTTPS_PROXY) or a TLS-inspecting proxy whose root certificate must be trusted through `tls.ca`.")).toBe(
      'a proxy (pass `--proxy` or set HTTPS_PROXY) or a TLS-inspecting proxy whose root certificate must be trusted with `--ca-file`.',
    );
    expect(forShell('Invalid configuration: `tenantId` is missing.')).toBe('Invalid configuration: `--tenant-id` (or AZURE_TENANT_ID) is missing.');
    expect(forShell('Raise `retry.maxRetries` to wait longer.')).toBe('Raise `--max-retries` to wait longer.');
  });
});

describe('the CLI against the emulator', () => {
  let emulator: Emulator;
  let flags: string[];
  let env: Record<string, string>;
  beforeAll(async () => {
    emulator = await startEmulator();
    const caFile = join(await tempDir(), 'ca.pem');
    await writeFile(caFile, emulator.ca);
    flags = ['--authority-host', emulator.url, '--graph-endpoint', emulator.url, '--ca-file', caFile];
    env = { HOME: EMPTY_HOME, AZURE_TENANT_ID: emulator.tenantId, AZURE_CLIENT_ID: emulator.clientId, AZURE_CLIENT_SECRET: emulator.clientSecret, O365_SENDER: emulator.sender };
  });
  afterAll(() => emulator.close());

  it('verify --json names flags, not config fields, with the credentials step the checklist uses', async () => {
    const r = await cli(['verify', ...flags, '--json'], { env });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { checks: Array<{ id: string; step: number; message: string }> };
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(byId['test-email']?.message).toMatch(/ Pass `--to` to send one\.$/);
    expect(byId['secret-expiry']?.message).toMatch(/^No `--secret-expires-at` given: pass it with the Expires date of step 5/);
    expect(byId.credentials?.step).toBe(5);
    expect(r.stdout).not.toMatch(FIELD_IN_TEXT);
  });

  it('a skipped credentials check is step 5 too', async () => {
    const r = await cli(['verify', ...flags, '--json'], { env: { ...env, AZURE_TENANT_ID: '99999999-9999-9999-9999-999999999999' } });
    const report = JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; step: number }> };
    expect(report.checks.find((c) => c.id === 'credentials')).toMatchObject({ status: 'skip', step: 5 });
  });

  it('--debug logs every request (method, host, path without query, status, request-id, duration) on stderr, no secret', async () => {
    const r = await cli(['send', ...flags, '--to', 'qa@contoso.com', '--subject', 'Debug', '--text', 'x', '--debug'], { env });
    expect(r.code).toBe(0);
    const host = new URL(emulator.url).host;
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('[debug] HTTP '));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const token = lines.find((l) => l.includes('/oauth2/v2.0/token'));
    expect(token).toMatch(new RegExp(`^\\[debug\\] HTTP POST ${host}/${emulator.tenantId}/oauth2/v2\\.0/token → 200 in \\d+ ms, request-id [0-9a-f-]{36}$`));
    const send = lines.find((l) => l.includes('/sendMail'));
    expect(send).toMatch(new RegExp(`^\\[debug\\] HTTP POST ${host}/v1\\.0/users/${encodeURIComponent(emulator.sender)}/sendMail → 202 in \\d+ ms, request-id [0-9a-f-]{36}$`));
    expect(r.stderr).toMatch(/^\[info\] Mail accepted by Microsoft Graph for 1 recipient\(s\)\. \(requestId=[0-9a-f-]{36}[,)]/m);
    expect(r.stderr).not.toContain(emulator.clientSecret);
    expect(r.stderr).not.toMatch(/eyJ[\w-]+\./);
  });

  it('--verbose shows what the mailer does, without the request lines', async () => {
    emulator.faults.throttle(1, { retryAfterSeconds: 0 });
    const r = await cli(['send', ...flags, '--to', 'qa@contoso.com', '--subject', 'Verbose', '--text', 'x', '--verbose'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[warn\] Graph answered 429 while sending the mail; retrying in \d+ ms\. \(requestId=[0-9a-f-]{36}\)$/m);
    expect(r.stderr).toMatch(/^\[info\] Mail accepted/m);
    expect(r.stderr).not.toContain('[debug]');
  });

  it('without --verbose or --debug stderr stays quiet', async () => {
    const r = await cli(['send', ...flags, '--to', 'qa@contoso.com', '--subject', 'Quiet', '--text', 'x'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('proxy failures say it was the proxy', () => {
  let refusing: Server;
  let refusingUrl: string;
  let closedUrl: string;
  beforeAll(async () => {
    // A proxy that refuses every tunnel, as one that wants credentials does.
    refusing = createServer((_req, res) => res.writeHead(405).end());
    refusing.on('connect', (_req, socket) => socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    refusingUrl = `http://user:hunter2pass@127.0.0.1:${(refusing.address() as AddressInfo).port}`;
    // A port nothing listens on: take a free one and give it back.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((r) => probe.close(() => r()));
  });
  afterAll(() => new Promise<void>((r) => refusing.close(() => r())));

  // Loopback targets (no test reaches Microsoft): the proxy fails before any target would be contacted.
  const target = ['--authority-host', 'https://127.0.0.1:65001', '--graph-endpoint', 'https://127.0.0.1:65001'];
  const env = { HOME: EMPTY_HOME, AZURE_TENANT_ID: '11111111-2222-3333-4444-555555555555', AZURE_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', AZURE_CLIENT_SECRET: 'Zq8~a.secret-value', O365_SENDER: 'lab@contoso.com' };

  it('an unreachable proxy', async () => {
    const r = await cli(['verify', ...target, '--json', '--proxy', closedUrl], { env });
    expect(r.code).toBe(1);
    const tenant = (JSON.parse(r.stdout) as { checks: Array<Record<string, string>> }).checks[0];
    expect(tenant).toMatchObject({ id: 'tenant', status: 'fail', code: 'NETWORK' });
    expect(tenant?.message).toMatch(new RegExp(`^Proxy failure while reaching 127\\.0\\.0\\.1:65001: the proxy ${closedUrl.replace(/[.:/]/g, '\\$&')} could not be reached \\(ECONNREFUSED`));
    expect(tenant?.fix).toContain(`Check the proxy ${closedUrl}`);
    expect(tenant?.fix).toContain('`--proxy`');
  });

  it('a proxy that refuses the tunnel, without printing its password', async () => {
    const r = await cli(['verify', ...target, '--proxy', refusingUrl], { env });
    expect(r.code).toBe(1);
    const port = new URL(refusingUrl).port;
    expect(r.stdout).toContain(`✖ Tenant (step 1) NETWORK: Proxy failure while reaching 127.0.0.1:65001: the proxy http://127.0.0.1:${port} refused to open a tunnel to 127.0.0.1:65001`);
    expect(r.stdout).toContain('407');
    expect(r.stdout + r.stderr).not.toContain('hunter2pass');
  });
});

describe('did you mean', () => {
  it('for commands and subcommands', async () => {
    const r = await cli(['verfy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('o365-mailer: Unknown command "verfy". Did you mean `o365-mailer verify`?\nRun `o365-mailer --help` for usage.\n');
    expect((await cli(['help', 'sedn'])).stderr).toContain('Did you mean `o365-mailer send`?');
    expect((await cli(['secret', 'sett'])).stderr).toContain('Did you mean `secret set`?');
    expect((await cli(['frobnicate'])).stderr).toBe('o365-mailer: Unknown command "frobnicate".\nRun `o365-mailer --help` for usage.\n');
  });

  it('for flags', async () => {
    const r = await cli(['send', '--subjet', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown option --subjet for `o365-mailer send`. Did you mean --subject?');
  });
});
