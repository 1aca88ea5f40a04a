import { X509Certificate, constants, createSign, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { AppRecord, TenantRecord } from './directory';
import { newGuid } from './ids';
import type { FederatedTokenOptions } from './types';

/** Why Entra ID refuses a client assertion: the AADSTS number, the OAuth error and Entra's text. */
export interface AssertionProblem {
  status: number;
  error: string;
  code: number;
  message: string;
}

/** `client_assertion_type` of a JWT client assertion. */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface Jwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signed: string;
  signature: Buffer;
}

function decode(token: string): Jwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[\w-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!header || typeof header !== 'object' || !payload || typeof payload !== 'object') return undefined;
    return { header: header as Record<string, unknown>, payload: payload as Record<string, unknown>, signed: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

/** Checks an RS256 or PS256 signature. */
function signatureValid(jwt: Jwt, key: KeyObject): boolean {
  const alg = jwt.header.alg;
  if (alg !== 'RS256' && alg !== 'PS256') return false;
  try {
    const verify = createVerify('RSA-SHA256').update(jwt.signed);
    return alg === 'PS256'
      ? verify.verify({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, jwt.signature)
      : verify.verify(key, jwt.signature);
  } catch {
    return false;
  }
}

const SKEW_SECONDS = 300;

function timeProblem(payload: Record<string, unknown>, now: number): AssertionProblem | undefined {
  const exp = payload.exp;
  const nbf = payload.nbf;
  const iso = (s: number) => new Date(s * 1000).toISOString();
  if (typeof exp !== 'number' || exp <= now - SKEW_SECONDS || (typeof nbf === 'number' && nbf > now + SKEW_SECONDS)) {
    return {
      status: 400,
      error: 'invalid_client',
      code: 700024,
      message: `Client assertion is not within its valid time range. Current time: ${iso(now)}, assertion valid from ${typeof nbf === 'number' ? iso(nbf) : 'unknown'}, expiry time of assertion ${typeof exp === 'number' ? iso(exp) : 'unknown'}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .`,
    };
  }
  return undefined;
}

/** The emulator playing an external identity provider (an AKS cluster's OIDC issuer, GitHub Actions). */
export class FederatedIssuer {
  readonly issuer: string;
  #keys: { privateKey: KeyObject; publicKey: KeyObject } | undefined;
  readonly #kid = randomBytes(8).toString('hex');

  constructor(issuer: string) {
    this.issuer = issuer;
  }

  /** A signed token; the key pair is made on first use (emulators that never federate do not pay for it). */
  issue(options: FederatedTokenOptions): string {
    this.#keys ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (options.expiresInSeconds ?? 3600);
    const header = { alg: 'RS256', typ: 'JWT', kid: this.#kid };
    const payload = { aud: [options.audience ?? 'api://AzureADTokenExchange'], iss: options.issuer ?? this.issuer, sub: options.subject, iat: Math.min(now, exp - 1), nbf: Math.min(now, exp - 1), exp, jti: newGuid() };
    const signed = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${signed}.${createSign('RSA-SHA256').update(signed).sign(this.#keys.privateKey).toString('base64url')}`;
  }

  /** True when this issuer signed the token. */
  signed(jwt: Jwt): boolean {
    return this.#keys !== undefined && jwt.header.kid === this.#kid && signatureValid(jwt, this.#keys.publicKey);
  }
}

/** The audiences Entra accepts in a certificate assertion: the token endpoints and the issuer of this tenant. */
function tokenAudiences(baseUrl: string, tenant: TenantRecord): string[] {
  const segments = [tenant.id, ...tenant.domains];
  return segments.flatMap((t) => [`${baseUrl}/${t}/oauth2/v2.0/token`, `${baseUrl}/${t}/oauth2/token`, `${baseUrl}/${t}/v2.0`, `${baseUrl}/${t}/`]).map((a) => a.toLowerCase());
}

/**
 * Checks a `client_assertion` the way Entra ID does: a certificate assertion (`iss` = `sub` = client ID, `aud` =
 * the token endpoint, signed by an uploaded certificate named by `x5t#S256`), or a federated one (a token of a
 * trusted issuer whose issuer, subject and audience match one of the app's federated credentials).
 */
export function checkClientAssertion(app: AppRecord, tenant: TenantRecord, baseUrl: string, assertion: string, issuer: FederatedIssuer): AssertionProblem | undefined {
  const jwt = decode(assertion);
  if (!jwt) return { status: 400, error: 'invalid_request', code: 50027, message: 'JWT token is invalid or malformed.' };
  const { header, payload } = jwt;
  const now = Math.floor(Date.now() / 1000);
  const iss = typeof payload.iss === 'string' ? payload.iss : '';
  const sub = typeof payload.sub === 'string' ? payload.sub : '';
  const auds = (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).filter((a): a is string => typeof a === 'string');

  if (iss.toLowerCase() !== app.clientId) return checkFederated(app, jwt, iss, sub, auds, now, issuer);

  // A certificate assertion.
  if (sub.toLowerCase() !== app.clientId) {
    return { status: 400, error: 'invalid_client', code: 700021, message: "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials ." };
  }
  const accepted = tokenAudiences(baseUrl, tenant);
  if (!auds.some((a) => accepted.includes(a.toLowerCase()))) {
    return { status: 400, error: 'invalid_client', code: 50027, message: `Invalid JWT token. The audience claim '${auds.join(', ')}' is not the token endpoint of this tenant.` };
  }
  const x5tS256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  const x5t = typeof header.x5t === 'string' ? header.x5t : undefined;
  const cert = app.certificates.find((c) => (x5tS256 !== undefined && c.x5tS256 === x5tS256) || (x5t !== undefined && c.x5t === x5t));
  const used = x5tS256 ? Buffer.from(x5tS256, 'base64url').toString('hex').toUpperCase() : x5t ? Buffer.from(x5t, 'base64url').toString('hex').toUpperCase() : 'none';
  const notFound = (reason: string): AssertionProblem => ({
    status: 401,
    error: 'invalid_client',
    code: 700027,
    message: `Client assertion failed signature validation. [Reason - ${reason}, Thumbprint of key used by client: '${used}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/api/application-addkey .]`,
  });
  if (!cert) return notFound('The key was not found.');
  if (!signatureValid(jwt, new X509Certificate(cert.pem).publicKey)) return notFound('The provided signature value did not match the expected signature value.');
  if (cert.notAfter.getTime() <= Date.now()) return notFound('The key used is expired.');
  return timeProblem(payload, now);
}

function checkFederated(app: AppRecord, jwt: Jwt, iss: string, sub: string, auds: string[], now: number, issuer: FederatedIssuer): AssertionProblem | undefined {
  const presented = `Assertion Issuer: '${iss}'. Assertion Subject: '${sub}'. Assertion Audience: '${auds.join(', ')}'.`;
  if (app.federated.length === 0) {
    return { status: 400, error: 'invalid_request', code: 70021, message: `No matching federated identity record found for presented assertion. ${presented} Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.` };
  }
  const byIssuer = app.federated.filter((f) => f.issuer === iss);
  if (byIssuer.length === 0) {
    return { status: 400, error: 'invalid_request', code: 700211, message: `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.` };
  }
  if (!issuer.signed(jwt)) {
    return { status: 401, error: 'invalid_client', code: 700027, message: 'Client assertion failed signature validation. [Reason - The key was not found.]' };
  }
  const expired = timeProblem(jwt.payload, now);
  if (expired) return expired;
  const bySubject = byIssuer.filter((f) => f.subject === sub);
  if (bySubject.length === 0) {
    return { status: 400, error: 'invalid_request', code: 700213, message: `No matching federated identity record found for presented assertion subject '${sub}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.` };
  }
  if (!bySubject.some((f) => f.audiences.some((a) => auds.includes(a)))) {
    return { status: 400, error: 'invalid_request', code: 700212, message: `No matching federated identity record found for presented assertion audience '${auds.join(', ')}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.` };
  }
  return undefined;
}
