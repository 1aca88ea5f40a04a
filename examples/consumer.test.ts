/**
 * How to test your own code that sends mail, without reaching Microsoft: `createTestMailer()` gives a real
 * O365OAuthMailer wired to an in-process emulator of Entra ID and Graph, and assertions on what it captured.
 * Run with vitest; only the package's public exports are used.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MailerError, type O365OAuthMailer } from 'o365-oauth-mailer';
import { createTestMailer, type TestMailer } from 'o365-oauth-mailer/testing';

// Your application code: it takes a mailer, so tests can hand it one backed by the emulator.
async function sendLabAlert(mailer: O365OAuthMailer, sample: string, value: number): Promise<string> {
  const result = await mailer.send({
    to: 'qa@contoso.com',
    subject: `ALERT: sample ${sample} out of range`,
    text: `Sample ${sample} measured ${value}.`,
    attachments: [{ filename: `${sample}.csv`, content: `sample,value\n${sample},${value}\n` }],
  });
  return result.requestId ?? '';
}

describe('sendLabAlert', () => {
  let t: TestMailer;
  beforeAll(async () => {
    t = await createTestMailer();
  });
  afterAll(() => t.close());
  beforeEach(() => t.reset());

  it('mails QA with the sample as CSV', async () => {
    await sendLabAlert(t.mailer, 'S-17', 9.5);
    const [mail] = t.expectSent({ to: 'qa@contoso.com', subject: /S-17/, attachments: ['S-17.csv'] }, 1);
    expect(mail?.attachments[0]?.content.toString()).toBe('sample,value\nS-17,9.5\n');
  });

  it('surfaces throttling as THROTTLED once retries run out, and sends nothing', async () => {
    const strict = await createTestMailer({ mailer: { retry: { maxRetries: 1, maxDelayMs: 10 } } });
    try {
      strict.emulator.faults.throttle(2, { retryAfterSeconds: 0 });
      const err = await sendLabAlert(strict.mailer, 'S-18', 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MailerError);
      expect((err as MailerError).code).toBe('THROTTLED');
      strict.expectNothingSent();
    } finally {
      await strict.close();
    }
  });
});
