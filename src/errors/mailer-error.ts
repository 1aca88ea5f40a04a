import type { ErrorCode, SetupStep } from './codes';
import { scrub, type Wording } from './redact';
import { nodeUtil } from '../runtime/node-builtins';

/** Everything a {@link MailerError} is made from. */
export interface MailerErrorInit {
  /** The stable error code. */
  code: ErrorCode;
  /** What went wrong, written for the administrator who reads it. */
  message: string;
  /** The setup guide's step to revisit, when the cause is a setup mistake. */
  step?: SetupStep;
  /** One sentence a person can act on. */
  fix?: string;
  /** True when the same call may succeed if tried again later. @default false */
  retriable?: boolean;
  /** The HTTP status Microsoft answered with, if any. */
  status?: number;
  /** Graph's `request-id` (or Entra's `trace_id`), for a support ticket. */
  requestId?: string;
  /** The underlying error. It is scrubbed of secrets and tokens before it is kept. */
  cause?: unknown;
  /** How long Microsoft asked to wait (its Retry-After), when it did. */
  retryAfterMs?: number;
}

/**
 * The one error type the library throws or rejects with. Branch on `code`, show `fix` to the administrator.
 *
 * It is safe to print: its message, stack, `util.inspect` and `JSON.stringify` never contain the client secret,
 * an access token, an Authorization header or an upload URL's query string.
 *
 * @example
 * ```ts
 * try { await mailer.send(msg) } catch (e) {
 *   if (e instanceof MailerError) console.error(`${e.code} (step ${e.step}): ${e.fix}`)
 * }
 * ```
 */
export class MailerError extends Error {
  /** Always `'MailerError'` (for logs that print `error.name`). */
  override readonly name = 'MailerError';
  /** The stable error code. */
  readonly code: ErrorCode;
  /** The setup guide's step (1–6) to revisit, when the cause is a setup mistake. */
  readonly step?: SetupStep;
  /** What to do about it, as one sentence for an administrator. */
  readonly fix?: string;
  /** True when trying the same call again later may succeed (throttling, a service outage, a network error before sending). */
  readonly retriable: boolean;
  /** The HTTP status Microsoft answered with, if any. */
  readonly status?: number;
  /** Graph's `request-id` or Entra's `trace_id`: quote it in a Microsoft support ticket. */
  readonly requestId?: string;
  /** How long Microsoft asked to wait before trying again (its `Retry-After`), on `THROTTLED` and `SERVICE_UNAVAILABLE`. */
  readonly retryAfterMs?: number;

  constructor(init: MailerErrorInit, secrets: readonly string[] = []) {
    const worded = wordedInits.has(init);
    super(worded ? init.message : scrub(init.message, secrets));
    this.code = init.code;
    if (init.step !== undefined) this.step = init.step;
    if (init.fix !== undefined) this.fix = worded ? scrub(init.fix) : scrub(init.fix, secrets);
    this.retriable = init.retriable ?? false;
    if (init.status !== undefined) this.status = init.status;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.cause !== undefined) {
      Object.defineProperty(this, 'cause', {
        value: sanitizeCause(init.cause, secrets),
        enumerable: false,
        writable: true,
        configurable: true,
      });
    }
    if (this.stack) {
      // The stack repeats the message: a worded message keeps its words there too; the frames are scrubbed.
      const at = worded ? this.stack.indexOf(this.message) : -1;
      this.stack = at < 0 ? scrub(this.stack, secrets) : this.stack.slice(0, at + this.message.length) + scrub(this.stack.slice(at + this.message.length), secrets);
    }
  }

  /** A plain, printable object: what `JSON.stringify(error)` gives. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const key of ['step', 'fix', 'retriable', 'status', 'requestId', 'retryAfterMs'] as const) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    return out;
  }
}

/** Inits whose message was rendered from a {@link Wording}: its data values are already redacted. */
const wordedInits = new WeakSet<MailerErrorInit>();

/**
 * A {@link MailerError} whose message is a {@link Wording}: the `secrets` are removed from its data values (and from
 * the cause and stack), never from the library's own words, so redaction cannot reveal a short secret by garbling
 * the sentence around it. Its `fix` must be the library's wording only.
 *
 * @example
 * ```ts
 * throw wordedError({ code: 'SECRET_STORE_LOCKED' }, wording`Cannot open ${path}: the passphrase is wrong.`, [passphrase])
 * ```
 */
export function wordedError(init: Omit<MailerErrorInit, 'message'>, message: Wording, secrets: readonly string[] = []): MailerError {
  const full: MailerErrorInit = { ...init, message: message.render(secrets) };
  wordedInits.add(full);
  return new MailerError(full, secrets);
}

/**
 * Copies a foreign error into a plain Error holding only its name, code and scrubbed message, so a raw request,
 * response, header set or form body hanging off it can never be printed.
 */
function sanitizeCause(cause: unknown, secrets: readonly string[], depth = 0): unknown {
  if (cause instanceof MailerError) return cause;
  if (!(cause instanceof Error)) {
    return typeof cause === 'string' ? scrub(cause, secrets) : scrub(nodeUtil().inspect(cause, { depth: 1 }), secrets);
  }
  const copy = new Error(scrub(cause.message, secrets));
  copy.name = cause.name;
  copy.stack = scrub(cause.stack ?? '', secrets);
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') (copy as { code?: unknown }).code = code;
  const inner = (cause as { cause?: unknown }).cause;
  if (inner !== undefined && depth < 3) {
    Object.defineProperty(copy, 'cause', { value: sanitizeCause(inner, secrets, depth + 1), enumerable: false });
  }
  return copy;
}

/** True when `value` is a {@link MailerError}, optionally with the given code. */
export function isMailerError(value: unknown, code?: ErrorCode): value is MailerError {
  return value instanceof MailerError && (code === undefined || value.code === code);
}
