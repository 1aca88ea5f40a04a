import { catalogued } from '../errors/catalogue';
import { MailerError } from '../errors/mailer-error';
import { callUserCode, describeError, TIMED_OUT } from '../reliability/user-code';
import type { Credential, CredentialExpiry, CredentialHooks } from './credential';
import { createMsalApp, type MsalAppOptions, type TokenClient } from './msal-app';
import { nodeFsPromises } from '../runtime/node-builtins';

/** Where the assertion comes from: the configured string or function, or a file re-read each time. */
export type AssertionSource = { assertion: string | (() => string | Promise<string>) } | { file: string };

const FILE_FIX =
  "On AKS, the workload identity webhook mounts the token file and sets AZURE_FEDERATED_TOKEN_FILE: check that the pod has the label azure.workload.identity/use: \"true\" and runs under the service account annotated with azure.workload.identity/client-id.";

const FUNCTION_FIX =
  'Make the clientAssertion function return the federated token (a JWT) from your identity provider, e.g. the GitHub Actions OIDC token for the audience api://AzureADTokenExchange; the message quotes its failure.';

function unavailable(message: string, fix: string, cause?: unknown): MailerError {
  return new MailerError({ ...catalogued('CREDENTIAL_UNAVAILABLE', message), fix, ...(cause !== undefined ? { cause } : {}) });
}

/**
 * A federated credential (workload identity): a JWT from a trusted issuer is the client assertion. The configured
 * function is called, and the token file read, for each token request (the platform rotates the file), so a
 * fresh assertion always goes out. A failure of either becomes `CREDENTIAL_UNAVAILABLE`, before any token request.
 */
export class AssertionCredential implements Credential {
  readonly kind: 'assertion' | 'federated-token-file';
  readonly description: string;
  readonly #source: AssertionSource;
  readonly #hooks: CredentialHooks;

  readonly #timeoutMs: number;

  /** `timeoutMs` bounds the clientAssertion function: one that never settles fails instead of hanging every send. */
  constructor(source: AssertionSource, hooks: CredentialHooks, timeoutMs = 30_000) {
    this.#source = source;
    this.#hooks = hooks;
    this.#timeoutMs = timeoutMs;
    this.kind = 'file' in source ? 'federated-token-file' : 'assertion';
    this.description = 'file' in source ? `the federated token from ${source.file}` : 'the configured client assertion';
    if ('assertion' in source && typeof source.assertion === 'string') hooks.protect(source.assertion);
  }

  async createClient(options: MsalAppOptions): Promise<TokenClient> {
    return createMsalApp(options, { clientAssertion: () => this.next() });
  }

  /** The assertion for the next token request. */
  async next(): Promise<string> {
    const source = this.#source;
    let value: unknown;
    if ('file' in source) {
      try {
        value = (await nodeFsPromises().readFile(source.file, 'utf8')).trim();
      } catch (error) {
        throw unavailable(`The federated token file ${source.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); no token was requested.`, FILE_FIX, error);
      }
    } else if (typeof source.assertion === 'string') {
      value = source.assertion;
    } else {
      try {
        // The caller's function goes through the same guard as every other piece of user code: a synchronous throw,
        // a rejection or a hang (bounded by timeoutMs) is CREDENTIAL_UNAVAILABLE, before any token request.
        value = await callUserCode(source.assertion, this.#timeoutMs);
      } catch (error) {
        throw unavailable(`The clientAssertion function failed: ${describeError(error)}. No token was requested and nothing was sent.`, FUNCTION_FIX, error);
      }
      if (value === TIMED_OUT) {
        throw unavailable(`The clientAssertion function failed: it did not return within ${this.#timeoutMs} ms (timeoutMs). No token was requested and nothing was sent.`, FUNCTION_FIX);
      }
    }
    if (typeof value !== 'string' || value.trim().split('.').length !== 3) {
      const what = 'file' in source ? `The federated token file ${source.file}` : 'The clientAssertion function';
      throw unavailable(`${what} gave ${typeof value === 'string' ? (value.trim() === '' ? 'an empty value' : 'something that is not a JWT') : `a ${value === null ? 'null' : typeof value}`} instead of a signed JWT; no token was requested.`, 'file' in source ? FILE_FIX : FUNCTION_FIX);
    }
    const jwt = value.trim();
    this.#hooks.protect(jwt);
    return jwt;
  }

  async reload(): Promise<boolean> {
    return false; // read afresh for every token request already
  }

  async expiry(): Promise<CredentialExpiry | undefined> {
    return undefined;
  }
}
