import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { O365OAuthMailer } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { createOutbox } from '../../src/outbox/index';
import { redisForSuite } from '../helpers/redis';
import { cli, tempDir } from './cli-harness';

let emulator: Emulator;
let db: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send'] }] });
  db = join(await tempDir('o365-cli-outbox-'), 'outbox.db');
  // One sent item, one failed (Send As refused), one parked unknown (dropped connection, no read permission).
  const mailer = new O365OAuthMailer(emulator.mailerConfig({ retry: { maxRetries: 0 } }));
  const outbox = await createOutbox({ mailers: mailer, store: { sqlite: db }, pacing: { maxInFlight: 1 } });
  ids.sent = (await outbox.enqueue({ to: 'ann@contoso.com', subject: 'fine', text: 'x' })).id;
  await outbox.drain();
  ids.failed = (await outbox.enqueue({ from: 'ceo@contoso.com', to: 'ann@contoso.com', subject: 'send as', text: 'x' })).id;
  await outbox.drain();
  emulator.faults.dropAfterAccept(1);
  ids.unknown = (await outbox.enqueue({ to: 'bob@contoso.com', subject: 'dropped', text: 'x' })).id;
  await outbox.drain();
  await outbox.close();
  await mailer.close();
});
afterAll(async () => {
  await emulator.close();
});

describe('o365-mailer outbox', () => {
  it('status shows counts per state and sender, and the parked items with their codes', async () => {
    const { code, stdout } = await cli(['outbox', 'status', '--db', db]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^sender\s+queued\s+sending\s+sent\s+failed\s+unknown\s+parked$/);
    expect(lines[1]).toMatch(new RegExp(`^${emulator.sender}\\s+0\\s+0\\s+1\\s+1\\s+1\\s+1$`));
    expect(lines[2]).toMatch(/^total\s+0\s+0\s+1\s+1\s+1\s+1$/);
    expect(stdout).toContain('Parked (unknown');
    expect(stdout).toMatch(new RegExp(`${ids.unknown}\\s+unknown \\(parked\\)\\s+attempts 1\\s+${emulator.sender}\\s+<[^>]+>\\s+DELIVERY_UNKNOWN`));
  });

  it('status --json and list --state give the same facts as JSON', async () => {
    const status = JSON.parse((await cli(['outbox', 'status', '--db', db, '--json'])).stdout) as { states: Record<string, number>; parkedItems: Array<{ id: string; error: { code: string } }> };
    expect(status.states).toEqual({ queued: 0, sending: 0, sent: 1, failed: 1, unknown: 1 });
    expect(status.parkedItems.map((i) => [i.id, i.error.code])).toEqual([[ids.unknown, 'DELIVERY_UNKNOWN']]);
    const failed = await cli(['outbox', 'list', '--db', db, '--state', 'failed']);
    expect(failed.code).toBe(0);
    expect(failed.stdout).toMatch(new RegExp(`^${ids.failed}\\s+failed\\s+attempts 1 .* SEND_AS_DENIED\\n$`));
  });

  it('retry queues an unknown item again; drop removes an item; both say when they cannot', async () => {
    const retried = await cli(['outbox', 'retry', ids.unknown!, '--db', db]);
    expect(retried).toMatchObject({ code: 0, stdout: `Queued ${ids.unknown} again.\n` });
    const again = await cli(['outbox', 'retry', ids.sent!, '--db', db]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not queued again');
    expect(await cli(['outbox', 'drop', ids.failed!, '--db', db])).toMatchObject({ code: 0, stdout: `Dropped ${ids.failed}.\n` });
    expect((await cli(['outbox', 'drop', ids.failed!, '--db', db])).code).toBe(1);
    const list = JSON.parse((await cli(['outbox', 'list', '--db', db, '--json'])).stdout) as Array<{ id: string; state: string }>;
    expect(list.map((i) => [i.id, i.state]).sort()).toEqual([[ids.sent, 'sent'], [ids.unknown, 'queued']].sort());
  });

  it('usage errors name what is missing (exit 2)', async () => {
    const noStore = await cli(['outbox', 'status']);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toContain('--db <file> (SQLite) or --redis <url>');
    const typo = await cli(['outbox', 'stats', '--db', db]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean `o365-mailer outbox status`?');
    const noId = await cli(['outbox', 'retry', '--db', db]);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain("Give the item's ID");
    const badState = await cli(['outbox', 'list', '--db', db, '--state', 'sendng']);
    expect(badState.code).toBe(2);
    expect(badState.stderr).toContain('Did you mean sending?');
  });
});

const { server, skipReason } = await redisForSuite('the outbox CLI test on Redis');
afterAll(async () => {
  if ('stop' in server) await server.stop();
});

describe.skipIf(skipReason !== undefined)('o365-mailer outbox --redis', () => {
  it('shows the BullMQ outbox', async () => {
    const url = 'url' in server ? server.url : '';
    const outbox = await createOutbox({ mailers: [], store: { redis: url, prefix: 'cli' } });
    await outbox.enqueue({ to: 'ann@contoso.com', subject: 'x', text: 'x' }, { sender: 'lab@contoso.com' });
    await outbox.close();
    const { code, stdout } = await cli(['outbox', 'status', '--redis', url, '--prefix', 'cli']);
    expect(code).toBe(0);
    expect(stdout.split('\n')[1]).toMatch(/^lab@contoso\.com\s+1\s+0\s+0\s+0\s+0\s+0$/);
  });
});
