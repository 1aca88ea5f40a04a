import { Agent } from 'undici';
import type { Emulator } from '../../src/emulator';

/** A fetch bound to the emulator's certificate through an undici Agent. */
export interface EmulatorClient {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A client-credentials token request with the default app, optionally overriding form fields. */
  tokenResponse(fields?: Record<string, string | undefined>, tenant?: string): Promise<Response>;
  /** A fresh access token of the default app. */
  token(): Promise<string>;
  /** A Graph request with a bearer token and a JSON body. */
  graph(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

/** Creates an {@link EmulatorClient}. */
export function emulatorClient(emulator: Emulator): EmulatorClient {
  const agent = new Agent({ connect: { ca: emulator.ca } });
  const doFetch = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(path.startsWith('https://') ? path : `${emulator.url}${path}`, { ...init, dispatcher: agent } as RequestInit);
  const client: EmulatorClient = {
    fetch: doFetch,
    tokenResponse(fields = {}, tenant = emulator.tenantId) {
      const form = new URLSearchParams();
      const all: Record<string, string | undefined> = {
        client_id: emulator.clientId,
        client_secret: emulator.clientSecret,
        scope: `${emulator.url}/.default`,
        grant_type: 'client_credentials',
        ...fields,
      };
      for (const [k, v] of Object.entries(all)) if (v !== undefined) form.set(k, v);
      return doFetch(`/${tenant}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body: form.toString(),
      });
    },
    async token() {
      const res = await client.tokenResponse();
      if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    async graph(method, path, options = {}) {
      const token = options.token ?? (await client.token());
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...options.headers };
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      }
      return doFetch(path, { method, headers, ...(body !== undefined ? { body } : {}) });
    },
    close: () => agent.close(),
  };
  return client;
}

/** Decodes a JWT payload without checking it. */
export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A minimal valid sendMail body. */
export function simpleMail(overrides: Record<string, unknown> = {}): { message: Record<string, unknown>; saveToSentItems: boolean } {
  return {
    message: {
      subject: 'Hello',
      body: { contentType: 'Text', content: 'Hi there' },
      toRecipients: [{ emailAddress: { address: 'ann@example.com', name: 'Ann Lee' } }],
      ...overrides,
    },
    saveToSentItems: false,
  };
}

/** Deterministic pseudo-random bytes. */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
