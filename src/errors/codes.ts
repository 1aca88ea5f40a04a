/**
 * Every code a {@link MailerError} can carry. A code is a promise to users: codes are only ever added, never renamed.
 *
 * - Configuration and input: `CONFIG_INVALID`, `MESSAGE_INVALID`, `ATTACHMENT_TOO_LARGE`, `SECRET_MISSING`,
 *   `SECRET_STORE_LOCKED`, `FILE_ACCESS`.
 * - Setup-guide diagnostics: `TENANT_NOT_FOUND`, `CLIENT_NOT_FOUND`, `SECRET_INVALID`, `SECRET_EXPIRED`,
 *   `AUTH_FAILED`, `CONSENT_MISSING`, `MAILBOX_NOT_FOUND`, `MAILBOX_ACCESS_DENIED`, `SEND_AS_DENIED`,
 *   `CREDENTIAL_EXPIRING`.
 * - Credentials without a secret: `CREDENTIAL_UNAVAILABLE`, `CERTIFICATE_NOT_REGISTERED`, `CERTIFICATE_EXPIRED`,
 *   `ASSERTION_EXPIRED`, `FEDERATED_CREDENTIAL_MISMATCH`, `MANAGED_IDENTITY_UNAVAILABLE`.
 * - Delivery: `THROTTLED`, `SERVICE_UNAVAILABLE`, `DELIVERY_UNKNOWN`, `NETWORK`, `TIMEOUT`, `ABORTED`, `UNKNOWN`.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'MESSAGE_INVALID',
  'ATTACHMENT_TOO_LARGE',
  'SECRET_MISSING',
  'SECRET_STORE_LOCKED',
  'FILE_ACCESS',
  'TENANT_NOT_FOUND',
  'CLIENT_NOT_FOUND',
  'SECRET_INVALID',
  'SECRET_EXPIRED',
  'AUTH_FAILED',
  'CONSENT_MISSING',
  'MAILBOX_NOT_FOUND',
  'MAILBOX_ACCESS_DENIED',
  'SEND_AS_DENIED',
  'THROTTLED',
  'SERVICE_UNAVAILABLE',
  'DELIVERY_UNKNOWN',
  'NETWORK',
  'TIMEOUT',
  'ABORTED',
  'UNKNOWN',
  'CREDENTIAL_EXPIRING',
  'CREDENTIAL_UNAVAILABLE',
  'CERTIFICATE_NOT_REGISTERED',
  'CERTIFICATE_EXPIRED',
  'ASSERTION_EXPIRED',
  'FEDERATED_CREDENTIAL_MISMATCH',
  'MANAGED_IDENTITY_UNAVAILABLE',
] as const;

/** The closed set of stable error codes. See `docs/troubleshooting.md` for what each means and how to fix it. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A step of the setup guide: 1 register the app, 2 add Mail.Send, 3 grant consent, 4 redirect URI, 5 client secret, 6 enter the settings and test. */
export type SetupStep = 1 | 2 | 3 | 4 | 5 | 6;
