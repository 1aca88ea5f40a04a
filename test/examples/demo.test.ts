import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run demo', () => {
  it('verifies, sends a report with CSV and PDF, diagnoses a bad secret, prints the captured mail, exits 0', () => {
    const root = resolve(__dirname, '../..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/✔ test-email/);
    expect(run.stdout).toMatch(/accepted for qa@contoso\.com, regulator@example\.gov/);
    expect(run.stdout).toMatch(/✖ credentials\s+\(step 5\).*AADSTS7000215/);
    expect(run.stdout).toMatch(/send\(\) rejects too: SECRET_INVALID \(step 5\).*Secret ID/);
    expect(run.stdout).toMatch(/results\.csv \(text\/csv, \d+ B\), report\.pdf \(application\/pdf, \d+ B\)/);
  });
});
