import type * as GraphSdk from '@microsoft/microsoft-graph-client';
import type { Client, Context, Middleware } from '@microsoft/microsoft-graph-client';
import { parseJson, type HttpClient } from '../http/http-client';
import type { GraphCall, GraphReply } from './graph-api';

/** Per-call state carried through the Graph client's middleware chain. */
interface CallState {
  signal?: AbortSignal;
  /** The transport failure, kept because the Graph client wraps middleware errors and loses their type. */
  error?: unknown;
}

const CALL_STATE = 'o365MailerCall';

/**
 * The Graph client's last middleware: sends through the mailer's {@link HttpClient} (proxy, CA, time limit) in
 * place of the SDK's HTTPMessageHandler. There is deliberately no RetryHandler in the chain: the SDK's retries
 * re-POST sendMail on 503/504, which delivers duplicates. Retries are the mailer's policy.
 */
class HttpClientMiddleware implements Middleware {
  constructor(private readonly http: HttpClient) {}

  async execute(context: Context): Promise<void> {
    const options = (context.options ?? {}) as RequestInit & { [CALL_STATE]?: CallState };
    const state = options[CALL_STATE];
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const headers: Record<string, string> = {};
    new Headers(options.headers as HeadersInit | undefined).forEach((value, key) => {
      headers[key] = value;
    });
    try {
      const res = await this.http.request({
        method: (options.method ?? 'GET') as 'GET',
        url,
        headers,
        ...(options.body !== undefined && options.body !== null ? { body: options.body as string } : {}),
        ...(state?.signal ? { signal: state.signal } : {}),
      });
      const noBody = res.status === 204 || res.status === 205 || res.status === 304 || res.text === '';
      const responseHeaders: Array<[string, string]> = [];
      res.headers.forEach((value, name) => responseHeaders.push([name, value]));
      context.response = new Response(noBody ? null : res.text, { status: res.status, headers: responseHeaders });
    } catch (err) {
      if (state) state.error = err;
      throw err;
    }
  }
}

/**
 * The only module that knows `@microsoft/microsoft-graph-client` (its import costs about 40 ms, paid on the first
 * request that takes this route, never by importing the package): requests go through its AuthenticationHandler,
 * which attaches the mailer's token only to Graph's own host, and answer raw, so statuses are the mailer's to
 * interpret.
 */
export class SdkRoute {
  readonly #graphEndpoint: string;
  readonly #http: HttpClient;
  #loaded: Promise<{ sdk: typeof GraphSdk; client: Client }> | undefined;

  constructor(graphEndpoint: string, http: HttpClient) {
    this.#graphEndpoint = graphEndpoint;
    this.#http = http;
  }

  /** Sends one request. Rejects only with the transport failure; any HTTP status resolves. */
  async call(call: GraphCall): Promise<GraphReply> {
    const { sdk, client } = await this.#load();
    const { AuthenticationHandlerOptions, ResponseType } = sdk;
    const state: CallState = {};
    if (call.signal) state.signal = call.signal;
    let request = client
      .api(call.path)
      .version('v1.0')
      .responseType(ResponseType.RAW)
      .header('client-request-id', call.clientRequestId)
      .option(CALL_STATE, state)
      .middlewareOptions([new AuthenticationHandlerOptions({ getAccessToken: async () => call.token })]);
    const json = call.json ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
    if (call.mime !== undefined) request = request.header('Content-Type', 'text/plain');
    else if (json !== undefined) request = request.header('Content-Type', 'application/json');
    let response: Response;
    try {
      switch (call.method) {
        case 'GET':
          response = (await request.get()) as Response;
          break;
        case 'POST':
          response = (await request.post(call.mime ?? json ?? '')) as Response;
          break;
        case 'DELETE':
          response = (await request.delete()) as Response;
          break;
      }
    } catch (err) {
      throw state.error ?? err;
    }
    const text = await response.text();
    const requestId = response.headers.get('request-id') ?? undefined;
    return { status: response.status, headers: response.headers, body: parseJson(text), ...(requestId ? { requestId } : {}) };
  }

  #load(): Promise<{ sdk: typeof GraphSdk; client: Client }> {
    this.#loaded ??= import('@microsoft/microsoft-graph-client').then(
      (sdk) => {
        const auth = new sdk.AuthenticationHandler({ getAccessToken: () => Promise.reject(new Error('no token for this call')) });
        auth.setNext(new HttpClientMiddleware(this.#http));
        const client = sdk.Client.initWithMiddleware({
          middleware: auth,
          baseUrl: `${this.#graphEndpoint}/`,
          defaultVersion: 'v1.0',
          // The AuthenticationHandler attaches tokens only to Microsoft's Graph hosts and these: host names, no port.
          customHosts: new Set([new URL(this.#graphEndpoint).hostname]),
        });
        return { sdk, client };
      },
      (err: unknown) => {
        this.#loaded = undefined;
        throw err;
      },
    );
    return this.#loaded;
  }
}
