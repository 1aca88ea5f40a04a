import { ConfidentialClientApplication, type INetworkModule, type NetworkResponse } from '@azure/msal-node';
import { Client, GraphError, type FetchOptions } from '@microsoft/microsoft-graph-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator';

// The emulator must satisfy the real SDKs the mailer uses, not only hand-written requests.
let emulator: Emulator;
let agent: Agent;

function networkClient(): INetworkModule {
  const send = async <T>(method: 'GET' | 'POST', url: string, options?: { headers?: Record<string, string>; body?: string }): Promise<NetworkResponse<T>> => {
    const res = await undiciFetch(url, { method, headers: options?.headers ?? {}, ...(options?.body !== undefined ? { body: options.body } : {}), dispatcher: agent });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return { headers, status: res.status, body: (await res.json()) as T };
  };
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

function app(overrides: { tenant?: string; secret?: string } = {}): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: emulator.clientId,
      clientSecret: overrides.secret ?? emulator.clientSecret,
      authority: `${emulator.url}/${overrides.tenant ?? emulator.tenantId}`,
      knownAuthorities: [new URL(emulator.url).host],
    },
    system: { networkClient: networkClient() },
  });
}

beforeAll(async () => {
  emulator = await startEmulator();
  agent = new Agent({ connect: { ca: emulator.ca } });
});
afterAll(async () => {
  await agent.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

describe('msal-node against the emulator', () => {
  it('acquires a token with client credentials, then serves it from its cache', async () => {
    const cca = app();
    const first = await cca.acquireTokenByClientCredential({ scopes: [`${emulator.url}/.default`] });
    expect(first?.accessToken).toMatch(/^eyJ/);
    const second = await cca.acquireTokenByClientCredential({ scopes: [`${emulator.url}/.default`] });
    expect(second?.accessToken).toBe(first?.accessToken);
    expect(emulator.tokenRequests).toBe(1);
  });

  it('works with the tenant domain as authority', async () => {
    const res = await app({ tenant: 'contoso.onmicrosoft.com' }).acquireTokenByClientCredential({ scopes: [`${emulator.url}/.default`] });
    expect(res?.accessToken).toBeTruthy();
  });

  it('surfaces the AADSTS code of a wrong secret', async () => {
    const err = await app({ secret: emulator.secretId })
      .acquireTokenByClientCredential({ scopes: [`${emulator.url}/.default`] })
      .catch((e: unknown) => e as { errorCode?: string; errorMessage?: string; subError?: string });
    expect(err).toMatchObject({ errorCode: 'invalid_client' });
    expect(String((err as { errorMessage?: string }).errorMessage)).toContain('AADSTS7000215');
  });

  it('fails endpoint resolution for an unknown tenant', async () => {
    const err = await app({ tenant: '00000000-0000-0000-0000-0000000000aa' })
      .acquireTokenByClientCredential({ scopes: [`${emulator.url}/.default`] })
      .catch((e: unknown) => e as { errorCode?: string });
    expect(err).toMatchObject({ errorCode: 'endpoints_resolution_error' });
  });
});

function graphClient(token: string): Client {
  return Client.init({
    authProvider: (done) => done(null, token),
    baseUrl: `${emulator.url}/`,
    customHosts: new Set([new URL(emulator.url).hostname]),
    // Node's fetch takes an undici dispatcher; the SDK's FetchOptions type predates it.
    fetchOptions: { dispatcher: agent } as FetchOptions,
  });
}

describe('@microsoft/microsoft-graph-client against the emulator', () => {
  it('sends mail (202, empty body) with the bearer token attached', async () => {
    await graphClient(emulator.issueToken())
      .api(`/users/${emulator.sender}/sendMail`)
      .post({ message: { subject: 'SDK', body: { contentType: 'Text', content: 'x' }, toRecipients: [{ emailAddress: { address: 'a@example.com' } }] } });
    expect(emulator.messages.at(-1)?.subject).toBe('SDK');
    expect(emulator.requests.at(-1)).toMatchObject({ hasAuthorization: true, status: 202 });
  });

  it('turns a Graph error body into a GraphError with code and request-id', async () => {
    const err = await graphClient(emulator.issueToken({ roles: [] }))
      .api(`/users/${emulator.sender}/sendMail`)
      .post({ message: { subject: 'x', toRecipients: [{ emailAddress: { address: 'a@example.com' } }] } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({ statusCode: 401, code: 'NoPermissionsInAccessToken' });
    expect((err as GraphError).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
