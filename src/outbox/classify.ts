import type { ErrorCode } from '../index';

/** What an error from `send()` means for an outbox item. */
export type SendFailureKind =
  /** Nothing was sent; try again later (backoff, for up to `maxAgeMs`). */
  | 'retry'
  /** Nothing was sent; the sender's whole queue waits (Retry-After). */
  | 'throttle'
  /** A setup problem: nothing was sent, and every item of this sender would fail the same way. */
  | 'pause'
  /** The mail may have gone out: reconcile through Sent Items, never resend blindly. */
  | 'unknown'
  /** Refused for good. */
  | 'failed';

/** Setup errors: the sender's queue pauses until the administrator fixes the setup. */
const PAUSE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SECRET_INVALID',
  'SECRET_EXPIRED',
  'SECRET_MISSING',
  'SECRET_STORE_LOCKED',
  'FILE_ACCESS',
  'CONSENT_MISSING',
  'MAILBOX_NOT_FOUND',
  'MAILBOX_ACCESS_DENIED',
  'TENANT_NOT_FOUND',
  'CLIENT_NOT_FOUND',
  'AUTH_FAILED',
  'CERTIFICATE_NOT_REGISTERED',
  'ASSERTION_EXPIRED',
  'FEDERATED_CREDENTIAL_MISMATCH',
  'MANAGED_IDENTITY_UNAVAILABLE',
  'CREDENTIAL_UNAVAILABLE',
]);

/** Errors that prove nothing was sent and may pass later. */
const RETRY: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['SERVICE_UNAVAILABLE', 'NETWORK', 'TIMEOUT']);

/** Refusals that will not change by trying again. */
const FAILED: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['MESSAGE_INVALID', 'ATTACHMENT_TOO_LARGE', 'SEND_AS_DENIED', 'CONFIG_INVALID']);

/**
 * Classifies a `send()` failure by its code. Anything the mailer could not place (`DELIVERY_UNKNOWN`, a cancelled
 * request, an unexpected `UNKNOWN`) is treated as possibly sent: it is reconciled, never resent blindly.
 */
export function classifySendFailure(code: ErrorCode | undefined): SendFailureKind {
  if (code === undefined) return 'unknown';
  if (code === 'THROTTLED') return 'throttle';
  if (PAUSE.has(code)) return 'pause';
  if (RETRY.has(code)) return 'retry';
  if (FAILED.has(code)) return 'failed';
  return 'unknown';
}

/** True when a Sent Items lookup failed because the app may not read the mailbox (no Mail.ReadBasic.All). */
export function isReadPermissionError(code: ErrorCode | undefined): boolean {
  return code !== undefined && PAUSE.has(code);
}
