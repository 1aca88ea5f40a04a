import type { Logger } from '../config/types';
import type { HttpObserver } from './http-client';

/**
 * Logs every request at debug level, once it ends: method, host, path (never the query string, which can carry an
 * upload session's token), status or failure, request ID and duration. Undefined when the logger has no `debug`.
 */
export function requestLog(logger: Logger): HttpObserver | undefined {
  if (typeof logger.debug !== 'function') return undefined;
  return ({ method, url }) => {
    let host = '';
    let path = '';
    try {
      const u = new URL(url);
      host = u.host;
      path = u.pathname;
    } catch {
      path = url.replace(/[?#].*$/, '');
    }
    return (end) => {
      const durationMs = Math.round(end.durationMs);
      const outcome = end.status !== undefined ? String(end.status) : `failed (${end.failure ?? 'error'})`;
      const id = end.requestId ? `, request-id ${end.requestId}` : '';
      logger.debug?.(`HTTP ${method} ${host}${path} → ${outcome} in ${durationMs} ms${id}`, {
        method,
        host,
        path,
        ...(end.status !== undefined ? { status: end.status } : { failure: end.failure }),
        ...(end.requestId ? { requestId: end.requestId } : {}),
        durationMs,
      });
    };
  };
}

/** Several observers as one; undefined when there are none. */
export function combineObservers(...observers: Array<HttpObserver | undefined>): HttpObserver | undefined {
  const list = observers.filter((o): o is HttpObserver => o !== undefined);
  if (list.length <= 1) return list[0];
  return (start) => {
    const ends = list.map((o) => o(start)).filter((e) => e !== undefined);
    return ends.length === 0 ? undefined : (end) => ends.forEach((e) => e(end));
  };
}
