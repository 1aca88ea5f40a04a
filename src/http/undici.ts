import type * as Undici from 'undici';

/** npm's `undici` exports. */
export type UndiciModule = typeof Undici;

/**
 * The one door to npm's `undici` (its import costs about 140 ms): loaded only for a proxy (or for extra trusted roots
 * when a `fetch` is given), on the first request that needs it. Otherwise `node:https` carries everything.
 */
export function loadUndici(): Promise<UndiciModule> {
  return import('undici');
}
