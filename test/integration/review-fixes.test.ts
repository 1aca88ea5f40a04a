import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { O365OAuthMailer } from '../../src/index';
import { validateConfig } from '../../src/config/validate';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { mailerConfig, tokenEndpoint } from '../helpers/microsoft';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }] });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

describe('draft route edge cases', () => {
  it('an attachment of 3 MiB - 1 byte (over 4 MB once base64) goes through an upload session, not a refused POST', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    const bytes = Buffer.alloc(3 * 1024 * 1024 - 1, 5);
    const result = await mailer.send({ to: 'qa@contoso.com', subject: 'edge', text: 'x', attachments: [{ filename: 'edge.bin', content: bytes }, { filename: 'pad.bin', content: Buffer.alloc(2_000_000) }] });
    expect(result.route).toBe('draft');
    expect(emulator.messages[0]?.attachments.find((a) => a.name === 'edge.bin')?.content.equals(bytes)).toBe(true);
    expect(emulator.requests.some((r) => r.area === 'upload')).toBe(true);
    await mailer.close();
  });

  it('cancelling while the draft /send is on the wire leaves the draft alone (it may have gone out)', async () => {
    const mailer = new O365OAuthMailer(emulator.mailerConfig());
    emulator.faults.hang(1, { match: (r) => r.method === 'POST' && r.path.endsWith('/send') });
    const controller = new AbortController();
    const sending = mailer.send({ to: 'qa@contoso.com', text: 'x', attachments: [{ filename: 'a.bin', content: Buffer.alloc(4_500_000, 1) }] }, { signal: controller.signal });
    for (let i = 0; i < 200 && !emulator.requests.some((r) => r.path.endsWith('/send')) && emulator.faults.pending().length > 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    const err = await sending.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ABORTED' });
    expect((err as Error).message).toMatch(/may have been sent/);
    expect(emulator.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(emulator.drafts).toHaveLength(1);
    await mailer.close();
  });
});

describe('Entra outages are not setup mistakes', () => {
  it.each([
    [503, 'SERVICE_UNAVAILABLE'],
    [429, 'THROTTLED'],
  ] as const)('a %i from the token endpoint is %s, retriable, with no step', async (status, code) => {
    tokenEndpoint().reply(status, { error: 'temporarily_unavailable', error_description: 'Service busy.' });
    const err = await new O365OAuthMailer(mailerConfig()).send({ to: 'a@contoso.com', text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, retriable: true });
    expect((err as { step?: number }).step).toBeUndefined();
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('environment', () => {
  it('an empty HTTPS_PROXY or NO_PROXY means none', () => {
    const c = validateConfig(mailerConfig(), { HTTPS_PROXY: '', NO_PROXY: '' });
    expect(c.proxy).toBeUndefined();
    expect(c.noProxy).toBeUndefined();
  });
});
