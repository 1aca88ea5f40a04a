import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { O365OAuthMailer } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { createOutbox } from '../../src/outbox/index';

let emulator: Emulator;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite', 'Mail.ReadBasic.All'] }] });
  dir = mkdtempSync(join(tmpdir(), 'outbox-test-'));
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => emulator.reset());

let n = 0;
const dbFile = () => join(dir, `outbox-${++n}.db`);

describe('the SQLite outbox against the emulator', () => {
  it('commits, sends and records each message once, with attachments copied in', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const outbox = await createOutbox({ mailers: mailer, store: { sqlite: dbFile() } });
    const file = join(dir, 'report.csv');
    const bytes = randomBytes(700 * 1024);
    writeFileSync(file, bytes);
    const a = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'one', text: 'x', attachments: [{ path: file }] });
    rmSync(file);
    const b = await outbox.enqueue({ to: 'bob@contoso.com', subject: 'two', text: 'y' });
    expect(a.messageId).toMatch(/^<[0-9a-f-]+@contoso\.onmicrosoft\.com>$/);
    expect(await outbox.get(a.id)).toMatchObject({ id: a.id, state: 'queued', attempts: 0, messageId: a.messageId });
    const sent: string[] = [];
    outbox.on('sent', (e) => sent.push(e.id));
    await outbox.drain();
    expect(sent.sort()).toEqual([a.id, b.id].sort());
    expect(await outbox.get(a.id)).toMatchObject({ state: 'sent', attempts: 1 });
    expect(emulator.messages.map((m) => m.subject).sort()).toEqual(['one', 'two']);
    const one = emulator.messages.find((m) => m.subject === 'one')!;
    expect(one.attachments[0]?.name).toBe('report.csv');
    expect(one.attachments[0]?.content.equals(bytes)).toBe(true);
    expect((await outbox.stats()).states).toMatchObject({ sent: 2, queued: 0 });
    await outbox.close();
    await mailer.close();
  });
});
