import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator';
import { bytes, emulatorClient, type EmulatorClient } from './helpers';

const SEND_ONLY = '77777777-8888-4999-8aaa-bbbbbbbbbbbb';
const MB = 1024 * 1024;
const USER = '/v1.0/users/sender%40contoso.onmicrosoft.com';

let emulator: Emulator;
let client: EmulatorClient;
let token: string;

beforeAll(async () => {
  emulator = await startEmulator({
    apps: [{ roles: ['Mail.Send', 'Mail.ReadWrite'] }, { clientId: SEND_ONLY, secrets: [{ value: 'send-only' }] }],
  });
  client = emulatorClient(emulator);
  token = await client.token();
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

async function createDraft(extra: Record<string, unknown> = {}): Promise<string> {
  const res = await client.graph('POST', `${USER}/messages`, {
    token,
    body: {
      subject: 'Large files',
      body: { contentType: 'Text', content: 'Two files attached.' },
      toRecipients: [{ emailAddress: { address: 'ann@example.com' } }],
      ...extra,
    },
  });
  expect(res.status).toBe(201);
  const draft = (await res.json()) as { id: string; isDraft: boolean; subject: string };
  expect(draft).toMatchObject({ isDraft: true, subject: 'Large files' });
  return draft.id;
}

async function createSession(draftId: string, name: string, size: number): Promise<{ uploadUrl: string; nextExpectedRanges: string[] }> {
  const res = await client.graph('POST', `${USER}/messages/${encodeURIComponent(draftId)}/attachments/createUploadSession`, {
    token,
    body: { AttachmentItem: { attachmentType: 'file', name, size, contentType: 'application/zip' } },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { uploadUrl: string; nextExpectedRanges: string[] };
}

function put(url: string, chunk: Buffer, start: number, total: number, headers: Record<string, string> = {}): Promise<Response> {
  return client.fetch(url, {
    method: 'PUT',
    headers: {
      'content-type': 'application/octet-stream',
      'content-range': `bytes ${start}-${start + chunk.length - 1}/${total}`,
      ...headers,
    },
    body: new Uint8Array(chunk),
  });
}

describe('draft route', () => {
  it('uploads a large attachment in chunks without Authorization, sends the draft and captures the bytes', async () => {
    const draftId = await createDraft();
    expect(emulator.drafts).toEqual([draftId]);

    const small = bytes(1000, 3);
    const attach = await client.graph('POST', `${USER}/messages/${encodeURIComponent(draftId)}/attachments`, {
      token,
      body: { '@odata.type': '#microsoft.graph.fileAttachment', name: 'small.txt', contentType: 'text/plain', contentBytes: small.toString('base64') },
    });
    expect(attach.status).toBe(201);
    expect(await attach.json()).toMatchObject({ '@odata.type': '#microsoft.graph.fileAttachment', name: 'small.txt', size: 1000, id: expect.any(String) });

    const big = bytes(5 * MB + 123, 9);
    const session = await createSession(draftId, 'big.zip', big.length);
    expect(session).toMatchObject({
      '@odata.context': expect.stringContaining('microsoft.graph.uploadSession'),
      uploadUrl: expect.stringMatching(new RegExp(`^${emulator.url.replace(/\./g, '\\.')}/upload/[\\w-]+\\?authtoken=[\\w-]+$`)),
      expirationDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/),
      nextExpectedRanges: ['0-'],
    });

    const chunk = 2 * MB;
    let offset = 0;
    const statuses: number[] = [];
    while (offset < big.length) {
      const part = big.subarray(offset, Math.min(offset + chunk, big.length));
      const res = await put(session.uploadUrl, part, offset, big.length);
      statuses.push(res.status);
      offset += part.length;
      if (offset < big.length) {
        expect(await res.json()).toEqual({ '@odata.context': expect.any(String), ExpirationDateTime: expect.any(String), nextExpectedRanges: [String(offset)] });
      } else {
        expect(await res.text()).toBe('');
        expect(res.headers.get('location')).toMatch(/\/Attachments\('.+'\)$/);
      }
    }
    expect(statuses).toEqual([200, 200, 201]);
    const uploads = emulator.requests.filter((r) => r.area === 'upload');
    expect(uploads.map((r) => [r.method, r.hasAuthorization, r.status])).toEqual([
      ['PUT', false, 200],
      ['PUT', false, 200],
      ['PUT', false, 201],
    ]);
    expect(uploads.every((r) => !r.path.includes('authtoken'))).toBe(true);

    const list = await client.graph('GET', `${USER}/messages/${encodeURIComponent(draftId)}/attachments`, { token });
    expect(((await list.json()) as { value: Array<{ name: string }> }).value.map((a) => a.name)).toEqual(['small.txt', 'big.zip']);

    const send = await client.graph('POST', `${USER}/messages/${encodeURIComponent(draftId)}/send`, { token });
    expect(send.status).toBe(202);
    expect(await send.text()).toBe('');
    expect(emulator.drafts).toEqual([]);
    expect(emulator.messages).toHaveLength(1);
    const m = emulator.messages[0]!;
    expect(m).toMatchObject({ route: 'draft', subject: 'Large files', saveToSentItems: true, to: [{ address: 'ann@example.com' }] });
    expect(m.attachments.map((a) => [a.name, a.size, a.contentType])).toEqual([
      ['small.txt', 1000, 'text/plain'],
      ['big.zip', big.length, 'application/zip'],
    ]);
    expect(m.attachments[0]!.content.equals(small)).toBe(true);
    expect(m.attachments[1]!.content.equals(big)).toBe(true);

    const again = await client.graph('POST', `${USER}/messages/${encodeURIComponent(draftId)}/send`, { token });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'ErrorItemNotFound',
      message: 'The specified object was not found in the store.',
    });
    expect(emulator.messages).toHaveLength(1);
  });

  it('answers a PUT with an Authorization header with 401 InvalidAudience', async () => {
    const draftId = await createDraft();
    const size = 3 * MB;
    const session = await createSession(draftId, 'x.bin', size);
    const res = await put(session.uploadUrl, bytes(MB), 0, size, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('InvalidAudience');
    expect(body.error.message).toMatch(/^The audience claim value is invalid for current resource\./);
    expect(JSON.stringify(body)).not.toContain('authtoken');
    // Nothing was accepted: the first chunk is still expected at 0.
    expect((await put(session.uploadUrl, bytes(MB), 0, size)).status).toBe(200);
  });

  it('refuses a chunk at the wrong offset with 416 and the next expected range', async () => {
    const draftId = await createDraft();
    const size = 3 * MB;
    const session = await createSession(draftId, 'x.bin', size);
    const res = await put(session.uploadUrl, bytes(1000), 1000, size);
    expect(res.status).toBe(416);
    expect(await res.json()).toMatchObject({ error: { code: 'InvalidRange' }, nextExpectedRanges: ['0'] });
  });

  it('refuses a chunk over 4 MB with 413, a wrong total or range with 400, and a tampered authtoken with 401', async () => {
    const draftId = await createDraft();
    const size = 6 * MB;
    const session = await createSession(draftId, 'x.bin', size);
    const tooBig = await put(session.uploadUrl, bytes(4 * MB + 1), 0, size);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ error: { code: 'RequestEntityTooLarge' } });
    expect((await put(session.uploadUrl, bytes(10), 0, size + 1)).status).toBe(400);
    const noRange = await client.fetch(session.uploadUrl, { method: 'PUT', body: new Uint8Array(bytes(10)) });
    expect(noRange.status).toBe(400);
    const tampered = session.uploadUrl.replace(/authtoken=.*/, 'authtoken=forged');
    expect((await put(tampered, bytes(10), 0, size)).status).toBe(401);
    // Cancelling the session works with the pre-authenticated URL.
    expect((await client.fetch(session.uploadUrl, { method: 'DELETE' })).status).toBe(204);
    expect((await put(session.uploadUrl, bytes(10), 0, size)).status).toBe(404);
  });

  it('refuses an upload session for a small file like Exchange does', async () => {
    const draftId = await createDraft();
    const res = await client.graph('POST', `${USER}/messages/${encodeURIComponent(draftId)}/attachments/createUploadSession`, {
      token,
      body: { AttachmentItem: { attachmentType: 'file', name: 'tiny.txt', size: 1000 } },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ErrorAttachmentSizeShouldNotBeLessThanMinimumSize');
  });

  it('needs Mail.ReadWrite for drafts, attachments and upload sessions', async () => {
    const sendOnly = ((await (await client.tokenResponse({ client_id: SEND_ONLY, client_secret: 'send-only' })).json()) as { access_token: string }).access_token;
    const res = await client.graph('POST', `${USER}/messages`, { token: sendOnly, body: { subject: 'x' } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'ErrorAccessDenied',
      message: 'Access is denied. Check credentials and try again.',
    });
    const draftId = await createDraft();
    for (const path of [`/attachments`, `/attachments/createUploadSession`]) {
      const r = await client.graph('POST', `${USER}/messages/${encodeURIComponent(draftId)}${path}`, { token: sendOnly, body: {} });
      expect(r.status).toBe(403);
    }
  });

  it('deletes a draft with 204 and leaves nothing behind', async () => {
    const draftId = await createDraft();
    const get = await client.graph('GET', `${USER}/messages/${encodeURIComponent(draftId)}`, { token });
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({ id: draftId, isDraft: true });
    const del = await client.graph('DELETE', `${USER}/messages/${encodeURIComponent(draftId)}`, { token });
    expect(del.status).toBe(204);
    expect(emulator.drafts).toEqual([]);
    expect((await client.graph('DELETE', `${USER}/messages/${encodeURIComponent(draftId)}`, { token })).status).toBe(404);
    expect((await client.graph('POST', `${USER}/messages/${encodeURIComponent(draftId)}/send`, { token })).status).toBe(404);
    expect(emulator.messages).toHaveLength(0);
  });

  it('checks recipients when the draft is sent', async () => {
    const draftId = await createDraft({ toRecipients: [] });
    const res = await client.graph('POST', `${USER}/messages/${encodeURIComponent(draftId)}/send`, { token });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ErrorInvalidRecipients');
    expect(emulator.drafts).toEqual([draftId]);
  });
});
