import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { HrTime } from '@opentelemetry/api';
import { MeterProvider, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestReader } from '../helpers/metric-reader';
import { startEmulator, type Emulator } from '../../src/emulator/index';
import { MailerError, O365OAuthMailer, type O365OAuthMailerConfig } from '../../src/index';
import { Telemetry } from '../../src/telemetry/telemetry';
import { urlTemplate } from '../../src/telemetry/url-template';

let emulator: Emulator;
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let reader: TestReader;
let meterProvider: MeterProvider;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
  await tracerProvider.shutdown();
});
beforeEach(() => {
  exporter.reset();
  emulator.reset();
  reader = new TestReader();
  meterProvider = new MeterProvider({ readers: [reader] });
});

function mailer(overrides: Partial<O365OAuthMailerConfig> = {}): O365OAuthMailer {
  return new O365OAuthMailer(emulator.mailerConfig({ telemetry: { tracerProvider, meterProvider }, ...overrides }));
}

async function metric(name: string): Promise<Array<DataPoint<number | Histogram>>> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as Array<DataPoint<number | Histogram>>);
}

const byName = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const ms = (t: HrTime) => t[0] * 1000 + t[1] / 1e6;

/** Every attribute value of every span, for the "no secret, no address, no subject" checks. */
function everyAttribute(): string {
  return JSON.stringify(exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events })));
}

describe('OpenTelemetry spans', () => {
  it('a send is one o365.send trace with its token request and every Graph request, retries included; no secret, address or subject', async () => {
    const m = mailer();
    emulator.faults.throttle(1, { retryAfterSeconds: 0 });
    const result = await m.send({ to: 'Ann Lee <ann@contoso.com>', subject: 'Quarterly secret plans', text: 'Body text' });
    await m.close();

    const [send] = byName('o365.send');
    expect(send).toBeDefined();
    expect(send?.attributes).toMatchObject({ 'o365.route': 'sendMail', 'o365.attempts': 2, 'o365.request_id': result.requestId, 'o365.recipients': 1 });
    expect(send?.attributes['o365.mailbox']).toBeUndefined();
    expect(send?.status.code).toBe(0);
    const trace = send?.spanContext().traceId;
    expect(exporter.getFinishedSpans().every((s) => s.spanContext().traceId === trace)).toBe(true);

    const [token] = byName('o365.token');
    expect(parentOf(token as ReadableSpan)).toBe(send?.spanContext().spanId);
    const tokenRequest = byName('POST /{tenant}/oauth2/v2.0/token');
    expect(tokenRequest).toHaveLength(1);
    expect(parentOf(tokenRequest[0] as ReadableSpan)).toBe(token?.spanContext().spanId);

    const graph = byName('POST /v1.0/users/{user}/sendMail');
    expect(graph.map((s) => s.attributes['http.response.status_code'])).toEqual([429, 202]);
    for (const s of graph) {
      expect(parentOf(s)).toBe(send?.spanContext().spanId);
      expect(s.kind).toBe(2); // CLIENT
      expect(s.attributes).toMatchObject({ 'http.request.method': 'POST', 'server.address': '127.0.0.1', 'url.template': '/v1.0/users/{user}/sendMail' });
      expect(s.attributes['o365.request_id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(ms(s.startTime)).toBeGreaterThanOrEqual(ms(send!.startTime));
    }
    expect(graph[0]?.attributes['error.type']).toBe('429');
    expect(graph[0]?.status.code).toBe(2); // ERROR

    const all = everyAttribute();
    for (const leak of [emulator.clientSecret, 'ann@contoso.com', 'Ann Lee', 'Quarterly', 'Body text', emulator.sender, encodeURIComponent(emulator.sender), emulator.tenantId]) {
      expect(all).not.toContain(leak);
    }
    expect(all).not.toMatch(/eyJ[\w-]+\./);
  });

  it('a failed send: error.type is the code, the status says only the code', async () => {
    const m = mailer({ sender: 'nobody@contoso.onmicrosoft.com' });
    const err = await m.send({ to: 'ann@contoso.com', subject: 'S', text: 'T' }).catch((e: unknown) => e);
    await m.close();
    expect(err).toBeInstanceOf(MailerError);
    const [send] = byName('o365.send');
    expect(send?.attributes['error.type']).toBe('MAILBOX_NOT_FOUND');
    expect(send?.status).toEqual({ code: 2, message: 'MAILBOX_NOT_FOUND' });
    expect(await metric('o365.messages.failed')).toMatchObject([{ attributes: { 'error.type': 'MAILBOX_NOT_FOUND' }, value: 1 }]);
    expect(everyAttribute()).not.toContain('nobody@');
  });

  it('the mailbox name only when includeMailbox is set', async () => {
    const m = mailer({ telemetry: { tracerProvider, meterProvider, includeMailbox: true } });
    await m.send({ to: 'ann@contoso.com', subject: 'S', text: 'T' });
    await m.close();
    expect(byName('o365.send')[0]?.attributes['o365.mailbox']).toBe(emulator.sender);
    expect(await metric('o365.messages.sent')).toMatchObject([{ attributes: { 'o365.route': 'sendMail', 'o365.mailbox': emulator.sender }, value: 1 }]);
  });

  it('a large attachment: the draft route, upload PUT spans with their sizes, and the bytes uploaded', async () => {
    emulator.grant(emulator.clientId, ['Mail.Send', 'Mail.ReadWrite']);
    const m = mailer();
    const big = Buffer.alloc(5 * 1024 * 1024, 7);
    await m.send({ to: 'ann@contoso.com', subject: 'Big', text: 'T', attachments: [{ filename: 'big.bin', content: big }] });
    await m.close();
    const [send] = byName('o365.send');
    expect(send?.attributes).toMatchObject({ 'o365.route': 'draft', 'o365.upload.bytes': big.length });
    const puts = exporter.getFinishedSpans().filter((s) => s.attributes['http.request.method'] === 'PUT');
    expect(puts.length).toBeGreaterThanOrEqual(2);
    expect(puts.reduce((n, s) => n + Number(s.attributes['http.request.body.size']), 0)).toBe(big.length);
    for (const s of puts) expect(String(s.attributes['url.template'])).not.toMatch(/authtoken|'/i);
    expect(await metric('o365.upload.size')).toMatchObject([{ value: big.length }]);
    expect(everyAttribute()).not.toMatch(/authtoken=/i);
  });

  it('verify is one o365.verify span', async () => {
    const m = mailer();
    const report = await m.verify();
    await m.close();
    const [verify] = byName('o365.verify');
    expect(verify?.attributes['o365.verify.ok']).toBe(report.ok);
    const children = exporter.getFinishedSpans().filter((s) => parentOf(s) === verify?.spanContext().spanId);
    expect(children.map((s) => s.name)).toContain('GET /{tenant}/v2.0/.well-known/openid-configuration');
  });

  it('enabled: false emits nothing', async () => {
    const m = mailer({ telemetry: { enabled: false, tracerProvider, meterProvider } });
    await m.send({ to: 'ann@contoso.com', subject: 'S', text: 'T' });
    await m.close();
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(await metric('o365.messages.sent')).toEqual([]);
  });
});

describe('OpenTelemetry metrics', () => {
  it('sent, throttles, token requests and request durations', async () => {
    const m = mailer();
    emulator.faults.throttle(2, { retryAfterSeconds: 0 });
    await m.send({ to: 'ann@contoso.com', subject: 'S', text: 'T' });
    await m.send({ to: 'bob@contoso.com', subject: 'S', text: 'T' });
    await m.close();
    expect(await metric('o365.messages.sent')).toMatchObject([{ attributes: { 'o365.route': 'sendMail' }, value: 2 }]);
    expect(await metric('o365.throttles')).toMatchObject([{ attributes: { 'server.address': '127.0.0.1', 'url.template': '/v1.0/users/{user}/sendMail' }, value: 2 }]);
    expect(await metric('o365.token.requests')).toMatchObject([{ attributes: { 'http.response.status_code': 200 }, value: 1 }]);
    const durations = await metric('http.client.request.duration');
    const sendMail = durations.filter((d) => d.attributes['url.template'] === '/v1.0/users/{user}/sendMail');
    expect(sendMail.map((d) => [d.attributes['http.response.status_code'], (d.value as Histogram).count]).sort()).toEqual([
      [202, 2],
      [429, 2],
    ]);
  });
});

describe('url templates', () => {
  it.each([
    ['/v1.0/users/ann%40contoso.com/sendMail', '/v1.0/users/{user}/sendMail'],
    ['/v1.0/users/ann%40contoso.com/messages/AAMkAGI2TAAA%3D/attachments/createUploadSession', '/v1.0/users/{user}/messages/{id}/attachments/createUploadSession'],
    ['/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token', '/{tenant}/oauth2/v2.0/token'],
    ['/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration', '/{tenant}/v2.0/.well-known/openid-configuration'],
    ["/api/v2.0/Users('abc@contoso.com')/Messages('AAMk')/AttachmentSessions('AAMk2')", '/api/v2.0/Users({id})/Messages({id})/AttachmentSessions({id})'],
  ])('%s', (path, template) => {
    expect(urlTemplate(path)).toBe(template);
  });
});

describe('one module owns @opentelemetry/api', () => {
  it('only src/telemetry/otel-api.ts loads it at run time (others import types only)', () => {
    const root = resolve(__dirname, '../../src');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts')) {
          const text = readFileSync(path, 'utf8');
          const runtime = /^import\s+(?!type\b)[^;]*from\s+'@opentelemetry\/api'|(?<!typeof )import\(\s*'@opentelemetry\/api'\s*\)|require\('@opentelemetry\/api'\)/m.test(text);
          if (runtime) offenders.push(path);
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
    expect(readFileSync(join(root, 'telemetry/otel-api.ts'), 'utf8')).toContain("const SPECIFIER = '@opentelemetry/api'");
  });
});

describe('queue depth (for the outbox)', () => {
  it('is an observable gauge read at each collection, until stopped', async () => {
    const { observeQueueDepth } = await import('../../src/telemetry/queue-depth');
    let depth = 3;
    const stop = await observeQueueDepth({ read: () => depth, attributes: { 'o365.outbox.store': 'sqlite' } }, { meterProvider });
    expect(await metric('o365.outbox.queue.depth')).toMatchObject([{ attributes: { 'o365.outbox.store': 'sqlite' }, value: 3 }]);
    depth = 1;
    expect(await metric('o365.outbox.queue.depth')).toMatchObject([{ value: 1 }]);
    stop();
    depth = 9;
    expect((await metric('o365.outbox.queue.depth')).map((d) => d.value)).not.toContain(9);
  });
});

describe('with @opentelemetry/api but no SDK', () => {
  const start = { method: 'POST' as const, url: 'https://graph.microsoft.com/v1.0/users/ann%40contoso.com/sendMail', requestBytes: () => 0 };

  it('does no work per request or per send: no observer, no scope, the send result passes through', async () => {
    const telemetry = new Telemetry({}, 'ann@contoso.com');
    await telemetry.ready();
    expect(telemetry.httpObserver(start)).toBeUndefined();
    const result = { route: 'sendMail', attempts: 1, accepted: ['bob@contoso.com'] };
    let seen: unknown;
    await expect(
      telemetry.operation('o365.send', async (span) => {
        seen = span;
        span.set('o365.route', 'sendMail');
        return result;
      }),
    ).resolves.toBe(result);
    await expect(telemetry.send(async () => result)).resolves.toBe(result);
    expect(seen).toBeDefined();
  });

  it('a metrics SDK alone still gets request durations, with a no-op tracer', async () => {
    const telemetry = new Telemetry({ meterProvider });
    await telemetry.ready();
    const end = telemetry.httpObserver(start);
    expect(end).toBeTypeOf('function');
    end!({ status: 202, durationMs: 3 });
    const durations = await metric('http.client.request.duration');
    expect(durations.map((d) => [d.attributes['url.template'], d.attributes['http.response.status_code']])).toEqual([['/v1.0/users/{user}/sendMail', 202]]);
  });

  it('a tracing SDK alone still gets spans, with the no-op meter', async () => {
    const telemetry = new Telemetry({ tracerProvider });
    await telemetry.ready();
    telemetry.httpObserver({ ...start, url: `${start.url}?authtoken=SECRET-UPLOAD-TOKEN` })!({ status: 202, durationMs: 3 });
    telemetry.httpObserver(start)!({ status: 429, durationMs: 3 });
    expect(exporter.getFinishedSpans().map((s) => [s.name, s.attributes['http.response.status_code']])).toEqual([
      ['POST /v1.0/users/{user}/sendMail', 202],
      ['POST /v1.0/users/{user}/sendMail', 429],
    ]);
    expect(everyAttribute()).not.toContain('SECRET-UPLOAD-TOKEN');
    expect(await metric('http.client.request.duration')).toEqual([]);
  });
});
