import { readClaims } from '../auth/claims';
import type { Credential } from '../auth/credential';
import type { TokenProvider } from '../auth/token-provider';
import type { ResolvedConfig } from '../config/validate';
import { CATALOGUE, MANAGED_IDENTITY_ROLE_FIX, catalogued, fromEntra, fromRedirect, fromTransport, type CatalogueContext } from '../errors/catalogue';
import { MailerError, isMailerError } from '../errors/mailer-error';
import { parseJson, type HttpClient } from '../http/http-client';
import { TransportError } from '../http/transport-error';
import type { MailMessage, SendOptions, SendResult } from '../message/types';
import type { VerifyCheck, VerifyCheckId, VerifyOptions, VerifyReport } from './types';

/** What verify() needs from the mailer. */
export interface VerifyDeps {
  config: ResolvedConfig;
  http: HttpClient;
  tokens: TokenProvider;
  credential: Credential;
  secrets: () => readonly string[];
  context: () => CatalogueContext;
  send: (message: MailMessage, options?: SendOptions) => Promise<SendResult>;
  now?: () => number;
}

const DAY_MS = 86_400_000;
const ORDER: VerifyCheckId[] = ['tenant', 'credentials', 'permission', 'redirect-uri', 'secret-expiry', 'credential-expiry', 'test-email'];
const STEP: Record<VerifyCheckId, 1 | 2 | 3 | 4 | 5 | 6> = {
  tenant: 1,
  credentials: 5,
  permission: 3,
  'redirect-uri': 4,
  'secret-expiry': 5,
  'credential-expiry': 5,
  'test-email': 6,
};

function failed(id: VerifyCheckId, err: MailerError): VerifyCheck {
  return { id, status: 'fail', message: err.message, step: err.step ?? STEP[id], code: err.code, ...(err.fix ? { fix: err.fix } : {}) };
}

function skipped(id: VerifyCheckId, message: string): VerifyCheck {
  return { id, status: 'skip', message, step: STEP[id] };
}

/** Runs the checks in the setup guide's order; see {@link O365OAuthMailer.verify}. */
export async function runVerify(deps: VerifyDeps, options: VerifyOptions): Promise<VerifyReport> {
  const { config } = deps;
  const { signal } = options;
  const now = deps.now ?? Date.now;
  const checks = new Map<VerifyCheckId, VerifyCheck>();
  const throwIfAborted = () => {
    if (signal?.aborted) throw new MailerError(catalogued('ABORTED', 'Verification was cancelled.'));
  };
  let permissions: string[] | undefined;

  // Step 1: the tenant, asked directly, because msal-node reports an unknown tenant without its AADSTS code.
  const tenant = await checkTenant(deps, signal);
  checks.set('tenant', tenant);
  throwIfAborted();

  let token: string | undefined;
  if (tenant.status === 'fail') {
    checks.set('credentials', skipped('credentials', 'Not checked: the tenant must be found first.'));
  } else {
    try {
      // A fresh token: one cached from before admin consent would carry the old permissions until it expires.
      token = (await deps.tokens.getToken({ fresh: true, ...(signal ? { signal } : {}) })).token;
      checks.set('credentials', {
        id: 'credentials',
        status: 'pass',
        step: 5,
        message:
          deps.credential.kind === 'managed-identity'
            ? `The Azure host issued a token for ${deps.credential.description}.`
            : `Entra ID issued a token to the application ${config.clientId} with ${deps.credential.description}.`,
      });
    } catch (err) {
      throwIfAborted();
      checks.set('credentials', failed('credentials', asMailerError(err, deps)));
    }
  }

  let mayEmail = token !== undefined;
  /** Mail.Send is not in the token, which proves nothing under RBAC for Applications: the test email decides. */
  let unproven = false;
  if (token === undefined) {
    checks.set('permission', skipped('permission', 'Not checked: it needs a token.'));
  } else {
    const claims = readClaims(token);
    if (!claims) {
      checks.set('permission', skipped('permission', 'The token could not be read; the test email decides whether Mail.Send is granted.'));
    } else {
      permissions = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
      const delegated = typeof claims.scp === 'string' && /Mail\.Send/i.test(claims.scp);
      if (delegated && !permissions.includes('Mail.Send')) {
        mayEmail = false;
        checks.set('permission', {
          id: 'permission',
          status: 'fail',
          step: 3,
          code: 'CONSENT_MISSING',
          message: 'The token carries Mail.Send as a Delegated permission, but this app needs the Application permission.',
          fix: CATALOGUE.CONSENT_MISSING.fix,
        });
      } else if (!permissions.includes('Mail.Send')) {
        unproven = true;
        const found = permissions.length ? `only ${permissions.join(', ')}` : 'no application permissions';
        checks.set('permission', {
          id: 'permission',
          status: 'warn',
          step: 3,
          code: 'CONSENT_MISSING',
          message: `Not proven: Mail.Send is not in the token (it carries ${found}). It may be granted through Exchange RBAC for Applications, which puts no roles in the token; a test email decides.`,
          fix: `${options.to === undefined ? 'Run verify with `to` to send a test email. ' : ''}${deps.credential.kind === 'managed-identity' ? MANAGED_IDENTITY_ROLE_FIX : RBAC_OR_CONSENT}`,
        });
      } else {
        const large = permissions.includes('Mail.ReadWrite')
          ? 'Mail.ReadWrite is granted too, so attachments up to 150 MB can be sent.'
          : 'Mail.ReadWrite is not granted, so messages are limited to 4 MB (grant it as an application permission to send attachments up to 150 MB).';
        checks.set('permission', { id: 'permission', status: 'pass', step: 3, message: `Mail.Send is granted with admin consent. ${large}` });
      }
    }
  }

  checks.set(
    'redirect-uri',
    skipped(
      'redirect-uri',
      deps.credential.kind === 'managed-identity'
        ? 'Not needed: a managed identity has no app registration, so steps 1 to 5 do not apply; its service principal needs the Graph app role Mail.Send instead.'
        : 'Not needed: this app signs in with client credentials (no user, no browser), which use no redirect URI. Step 4 can be left as it is.',
    ),
  );
  if (deps.credential.kind === 'secret' || deps.credential.kind === 'secret-store') {
    checks.set('secret-expiry', checkExpiry(config.secretExpiresAt, now()));
  } else {
    checks.set('credential-expiry', await checkCredentialExpiry(deps.credential, now()));
  }

  if (options.to === undefined) {
    checks.set(
      'test-email',
      skipped(
        'test-email',
        `The sender was not tested: only a test email proves that ${config.sender} exists, has an Exchange Online licence and that Exchange lets this app send from it. Pass \`to\` to send one.`,
      ),
    );
  } else if (!mayEmail) {
    checks.set('test-email', skipped('test-email', 'Not sent: the checks above already show it would fail.'));
  } else {
    throwIfAborted();
    const email = await sendTestEmail(deps, options.to, signal, now());
    checks.set('test-email', email);
    if (unproven) checks.set('permission', decidedByEmail(email, checks.get('permission')!));
    throwIfAborted();
  }

  const list = ORDER.map((id) => checks.get(id)).filter((c): c is VerifyCheck => c !== undefined);
  const report: VerifyReport = { ok: list.every((c) => c.status !== 'fail'), checks: list };
  if (permissions) report.permissions = permissions;
  return report;
}

const RBAC_OR_CONSENT =
  'If the app is meant to send from every mailbox, add Microsoft Graph › Application permissions › Mail.Send (step 2) and grant admin consent (step 3). If it is scoped to some mailboxes, assign it "Application Mail.Send" through Exchange RBAC for Applications with a scope that includes the sender (see docs/security.md).';

/** The permission line once the test email has answered what the token could not. */
function decidedByEmail(email: VerifyCheck, permission: VerifyCheck): VerifyCheck {
  if (email.status === 'pass') {
    return {
      id: 'permission',
      status: 'pass',
      step: 3,
      message: 'Mail.Send is not in the token, but Exchange let the app send the test email: the permission is granted through Exchange RBAC for Applications for this mailbox.',
    };
  }
  if (email.code === 'CONSENT_MISSING') {
    return { ...permission, status: 'fail', message: `Mail.Send is not granted: the token carries no Mail.Send and Microsoft Graph refused the test email. ${email.message}`, fix: email.fix ?? permission.fix! };
  }
  return permission;
}

function asMailerError(err: unknown, deps: VerifyDeps): MailerError {
  return err instanceof MailerError
    ? err
    : new MailerError({ ...catalogued('UNKNOWN', `Unexpected failure: ${String((err as Error)?.message ?? err)}`), cause: err }, deps.secrets());
}

async function checkTenant(deps: VerifyDeps, signal: AbortSignal | undefined): Promise<VerifyCheck> {
  const { authorityHost, name } = deps.config.cloud;
  const url = `${authorityHost}/${encodeURIComponent(deps.config.tenantId)}/v2.0/.well-known/openid-configuration`;
  try {
    const res = await deps.http.request({ method: 'GET', url, ...(signal ? { signal } : {}) });
    if (res.status === 200) {
      return { id: 'tenant', status: 'pass', step: 1, message: `The tenant ${deps.config.tenantId} exists in the ${name} cloud (${new URL(authorityHost).host}).` };
    }
    if (res.status >= 300 && res.status < 400) {
      return failed('tenant', new MailerError(fromRedirect(res.status, res.headers.get('location'), `reaching ${new URL(authorityHost).host}`, false), deps.secrets()));
    }
    const body = parseJson<{ error_codes?: unknown; error_description?: unknown; trace_id?: unknown }>(res.text) ?? {};
    const errorNo = Array.isArray(body.error_codes) ? Number(body.error_codes[0]) : undefined;
    const description = typeof body.error_description === 'string' ? body.error_description : `HTTP ${res.status}`;
    const init = fromEntra(
      Number.isFinite(errorNo) ? errorNo : res.status === 400 || res.status === 404 ? 90002 : undefined,
      description,
      deps.context(),
      res.status,
      typeof body.trace_id === 'string' ? body.trace_id : undefined,
    );
    return failed('tenant', new MailerError(init, deps.secrets()));
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    if (err.failure === 'aborted') throw new MailerError(catalogued('ABORTED', 'Verification was cancelled.'));
    const init = fromTransport({ failure: err.failure, detail: err.message, doing: `reaching ${new URL(authorityHost).host}`, couldDeliver: false, ...(err.proxy !== undefined ? { proxy: err.proxy } : {}) });
    return failed('tenant', new MailerError({ ...init, code: 'NETWORK', fix: (err.proxy !== undefined && init.fix) || CATALOGUE.NETWORK.fix }, deps.secrets()));
  }
}

function checkExpiry(expiresAt: Date | undefined, now: number): VerifyCheck {
  if (!expiresAt) {
    return skipped('secret-expiry', 'No `secretExpiresAt` configured: set it to the Expires date of step 5 to be warned before the secret expires.');
  }
  const days = Math.floor((expiresAt.getTime() - now) / DAY_MS);
  const date = expiresAt.toISOString().slice(0, 10);
  if (expiresAt.getTime() <= now) {
    return { id: 'secret-expiry', status: 'fail', step: 5, code: 'SECRET_EXPIRED', message: `The client secret expired on ${date}.`, fix: CATALOGUE.SECRET_EXPIRED.fix };
  }
  if (days < 30) {
    return {
      id: 'secret-expiry',
      status: 'warn',
      step: 5,
      code: 'CREDENTIAL_EXPIRING',
      message: `The client secret still works but expires on ${date}, in ${days} day(s). Mail stops then.`,
      fix: 'Before that date, create a new client secret (step 5), enter its Value (step 6) and update `secretExpiresAt`.',
    };
  }
  return { id: 'secret-expiry', status: 'pass', step: 5, message: `The client secret is valid until ${date} (${days} days).` };
}

/** A certificate's own expiry; federated credentials and managed identities have nothing to renew. */
async function checkCredentialExpiry(credential: Credential, now: number): Promise<VerifyCheck> {
  let expiry;
  try {
    expiry = await credential.expiry();
  } catch (err) {
    return skipped('credential-expiry', `Not checked: ${credential.description} could not be read (${err instanceof Error ? err.message : String(err)}).`);
  }
  if (!expiry) {
    const what = credential.kind === 'managed-identity' ? 'a managed identity has no secret or certificate to renew' : 'a federated credential trusts the issuer of a token that the platform renews; nothing here expires';
    return { id: 'credential-expiry', status: 'pass', step: 5, message: `Nothing to renew: ${what}.` };
  }
  const { expiresAt, what } = expiry;
  const days = Math.floor((expiresAt.getTime() - now) / DAY_MS);
  const date = expiresAt.toISOString().slice(0, 10);
  if (expiresAt.getTime() <= now) {
    return { id: 'credential-expiry', status: 'fail', step: 5, code: 'CERTIFICATE_EXPIRED', message: `${what} expired on ${date}.`, fix: CATALOGUE.CERTIFICATE_EXPIRED.fix };
  }
  if (days < 30) {
    return {
      id: 'credential-expiry',
      status: 'warn',
      step: 5,
      code: 'CREDENTIAL_EXPIRING',
      message: `${what} still works but expires on ${date}, in ${days} day(s). Mail stops then.`,
      fix: 'Before that date, create a new certificate (`o365-mailer cert create`), upload it under Certificates & secrets › Certificates (step 5) next to the old one, configure it, and delete the old one once mail flows.',
    };
  }
  return { id: 'credential-expiry', status: 'pass', step: 5, message: `${what} is valid until ${date} (${days} days).` };
}

async function sendTestEmail(deps: VerifyDeps, to: string, signal: AbortSignal | undefined, now: number): Promise<VerifyCheck> {
  const sender = deps.config.sender;
  const when = new Date(now).toISOString();
  try {
    const result = await deps.send(
      {
        to,
        subject: `o365-oauth-mailer configuration test from ${sender}`,
        text: `This is a configuration test sent by o365-oauth-mailer (the Test button).\n\nSender: ${sender}\nTime: ${when}\n\nIf you can read this, the Microsoft 365 mail settings work. No reply is needed.`,
      },
      signal ? { signal } : {},
    );
    return {
      id: 'test-email',
      status: 'pass',
      step: 6,
      message: `Exchange accepted the test email to ${to} (request ${result.requestId ?? 'n/a'}). If it does not arrive, delivery problems come back as a bounce (NDR) to ${sender}'s mailbox.`,
    };
  } catch (err) {
    if (isMailerError(err, 'ABORTED')) throw err;
    return failed('test-email', asMailerError(err, deps));
  }
}
