import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator';
import { bytes, emulatorClient, simpleMail, type EmulatorClient } from './helpers';

const SEND = '/v1.0/users/sender%40contoso.onmicrosoft.com/sendMail';
const USER = '/v1.0/users/sender%40contoso.onmicrosoft.com';

let emulator: Emulator;
let client: EmulatorClient;
let token: string;

beforeAll(async () => {
  emulator = await startEmulator({ apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }] });
  client = emulatorClient(emulator);
  token = await client.token();
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

const send = (): Promise<Response> => client.graph('POST', SEND, { token, body: simpleMail() });

describe('faults', () => {
  it('throttles the next n Graph requests with 429 ApplicationThrottled and Retry-After seconds', async () => {
    emulator.faults.throttle(2, { retryAfterSeconds: 7 });
    for (let i = 0; i < 2; i += 1) {
      const res = await send();
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('request-id')).toBeTruthy();
      expect(await res.json()).toMatchObject({ error: { code: 'ApplicationThrottled', message: expect.any(String), innerError: expect.any(Object) } });
    }
    expect((await send()).status).toBe(202);
    expect(emulator.messages).toHaveLength(1);
    expect(emulator.requests.map((r) => r.fault ?? null)).toEqual(['throttle', 'throttle', null]);
  });

  it('sends Retry-After as an HTTP date when asked', async () => {
    const date = new Date(Date.now() + 30_000);
    emulator.faults.throttle(1, { retryAfterDate: date });
    const res = await send();
    expect(res.headers.get('retry-after')).toBe(date.toUTCString());
  });

  it('answers 503 and 504 without processing the request', async () => {
    emulator.faults.unavailable(1, { retryAfterSeconds: 2 });
    emulator.faults.gatewayTimeout(1);
    const a = await send();
    expect(a.status).toBe(503);
    expect(a.headers.get('retry-after')).toBe('2');
    const b = await send();
    expect(b.status).toBe(504);
    expect(emulator.messages).toHaveLength(0);
    expect(emulator.faults.pending()).toEqual([]);
  });

  it('can deliver and still answer 504 (the ambiguous failure)', async () => {
    emulator.faults.gatewayTimeout(1, { deliver: true });
    const res = await send();
    expect(res.status).toBe(504);
    expect(emulator.messages).toHaveLength(1);
  });

  it('dropAfterAccept captures the message yet the client sees a socket error', async () => {
    emulator.faults.dropAfterAccept(1);
    await expect(send()).rejects.toThrow();
    expect(emulator.messages).toHaveLength(1);
    expect(emulator.requests.at(-1)).toMatchObject({ status: 0, fault: 'dropAfterAccept' });
    // A failing request does not use up the fault; only an accepted send does.
    emulator.faults.dropAfterAccept(1);
    const unauthenticated = await client.fetch(SEND, { method: 'POST', body: JSON.stringify(simpleMail()) });
    expect(unauthenticated.status).toBe(401);
    await expect(send()).rejects.toThrow();
    expect(emulator.messages).toHaveLength(2);
    expect((await send()).status).toBe(202);
  });

  it('dropAfterAccept also applies to a draft /send', async () => {
    const draft = (await (await client.graph('POST', `${USER}/messages`, { token, body: simpleMail().message })).json()) as { id: string };
    emulator.faults.dropAfterAccept(1);
    await expect(client.graph('POST', `${USER}/messages/${encodeURIComponent(draft.id)}/send`, { token })).rejects.toThrow();
    expect(emulator.messages).toHaveLength(1);
    expect(emulator.messages[0]!.route).toBe('draft');
    expect(emulator.drafts).toEqual([]);
  });

  it('hang never answers until the client gives up; close() still returns', async () => {
    const emu = await startEmulator();
    const c = emulatorClient(emu);
    try {
      const t = await c.token();
      emu.faults.hang(1);
      const started = Date.now();
      await expect(
        c.fetch(SEND, { method: 'POST', headers: { authorization: `Bearer ${t}` }, body: JSON.stringify(simpleMail()), signal: AbortSignal.timeout(300) }),
      ).rejects.toThrow();
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(emu.requests.at(-1)).toMatchObject({ status: 0, fault: 'hang' });
      emu.faults.hang(1);
      const pending = c.fetch(SEND, { method: 'POST', headers: { authorization: `Bearer ${t}` }, body: JSON.stringify(simpleMail()) });
      await new Promise((r) => setTimeout(r, 100));
      await emu.close();
      await expect(pending).rejects.toThrow();
      expect(emu.messages).toHaveLength(0);
    } finally {
      await c.close();
      await emu.close().catch(() => undefined);
    }
  });

  it('a fault can target the token endpoint with a predicate and answers in Entra shape', async () => {
    emulator.faults.unavailable(1, { match: (r) => r.area === 'authority' && r.path.endsWith('/token') });
    const res = await client.tokenResponse();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable', error_codes: [90033] });
    expect((await client.tokenResponse()).status).toBe(200);
  });

  it('failChunk answers 500 or drops the connection, and the upload can resume', async () => {
    const draft = (await (await client.graph('POST', `${USER}/messages`, { token, body: simpleMail().message })).json()) as { id: string };
    const size = 3 * 1024 * 1024;
    const data = bytes(size, 5);
    const session = (await (
      await client.graph('POST', `${USER}/messages/${encodeURIComponent(draft.id)}/attachments/createUploadSession`, {
        token,
        body: { AttachmentItem: { attachmentType: 'file', name: 'r.bin', size } },
      })
    ).json()) as { uploadUrl: string };
    const put = (start: number, end: number): Promise<Response> =>
      client.fetch(session.uploadUrl, { method: 'PUT', headers: { 'content-range': `bytes ${start}-${end - 1}/${size}` }, body: new Uint8Array(data.subarray(start, end)) });
    const half = size / 2;
    emulator.faults.failChunk(1);
    expect((await put(0, half)).status).toBe(500);
    emulator.faults.failChunk(1, { mode: 'drop' });
    await expect(put(0, half)).rejects.toThrow();
    expect((await put(0, half)).status).toBe(200);
    expect((await put(half, size)).status).toBe(201);
    expect((await client.graph('POST', `${USER}/messages/${encodeURIComponent(draft.id)}/send`, { token })).status).toBe(202);
    expect(emulator.messages[0]!.attachments[0]!.content.equals(data)).toBe(true);
  });

  it('reset() clears messages, drafts, faults, counters and the request log', async () => {
    await send();
    await client.graph('POST', `${USER}/messages`, { token, body: simpleMail().message });
    emulator.faults.throttle(3);
    expect(emulator.tokenRequests).toBe(0);
    await client.tokenResponse();
    emulator.reset();
    expect(emulator.messages).toHaveLength(0);
    expect(emulator.drafts).toHaveLength(0);
    expect(emulator.faults.pending()).toEqual([]);
    expect(emulator.requests).toHaveLength(0);
    expect(emulator.tokenRequests).toBe(0);
    expect((await send()).status).toBe(202);
  });
});
