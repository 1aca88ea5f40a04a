import type * as Undici from 'undici';

/** npm's `undici` exports. */
export type UndiciModule = typeof Undici;

/**
 * The one door to npm's `undici` (its import costs about 140 ms): loaded only for a proxy or extra trusted roots,
 * on the first request that needs them. Without either, Node's own fetch and global dispatcher carry everything.
 */
export function loadUndici(): Promise<UndiciModule> {
  return import('undici');
}
