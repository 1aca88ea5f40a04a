import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/run';
import { EMPTY_HOME, captureIO, cli } from './cli-harness';

/** `export NAME=value` lines, unquoted as a POSIX shell would. */
function exportsOf(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^ {2}export (\w+)=(.*)$/gm)) {
    const raw = m[2] as string;
    env[m[1] as string] = raw.startsWith("'") ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw;
  }
  return env;
}

async function waitFor(predicate: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('o365-mailer emulator', () => {
  it('prints the URL, mailbox page and settings; verify and send work with them; stops on the signal', async () => {
    const stop = new AbortController();
    const { io, out } = captureIO({ env: { HOME: EMPTY_HOME }, signal: stop.signal });
    const running = run(['emulator'], io);
    await waitFor(() => out.stdout.includes('Press Ctrl+C to stop.'));

    const url = /running at (https:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout)?.[1] as string;
    expect(url).toBeDefined();
    expect(out.stdout).toContain(`Mailbox page: ${url}/`);
    const env = exportsOf(out.stdout);
    expect(Object.keys(env).sort()).toEqual(['AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_TENANT_ID', 'NODE_EXTRA_CA_CERTS', 'O365_SENDER']);
    const command = /^ {2}o365-mailer verify (.*)$/m.exec(out.stdout)?.[1] as string;
    expect(command).toContain(`--authority-host ${url} --graph-endpoint ${url} --ca-file `);
    const caFile = /--ca-file (\S+)/.exec(command)?.[1] as string;
    expect(existsSync(caFile)).toBe(true);
    expect(env.NODE_EXTRA_CA_CERTS).toBe(caFile);

    const flags = ['--authority-host', url, '--graph-endpoint', url, '--ca-file', caFile];
    const verify = await cli(['verify', ...flags, '--to', 'qa@contoso.com'], { env: { HOME: EMPTY_HOME, ...env } });
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^✔ Test email \(step 6\)/m);

    const send = await cli(['send', ...flags, '--to', 'qa@contoso.com', '--subject', 'From the CLI', '--text', 'Hello', '--json'], { env: { HOME: EMPTY_HOME, ...env } });
    expect(send.code).toBe(0);
    expect(JSON.parse(send.stdout)).toMatchObject({ accepted: ['qa@contoso.com'], route: 'sendMail' });

    // A secret the emulator does not know fails the credentials check.
    const wrong = await cli(['verify', ...flags], { env: { HOME: EMPTY_HOME, ...env, AZURE_CLIENT_SECRET: 'not~the.emulator-secret' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^✖ Credentials \(step 5\) SECRET_INVALID/m);

    stop.abort();
    expect(await running).toBe(0);
    expect(existsSync(caFile)).toBe(false);
    expect(out.stderr).toContain('Emulator stopped.');
  });

  it('--port must be a port number', async () => {
    const r = await cli(['emulator', '--port', '70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port must be a whole number from 0 to 65535');
  });
});
