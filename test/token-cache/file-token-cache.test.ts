import { mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isMailerError } from '../../src/errors/mailer-error';
import { FileTokenCache } from '../../src/token-cache/index';
import { bundleChild, runNode } from '../secrets/child-process';
import { PARTITION_KEY, SCOPE, createApp, createFakeEntra, fakeJwt } from './fake-entra';

const PASSPHRASE = 'token cache passphrase 7';
const TOKEN = fakeJwt(1);
const POSIX = process.platform !== 'win32';

let root: string;
let plainPath: string;
let encryptedPath: string;
let plain: FileTokenCache;
let encrypted: FileTokenCache; // one instance: scrypt runs once
let child: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'o365-token-cache-'));
  plainPath = join(root, 'plain', 'tokens.json');
  encryptedPath = join(root, 'enc', 'tokens.enc');
  plain = new FileTokenCache({ path: plainPath });
  encrypted = new FileTokenCache({ path: encryptedPath, passphrase: PASSPHRASE });
  [child] = await Promise.all([bundleChild(join(__dirname, 'fixtures', 'token-child.ts')), encrypted.set('seed', 'x', 3600)]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  if (child) await rm(dirname(child), { recursive: true, force: true });
});

describe('FileTokenCache', () => {
  it.each(['plain', 'encrypted'] as const)('%s: gets, sets, deletes, and keeps other keys', async (which) => {
    const cache = which === 'plain' ? plain : encrypted;
    expect(await cache.get('k1')).toBeUndefined();
    await cache.set('k1', TOKEN, 3600);
    await cache.set('k2', 'other', 3600);
    expect(await cache.get('k1')).toBe(TOKEN);
    await cache.delete('k1');
    expect(await cache.get('k1')).toBeUndefined();
    expect(await cache.get('k2')).toBe('other');
  });

  it('expired entries read as undefined and are dropped on the next write', async () => {
    vi.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    try {
      await plain.set('short', 'v', 60);
      vi.setSystemTime(Date.now() + 61_000);
      expect(await plain.get('short')).toBeUndefined();
      await plain.set('other', 'v', 60);
      expect(JSON.parse(await readFile(plainPath, 'utf8')).entries.short).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('an encrypted file never holds the token in clear text', async () => {
    await encrypted.set('k', TOKEN, 3600);
    const data = await readFile(encryptedPath);
    expect(data.subarray(0, 6).toString()).toBe('O365MS');
    for (const part of TOKEN.split('.')) expect(data.includes(Buffer.from(part))).toBe(false);
  });

  it.runIf(POSIX)('writes mode 0600 files in a 0700 folder, atomically, with no leftovers', async () => {
    await plain.set('k', 'v', 60);
    for (const file of [plainPath, encryptedPath]) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(dirname(file))).mode & 0o777).toBe(0o700);
    }
    expect(await readdir(dirname(plainPath))).toEqual(['tokens.json']);
  });

  it('a tampered encrypted file fails with SECRET_STORE_LOCKED', async () => {
    const original = await readFile(encryptedPath);
    try {
      const tampered = Buffer.from(original);
      tampered[original.length - 20] = tampered[original.length - 20]! ^ 0x01;
      await writeFile(encryptedPath, tampered);
      expect(isMailerError(await encrypted.get('k').catch((e: unknown) => e), 'SECRET_STORE_LOCKED')).toBe(true);
      expect(isMailerError(await encrypted.set('k', 'v', 60).catch((e: unknown) => e), 'SECRET_STORE_LOCKED')).toBe(true);
    } finally {
      await writeFile(encryptedPath, original);
    }
  });

  it('refuses to read or overwrite a file that is not a token cache', async () => {
    const foreign = join(root, 'foreign.json');
    await writeFile(foreign, '{"important":"data"}');
    const cache = new FileTokenCache({ path: foreign });
    expect(isMailerError(await cache.get('k').catch((e: unknown) => e), 'CONFIG_INVALID')).toBe(true);
    expect(isMailerError(await cache.set('k', 'v').catch((e: unknown) => e), 'CONFIG_INVALID')).toBe(true);
    expect(await readFile(foreign, 'utf8')).toBe('{"important":"data"}');
    const noPassphrase = new FileTokenCache({ path: encryptedPath });
    expect(isMailerError(await noPassphrase.get('k').catch((e: unknown) => e), 'CONFIG_INVALID')).toBe(true);
  });

  it('two instances writing different keys at once keep all of them', async () => {
    const path = join(root, 'shared', 'tokens.json');
    const a = new FileTokenCache({ path });
    const b = new FileTokenCache({ path });
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).set(`key-${i}`, `value-${i}`, 3600)));
    for (let i = 0; i < 20; i++) expect(await a.get(`key-${i}`)).toBe(`value-${i}`);
  });

  it('lock() excludes other holders of the same key, and times out into running anyway', async () => {
    const path = join(root, 'locks', 'tokens.json');
    const a = new FileTokenCache({ path });
    const b = new FileTokenCache({ path, lock: { timeoutMs: 100, staleMs: 60_000 } });
    const order: string[] = [];
    await Promise.all([
      a.lock('k', async () => {
        order.push('a:start');
        await new Promise((r) => setTimeout(r, 30));
        order.push('a:end');
      }),
      new Promise((r) => setTimeout(r, 5)).then(() => a.lock('k', async () => void order.push('a2'))),
    ]);
    expect(order).toEqual(['a:start', 'a:end', 'a2']);
    // b gives up waiting after 100 ms and runs: a hung holder costs at most a token request, never a send.
    let release!: () => void;
    const held = a.lock('k', () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    expect(await b.lock('k', async () => 'ran')).toBe('ran');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    release();
    await held;
    expect((await readdir(dirname(path))).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('takes over a lock file left by a crashed process', async () => {
    const path = join(root, 'stale', 'tokens.json');
    const cache = new FileTokenCache({ path, lock: { timeoutMs: 2000, staleMs: 60_000 } });
    await cache.set('k', 'v', 60);
    // A lock file whose pid is not running on this host is taken over at once.
    await writeFile(`${path}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), token: 'dead' }));
    await cache.set('k', 'v2', 60);
    expect(await cache.get('k')).toBe('v2');
    // One from another host is taken over once it is older than staleMs.
    const quick = new FileTokenCache({ path, lock: { timeoutMs: 2000, staleMs: 300 } });
    await writeFile(`${path}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere', token: 'old' }));
    const old = new Date(Date.now() - 10_000);
    await utimes(`${path}.lock`, old, old);
    await quick.set('k', 'v3', 60);
    expect(await cache.get('k')).toBe('v3');
    expect((await readdir(dirname(path))).filter((f) => f.includes('.lock'))).toEqual([]);
  });

  it('two processes share one token: with lock(), exactly one token request between them', async () => {
    const dir = await mkdtemp(join(root, 'procs-'));
    const countFile = join(dir, 'token-requests.log');
    await writeFile(countFile, '');
    const barrierDir = await mkdtemp(join(dir, 'barrier-'));
    const env = { TEST_PASSPHRASE: PASSPHRASE };
    const runs = await Promise.all(
      ['p1', 'p2'].map((id) => runNode(child, [encryptedPath, countFile, barrierDir, id, 'lock', '2'], env)),
    );
    const results = runs.map((r) => {
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { tokenHash: string; fromCache: boolean; errors: string[] };
    });
    expect((await readFile(countFile, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(results[0]!.tokenHash).toBe(results[1]!.tokenHash);
    expect(results.map((r) => r.fromCache).sort()).toEqual([false, true]);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(await encrypted.get(PARTITION_KEY)).toContain('"AccessToken"');
  }, 30_000);

  it('without lock(), a process started after another finds its token (no second request)', async () => {
    const dir = await mkdtemp(join(root, 'seq-'));
    const path = join(dir, 'tokens.json');
    const countFile = join(dir, 'token-requests.log');
    await writeFile(countFile, '');
    const first = await runNode(child, [path, countFile, await mkdtemp(join(dir, 'b1-')), 'p1', 'nolock', '1']);
    const second = await runNode(child, [path, countFile, await mkdtemp(join(dir, 'b2-')), 'p2', 'nolock', '1']);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ fromCache: true, tokenHash: JSON.parse(first.stdout).tokenHash });
    expect((await readFile(countFile, 'utf8')).trim().split('\n')).toEqual(['p1']);
  }, 30_000);

  it('serves two in-process apps with one token request', async () => {
    const entra = createFakeEntra();
    const cache = new FileTokenCache({ path: join(root, 'apps', 'tokens.json') });
    await createApp(cache, entra).app.acquireTokenByClientCredential({ scopes: [SCOPE] });
    const second = await createApp(cache, entra).app.acquireTokenByClientCredential({ scopes: [SCOPE] });
    expect(second?.fromCache).toBe(true);
    expect(entra.tokenRequests).toBe(1);
  });

  it('is safe to print', async () => {
    await encrypted.set('k', TOKEN, 3600);
    for (const cache of [plain, encrypted]) {
      for (const printed of [inspect(cache, { showHidden: true, depth: 10 }), JSON.stringify(cache)]) {
        expect(printed).not.toContain(PASSPHRASE);
        expect(printed).not.toContain(TOKEN);
      }
    }
    expect(JSON.parse(JSON.stringify(encrypted))).toEqual({ kind: 'FileTokenCache', path: resolve(encryptedPath) });
  });
});
