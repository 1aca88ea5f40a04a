import type { ErrorCode } from '../errors/codes';
import type { MailerError } from '../errors/mailer-error';
import { unexpected } from '../errors/unexpected';

/**
 * The properties nodemailer's SMTP errors carry, added to the transport's `MailerError`s so that handlers written
 * for nodemailer keep working. `code` stays the library's stable code (`SECRET_INVALID`, `THROTTLED`…).
 */
export interface TransportErrorFields {
  /** The HTTP status Microsoft answered with (401, 403, 429, 503…), like an SMTP reply code; absent when no answer came. */
  responseCode?: number;
  /**
   * The stage that failed, in nodemailer's terms: `'CONN'` (Microsoft could not be reached: `NETWORK`, `TIMEOUT`),
   * `'AUTH'` (the app's credentials, tenant or consent: getting a token failed), `'API'` (a Microsoft Graph request
   * was refused or its answer lost). Absent when the message was refused before any request.
   */
  command?: 'CONN' | 'AUTH' | 'API';
  /** nodemailer 10's `err.permanent`: true when sending the same message again cannot succeed (`!retriable`). */
  permanent: boolean;
}

/** A `MailerError` as the transport hands it to nodemailer. */
export type TransportError = MailerError & TransportErrorFields;

const AUTH_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'TENANT_NOT_FOUND',
  'CLIENT_NOT_FOUND',
  'SECRET_INVALID',
  'SECRET_EXPIRED',
  'SECRET_MISSING',
  'SECRET_STORE_LOCKED',
  'AUTH_FAILED',
  'CONSENT_MISSING',
  'CREDENTIAL_UNAVAILABLE',
  'CERTIFICATE_NOT_REGISTERED',
  'CERTIFICATE_EXPIRED',
  'ASSERTION_EXPIRED',
  'FEDERATED_CREDENTIAL_MISMATCH',
  'MANAGED_IDENTITY_UNAVAILABLE',
]);

const API_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['MAILBOX_NOT_FOUND', 'MAILBOX_ACCESS_DENIED', 'SEND_AS_DENIED', 'THROTTLED', 'SERVICE_UNAVAILABLE', 'DELIVERY_UNKNOWN']);

function commandOf(err: MailerError): TransportErrorFields['command'] {
  if (err.code === 'NETWORK' || err.code === 'TIMEOUT') return 'CONN';
  if (AUTH_CODES.has(err.code)) return 'AUTH';
  if (API_CODES.has(err.code) || err.status !== undefined) return 'API';
  return undefined;
}

/**
 * The error the transport gives nodemailer: a `MailerError` (any other error becomes `UNKNOWN`), with
 * `responseCode`, `command` and `permanent` added as nodemailer's SMTP errors have them.
 */
export function transportError(error: unknown, secrets: readonly string[] = []): TransportError {
  // By name, not instanceof: a mailer from the other module system (ESM/CommonJS) has its own MailerError class.
  const err = (error instanceof Error && error.name === 'MailerError' ? error : unexpected(error, 'sending', secrets)) as MailerError;
  const fields: TransportErrorFields = { permanent: !err.retriable };
  if (err.status !== undefined) fields.responseCode = err.status;
  const command = commandOf(err);
  if (command !== undefined) fields.command = command;
  return Object.assign(err, fields);
}
