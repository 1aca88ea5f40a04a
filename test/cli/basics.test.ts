import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatChecklist, progressLine, shellQuote } from '../../src/cli/format';
import { createContext } from '../../src/cli/io';
import { promptHidden } from '../../src/cli/prompt';
import { readVersion } from '../../src/cli/version';
import { ANSI, captureIO, cli, fakeTerminal } from './cli-harness';

const VERSION = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;

describe('help and version', () => {
  it('--help and help print the commands on stdout, exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await cli(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: o365-mailer <command>/);
      for (const c of ['verify', 'send', 'secret', 'emulator']) expect(r.stdout).toContain(`  ${c}`);
    }
  });

  it.each(['verify', 'send', 'secret', 'emulator'])('%s --help and help %s', async (command) => {
    const a = await cli([command, '--help']);
    const b = await cli(['help', command]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toMatch(new RegExp(`^Usage: o365-mailer ${command}`));
    expect(b.stdout).toBe(a.stdout);
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: o365-mailer');
  });

  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${VERSION}\n`);
    }
    expect(readVersion(['/nonexistent/dir/cli.js'])).toBe('unknown');
  });
});

describe('the hidden prompt', () => {
  it('echoes nothing, handles Backspace, Ctrl+U and arrow keys, and restores the terminal', async () => {
    // The first chunk is typed when raw mode goes on; the others arrive as separate chunks afterwards.
    const terminal = fakeTerminal(['wrong\u0015se']);
    const { io, out } = captureIO({ stdin: terminal, tty: { stdin: true } });
    const pending = promptHidden(createContext(io), 'Secret: ');
    await new Promise((r) => setTimeout(r, 20));
    terminal.write('cx\u007fret\u001b[D\u001b[C!');
    terminal.write('\r');
    expect(await pending).toBe('secret!');
    expect(out.stderr).toBe('Secret: \n');
    expect(terminal.rawModes).toEqual([true, false]);
  });

  it('reads a line without raw mode when the terminal has none', async () => {
    const stdin = new PassThrough();
    const { io, out } = captureIO({ stdin, tty: { stdin: true } });
    const pending = promptHidden(createContext(io), 'Secret: ');
    stdin.end('typed\n');
    expect(await pending).toBe('typed');
    expect(out.stderr).toBe('Secret: \n');
  });
});

describe('format', () => {
  it('checklist symbols, steps, indented fixes and colours', () => {
    const report = {
      ok: false,
      checks: [
        { id: 'tenant', status: 'pass' as const, step: 1 as const, message: 'found' },
        { id: 'credentials', status: 'fail' as const, step: 5 as const, code: 'SECRET_INVALID' as const, message: 'rejected', fix: 'Enter the Value.' },
        { id: 'secret-expiry', status: 'warn' as const, step: 5 as const, code: 'SECRET_EXPIRED' as const, message: 'soon', fix: 'Renew it.' },
        { id: 'test-email', status: 'skip' as const, step: 6 as const, message: 'not sent' },
      ],
    };
    expect(formatChecklist(report, false)).toBe(
      [
        '✔ Tenant (step 1): found',
        '✖ Credentials (step 5) SECRET_INVALID: rejected',
        '    Fix: Enter the Value.',
        '! Secret expiry (step 5) SECRET_EXPIRED: soon',
        '    Fix: Renew it.',
        '– Test email (step 6): not sent',
        '',
        '1 check failed, 1 warning.',
        '',
      ].join('\n'),
    );
    const coloured = formatChecklist(report, true);
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain('\u001b[31m✖\u001b[39m');
    expect(coloured).toContain('\u001b[33m!\u001b[39m');
  });

  it('progress bar and shell quoting', () => {
    expect(progressLine({ sentBytes: 0, totalBytes: 4 * 1048576 }, 80)).toMatch(/^\r\u001b\[2KUploading \[░+\]   0% 0\.0 MiB \/ 4\.0 MiB$/);
    expect(progressLine({ sentBytes: 2 * 1048576, totalBytes: 4 * 1048576 }, 80)).toMatch(/ 50% 2\.0 MiB \/ 4\.0 MiB$/);
    expect(shellQuote('abc-123')).toBe('abc-123');
    expect(shellQuote("a b'c~")).toBe(`'a b'\\''c~'`);
  });
});
