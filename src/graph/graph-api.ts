import type { HttpClient, ResponseHeaders } from '../http/http-client';
import { DirectRoute } from './direct-route';
import { SdkRoute } from './sdk-route';

/** One Graph request. */
export interface GraphCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** The path under the version, e.g. `/users/{sender}/sendMail` (already URL-encoded where needed). */
  path: string;
  /** A JSON body. */
  body?: unknown;
  /** The body already serialised as JSON, sent as it is (in place of `body`): a message is serialised once. */
  json?: string;
  /** A MIME message, base64-encoded, sent as `Content-Type: text/plain` instead of a JSON `body`. */
  mime?: string;
  /** The bearer token for this request. */
  token: string;
  /** Sent as `client-request-id`; the same across the retries of one message. */
  clientRequestId: string;
  signal?: AbortSignal;
}

/** Graph's answer, whatever its status. */
export interface GraphReply {
  status: number;
  headers: ResponseHeaders;
  /** The parsed JSON body, if any. */
  body: unknown;
  /** Graph's `request-id` header. */
  requestId?: string;
}

/**
 * Sends Graph requests by one of two routes, chosen per request here and nowhere else:
 * - **sendMail**, the request made for every message, goes straight to the mailer's {@link HttpClient}
 *   ({@link DirectRoute}): the Graph client's request builders, middleware chain and `Response` copies would cost
 *   more than the rest of a warm send together, and add nothing to one POST to a URL built from the configured
 *   Graph endpoint;
 * - everything else (drafts, attachments, upload sessions, deletes) goes through the Graph client
 *   ({@link SdkRoute}), loaded on first use.
 * Both send the same URL, headers and body, and answer raw: statuses are the runner's to interpret.
 */
export class GraphApi {
  readonly #direct: DirectRoute;
  readonly #sdk: SdkRoute;

  constructor(graphEndpoint: string, http: HttpClient) {
    this.#direct = new DirectRoute(graphEndpoint, http);
    this.#sdk = new SdkRoute(graphEndpoint, http);
  }

  /** Sends one request. Rejects only with the transport failure; any HTTP status resolves. */
  call(call: GraphCall): Promise<GraphReply> {
    return isHotPath(call) ? this.#direct.call(call) : this.#sdk.call(call);
  }
}

/** The per-message request: `POST /users/{sender}/sendMail`. */
function isHotPath(call: GraphCall): boolean {
  return call.method === 'POST' && call.path.endsWith('/sendMail');
}
