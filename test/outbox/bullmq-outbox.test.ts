import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { O365OAuthMailer } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { createOutbox } from '../../src/outbox/index';
import { redisForSuite } from '../helpers/redis';

const { server, skipReason } = await redisForSuite('the BullMQ outbox tests');
const url = 'url' in server ? server.url : '';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite', 'Mail.ReadBasic.All'] }] });
});
afterAll(async () => {
  await emulator?.close();
  if ('stop' in server) await server.stop();
});
beforeEach(() => emulator.reset());

let n = 0;
describe.skipIf(skipReason !== undefined)('the BullMQ outbox on a real redis-server', () => {
  it('commits, sends and records each message once', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const outbox = await createOutbox({ mailers: mailer, store: { redis: url, prefix: `t${++n}` } });
    const a = await outbox.enqueue({ to: 'ann@contoso.com', subject: 'one', text: 'x', attachments: [{ filename: 'a.txt', content: 'hello' }] });
    const b = await outbox.enqueue({ to: 'bob@contoso.com', subject: 'two', text: 'y' });
    expect(await outbox.get(a.id)).toMatchObject({ state: 'queued', attempts: 0 });
    await outbox.drain();
    expect(await outbox.get(a.id)).toMatchObject({ state: 'sent', attempts: 1 });
    expect(await outbox.get(b.id)).toMatchObject({ state: 'sent', attempts: 1 });
    expect(emulator.messages.map((m) => m.subject).sort()).toEqual(['one', 'two']);
    expect(emulator.messages.find((m) => m.subject === 'one')?.attachments[0]?.content.toString()).toBe('hello');
    expect((await outbox.stats()).states).toMatchObject({ sent: 2, queued: 0 });
    await outbox.close();
    await mailer.close();
  });
});
