import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The tarball a user installs: built with `npm pack`, installed into a separate project, used only through its
// public exports, against the emulator over real HTTPS.
const root = resolve(__dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'o365-pack-'));
const project = join(work, 'consumer');
let tgz = '';

beforeAll(() => {
  execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], timeout: 240_000 });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack produced no tarball');
  tgz = join(work, tarball);
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', join(work, tarball), '--prefer-offline', '--no-audit', '--no-fund', '--silent'], { cwd: project, stdio: ['ignore', 'pipe', 'inherit'], timeout: 240_000 });
  // What a production install carries, and what the emulator says before its optional peer mailparser is added.
  withoutMailparser = {
    installed: ['mailparser', 'selfsigned', 'html-to-text', 'iconv-lite'].filter((name) => existsSync(join(project, 'node_modules', name))),
    emulator: node('no-mailparser.mjs', EMULATOR_START),
    cli: spawnSync(join(project, 'node_modules/.bin/o365-mailer'), ['emulator'], { cwd: project, encoding: 'utf8', timeout: 60_000 }),
  };
  // The testing setup the README gives: `npm install --save-dev mailparser`.
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.mailparser;
  execFileSync('npm', ['install', '--save-dev', `mailparser@${version}`, '--prefer-offline', '--no-audit', '--no-fund', '--silent'], { cwd: project, stdio: ['ignore', 'pipe', 'inherit'], timeout: 240_000 });
}, 480_000);

const EMULATOR_START = `
  import { startEmulator } from 'o365-oauth-mailer/emulator';
  try { const e = await startEmulator(); console.log(JSON.stringify({ started: true })); await e.close(); }
  catch (e) { console.log(JSON.stringify({ code: e.code, name: e.name, message: e.message, fix: e.fix })); }
`;
let withoutMailparser: { installed: string[]; emulator: ReturnType<typeof node>; cli: { status: number | null; stdout: string; stderr: string } };

afterAll(() => rmSync(work, { recursive: true, force: true }));

function node(file: string, source: string) {
  writeFileSync(join(project, file), source);
  const run = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('the packed tarball in a separate project', () => {
  it('a production install carries no emulator-only package; the emulator then names the one to add', () => {
    expect(withoutMailparser.installed).toEqual([]);
    expect(withoutMailparser.emulator.stderr).toBe('');
    expect(JSON.parse(withoutMailparser.emulator.stdout)).toEqual({
      code: 'CONFIG_INVALID',
      name: 'MailerError',
      message: expect.stringContaining('needs the optional package mailparser'),
      fix: expect.stringContaining('npm install --save-dev mailparser'),
    });
    expect(withoutMailparser.cli.status).toBe(1);
    expect(withoutMailparser.cli.stderr).toContain('npm install --save-dev mailparser');
    // With it installed (beforeAll), the emulator starts from the package as well.
    expect(JSON.parse(node('with-mailparser.mjs', EMULATOR_START).stdout)).toEqual({ started: true });
  });

  it('sends a message with every field through the emulator, and gives the documented codes for bad input', () => {
    const run = node(
      'consumer.mjs',
      `
      import { O365OAuthMailer, MailerError } from 'o365-oauth-mailer';
      import { startEmulator } from 'o365-oauth-mailer/emulator';
      const emulator = await startEmulator();
      const mailer = new O365OAuthMailer(emulator.mailerConfig());
      const result = await mailer.send({
        to: ['Ann Lee <ann@contoso.com>', 'bob@contoso.com'], cc: 'carol@contoso.com', bcc: { address: 'audit@contoso.com' },
        replyTo: 'noreply@contoso.com', subject: 'Packed', text: 'plain', html: '<b>html</b>', importance: 'low',
        headers: { 'X-One': '1' }, attachments: [{ filename: 'a.csv', content: 'x,y' }, { filename: 'i.png', content: Buffer.from([1]), cid: 'i' }],
      });
      const codes = [];
      for (const bad of [{ subject: 'no recipients' }, { to: 'nope' }, { to: 'a@b.co', headers: { Subject: 'x' } }, { to: 'a@b.co', attachment: [] }]) {
        try { await mailer.send(bad); } catch (e) { codes.push(e instanceof MailerError ? e.code : String(e)); }
      }
      let config;
      try { new O365OAuthMailer({ authType: 'basic' }); } catch (e) { config = [e.code, e.message.includes('Basic authentication')]; }
      const m = emulator.messages[0];
      console.log(JSON.stringify({ result, codes, config, m: { subject: m.subject, body: m.body, text: m.text, format: m.format, importance: m.importance, headers: m.headers.filter((h) => h.name === 'X-One'), attachments: m.attachments.map((a) => a.name).sort(), to: m.to.length, cc: m.cc.length, bcc: m.bcc.length, replyTo: m.replyTo.length } }));
      await mailer.close(); await emulator.close();
      `,
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.result).toMatchObject({ accepted: ['ann@contoso.com', 'bob@contoso.com', 'carol@contoso.com', 'audit@contoso.com'], attempts: 1 });
    expect(out.codes).toEqual(['MESSAGE_INVALID', 'MESSAGE_INVALID', 'MESSAGE_INVALID', 'MESSAGE_INVALID']);
    expect(out.result).toMatchObject({ format: 'mime', messageId: expect.stringMatching(/^<.+@contoso\.onmicrosoft\.com>$/) });
    expect(out.config).toEqual(['CONFIG_INVALID', true]);
    expect(out.m).toEqual({
      subject: 'Packed',
      body: { contentType: 'html', content: '<b>html</b>' },
      text: 'plain',
      format: 'mime',
      importance: 'low',
      headers: [{ name: 'X-One', value: '1' }],
      attachments: ['a.csv', 'i.png'],
      to: 2,
      cc: 1,
      bcc: 1,
      replyTo: 1,
    });
  });

  it('require() works too, and the main entry loads neither the emulator, nodemailer, mailparser, isomorphic-fetch, msal-node, the Graph client nor undici', () => {
    const run = node(
      'consumer.cjs',
      `
      const lib = require('o365-oauth-mailer');
      const loaded = Object.keys(require.cache).filter((k) => /selfsigned|isomorphic-fetch|node-fetch|peculiar|nodemailer|mailparser|msal|microsoft-graph-client|opentelemetry|node_modules[\\/]undici/.test(k));
      console.log(JSON.stringify({ mailer: typeof lib.O365OAuthMailer, error: typeof lib.MailerError, loaded }));
      `,
    );
    expect(run.status).toBe(0);
    expect(run.stderr).not.toMatch(/punycode|DeprecationWarning/);
    expect(JSON.parse(run.stdout)).toEqual({ mailer: 'function', error: 'function', loaded: [] });
  });

  it('import of the main entry (ESM) loads none of msal-node, the Graph client and undici: they load on first use', () => {
    // A resolve hook that refuses the heavy dependencies: importing the entry must not even ask for them.
    writeFileSync(
      join(project, 'refuse-heavy.mjs'),
      `export async function resolve(specifier, context, next) {
        if (/^(@azure\\/msal-node|@microsoft\\/microsoft-graph-client|undici|isomorphic-fetch|@opentelemetry\\/api)$/.test(specifier)) throw new Error('imported at load time: ' + specifier);
        return next(specifier, context);
      }`,
    );
    const run = node(
      'consumer-esm.mjs',
      `
      import { register } from 'node:module';
      register('./refuse-heavy.mjs', import.meta.url);
      const lib = await import('o365-oauth-mailer');
      let refused = '';
      try { await import('undici'); } catch (e) { refused = e.message; }
      console.log(JSON.stringify({ mailer: typeof lib.O365OAuthMailer, refused }));
      `,
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ mailer: 'function', refused: 'imported at load time: undici' });
  });

  it('import of the main entry (ESM) loads neither node:crypto nor node:stream, nor a module facade that pulls them in', () => {
    const run = node(
      'consumer-builtins.mjs',
      `
      const before = new Set(process.moduleLoadList);
      const lib = await import('o365-oauth-mailer');
      const loaded = process.moduleLoadList.filter((m) => !before.has(m) && /^NativeModule (crypto|stream|internal\\/crypto\\/|internal\\/streams\\/readable|internal\\/util\\/parse_args)/.test(m));
      console.log(JSON.stringify({ mailer: typeof lib.O365OAuthMailer, loaded }));
      `,
    );
    expect(run.stderr).toBe('');
    // A failure here names the module loaded at import: modules the main entry reaches take node:crypto,
    // node:stream, node:fs and node:util from src/runtime/node-builtins.ts, on first use.
    expect(JSON.parse(run.stdout)).toEqual({ mailer: 'function', loaded: [] });
  });

  it('nodemailer.createTransport(createGraphTransport(...)) through require() (CommonJS) and import (ESM)', () => {
    const script = (load: string) => `
      ${load}
      const emulator = await startEmulator();
      const mailer = new O365OAuthMailer(emulator.mailerConfig());
      const transporter = nodemailer.createTransport(createGraphTransport(mailer));
      const info = await transporter.sendMail({ from: emulator.sender, to: 'ann@contoso.com', subject: 'cjs', text: 'plain', html: '<p>rich</p>' });
      const m = emulator.messages[0];
      console.log(JSON.stringify({ info: { accepted: info.accepted, rejected: info.rejected, messageId: info.messageId }, m: { messageId: m.messageId, text: m.text, html: m.html, format: m.format } }));
      await mailer.close(); await emulator.close();
    `;
    const cjs = node(
      'transport.cjs',
      `(async () => { ${script(`
        const nodemailer = require('nodemailer');
        const { createGraphTransport } = require('o365-oauth-mailer/nodemailer');
        const { O365OAuthMailer } = require('o365-oauth-mailer');
        const { startEmulator } = require('o365-oauth-mailer/emulator');`)} })().catch((e) => { console.error(e); process.exit(1); });`,
    );
    const esm = node(
      'transport.mjs',
      script(`
        import nodemailer from 'nodemailer';
        import { createGraphTransport } from 'o365-oauth-mailer/nodemailer';
        import { O365OAuthMailer } from 'o365-oauth-mailer';
        import { startEmulator } from 'o365-oauth-mailer/emulator';`),
    );
    for (const run of [cjs, esm]) {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(out.info).toMatchObject({ accepted: ['ann@contoso.com'], rejected: [] });
      expect(out.m).toEqual({ messageId: out.info.messageId, text: 'plain', html: '<p>rich</p>', format: 'mime' });
    }
  });

  it('carries LICENSE, CHANGELOG, docs/ and examples/: every README link works from the installed package', () => {
    const installed = join(project, 'node_modules/o365-oauth-mailer');
    for (const file of ['LICENSE', 'README.md', 'CHANGELOG.md', 'docs/troubleshooting.md', 'bin/o365-mailer.js']) expect(existsSync(join(installed, file)), file).toBe(true);
    const readme = readFileSync(join(installed, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#\s:]+)(?:#[^)]*)?\)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(3);
    expect(links.filter((l) => !existsSync(join(installed, l)))).toEqual([]);
    // Every document and example the README and docs/ name, linked or in plain text, is in the package too.
    const documents = ['README.md', ...readdirSync(join(installed, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const missing: string[] = [];
    for (const doc of documents) {
      const text = readFileSync(join(installed, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (target && !/^[a-z]+:/i.test(target) && !existsSync(join(installed, dirname(doc), target))) missing.push(`${doc} → ${target}`);
      }
      for (const [named] of text.matchAll(/\b(?:docs|examples)\/[\w.-]+\.(?:md|ts)\b/g)) if (!existsSync(join(installed, named))) missing.push(`${doc} names ${named}`);
    }
    expect(missing).toEqual([]);
    // No TypeScript sources, and no source maps pointing at them (README, Development).
    expect(existsSync(join(installed, 'src'))).toBe(false);
    const dist = readdirSync(join(installed, 'dist'));
    expect(dist.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(dist.filter((f) => /\.c?js$/.test(f) && readFileSync(join(installed, 'dist', f), 'utf8').includes('sourceMappingURL'))).toEqual([]);
  });

  it('passes publint and "are the types wrong" (node16 and bundler resolution, ESM and CJS)', () => {
    const bin = (name: string) => join(root, 'node_modules/.bin', name);
    const lint = spawnSync(bin('publint'), [tgz], { encoding: 'utf8', timeout: 120_000 });
    expect(lint.stdout).toMatch(/All good!/);
    expect(lint.status).toBe(0);
    const attw = spawnSync(bin('attw'), [tgz, '--format', 'json'], { encoding: 'utf8', timeout: 120_000 });
    const problems = (JSON.parse(attw.stdout) as { analysis: { problems: Array<{ kind: string; resolutionKind?: string; entrypoint?: string }> } }).analysis.problems;
    // node10 resolution (TypeScript's moduleResolution "node") has no subpath exports: only ./emulator and ./testing
    // are out of its reach, by design. Everything else, ESM and CJS under node16 and bundlers, must be clean.
    expect(problems.filter((p) => p.resolutionKind !== 'node10')).toEqual([]);
  });

  it('the outbox entry loads without its optional stores, and names the package to install (ESM and CommonJS)', () => {
    const source = (load: string) => `
      ${load}
            const errors = [];
      for (const store of [{ sqlite: 'outbox.db' }, { redis: 'redis://127.0.0.1:1' }]) {
        try { await mod.createOutbox({ mailers: [], store }); errors.push('created'); } catch (e) { errors.push([e.code, e.message]); }
      }
      console.log(JSON.stringify({ type: typeof mod.createOutbox, errors }));
    `;
    const esm = node('outbox.mjs', source("const mod = await import('o365-oauth-mailer/outbox');"));
    const cjs = node('outbox.cjs', `(async () => { ${source("const mod = require('o365-oauth-mailer/outbox');")} })();`);
    for (const run of [esm, cjs]) {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const out = JSON.parse(run.stdout) as { type: string; errors: Array<[string, string]> };
      expect(out.type).toBe('function');
      expect(out.errors[0]?.[0]).toBe('CONFIG_INVALID');
      expect(out.errors[0]?.[1]).toContain('npm install better-sqlite3');
      expect(out.errors[1]?.[0]).toBe('CONFIG_INVALID');
      expect(out.errors[1]?.[1]).toContain('npm install bullmq');
    }
  });

  it('ships the o365-mailer bin', () => {
    const run = spawnSync(join(project, 'node_modules/.bin/o365-mailer'), ['--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/verify/);
  });
});
