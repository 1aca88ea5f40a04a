import { AggregationTemporality, MetricReader } from '@opentelemetry/sdk-metrics';

/** An OpenTelemetry metric reader that collects on demand (`await reader.collect()`), cumulative. */
export class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}
