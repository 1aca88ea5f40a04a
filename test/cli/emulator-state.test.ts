import { readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/run';
import { EMPTY_HOME, captureIO, cli, tempDir } from './cli-harness';

interface Details {
  url: string;
  httpMailboxPage?: string;
  messagesApi: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  sender: string;
  caFile: string;
  permissions: string[];
  mailboxes: string[];
}

/** Starts `o365-mailer emulator --json …` in-process; resolves its details once it prints them. */
async function emulator(args: string[]) {
  const stop = new AbortController();
  const { io, out } = captureIO({ env: { HOME: EMPTY_HOME }, signal: stop.signal });
  let printed!: () => void;
  const ready = new Promise<void>((resolve) => (printed = resolve));
  const write = io.stdout.write;
  io.stdout = { write: (s: string) => (write(s), s.includes('\n') && printed(), true) };
  const running = run(['emulator', '--json', ...args], io);
  await Promise.race([ready, running]);
  const details = JSON.parse(out.stdout) as Details;
  return {
    details,
    env: { HOME: EMPTY_HOME, AZURE_TENANT_ID: details.tenantId, AZURE_CLIENT_ID: details.clientId, AZURE_CLIENT_SECRET: details.clientSecret, O365_SENDER: details.sender },
    flags: ['--authority-host', details.url, '--graph-endpoint', details.url, '--ca-file', details.caFile],
    async stop() {
      stop.abort();
      return running;
    },
  };
}

describe('o365-mailer emulator --state', () => {
  it('keeps port, tenant, client, secret, mailboxes and certificate across restarts: the same exports and flags keep working', async () => {
    const state = join(await tempDir(), 'emulator.json');
    const first = await emulator(['--state', state, '--mailbox', 'second@contoso.onmicrosoft.com']);
    expect(statSync(state).mode & 0o777).toBe(0o600);
    expect(first.details.mailboxes).toEqual([first.details.sender, 'second@contoso.onmicrosoft.com']);
    const ca = readFileSync(first.details.caFile, 'utf8');
    expect((await cli(['send', ...first.flags, '--to', 'qa@contoso.com', '--subject', 'One', '--text', 'x'], { env: first.env })).code).toBe(0);
    expect(await first.stop()).toBe(0);

    const second = await emulator(['--state', state]);
    expect(second.details).toMatchObject({ url: first.details.url, tenantId: first.details.tenantId, clientId: first.details.clientId, clientSecret: first.details.clientSecret, caFile: first.details.caFile });
    expect(readFileSync(second.details.caFile, 'utf8')).toBe(ca);
    // The exports and flags of the first run, unchanged.
    const send = await cli(['send', ...first.flags, '--to', 'qa@contoso.com', '--subject', 'Two', '--text', 'x', '--json'], { env: first.env });
    expect(send.stderr).toBe('');
    expect(send.code).toBe(0);
    const fromSecond = await cli(['verify', ...first.flags, '--json'], { env: { ...first.env, O365_SENDER: 'second@contoso.onmicrosoft.com' }, });
    expect(fromSecond.code).toBe(0);
    expect(await second.stop()).toBe(0);
  });

  it('a damaged state file is a usage error naming it', async () => {
    const state = join(await tempDir(), 'broken.json');
    await writeFile(state, '{"version":1}');
    const r = await cli(['emulator', '--state', state]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--state ${state} is not an emulator state file written by o365-mailer`);
  });
});

describe('o365-mailer emulator flags', () => {
  it('--grant Mail.ReadWrite opens the large-attachment route; --fault throttle=2 is retried', async () => {
    const e = await emulator(['--grant', 'Mail.ReadWrite', '--fault', 'throttle=2']);
    expect(e.details.permissions).toEqual(['Mail.Send', 'Mail.ReadWrite']);
    // The two 429s hit the first Graph requests: this send's, which is retried.
    const throttled = JSON.parse((await cli(['send', ...e.flags, '--to', 'qa@contoso.com', '--subject', 'S', '--text', 'x', '--json'], { env: e.env })).stdout) as { attempts: number };
    expect(throttled.attempts).toBe(3);
    const file = join(await tempDir(), 'big.bin');
    await writeFile(file, Buffer.alloc(5 * 1024 * 1024, 1));
    const r = await cli(['send', ...e.flags, '--to', 'qa@contoso.com', '--subject', 'Big', '--text', 'x', '--attach', file, '--json'], { env: e.env });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ route: 'draft', attempts: 1 });
    expect(await e.stop()).toBe(0);
  });

  it('--fault names the kinds it knows', async () => {
    const r = await cli(['emulator', '--fault', 'slow=2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the kind must be one of throttle, unavailable, gateway-timeout, drop-after-accept, hang, fail-chunk');
  });

  it('--http serves the mailbox page and the JSON API over plain HTTP on loopback, and nothing else', async () => {
    const e = await emulator(['--http']);
    const page = e.details.httpMailboxPage as string;
    expect(page).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(e.details.messagesApi).toBe(`${page}_emulator/messages`);
    expect((await cli(['send', ...e.flags, '--to', 'qa@contoso.com', '--subject', 'Via HTTP page', '--text', 'x'], { env: e.env })).code).toBe(0);
    const html = await fetch(page);
    expect(html.headers.get('content-type')).toContain('text/html');
    const list = (await (await fetch(e.details.messagesApi)).json()) as { total: number; messages: Array<{ id: string; subject: string }> };
    expect(list.total).toBe(1);
    expect(list.messages[0]?.subject).toBe('Via HTTP page');
    const one = (await (await fetch(`${e.details.messagesApi}/${list.messages[0]?.id}`)).json()) as { body: { content: string } };
    expect(one.body.content).toBe('x');
    expect((await fetch(`${page}v1.0/users/x/sendMail`, { method: 'POST' })).status).toBe(404);
    expect(await e.stop()).toBe(0);
  });

  it('a busy port is a clear error, exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await cli(['emulator', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`o365-mailer: Port ${port} on 127.0.0.1 is already in use (another emulator, or another program). Choose another with --port <n>, or leave --port out for a free one.\n`);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
