import type { TelemetryOptions } from '../config/types';
import { loadOtelApi, type OtelApi } from './otel-api';
import { INSTRUMENTATION_NAME, METRIC } from './telemetry';

/** How to read a queue's depth for {@link observeQueueDepth}. */
export interface QueueDepthSource {
  /** Messages waiting (and in flight) now. Called at each metric collection; may be async. */
  read(): number | Promise<number>;
  /** Attributes for the gauge, e.g. `{ 'o365.outbox.store': 'sqlite' }`. Never addresses or subjects. */
  attributes?: Record<string, string | number | boolean>;
}

/**
 * Reports a queue's depth as the observable gauge `o365.outbox.queue.depth` (for the outbox: one call per outbox).
 * Resolves a function that stops reporting. Without `@opentelemetry/api`, or with `enabled: false`, it does
 * nothing and the stop function is a no-op.
 */
export async function observeQueueDepth(source: QueueDepthSource, options: TelemetryOptions = {}): Promise<() => void> {
  if (options.enabled === false) return () => undefined;
  const api = await loadOtelApi();
  if (!api) return () => undefined;
  const meterProvider = (options.meterProvider as OtelApi['metrics'] | undefined) ?? api.metrics;
  const meter = meterProvider.getMeter(INSTRUMENTATION_NAME);
  const gauge = meter.createObservableGauge(METRIC.queueDepth, { description: 'Messages waiting in the outbox.', unit: '{message}' });
  const callback = async (result: { observe(value: number, attributes?: Record<string, string | number | boolean>): void }) => {
    result.observe(await source.read(), source.attributes);
  };
  gauge.addCallback(callback);
  return () => gauge.removeCallback(callback);
}
