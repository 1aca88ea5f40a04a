import { readClaims } from '../auth/claims';
import type { TokenProvider } from '../auth/token-provider';
import type { Logger } from '../config/types';
import { catalogued, fromGraph, fromRedirect, fromTransport, type CatalogueContext, type GraphFailure } from '../errors/catalogue';
import { MailerError } from '../errors/mailer-error';
import { unexpected } from '../errors/unexpected';
import { TransportError } from '../http/transport-error';
import { abortedError, sleep } from '../reliability/abortable';
import type { MailboxLimiter } from '../reliability/mailbox-limiter';
import { parseRetryAfter } from '../reliability/retry-after';
import type { RetryPolicy } from '../reliability/retry-policy';
import type { GraphApi, GraphCall, GraphReply } from './graph-api';

/** One logical Graph operation, retried as the policy allows. */
export interface GraphOperation {
  method: GraphCall['method'];
  path: string;
  body?: unknown;
  /** A base64 MIME message to send as `text/plain` instead of `body`. */
  mime?: string;
  /** The same across every attempt of one message. */
  clientRequestId: string;
  signal?: AbortSignal;
  /** The body already serialised as JSON, sent as it is (in place of `body`). */
  json?: string;
  /** True for sendMail and a draft's /send: an ambiguous failure then means the mail may be out. */
  couldDeliver: boolean;
  /** What is being done, for messages: "sending the mail". */
  doing: string;
}

/** A successful Graph answer and how many attempts it took. */
export interface GraphOutcome {
  reply: GraphReply;
  attempts: number;
}

/** What a runner is made of. */
export interface GraphRunnerOptions {
  api: GraphApi;
  tokens: TokenProvider;
  limiter: MailboxLimiter;
  policy: RetryPolicy;
  secrets: () => readonly string[];
  context: () => CatalogueContext;
  logger: Logger;
}

/** Errors from a request that can deliver mail, thrown after that request may have reached Graph. */
const maybeDelivered = new WeakSet<MailerError>();
/** Graph's own error code (e.g. `ErrorItemNotFound`) of errors made from a Graph answer. */
const graphCodes = new WeakMap<MailerError, string>();
/** Errors from a transport failure before the request was written: Graph provably never saw it. */
const neverSent = new WeakSet<MailerError>();

/** True when `err` came from a connection failure before the request was written: Graph cannot have acted on it. */
export function provablyNotSent(err: unknown): boolean {
  return err instanceof MailerError && neverSent.has(err);
}

/**
 * True when `err` came from a request that can deliver mail (sendMail, a draft's /send) after it may have reached
 * Graph: a cancelled, timed-out or broken request, or an ambiguous 5xx. Such a draft must not be deleted.
 */
export function mayHaveDelivered(err: unknown): boolean {
  return err instanceof MailerError && maybeDelivered.has(err);
}

/** Graph's error code behind a {@link MailerError}, e.g. `ErrorItemNotFound`, when it came from a Graph answer. */
export function graphErrorCode(err: unknown): string | undefined {
  return err instanceof MailerError ? graphCodes.get(err) : undefined;
}

/** Reads Graph's `{ error: { code, message, innerError } }` from a reply. */
export function graphFailure(reply: GraphReply): GraphFailure {
  const error = (reply.body as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } } | undefined)?.error;
  const failure: GraphFailure = { status: reply.status };
  if (typeof error?.code === 'string') failure.code = error.code;
  if (typeof error?.message === 'string') failure.message = error.message;
  const requestId = reply.requestId ?? error?.innerError?.['request-id'];
  if (typeof requestId === 'string') failure.requestId = requestId;
  return failure;
}

/** The roles of the token Graph refused, for the catalogue: `[]` when it has none, nothing when it is unreadable. */
function tokenRoles(token: string): { tokenRoles?: readonly string[] } {
  const claims = readClaims(token);
  if (!claims) return {};
  return { tokenRoles: Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [] };
}

/**
 * Runs Graph operations for one mailer: a mailbox slot per request, a token per request (from memory when
 * warm), one fresh token after a 401 InvalidAuthenticationToken, and the retry policy. Every failure leaves as a
 * {@link MailerError}.
 */
export class GraphRunner {
  readonly #o: GraphRunnerOptions;

  constructor(options: GraphRunnerOptions) {
    this.#o = options;
  }

  async run(op: GraphOperation): Promise<GraphOutcome> {
    const { api, tokens, limiter, policy, logger } = this.#o;
    let attempts = 0;
    let retries = 0;
    let refused: string | undefined;
    let refreshed = false;
    for (;;) {
      if (op.signal?.aborted) throw abortedError(op.doing);
      attempts++;
      let reply: GraphReply;
      let used = '';
      try {
        reply = await limiter.run(async () => {
          const token = await tokens.getToken({
            ...(op.signal ? { signal: op.signal } : {}),
            ...(refused !== undefined ? { replacing: refused } : {}),
          });
          used = token.token;
          // A slot or a warm token can arrive just as the caller cancels: then nothing has gone out yet.
          if (op.signal?.aborted) throw abortedError(op.doing);
          return api.call({
            method: op.method,
            path: op.path,
            ...(op.json !== undefined ? { json: op.json } : { body: op.body }),
            ...(op.mime !== undefined ? { mime: op.mime } : {}),
            token: token.token,
            clientRequestId: op.clientRequestId,
            ...(op.signal ? { signal: op.signal } : {}),
          });
        }, op.signal);
      } catch (err) {
        if (err instanceof MailerError) throw err;
        if (!(err instanceof TransportError)) throw unexpected(err, op.doing, this.#o.secrets());
        if (err.failure === 'aborted' || op.signal?.aborted) {
          if (!op.couldDeliver) throw abortedError(op.doing);
          // Cancelled with the request on its way: Graph may have processed it, so "nothing was sent" would be wrong.
          throw this.#maybeDelivered({
            ...catalogued('ABORTED', `Cancelled while ${op.doing}, after the request had gone out: the mail may have been sent. Check the sender's Sent Items before sending it again.`),
            fix: "Look in the sender's Sent Items before sending again, so the recipient does not get the mail twice.",
            cause: err,
          });
        }
        const decision = policy.decide({ kind: 'transport', notSent: err.notSent }, retries);
        if (decision.retry) {
          logger.warn?.(`Network failure while ${op.doing}; nothing was sent, retrying in ${decision.delayMs} ms.`, { target: err.target });
          await sleep(decision.delayMs, op.signal, op.doing);
          retries++;
          continue;
        }
        const init = { ...fromTransport({ failure: err.failure, detail: err.message, doing: op.doing, couldDeliver: op.couldDeliver, ...(err.proxy !== undefined ? { proxy: err.proxy } : {}) }), cause: err };
        if (init.code === 'DELIVERY_UNKNOWN') throw this.#maybeDelivered(init);
        const error = this.#error(init);
        if (err.notSent) neverSent.add(error);
        throw error;
      }
      if (reply.status >= 300 && reply.status < 400) {
        throw this.#error(fromRedirect(reply.status, reply.headers.get('location'), op.doing, op.couldDeliver));
      }
      if (reply.status < 400) return { reply, attempts };
      const failure = graphFailure(reply);
      if (reply.status === 401 && failure.code === 'InvalidAuthenticationToken' && !refreshed) {
        // Graph refused the token before doing anything: one fresh token, one more try.
        refreshed = true;
        refused = used;
        logger.info?.('Graph refused the access token; getting a fresh one.', { requestId: failure.requestId });
        continue;
      }
      const decision = policy.decide({ kind: 'status', status: reply.status, retryAfter: reply.headers.get('retry-after') }, retries);
      if (decision.retry) {
        logger.warn?.(`Graph answered ${reply.status} while ${op.doing}; retrying in ${decision.delayMs} ms.`, { requestId: failure.requestId });
        await sleep(decision.delayMs, op.signal, op.doing);
        retries++;
        continue;
      }
      if (op.couldDeliver && reply.status >= 500 && reply.status !== 503) {
        throw this.#maybeDelivered({
          ...fromTransport({ failure: 'reset', detail: `HTTP ${reply.status}`, doing: op.doing, couldDeliver: true }),
          message: `The mail may have been sent: Microsoft Graph answered ${reply.status}${failure.code ? ` ${failure.code}` : ''}, which does not say whether it was processed. It was not sent again, to avoid a duplicate; check the sender's Sent Items.`,
          status: reply.status,
          ...(failure.requestId ? { requestId: failure.requestId } : {}),
        });
      }
      const retryAfterMs = reply.status === 429 || reply.status === 503 ? parseRetryAfter(reply.headers.get('retry-after'), Date.now()) : undefined;
      const error = this.#error({ ...fromGraph(failure, { ...this.#o.context(), ...tokenRoles(used) }), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
      if (failure.code) graphCodes.set(error, failure.code);
      throw error;
    }
  }

  /**
   * Runs `fn` holding one of the mailbox's request slots, for requests that are not Graph API calls but count
   * against the mailbox all the same (upload-session PUTs and GETs).
   */
  withSlot<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.#o.limiter.run(fn, signal);
  }

  #error(init: ConstructorParameters<typeof MailerError>[0]): MailerError {
    return new MailerError(init, this.#o.secrets());
  }

  #maybeDelivered(init: ConstructorParameters<typeof MailerError>[0]): MailerError {
    const error = this.#error(init);
    maybeDelivered.add(error);
    return error;
  }
}
