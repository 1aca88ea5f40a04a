import type { ErrorCode, SetupStep } from '../errors/codes';

/** Options of {@link O365OAuthMailer.verify}. */
export interface VerifyOptions {
  /** Also send a test email to this address (the guide's "send a test email", step 6). */
  to?: string;
  /** Cancels the checks; verify() then rejects with `ABORTED`. */
  signal?: AbortSignal;
}

/** The identifiers of the checks, in the setup guide's order. */
export type VerifyCheckId = 'tenant' | 'credentials' | 'permission' | 'redirect-uri' | 'secret-expiry' | 'credential-expiry' | 'test-email';

/** One line of the report. */
export interface VerifyCheck {
  /**
   * Which check: `tenant`, `credentials`, `permission`, `redirect-uri`, `secret-expiry` (a client secret, from
   * `secretExpiresAt`) or `credential-expiry` (a certificate's own expiry; federated credentials and managed
   * identities do not expire), and `test-email`.
   */
  id: VerifyCheckId | (string & {});
  /** `pass`, `fail`, `warn` (works, but act soon), or `skip` (not run, or not applicable). */
  status: 'pass' | 'fail' | 'warn' | 'skip';
  /** What was found, for the administrator. */
  message: string;
  /** The setup guide's step this check is about. */
  step?: SetupStep;
  /** The error code, when the check failed or warns. */
  code?: ErrorCode;
  /** What to do, when the check failed or warns. */
  fix?: string;
}

/** The result of {@link O365OAuthMailer.verify}. */
export interface VerifyReport {
  /** True when no check failed (warnings allowed). */
  ok: boolean;
  /** Every check, in the guide's order. */
  checks: VerifyCheck[];
  /** The application permissions (roles) found in the token, when it could be read. */
  permissions?: string[];
}
