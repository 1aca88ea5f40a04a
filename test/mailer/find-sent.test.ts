import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { O365OAuthMailer, isMailerError } from '../../src/index';
import { startEmulator, type Emulator } from '../../src/emulator/index';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadBasic.All'] }] });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.reset());

describe('mailer.findSent(messageId) looks a mail up in Sent Items by internetMessageId', () => {
  it('finds a sent mail by the Message-ID it was sent with, and nothing for another', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const before = new Date(Date.now() - 1000);
    await mailer.send({ to: 'ann@contoso.com', subject: 'Report', text: 'x', messageId: "<report-42'x@contoso.com>" });
    const found = await mailer.findSent("<report-42'x@contoso.com>", { since: before });
    expect(found).toMatchObject({ internetMessageId: "<report-42'x@contoso.com>", subject: 'Report' });
    expect(found?.sentAt).toBeInstanceOf(Date);
    expect(await mailer.findSent('<other@contoso.com>')).toBeUndefined();
    // A mail sent before `since` does not count.
    expect(await mailer.findSent("<report-42'x@contoso.com>", { since: new Date(Date.now() + 60_000) })).toBeUndefined();
    const lookups = emulator.requests.filter((r) => r.method === 'GET' && r.area === 'graph');
    const path = `/v1.0/users/${encodeURIComponent(emulator.sender)}/mailFolders/sentitems/messages`;
    expect(lookups.map((r) => [r.path, r.status])).toEqual([
      [path, 200],
      [path, 200],
      [path, 200],
    ]);
    await mailer.close();
  });

  it('does not find a mail sent with saveToSentItems: false', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig({ saveToSentItems: false }));
    await mailer.send({ to: 'ann@contoso.com', subject: 'Report', text: 'x', messageId: '<unsaved@contoso.com>' });
    expect(emulator.messages[0]?.messageId).toBe('<unsaved@contoso.com>');
    expect(await mailer.findSent('<unsaved@contoso.com>')).toBeUndefined();
    await mailer.close();
  });

  it('refuses something that is not a Message-ID before any request', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const err = await mailer.findSent('report 42').catch((e: unknown) => e);
    expect(isMailerError(err, 'MESSAGE_INVALID')).toBe(true);
    expect(emulator.requests).toHaveLength(0);
    await mailer.close();
  });

  it('without a read permission, fails with an error that names Mail.ReadBasic.All', async () => {
    emulator.grant(emulator.clientId, ['Mail.Send']);
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const err = await mailer.findSent('<a@contoso.com>').catch((e: unknown) => e);
    expect(isMailerError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'CONSENT_MISSING', status: 403, step: 2 });
    expect((err as Error).message).toContain('Sent Items');
    expect((err as { fix: string }).fix).toContain('Mail.ReadBasic.All');
    await mailer.close();
  });
});
