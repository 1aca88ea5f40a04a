import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMailerError } from '../../src/errors/mailer-error';
import { EncryptedFileSecretStore } from '../../src/secrets/index';
import { bundleChild, runNode } from './child-process';

const PASSPHRASE = 'correct horse battery staple 42';
const SECRET = 'Abc8Q~s3cr3t-Value-Not.A.Guid_0123456789';
const POSIX = process.platform !== 'win32';

let root: string;
let path: string;
let store: EncryptedFileSecretStore; // one instance: the scrypt key is derived once per salt
let second: EncryptedFileSecretStore; // another instance on the same file

async function expectLocked(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMailerError(error, 'SECRET_STORE_LOCKED'), `expected SECRET_STORE_LOCKED, got ${inspect(error)}`).toBe(true);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'o365-secrets-'));
  path = join(root, 'nested', 'dir', 'secrets.enc');
  store = new EncryptedFileSecretStore({ path, passphrase: PASSPHRASE });
  second = new EncryptedFileSecretStore({ path, passphrase: PASSPHRASE });
  await store.set('client', SECRET);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('EncryptedFileSecretStore', () => {
  it('round-trips, overwrites and deletes names', async () => {
    expect(await store.get('client')).toBe(SECRET);
    expect(await store.get('unknown')).toBeUndefined();
    await store.set('other', 'first');
    await store.set('other', 'second');
    expect(await store.get('other')).toBe('second');
    await store.delete('other');
    await store.delete('never-there');
    expect(await store.get('other')).toBeUndefined();
    expect(await store.get('client')).toBe(SECRET);
    expect(store.path).toBe(resolve(path));
  });

  it('get() of a missing file is undefined, and a new instance reads what another wrote', async () => {
    const missing = new EncryptedFileSecretStore({ path: join(root, 'absent.enc'), passphrase: PASSPHRASE });
    expect(await missing.get('client')).toBeUndefined();
    expect(await second.get('client')).toBe(SECRET);
  });

  it('never holds the secret, its name or the passphrase in clear text', async () => {
    const data = await readFile(path);
    for (const needle of [SECRET, 'client', PASSPHRASE]) {
      expect(data.includes(Buffer.from(needle))).toBe(false);
      expect(data.includes(Buffer.from(Buffer.from(needle).toString('base64')))).toBe(false);
    }
    expect(data.subarray(0, 7)).toEqual(Buffer.from([...Buffer.from('O365MS'), 1]));
  });

  it('uses a fresh IV on every write', async () => {
    const before = await readFile(path);
    await store.set('client', SECRET);
    const after = await readFile(path);
    expect(after.subarray(10, 26)).toEqual(before.subarray(10, 26)); // same per-file salt
    expect(after.subarray(26, 38)).not.toEqual(before.subarray(26, 38)); // new IV
    expect(after.subarray(38)).not.toEqual(before.subarray(38));
  });

  it.runIf(POSIX)('writes the file with mode 0600 and creates its folder with mode 0700', async () => {
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, 'nested'))).mode & 0o777).toBe(0o700);
    // No temporary or lock file is left behind.
    expect(await readdir(dirname(path))).toEqual(['secrets.enc']);
  });

  it('any flipped byte makes get() fail with SECRET_STORE_LOCKED', async () => {
    const original = await readFile(path);
    try {
      // Every byte except salt bytes 11–25 (each of those costs a fresh scrypt derivation; salt byte 10 stands for them).
      const positions = [...original.keys()].filter((i) => i < 11 || i > 25);
      for (const i of positions) {
        const tampered = Buffer.from(original);
        tampered[i] = tampered[i]! ^ 0xff;
        await writeFile(path, tampered);
        await expectLocked(store.get('client'));
      }
      // A flipped bit in log2(N) (17 → 16) is a valid parameter set, so it is caught by the authentication tag.
      const nTampered = Buffer.from(original);
      nTampered[7] = nTampered[7]! ^ 0x01;
      await writeFile(path, nTampered);
      await expectLocked(store.get('client'));
      // Truncated and empty files too.
      await writeFile(path, original.subarray(0, original.length - 1));
      await expectLocked(store.get('client'));
      await writeFile(path, Buffer.alloc(0));
      await expectLocked(store.get('client'));
      // And set() refuses to overwrite a file it cannot read.
      await writeFile(path, Buffer.from(original).fill(0, 40, 41));
      await expectLocked(store.set('x', 'y'));
    } finally {
      await writeFile(path, original);
    }
    expect(await store.get('client')).toBe(SECRET);
  });

  it('a wrong passphrase fails with SECRET_STORE_LOCKED, a fix, and no passphrase in the error', async () => {
    const wrong = new EncryptedFileSecretStore({ path, passphrase: 'not the passphrase' });
    const error = await wrong.get('client').catch((e: unknown) => e);
    expect(isMailerError(error, 'SECRET_STORE_LOCKED')).toBe(true);
    const e = error as Error & { fix?: string };
    expect(e.fix).toMatch(/passphrase/);
    const printed = `${e.message} ${e.stack} ${inspect(e, { depth: 5 })} ${JSON.stringify(e)}`;
    expect(printed).not.toContain('not the passphrase');
    expect(printed).not.toContain(PASSPHRASE);
    expect(printed).not.toContain(SECRET);
    await expectLocked(wrong.set('client', 'overwrite'));
    expect(await store.get('client')).toBe(SECRET);
  });

  it('rejects an empty passphrase with CONFIG_INVALID', () => {
    expect(() => new EncryptedFileSecretStore({ path, passphrase: '' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('two instances writing at once keep each other\'s names', async () => {
    const a = store;
    const b = second;
    await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => a.set(`a-${i}`, `value-a-${i}`)),
      ...Array.from({ length: 8 }, (_, i) => b.set(`b-${i}`, `value-b-${i}`)),
    ]);
    for (let i = 0; i < 8; i++) {
      expect(await a.get(`b-${i}`)).toBe(`value-b-${i}`);
      expect(await b.get(`a-${i}`)).toBe(`value-a-${i}`);
    }
    expect(await a.get('client')).toBe(SECRET);
    expect(await readdir(dirname(path))).toEqual(['secrets.enc']);
  });

  it('two processes writing at once keep each other\'s names', async () => {
    const barrierDir = await mkdtemp(join(root, 'barrier-'));
    const child = await bundleChild(join(__dirname, 'fixtures', 'secret-writer.ts'));
    const env = { TEST_PASSPHRASE: PASSPHRASE };
    const results = await Promise.all([
      runNode(child, [path, 'p1', '10', barrierDir], env),
      runNode(child, [path, 'p2', '10', barrierDir], env),
    ]).finally(() => rm(dirname(child), { recursive: true, force: true }));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'done\n' });
    expect(await store.get('client')).toBe(SECRET);
    for (const prefix of ['p1', 'p2']) {
      for (let i = 0; i < 10; i++) expect(await store.get(`${prefix}-${i}`)).toBe(`value-${prefix}-${i}`);
    }
  }, 30_000);

  it('is safe to print', async () => {
    for (const printed of [inspect(store, { showHidden: true, depth: 10 }), JSON.stringify(store), String(store)]) {
      expect(printed).not.toContain(PASSPHRASE);
      expect(printed).not.toContain(SECRET);
    }
    expect(JSON.parse(JSON.stringify(store))).toEqual({ kind: 'EncryptedFileSecretStore', path: resolve(path) });
    expect(inspect(store)).toContain('EncryptedFileSecretStore');
  });
});
