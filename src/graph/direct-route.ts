import { parseJson, type HttpClient } from '../http/http-client';
import type { GraphCall, GraphReply } from './graph-api';

/**
 * The shortest road to the wire, for the per-message request: the URL, the three headers and the body the Graph
 * client would send (`Authorization`, `client-request-id`, `Content-Type`), straight to the mailer's
 * {@link HttpClient} (proxy, CA, time limit, abort). The token goes only to the configured Graph endpoint.
 */
export class DirectRoute {
  readonly #base: string;
  readonly #http: HttpClient;

  constructor(graphEndpoint: string, http: HttpClient) {
    this.#base = `${graphEndpoint}/v1.0`;
    this.#http = http;
  }

  /** Sends one request. Rejects only with the transport failure; any HTTP status resolves. */
  async call(call: GraphCall): Promise<GraphReply> {
    const headers: Record<string, string> = { Authorization: `Bearer ${call.token}`, 'client-request-id': call.clientRequestId };
    const body = call.mime ?? call.json ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
    if (call.mime !== undefined) headers['Content-Type'] = 'text/plain';
    else if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await this.#http.request({
      method: call.method,
      url: this.#base + call.path,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(call.signal ? { signal: call.signal } : {}),
    });
    const requestId = res.headers.get('request-id') ?? undefined;
    return { status: res.status, headers: res.headers, body: parseJson(res.text), ...(requestId ? { requestId } : {}) };
  }
}
