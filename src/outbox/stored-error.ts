import type { ErrorCode, MailerError, SetupStep } from '../index';

/** A {@link MailerError} as the store keeps it: its printable fields (never a secret: they are already scrubbed). */
export interface StoredError {
  code: ErrorCode;
  message: string;
  fix?: string;
  step?: SetupStep;
  status?: number;
  requestId?: string;
  retryAfterMs?: number;
}

/** The fields of `error` worth keeping. */
export function storedError(error: MailerError): StoredError {
  const out: StoredError = { code: error.code, message: error.message };
  if (error.fix !== undefined) out.fix = error.fix;
  if (error.step !== undefined) out.step = error.step;
  if (error.status !== undefined) out.status = error.status;
  if (error.requestId !== undefined) out.requestId = error.requestId;
  if (error.retryAfterMs !== undefined) out.retryAfterMs = error.retryAfterMs;
  return out;
}
