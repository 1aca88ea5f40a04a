import { MailerError } from '../errors/mailer-error';
import { describeError } from '../reliability/user-code';
import { isNodeReadable } from '../runtime/node-builtins';

/** How {@link ownSnapshot} reports what it refuses. */
export interface SnapshotOptions {
  /** `CONFIG_INVALID` for the configuration, `MESSAGE_INVALID` for a message. */
  code: 'CONFIG_INVALID' | 'MESSAGE_INVALID';
  /** The fix sentence of every refusal. */
  fix: string;
  /**
   * Whether the plain object or array at `path` (e.g. `config.cloud`) is copied too; objects that are not copied are
   * kept as they are (stores, caches, loggers). @default every plain object and array
   */
  deep?: (path: string) => boolean;
}

const MAX_DEPTH = 12;

/**
 * The prototype of every object {@link ownSnapshot} makes: empty, frozen, and without a prototype of its own, so
 * nothing inherited (a polluted `Object.prototype`) can show through a copy. Copies made with
 * `Object.create(null)` would be as safe, but V8 keeps those in its slow dictionary mode, and a send reads them often.
 */
export const SNAPSHOT_PROTOTYPE: object = Object.freeze(Object.create(null) as object);

/** The refusal of the value at `field`. */
function refusal(options: SnapshotOptions, field: string, problem: string): MailerError {
  return new MailerError({ code: options.code, message: `\`${field}\` ${problem}`, fix: options.fix });
}

/**
 * Objects that are values in their own right and are kept as they are: bytes, streams, dates, URLs, collections
 * (a `Map` of headers is refused later, by name), signals. Every other object is data, read through its own
 * properties only, whatever its prototype. Plain objects and arrays, what a send mostly holds, are told apart by
 * their prototype alone.
 */
function isValueObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === Array.prototype || proto === null || proto === SNAPSHOT_PROTOTYPE) return false;
  return (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    isNodeReadable(value) ||
    (typeof ReadableStream === 'function' && value instanceof ReadableStream) ||
    value instanceof Date ||
    value instanceof URL ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof AbortSignal ||
    value instanceof Promise
  );
}

/** An array index as `Object.keys` gives it: `0`, `1`, … (not `01`, `-1` or `length`). */
const INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * A copy of `value` that holds only its **own** enumerable string-keyed properties, read once, recursively for
 * objects and arrays whatever their prototype; values such as Buffers, streams and Dates are kept as they are
 * (`options.deep` can keep more, e.g. the stores in a configuration). Copied objects inherit from
 * {@link SNAPSHOT_PROTOTYPE} only, so nothing inherited (a polluted `Object.prototype.path`, or a `__proto__` key
 * that `Object.assign` turned into a prototype) can reach the library afterwards.
 *
 * Everything that would otherwise escape as a raw `TypeError` becomes a {@link MailerError} naming the field: a
 * getter or Proxy trap that throws, a BigInt or Symbol value, a structure nested deeper than 12 levels (a cycle).
 *
 * @example
 * ```ts
 * const message = ownSnapshot(input, 'message', { code: 'MESSAGE_INVALID', fix: 'Pass a plain object.' })
 * ```
 */
export function ownSnapshot<T>(value: T, path: string, options: SnapshotOptions, depth = 0): T {
  if (typeof value === 'bigint' || typeof value === 'symbol') throw refusal(options, path, `is a ${typeof value}, which no field accepts.`);
  if (typeof value !== 'object' || value === null) return value;
  let keys: string[];
  let array: boolean;
  try {
    if (isValueObject(value)) return value;
    if (depth > 0 && options.deep && !options.deep(path)) return value;
    array = Array.isArray(value);
    // Own enumerable string keys only: symbols, inherited and hidden properties are never read.
    keys = Object.keys(value);
  } catch (error) {
    throw refusal(options, path, `could not be read (${describeError(error)}).`);
  }
  if (depth >= MAX_DEPTH) throw refusal(options, path, `is nested more than ${MAX_DEPTH} levels deep (a cycle?).`);
  const out: Record<string, unknown> | unknown[] = array ? [] : (Object.create(SNAPSHOT_PROTOTYPE) as Record<string, unknown>);
  for (const key of keys) {
    if (array && !INDEX.test(key)) continue;
    let item: unknown;
    try {
      item = (value as Record<string, unknown>)[key];
    } catch (error) {
      throw refusal(options, array ? `${path}[${key}]` : `${path}.${key}`, `threw when read (${describeError(error)}).`);
    }
    const plain = typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean' || item === undefined || item === null;
    (out as Record<string, unknown>)[key] = plain ? item : ownSnapshot(item, array ? `${path}[${key}]` : `${path}.${key}`, options, depth + 1);
  }
  return out as T;
}

const CONFIG_FIX = 'Pass the configuration as a plain object of plain values (strings, numbers, booleans, Dates, Buffers, your store and cache objects).';

/**
 * The mailer's configuration as {@link ownSnapshot} reads it: own properties only, `cloud`, `tls`, `retry`,
 * `clientCertificate` and `managedIdentity` copied, every other object (stores, caches, logger) kept as it is. Anything else that goes wrong
 * while reading it is `CONFIG_INVALID` too, never a raw `TypeError`.
 *
 * @example
 * ```ts
 * const config = readOwnConfig(Object.assign({}, JSON.parse(userJson)))
 * ```
 */
export function readOwnConfig<T>(config: T): T {
  return ownSnapshot(config, 'config', {
    code: 'CONFIG_INVALID',
    fix: CONFIG_FIX,
    deep: (path) => ['config.cloud', 'config.tls', 'config.retry', 'config.clientCertificate', 'config.managedIdentity'].includes(path),
  });
}

/**
 * Runs `fn` (validation) and turns anything but a {@link MailerError} it throws into `code`, carrying the
 * underlying message.
 *
 * @example
 * ```ts
 * const resolved = refusing('CONFIG_INVALID', () => validateConfig(config))
 * ```
 */
export function refusing<T>(code: 'CONFIG_INVALID' | 'MESSAGE_INVALID', fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof MailerError) throw error;
    throw new MailerError({
      code,
      message: `The ${code === 'CONFIG_INVALID' ? 'configuration' : 'message'} could not be read: ${describeError(error)}.`,
      fix: code === 'CONFIG_INVALID' ? CONFIG_FIX : MESSAGE_FIX,
      cause: error,
    });
  }
}

const MESSAGE_FIX = 'Pass the message as a plain object of plain values (strings, arrays, Buffers, streams), without getters or Proxies that throw.';

/**
 * A message as {@link ownSnapshot} reads it: own properties only, recursively for plain objects and arrays
 * (addresses, attachments, headers), Buffers and streams kept as they are.
 *
 * @example
 * ```ts
 * const message = readOwnMessage(Object.assign({}, JSON.parse('{"__proto__":{"attachments":[{"path":"/etc/passwd"}]}}')))
 * message.attachments // undefined
 * ```
 */
export function readOwnMessage<T>(message: T): T {
  return ownSnapshot(message, 'message', { code: 'MESSAGE_INVALID', fix: MESSAGE_FIX });
}

/**
 * Send options read once, own properties only (the signal and callbacks kept as they are).
 *
 * @example
 * ```ts
 * const { signal, onProgress } = readOwnOptions(options)
 * ```
 */
export function readOwnOptions<T>(options: T): T {
  if (options === undefined) return options;
  return ownSnapshot(options, 'options', { code: 'CONFIG_INVALID', fix: 'Pass send options as a plain object: { signal, onProgress }.', deep: () => false });
}
