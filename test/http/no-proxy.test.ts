import { describe, expect, it } from 'vitest';
import { bypassesProxy } from '../../src/http/no-proxy';

describe('NO_PROXY matching', () => {
  const u = (s: string) => new URL(s);
  it('matches hosts, suffixes, ports and *', () => {
    expect(bypassesProxy(u('https://graph.microsoft.com/v1.0'), undefined)).toBe(false);
    expect(bypassesProxy(u('https://graph.microsoft.com/v1.0'), 'graph.microsoft.com')).toBe(true);
    expect(bypassesProxy(u('https://graph.microsoft.com/v1.0'), '.microsoft.com')).toBe(true);
    expect(bypassesProxy(u('https://graph.microsoft.com/v1.0'), '*.microsoft.com')).toBe(true);
    expect(bypassesProxy(u('https://graph.microsoft.com/v1.0'), 'microsoft.com')).toBe(true);
    expect(bypassesProxy(u('https://notmicrosoft.com/'), 'microsoft.com')).toBe(false);
    expect(bypassesProxy(u('https://login.microsoftonline.com/'), 'login.microsoftonline.com:8443')).toBe(false);
    expect(bypassesProxy(u('https://login.microsoftonline.com/'), 'login.microsoftonline.com:443')).toBe(true);
    expect(bypassesProxy(u('https://127.0.0.1:8443/'), 'localhost, 127.0.0.1')).toBe(true);
    expect(bypassesProxy(u('https://127.0.0.1:8443/'), '')).toBe(false);
    expect(bypassesProxy(u('https://anything.example/'), '*')).toBe(true);
  });
});
