import { chmod, chown, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { bundleChild, runNode } from './child-process';

/**
 * The attack: a lock file that another user left in a folder this process may read but not change. Before the fix,
 * `EncryptedFileSecretStore.set` and `send()` with a `FileTokenCache` spun at full CPU without end. The tests run
 * as root; the victim runs as `nobody` through setpriv, so it really cannot remove root's lock file.
 */
const canSwitchUser = process.platform === 'linux' && process.getuid?.() === 0;
const NOBODY = 65534;

let root: string;
let child: string;
let emulator: Emulator;

beforeAll(async () => {
  if (!canSwitchUser) return;
  root = await mkdtemp(join(tmpdir(), 'o365-hostile-'));
  await chmod(root, 0o755);
  child = await bundleChild(join(__dirname, 'fixtures', 'other-user.ts'));
  await chmod(dirname(child), 0o755);
  await chmod(child, 0o644);
  emulator = await startEmulator();
});

afterAll(async () => {
  if (!canSwitchUser) return;
  await emulator.close();
  await rm(root, { recursive: true, force: true });
  await rm(dirname(child), { recursive: true, force: true });
});

interface Outcome {
  uid: number;
  outcome: string;
  code?: string;
  name?: string;
  message?: string;
  warnings?: string[];
  wallMs: number;
  cpuMs: number;
}

async function runAsNobody(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const setpriv = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
  const { code, stdout, stderr } = await runNode(child, args, { HOME: '/nonexistent', ...env }, setpriv);
  try {
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Outcome;
  } catch {
    throw new Error(`child exited ${code}: ${stdout} ${stderr}`);
  }
}

/** A folder owned by root (mode 0755: nobody may read it, not change it) holding a stale lock file of root's. */
async function lockedFolder(name: string, lockFiles: string[]): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { mode: 0o755 });
  await chmod(dir, 0o755);
  const longAgo = new Date(Date.now() - 3600_000);
  for (const file of lockFiles) {
    await writeFile(join(dir, file), JSON.stringify({ pid: 1, host: 'elsewhere', token: 'root' }), { mode: 0o644 });
    await utimes(join(dir, file), longAgo, longAgo);
  }
  return dir;
}

describe.runIf(canSwitchUser || process.env.CI)('a lock file another user holds', () => {
  it('EncryptedFileSecretStore.set waits, sleeping, until its deadline, then fails with SECRET_STORE_LOCKED', async () => {
    const dir = await lockedFolder('store', ['secrets.enc.lock']);
    const result = await runAsNobody(['store', join(dir, 'secrets.enc')]);
    expect(result.uid).toBe(NOBODY);
    expect(result).toMatchObject({ outcome: 'error', name: 'MailerError', code: 'SECRET_STORE_LOCKED' });
    expect(result.message).toContain('secrets.enc.lock');
    expect(result.wallMs).toBeGreaterThanOrEqual(1400);
    expect(result.wallMs).toBeLessThan(10_000);
    // Sleeping between tries: far below one busy core over the wait.
    expect(result.cpuMs).toBeLessThan(result.wallMs / 2);
  });

  it('send() with a FileTokenCache goes on without the lock and the cache, and delivers the mail', async () => {
    const key = `${emulator.clientId}.${emulator.tenantId}`;
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
    const dir = await lockedFolder('cache', [`tokens.json.${hash}.lock`, 'tokens.json.lock']);
    const result = await runAsNobody(['send', join(dir, 'tokens.json')], { MAILER_CONFIG: JSON.stringify(emulator.mailerConfig()) });
    expect(result.uid).toBe(NOBODY);
    expect(result.outcome).toBe('sent');
    expect(emulator.messages.map((m) => m.subject)).toEqual(['through a locked cache']);
    expect(result.warnings?.some((w) => /shared token cache/.test(w))).toBe(true);
    expect(result.wallMs).toBeLessThan(15_000);
    expect(result.cpuMs).toBeLessThan(result.wallMs / 2 + 1500);
  });
});

describe.runIf(canSwitchUser || process.env.CI)('a write the operating system refuses', () => {
  it('EncryptedFileSecretStore.set in an own folder without write permission → FILE_ACCESS naming the file, never a raw EACCES/EPERM', async () => {
    // The folder belongs to the victim (so it is trusted) but is read-only to it: creating the temp file or renaming
    // it over the store is refused by the kernel. As root this cannot be shown: root writes anyway.
    const dir = join(root, 'read-only');
    await mkdir(dir, { mode: 0o500 });
    await chown(dir, NOBODY, NOBODY);
    await chmod(dir, 0o500);
    const result = await runAsNobody(['store', join(dir, 'secrets.enc')]);
    expect(result.uid).toBe(NOBODY);
    expect(result).toMatchObject({ outcome: 'error', name: 'MailerError', code: 'FILE_ACCESS' });
    expect(result.message).toContain(join(dir, 'secrets.enc'));
    expect(result.message).toMatch(/access was refused|not permitted/);
    expect(result.message).not.toMatch(/EACCES|EPERM/);
  });
});
