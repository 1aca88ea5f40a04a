import { AsyncLocalStorage } from 'node:async_hooks';
import type { Attributes, Counter, Histogram, Meter, Span, Tracer } from '@opentelemetry/api';
import type { TelemetryOptions } from '../config/types';
import type { MailerError } from '../errors/mailer-error';
import type { HttpObserver } from '../http/http-client';
import { loadOtelApi, type OtelApi } from './otel-api';
import { urlTemplate } from './url-template';

/** The instrumentation scope of every span and metric. */
export const INSTRUMENTATION_NAME = 'o365-oauth-mailer';

/** Names of the spans and metrics, as documented in docs/observability.md. */
export const SPAN = { send: 'o365.send', verify: 'o365.verify', token: 'o365.token' } as const;
export const METRIC = {
  sent: 'o365.messages.sent',
  failed: 'o365.messages.failed',
  throttles: 'o365.throttles',
  tokenRequests: 'o365.token.requests',
  uploadBytes: 'o365.upload.size',
  requestDuration: 'http.client.request.duration',
  queueDepth: 'o365.outbox.queue.depth',
} as const;

/** What an operation span may be told. Values are counts, codes and names the library chose: never user data. */
export interface OperationSpan {
  set(key: string, value: string | number | boolean | undefined): void;
}

const NOOP_SPAN: OperationSpan = { set: () => undefined };

/** What a span says of a request URL: never its query, and no identifier (see {@link urlTemplate}). */
interface Target {
  template: string;
  hostname: string;
  port: number;
  scheme: string;
}

/** How many distinct request URLs keep their parsed {@link Target}. */
const MAX_TARGETS = 32;

interface Instruments {
  sent: Counter;
  failed: Counter;
  throttles: Counter;
  tokenRequests: Counter;
  uploadBytes: Counter;
  requestDuration: Histogram;
}

/** What {@link Telemetry.send} reads of a send's result. */
interface SendLike {
  route: string;
  attempts: number;
  requestId?: string | undefined;
  accepted: readonly string[];
  format?: string | undefined;
}

/** What {@link Telemetry.verify} reads of a report. */
interface VerifyLike {
  ok: boolean;
  checks: ReadonlyArray<{ id: string; status: string }>;
}

/** The current operation: its span, and the bytes its upload PUTs carried. */
interface OperationState {
  span: Span;
  uploadBytes: number;
}

function errorCode(err: unknown): string {
  const code = (err as Partial<MailerError> | undefined)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

/**
 * OpenTelemetry for one mailer: spans `o365.send`, `o365.verify`, `o365.token` and one CLIENT span per HTTP request,
 * and the metrics in {@link METRIC}. `@opentelemetry/api` is loaded lazily (see {@link loadOtelApi}); until it is
 * loaded, and for good when it is absent or `enabled` is false, every method is a no-op costing one property check.
 *
 * Attributes are counts, routes, statuses, request IDs and error codes only: never a secret, a token, an address,
 * a subject, or (unless `includeMailbox`) the sender mailbox.
 */
export class Telemetry {
  #api: OtelApi | undefined;
  #tracer: Tracer | undefined;
  #meter: Meter | undefined;
  #instruments: Instruments | undefined;
  /** False while the meter is the API's no-op meter (no metrics SDK): then nothing is recorded at all. */
  #metering = false;
  /** The URL facts of recent request URLs, so a warm send parses and templates its URL once. */
  readonly #targets = new Map<string, Target>();
  #loading: Promise<void> | undefined;
  readonly #operation = new AsyncLocalStorage<OperationState>();
  readonly #mailbox: string | undefined;
  /** False when the user switched telemetry off: then {@link httpObserver} need not be installed at all. */
  readonly enabled: boolean;

  constructor(options: TelemetryOptions = {}, sender?: string) {
    if (options.includeMailbox === true && sender !== undefined) this.#mailbox = sender;
    this.enabled = options.enabled !== false;
    if (!this.enabled) return;
    this.#loading = loadOtelApi().then((api) => {
      this.#loading = undefined;
      if (!api) return;
      this.#api = api;
      const tracerProvider = (options.tracerProvider as OtelApi['trace'] | undefined) ?? api.trace;
      const meterProvider = (options.meterProvider as OtelApi['metrics'] | undefined) ?? api.metrics;
      this.#tracer = tracerProvider.getTracer(INSTRUMENTATION_NAME);
      this.#meter = meterProvider.getMeter(INSTRUMENTATION_NAME);
      const m = this.#meter;
      // The API hands out its no-op meter when no metrics SDK is registered; then recording would be wasted work.
      this.#metering = Object.getPrototypeOf(m) !== Object.getPrototypeOf(api.createNoopMeter());
      this.#instruments = {
        sent: m.createCounter(METRIC.sent, { description: 'Messages Microsoft Graph accepted.', unit: '{message}' }),
        failed: m.createCounter(METRIC.failed, { description: 'Messages that failed, by error code (error.type).', unit: '{message}' }),
        throttles: m.createCounter(METRIC.throttles, { description: 'Answers 429 (throttled) from Microsoft Graph or Entra ID.', unit: '{response}' }),
        tokenRequests: m.createCounter(METRIC.tokenRequests, { description: 'Token requests sent to Entra ID.', unit: '{request}' }),
        uploadBytes: m.createCounter(METRIC.uploadBytes, { description: 'Attachment bytes uploaded through upload sessions.', unit: 'By' }),
        requestDuration: m.createHistogram(METRIC.requestDuration, { description: 'Duration of HTTP client requests.', unit: 's' }),
      };
    });
  }

  /** Resolves once `@opentelemetry/api` has been looked for. */
  ready(): Promise<void> {
    return this.#loading ?? Promise.resolve();
  }

  /** Runs `fn` inside a span named `name`, child of the current operation or the active context. */
  async operation<T>(name: string, fn: (span: OperationSpan) => Promise<T>, onResult?: (result: T, span: OperationSpan) => void): Promise<T> {
    if (this.#loading) await this.#loading;
    const api = this.#api;
    const tracer = this.#tracer;
    if (!api || !tracer) return fn(NOOP_SPAN);
    const parentContext = this.#parentContext(api);
    const span = tracer.startSpan(name, { kind: api.SpanKind.INTERNAL }, parentContext);
    // Without a tracing SDK the span is a no-op with an invalid context: nothing to record, nothing to parent.
    if (!span.isRecording() && !api.trace.isSpanContextValid(span.spanContext())) return fn(NOOP_SPAN);
    if (this.#mailbox !== undefined) span.setAttribute('o365.mailbox', this.#mailbox);
    const state: OperationState = { span, uploadBytes: 0 };
    const handle: OperationSpan = {
      set: (key, value) => {
        if (value !== undefined) span.setAttribute(key, value);
      },
    };
    try {
      // Only a span with a valid context gets an AsyncLocalStorage scope (on Node 20 it turns on promise hooks that
      // slow every await in the host process), and only a tracing SDK makes one.
      const traced = api.trace.isSpanContextValid(span.spanContext());
      const result = traced ? await this.#operation.run(state, () => api.context.with(api.trace.setSpan(parentContext, span), () => fn(handle))) : await fn(handle);
      onResult?.(result, handle);
      if (state.uploadBytes > 0) span.setAttribute('o365.upload.bytes', state.uploadBytes);
      return result;
    } catch (err) {
      const code = errorCode(err);
      span.setAttribute('error.type', code);
      if (state.uploadBytes > 0) span.setAttribute('o365.upload.bytes', state.uploadBytes);
      // The code only: a message may quote an address or a subject.
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: code });
      throw err;
    } finally {
      span.end();
    }
  }

  /** `o365.send` around one send: route, attempts, request ID, recipient count; and the sent / failed metrics. */
  send<T extends SendLike>(fn: () => Promise<T>): Promise<T> {
    if (this.#loading === undefined && this.#tracer === undefined) return fn();
    const traced = this.operation(SPAN.send, fn, (result, span) => {
      span.set('o365.route', result.route);
      span.set('o365.attempts', result.attempts);
      span.set('o365.request_id', result.requestId);
      span.set('o365.recipients', result.accepted.length);
      span.set('o365.format', result.format);
    });
    if (this.#loading === undefined && !this.#metering) return traced;
    return traced.then(
      (result) => {
        this.messageSent(result.route);
        return result;
      },
      (err: unknown) => {
        this.messageFailed(err);
        throw err;
      },
    );
  }

  /** `o365.verify` around one verification: whether it passed and which checks failed. */
  verify<T extends VerifyLike>(fn: () => Promise<T>): Promise<T> {
    if (this.#loading === undefined && this.#tracer === undefined) return fn();
    return this.operation(SPAN.verify, fn, (report, span) => {
      span.set('o365.verify.ok', report.ok);
      const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
      if (failed.length) span.set('o365.verify.failed_checks', failed.join(','));
    });
  }

  /** `o365.token` around one token acquisition (msal-node's cache, or Entra ID). */
  token<T>(fn: () => Promise<T>, fresh: boolean): Promise<T> {
    if (this.#loading === undefined && this.#tracer === undefined) return fn();
    return this.operation(SPAN.token, (span) => {
      span.set('o365.token.fresh', fresh);
      return fn();
    });
  }

  /** Counts a message Graph accepted. */
  messageSent(route: string): void {
    this.#instruments?.sent.add(1, this.#withMailbox({ 'o365.route': route }));
  }

  /** Counts a message that failed, by its error code. */
  messageFailed(err: unknown): void {
    this.#instruments?.failed.add(1, this.#withMailbox({ 'error.type': errorCode(err) }));
  }

  /** Spans and metrics of every HTTP request; see {@link HttpObserver}. */
  readonly httpObserver: HttpObserver = (start) => {
    const api = this.#api;
    if (!api || !this.#tracer) return undefined;
    const target = this.#target(start.url);
    if (!target) return undefined;
    const { template, hostname } = target;
    const attributes: Attributes = {
      'http.request.method': start.method,
      'server.address': hostname,
      'server.port': target.port,
      'url.scheme': target.scheme,
      'url.template': template,
    };
    const bytes = start.method === 'PUT' ? start.requestBytes() : undefined;
    if (bytes !== undefined) attributes['http.request.body.size'] = bytes;
    const state = this.#operation.getStore();
    const span = this.#tracer.startSpan(`${start.method} ${template}`, { kind: api.SpanKind.CLIENT, attributes }, this.#parentContext(api));
    // No tracing SDK and no metrics SDK: nothing to record, so nothing to do when the request ends.
    if (!span.isRecording() && !this.#metering) return undefined;
    const startedAt = performance.now();
    return (end) => {
      const outcome: Attributes = {};
      if (end.status !== undefined) {
        outcome['http.response.status_code'] = end.status;
        span.setAttribute('http.response.status_code', end.status);
      }
      if (end.requestId) span.setAttribute('o365.request_id', end.requestId);
      const failed = end.status === undefined || end.status >= 400;
      if (failed) {
        const type = end.status !== undefined ? String(end.status) : (end.failure ?? 'error');
        outcome['error.type'] = type;
        span.setAttribute('error.type', type);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: type });
      }
      span.end();
      const i = this.#instruments;
      if (!i || !this.#metering) return;
      const common = { 'http.request.method': start.method, 'server.address': hostname, 'url.template': template, ...outcome };
      i.requestDuration.record((performance.now() - startedAt) / 1000, common);
      if (end.status === 429) i.throttles.add(1, { 'server.address': hostname, 'url.template': template });
      if (start.method === 'POST' && template.endsWith('/oauth2/v2.0/token')) i.tokenRequests.add(1, outcome);
      if (bytes !== undefined && end.status !== undefined && end.status < 300) {
        i.uploadBytes.add(bytes);
        if (state) state.uploadBytes += bytes;
      }
    };
  };

  /** The span facts of `url`, parsed once per distinct URL (a few recent ones are kept); undefined when unparsable. */
  #target(requestUrl: string): Target | undefined {
    // Keyed without the query: an upload URL's query holds its access token.
    const query = requestUrl.indexOf('?');
    const href = query < 0 ? requestUrl : requestUrl.slice(0, query);
    let target = this.#targets.get(href);
    if (target) return target;
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      return undefined;
    }
    target = {
      template: urlTemplate(url.pathname),
      hostname: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      scheme: url.protocol.replace(':', ''),
    };
    // Draft and upload URLs differ per message: keep the memory bounded, the warm sendMail URL stays in.
    if (this.#targets.size >= MAX_TARGETS) this.#targets.delete(this.#targets.keys().next().value as string);
    this.#targets.set(href, target);
    return target;
  }

  #parentContext(api: OtelApi) {
    const current = this.#operation.getStore();
    const active = api.context.active();
    return current ? api.trace.setSpan(active, current.span) : active;
  }

  #withMailbox(attributes: Attributes): Attributes {
    return this.#mailbox !== undefined ? { ...attributes, 'o365.mailbox': this.#mailbox } : attributes;
  }
}
