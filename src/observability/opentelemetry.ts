/**
 * `graphql-quota/opentelemetry`: the metrics catalogue through the OpenTelemetry metrics API, for servers that
 * export to an OpenTelemetry collector. This entry point loads `@opentelemetry/api` (an optional peer
 * dependency); the core never does. Configure the SDK (a `MeterProvider` with a reader and exporter) as
 * usual; this registers the instruments on its meter.
 */
import { metrics as globalMetrics, type Attributes, type Histogram, type Meter } from '@opentelemetry/api';
import { QUOTA_METRIC_LABELS } from './catalogue.js';
import type { MetricDescriptor, QuotaMetricLabel, QuotaMetricName } from './catalogue.js';
import { invalidOption } from '../quota/index.js';
import type { QuotaMetrics, SeriesPoint } from './QuotaMetrics.js';

/** The instrumentation scope name the default meter is obtained with. */
export const OTEL_METER_NAME = 'graphql-quota';

/** Options of {@link registerOpenTelemetryMetrics}. */
export interface OpenTelemetryMetricsOptions {
  /** The meter to create the instruments on. Default: `metrics.getMeter('graphql-quota')` of the global API. */
  readonly meter?: Meter;
}

/**
 * Creates the catalogue's instruments (`graphql_quota.*`, see docs/observability.md) on an OpenTelemetry
 * meter. Counters, up-down counters and gauges are observable instruments read from `metrics` at each
 * collection (no cost on the request path). Histograms are synchronous instruments: the metrics API has no
 * observable histogram, so each value is recorded as it happens, with one attribute object per series reused
 * (this is the exporter's per-operation cost; see the bench figures in docs/observability.md). Throws a
 * `QuotaValidationError` (`QUOTA_INVALID_OPTION`) when `metrics` is not a {@link QuotaMetrics}.
 */
export function registerOpenTelemetryMetrics(
  metrics: QuotaMetrics,
  options: OpenTelemetryMetricsOptions = {},
): void {
  if (typeof metrics?.collect !== 'function')
    invalidOption('registerOpenTelemetryMetrics', 'metrics must be a QuotaMetrics');
  const meter = options.meter ?? globalMetrics.getMeter(OTEL_METER_NAME);
  const histograms = new Map<QuotaMetricName, Histogram>();
  const observables: { metric: QuotaMetricName; descriptor: MetricDescriptor; instrument: Observable }[] = [];

  for (const [metric, descriptor] of Object.entries(metrics.descriptors) as [
    QuotaMetricName,
    MetricDescriptor,
  ][]) {
    const base = { description: descriptor.description, unit: descriptor.unit };
    switch (descriptor.kind) {
      case 'histogram':
        histograms.set(
          metric,
          meter.createHistogram(descriptor.name, {
            ...base,
            advice: { explicitBucketBoundaries: [...descriptor.buckets!] },
          }),
        );
        break;
      case 'counter':
        observables.push({
          metric,
          descriptor,
          instrument: meter.createObservableCounter(descriptor.name, base),
        });
        break;
      case 'updowncounter':
        observables.push({
          metric,
          descriptor,
          instrument: meter.createObservableUpDownCounter(descriptor.name, base),
        });
        break;
      case 'gauge':
        observables.push({
          metric,
          descriptor,
          instrument: meter.createObservableGauge(descriptor.name, base),
        });
        break;
    }
  }

  // Label arrays are kept per series by QuotaMetrics, so the attribute object can be built once per series.
  const attributeCache = new WeakMap<readonly string[], Attributes>();
  metrics.addHistogramListener((metric, labels, value) => {
    let attributes = attributeCache.get(labels);
    if (attributes === undefined) {
      attributes = otelAttributes(metrics.descriptors[metric].labels, labels);
      attributeCache.set(labels, attributes);
    }
    histograms.get(metric)!.record(value, attributes);
  });

  // One batch callback: every observable instrument reads the same collection.
  meter.addBatchObservableCallback(
    (result) => {
      const snapshots = new Map(metrics.collect().map((s) => [s.metric, s]));
      for (const { metric, descriptor, instrument } of observables) {
        for (const point of snapshots.get(metric)!.points as readonly SeriesPoint[]) {
          let attributes = attributeCache.get(point.labels);
          if (attributes === undefined) {
            attributes = otelAttributes(descriptor.labels, point.labels);
            attributeCache.set(point.labels, attributes);
          }
          result.observe(instrument, point.value, attributes);
        }
      }
    },
    observables.map((o) => o.instrument),
  );
}

type Observable = Parameters<Meter['addBatchObservableCallback']>[1][number];

function otelAttributes(labels: readonly QuotaMetricLabel[], values: readonly string[]): Attributes {
  const attributes: Attributes = {};
  labels.forEach((label, i) => {
    const value = values[i]!;
    // Semantic conventions type the HTTP status code as an integer.
    attributes[QUOTA_METRIC_LABELS[label].attribute] = label === 'status' ? Number(value) : value;
  });
  return attributes;
}
