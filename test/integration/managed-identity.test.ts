import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import type { VerifyReport } from '../../src/index';

// msal-node's ManagedIdentityApplication finds App Service's endpoint through IDENTITY_ENDPOINT and IDENTITY_HEADER
// in process.env: each scenario runs in a child process with its own environment, against the emulator's endpoint.
const CHILD = resolve(__dirname, '../helpers/managed-identity-child.ts');
const USER_ASSIGNED = '7b0e8a3c-51d2-4f4e-9a55-2f6c1d7e9b01';
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ managedIdentities: [{}, { clientId: USER_ASSIGNED, systemAssigned: false, roles: [] }] });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

interface Outcome {
  report: VerifyReport;
  send: { ok: boolean; route?: string; code?: string; message?: string; fix?: string; step?: number };
}

async function onAppService(managedIdentity: true | { clientId: string }, clientId: string, env: Record<string, string> = {}): Promise<Outcome> {
  const config = { ...emulator.mailerConfig({ managedIdentity }), clientId };
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ config, to: 'qa@contoso.com' })], {
    env: { PATH: process.env.PATH ?? '', IDENTITY_ENDPOINT: emulator.identityEndpoint, IDENTITY_HEADER: emulator.identityHeader, ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Outcome;
}

describe('managedIdentity on App Service (IDENTITY_ENDPOINT + IDENTITY_HEADER)', () => {
  it('the system-assigned identity with the Graph app role Mail.Send verifies and sends, with no secret anywhere', async () => {
    const { report, send } = await onAppService(true, emulator.managedIdentityClientId);
    expect(report.ok).toBe(true);
    const credentials = report.checks.find((c) => c.id === 'credentials');
    expect(credentials?.message).toBe('The Azure host issued a token for the system-assigned managed identity.');
    expect(report.checks.find((c) => c.id === 'redirect-uri')?.message).toMatch(/a managed identity has no app registration/);
    expect(report.checks.find((c) => c.id === 'credential-expiry')).toMatchObject({ status: 'pass', message: expect.stringMatching(/^Nothing to renew: a managed identity/) });
    expect(send).toEqual({ ok: true, route: 'sendMail' });
    expect(emulator.messages.map((m) => m.subject)).toEqual([expect.stringMatching(/configuration test/), 'from a managed identity']);
    expect(emulator.requests.filter((r) => r.path === '/msi/token').length).toBeGreaterThan(0);
  }, 90_000);

  it('a user-assigned identity without Mail.Send: the fix says to assign the Graph app role with PowerShell', async () => {
    const { report, send } = await onAppService({ clientId: USER_ASSIGNED }, USER_ASSIGNED);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.id === 'permission')).toMatchObject({ status: 'fail', code: 'CONSENT_MISSING', step: 3 });
    expect(report.checks.find((c) => c.id === 'permission')?.fix).toMatch(/New-MgServicePrincipalAppRoleAssignment/);
    expect(send).toMatchObject({ ok: false, code: 'CONSENT_MISSING', fix: expect.stringMatching(/New-MgServicePrincipalAppRoleAssignment/) });
    expect(emulator.messages).toEqual([]);
  }, 90_000);

  it('an identity the resource does not have, or a wrong IDENTITY_HEADER: MANAGED_IDENTITY_UNAVAILABLE with a fix', async () => {
    const unknown = await onAppService({ clientId: '0badbad0-0000-4000-8000-000000000009' }, '0badbad0-0000-4000-8000-000000000009');
    expect(unknown.report.checks.find((c) => c.id === 'credentials')).toMatchObject({ status: 'fail', code: 'MANAGED_IDENTITY_UNAVAILABLE', fix: expect.stringMatching(/Identity › System assigned/) });
    const header = await onAppService(true, emulator.managedIdentityClientId, { IDENTITY_HEADER: 'wrong' });
    expect(header.send).toMatchObject({ ok: false, code: 'MANAGED_IDENTITY_UNAVAILABLE' });
    expect(emulator.messages).toEqual([]);
  }, 90_000);
});
