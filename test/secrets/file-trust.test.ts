import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore, FileTokenCache, MailerError } from '../../src/index';

/** Attacks on the files behind the stores and caches: every one ends in a MailerError that names the file. */
const POSIX = process.platform !== 'win32';
// Tests that chown to another uid need root; under CI they run whatever the uid is, so a non-root CI fails them
// instead of skipping them silently (CI runs as root).
const ROOT = process.getuid?.() === 0 || Boolean(process.env.CI);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'o365-trust-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function folder(name: string, mode = 0o700): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await chmod(dir, mode);
  return dir;
}

async function failure(promise: Promise<unknown>): Promise<MailerError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(MailerError);
  return err as MailerError;
}

describe('every file failure is a MailerError', () => {
  it('a path that is a folder → FILE_ACCESS naming it, for the store and the cache (not a raw EISDIR)', async () => {
    const dir = await folder('isdir');
    await mkdir(join(dir, 'secrets.enc'));
    const store = new EncryptedFileSecretStore({ path: join(dir, 'secrets.enc'), passphrase: 'p4ss-phrase' });
    for (const err of [await failure(store.get('x')), await failure(store.set('x', 'y')), await failure(new FileTokenCache({ path: join(dir, 'secrets.enc') }).get('k'))]) {
      expect(err.code).toBe('FILE_ACCESS');
      expect(err.message).toContain(join(dir, 'secrets.enc'));
      expect(err.message).toMatch(/it is a folder/);
      expect(err.fix).toMatch(/file/);
    }
  });

  it('an edited header asking scrypt for impossible parameters → SECRET_STORE_LOCKED (not ERR_CRYPTO_INVALID_SCRYPT_PARAMS)', async () => {
    const dir = await folder('scrypt');
    const path = join(dir, 'secrets.enc');
    await new EncryptedFileSecretStore({ path, passphrase: 'p4ss-phrase' }).set('x', 'y');
    const data = await readFile(path);
    data[7] = 16; // N = 2^16 with r = 1: scrypt requires N < 2^(16 r)
    data[8] = 1;
    await writeFile(path, data, { mode: 0o600 });
    const err = await failure(new EncryptedFileSecretStore({ path, passphrase: 'p4ss-phrase' }).get('x'));
    expect(err.code).toBe('SECRET_STORE_LOCKED');
    expect(err.message).toMatch(/key-derivation parameters are invalid/);
  });
});

describe('a short passphrase is never revealed by garbled wording', () => {
  it.each(['wrong', 'file', 'the', 'open'])('passphrase "%s": the message reads as written', async (passphrase) => {
    const dir = await folder(`garble-${passphrase.length}-${passphrase.charCodeAt(0)}`);
    const path = join(dir, 'secrets.enc');
    await new EncryptedFileSecretStore({ path, passphrase: 'the real passphrase' }).set('x', 'y');
    const err = await failure(new EncryptedFileSecretStore({ path, passphrase }).get('x'));
    expect(err.code).toBe('SECRET_STORE_LOCKED');
    expect(err.message).toMatch(/^Cannot open the encrypted file .*: the passphrase is wrong or the file was modified\.$/);
    expect(err.message).not.toContain('[REDACTED]');
    expect(err.stack).toContain('the passphrase is wrong or the file was modified');
    expect(err.fix).toContain('Use the passphrase the file was written with');
  });

  it('a passphrase that does occur in data (the path) is still removed there', async () => {
    const passphrase = 'garble-secret-dir';
    const dir = await folder(passphrase);
    const path = join(dir, 'secrets.enc');
    await new EncryptedFileSecretStore({ path, passphrase: 'another one' }).set('x', 'y');
    const err = await failure(new EncryptedFileSecretStore({ path, passphrase }).get('x'));
    expect(err.message).not.toContain(passphrase);
    expect(err.message).toContain('[REDACTED]');
    expect(err.message).toContain('the passphrase is wrong');
    expect(inspect(err)).not.toContain(passphrase);
  });
});

describe.runIf(POSIX)('files and folders are not trusted blindly', () => {
  it.runIf(ROOT)('a cache or store file owned by another user is refused with FILE_ACCESS; the cache falls back, nothing is read', async () => {
    const dir = await folder('foreign-file');
    const path = join(dir, 'tokens.json');
    await writeFile(path, JSON.stringify({ format: 'o365-oauth-mailer/token-cache', version: 1, entries: { k: { value: 'planted' } } }), { mode: 0o600 });
    await chown(path, 65534, 65534);
    const err = await failure(new FileTokenCache({ path }).get('k'));
    expect(err.code).toBe('FILE_ACCESS');
    expect(err.message).toMatch(/belongs to another user \(uid 65534\)/);
  });

  it('a file writable by others is refused', async () => {
    const dir = await folder('world-writable-file');
    const path = join(dir, 'tokens.json');
    await writeFile(path, JSON.stringify({ format: 'o365-oauth-mailer/token-cache', version: 1, entries: {} }));
    await chmod(path, 0o666);
    const err = await failure(new FileTokenCache({ path }).get('k'));
    expect(err.code).toBe('FILE_ACCESS');
    expect(err.message).toMatch(/can be written by other users \(mode 666\)/);
  });

  it.runIf(ROOT)('a folder of another user that others can write (think /tmp, mode 1777) is refused', async () => {
    const dir = await folder('shared-sticky', 0o1777);
    await chown(dir, 65534, 65534);
    const err = await failure(new EncryptedFileSecretStore({ path: join(dir, 's.enc'), passphrase: 'p4ss-phrase' }).set('x', 'y'));
    expect(err.code).toBe('FILE_ACCESS');
    expect(err.message).toMatch(/belongs to another user/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('an own folder with mode 0777 is tightened to 0700, not left as is', async () => {
    const dir = await folder('own-0777', 0o777);
    await new FileTokenCache({ path: join(dir, 'tokens.json') }).set('k', 'v', 60);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('a FIFO at the path is refused, never opened', async () => {
    const dir = await folder('fifo');
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', ['-m', '600', join(dir, 'tokens.json')]);
    const err = await failure(new FileTokenCache({ path: join(dir, 'tokens.json') }).get('k'));
    expect(err.code).toBe('FILE_ACCESS');
    expect(err.message).toMatch(/not a regular file/);
  });

  it('temp files left by a killed writer are removed on the next write; a live writer\'s are kept', async () => {
    const dir = await folder('leftovers');
    const dead = join(dir, '.tokens.json.999999.0123456789ab.tmp');
    const live = join(dir, `.tokens.json.${process.pid}.ba9876543210.tmp`);
    const stale = join(dir, 'tokens.json.lock.0123456789ab.stale');
    for (const f of [dead, live, stale]) await writeFile(f, 'partial', { mode: 0o600 });
    const old = new Date(Date.now() - 120_000);
    await utimes(stale, old, old);
    await new FileTokenCache({ path: join(dir, 'tokens.json') }).set('k', 'v', 60);
    expect((await readdir(dir)).sort()).toEqual([`.tokens.json.${process.pid}.ba9876543210.tmp`, 'tokens.json']);
  });
});
