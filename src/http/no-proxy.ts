/**
 * True when `url` must bypass the proxy by the `NO_PROXY` convention: a comma- or space-separated list of host
 * names, `.domain` / `*.domain` suffixes, `host:port` pairs, or `*` for everything. Nothing else bypasses it,
 * loopback included: list `localhost,127.0.0.1` in NO_PROXY to reach a local server directly.
 */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!noProxy) return false;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const [entryHost = '', entryPort] = entry.split(/:(?=\d+$)/);
    if (entryPort && entryPort !== port) continue;
    const suffix = entryHost.replace(/^\*?\./, '');
    if (host === suffix || host.endsWith(`.${suffix}`)) return true;
  }
  return false;
}
