import { describe, expect, it } from 'vitest';
import { createTestOutbox } from 'o365-oauth-mailer/testing';

describe('createTestOutbox()', () => {
  it('gives an in-memory outbox in front of a test mailer: enqueue, drain, expectSent', async () => {
    const t = await createTestOutbox();
    try {
      const { id, messageId } = await t.outbox.enqueue({ to: 'ann@contoso.com', subject: 'Welcome', text: 'Hi' });
      expect(await t.outbox.get(id)).toMatchObject({ state: 'queued' });
      await t.outbox.drain();
      const [sent] = t.expectSent({ to: 'ann@contoso.com', subject: 'Welcome' }, 1);
      expect(sent?.messageId).toBe(messageId);
      expect(await t.outbox.get(id)).toMatchObject({ state: 'sent', attempts: 1 });
    } finally {
      await t.close();
    }
  });

  it('reconciles a dropped connection as in production (the app may read Sent Items)', async () => {
    const t = await createTestOutbox();
    try {
      t.emulator.faults.dropAfterAccept(1);
      const { id } = await t.outbox.enqueue({ to: 'ann@contoso.com', subject: 'Once', text: 'x' });
      await t.outbox.drain();
      expect(await t.outbox.get(id)).toMatchObject({ state: 'sent' });
      t.expectSent({ subject: 'Once' }, 1);
    } finally {
      await t.close();
    }
  });
});
