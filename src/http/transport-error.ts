/** How a request failed below HTTP. */
export type TransportFailure =
  /** The caller's signal fired. */
  | 'aborted'
  /** `timeoutMs` passed before the whole response arrived. */
  | 'timeout'
  /** No connection was made (refused, DNS, TLS handshake, proxy CONNECT): the request was provably not written. */
  | 'connect'
  /** The connection broke after it was made: the request may have been written and processed. */
  | 'reset';

/**
 * A failure below HTTP, classified by whether the request can have reached the server. Internal: it is turned into
 * a {@link MailerError} at the catalogue border.
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly failure: TransportFailure,
    message: string,
    /** The URL without its query string. */
    readonly target: string,
    options?: { cause?: unknown; proxy?: string },
  ) {
    super(message, options);
    if (options?.proxy !== undefined) this.proxy = options.proxy;
  }

  /**
   * The proxy (scheme, host and port; never its credentials) when the failure was the proxy's: it could not be
   * reached, or it refused to open the tunnel.
   */
  readonly proxy?: string;

  /** True when the request was provably never written, so repeating it cannot duplicate anything. */
  get notSent(): boolean {
    return this.failure === 'connect';
  }
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_PRX_TLS',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Walks an error's `cause` chain for the first `code`. */
function causeCode(err: unknown): { code?: string; message: string } {
  let e: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return { code, message: (e as Error).message ?? message };
    message = (e as Error).message ?? message;
    e = (e as { cause?: unknown }).cause;
  }
  return { message };
}

/**
 * Classifies a fetch failure. Failures before a connection exists (refused, DNS, TLS verification, a reset during
 * the TLS handshake, a proxy that refused the tunnel) cannot have delivered anything; every other failure can have.
 */
export function classifyFetchError(err: unknown, target: string, proxy?: string): TransportError {
  const { code, message } = causeCode(err);
  const refusedByProxy = /Proxy response \(\d+\) !== 200/i.test(message);
  const beforeConnection =
    (code !== undefined && (CONNECT_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('CERT_'))) ||
    refusedByProxy ||
    /before secure TLS connection was established/i.test(message);
  const what = code ? `${code}: ${message}` : message;
  // Through a proxy, the only socket the client opens is the proxy's: failing to open it is the proxy's failure.
  const proxyUnreachable = code !== undefined && PROXY_SOCKET_CODES.has(code);
  if (proxy !== undefined && (refusedByProxy || proxyUnreachable)) {
    const text = refusedByProxy
      ? `the proxy ${proxy} refused to open a tunnel to ${hostOf(target)} (${what})`
      : `the proxy ${proxy} could not be reached (${what})`;
    return new TransportError('connect', text, target, { cause: err, proxy });
  }
  return new TransportError(beforeConnection ? 'connect' : 'reset', what, target, { cause: err });
}

/** Socket errors that, through a proxy, concern the connection to the proxy itself. */
const PROXY_SOCKET_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_PRX_TLS']);

function hostOf(target: string): string {
  try {
    return new URL(target).host;
  } catch {
    return target;
  }
}

/** A proxy URL safe to print: scheme, host and port, never the user name or password it may carry. */
export function safeProxy(proxy: string): string {
  try {
    const u = new URL(proxy);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'the configured proxy';
  }
}
