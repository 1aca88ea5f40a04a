import { afterEach, describe, expect, it, vi } from 'vitest';
import { startEmulator } from '../../src/emulator';
import type { Logger } from '../../src/config/types';
import { bytes, emulatorClient } from './helpers';

const USER = '/v1.0/users/sender%40contoso.onmicrosoft.com';

async function fullFlow(logger?: Logger): Promise<string[]> {
  const emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }], ...(logger ? { logger } : {}) });
  const client = emulatorClient(emulator);
  try {
    await client.tokenResponse({ client_secret: 'wrong-secret-value' });
    const token = await client.token();
    const draft = (await (await client.graph('POST', `${USER}/messages`, { token, body: { subject: 's', toRecipients: [{ emailAddress: { address: 'a@example.com' } }] } })).json()) as { id: string };
    const size = 2 * 1024 * 1024;
    const session = (await (
      await client.graph('POST', `${USER}/messages/${encodeURIComponent(draft.id)}/attachments/createUploadSession`, {
        token,
        body: { AttachmentItem: { attachmentType: 'file', name: 'f.bin', size } },
      })
    ).json()) as { uploadUrl: string };
    emulator.faults.failChunk(1);
    const data = new Uint8Array(bytes(size));
    await client.fetch(session.uploadUrl, { method: 'PUT', headers: { 'content-range': `bytes 0-${size - 1}/${size}`, authorization: `Bearer ${token}` }, body: data });
    await client.fetch(session.uploadUrl, { method: 'PUT', headers: { 'content-range': `bytes 0-${size - 1}/${size}` }, body: data });
    await client.fetch(session.uploadUrl, { method: 'PUT', headers: { 'content-range': `bytes 0-${size - 1}/${size}` }, body: data });
    await client.graph('POST', `${USER}/messages/${encodeURIComponent(draft.id)}/send`, { token });
    expect(emulator.messages).toHaveLength(1);
    const authtoken = new URL(session.uploadUrl).searchParams.get('authtoken')!;
    const paths = JSON.stringify(emulator.requests);
    for (const secret of [emulator.clientSecret, token, authtoken, 'wrong-secret-value']) expect(paths).not.toContain(secret);
    return [emulator.clientSecret, token, authtoken, 'wrong-secret-value'];
  } finally {
    await client.close();
    await emulator.close();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('logging', () => {
  it('never gives the logger a secret, a token or an upload authtoken', async () => {
    const lines: string[] = [];
    const record = (level: string) => (message: string, details?: Record<string, unknown>) => {
      lines.push(`${level} ${message} ${JSON.stringify(details ?? {})}`);
    };
    const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const secrets = await fullFlow(logger);
    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThan(5);
    expect(all).toContain('/token');
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/authtoken|eyJ[\w-]+\.|Bearer/);
  });

  it('is silent without a logger', async () => {
    const spies = [vi.spyOn(console, 'log'), vi.spyOn(console, 'info'), vi.spyOn(console, 'warn'), vi.spyOn(console, 'error'), vi.spyOn(console, 'debug')];
    await fullFlow();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
