/**
 * Node built-ins that the main entry needs only once it does something (a send, a file read, an encryption),
 * handed out on first use. Imported as ES modules at start-up they would cost every `import 'o365-oauth-mailer'`,
 * every CLI call and every cold start several milliseconds: `node:crypto` takes 3–7 ms to load, and the ES
 * module facades of `node:fs` and `node:fs/promises` read every lazy export, which loads all of `node:stream`.
 * `process.getBuiltinModule` (Node ≥ 20.16) returns the module itself, without that facade.
 *
 * Types come from `import type`, which costs nothing at run time.
 */

let crypto: typeof import('node:crypto') | undefined;
let stream: typeof import('node:stream') | undefined;

/** `node:crypto`, loaded on first use. */
export function nodeCrypto(): typeof import('node:crypto') {
  return (crypto ??= process.getBuiltinModule('node:crypto'));
}

/** `node:fs` (loaded by Node at start-up already; this skips its ES module facade). */
export function nodeFs(): typeof import('node:fs') {
  return process.getBuiltinModule('node:fs');
}

/** `node:fs/promises`, loaded on first use. */
export function nodeFsPromises(): typeof import('node:fs/promises') {
  return process.getBuiltinModule('node:fs').promises;
}

/** `node:stream`, loaded on first use. */
export function nodeStream(): typeof import('node:stream') {
  return (stream ??= process.getBuiltinModule('node:stream'));
}

/** True when `value` is a Node `Readable` stream; loads `node:stream` only when `value` is some object. */
export function isNodeReadable(value: unknown): value is import('node:stream').Readable {
  return typeof value === 'object' && value !== null && value instanceof nodeStream().Readable;
}

/** `node:https`, loaded on first use (with `node:tls`, as Node's fetch loads it on its first request). */
export function nodeHttps(): typeof import('node:https') {
  return process.getBuiltinModule('node:https');
}

/** `node:tls`, loaded on first use. */
export function nodeTls(): typeof import('node:tls') {
  return process.getBuiltinModule('node:tls');
}

/** `node:http`, loaded on first use. */
export function nodeHttp(): typeof import('node:http') {
  return process.getBuiltinModule('node:http');
}

/** `node:util` (loaded by Node at start-up already; this skips its ES module facade, which loads more). */
export function nodeUtil(): typeof import('node:util') {
  return process.getBuiltinModule('node:util');
}

/**
 * `util.inspect.custom`: the method key `util.inspect` calls for a custom view. It is a registered symbol, so this
 * is the very same symbol, without importing `node:util`.
 */
export const INSPECT_CUSTOM: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;
