/**
 * `graphql-quota/prometheus`: the metrics catalogue in a `prom-client` registry, for servers that Prometheus
 * scrapes. This entry point loads `prom-client` (an optional peer dependency); the core never does.
 *
 * Values are read from {@link QuotaMetrics} at scrape time, so the request path pays no `prom-client` cost.
 */
import {
  Counter,
  Gauge,
  Histogram,
  register as globalRegistry,
  type MetricType,
  type Registry,
} from 'prom-client';
import { QUOTA_METRIC_LABELS } from './catalogue.js';
import type { MetricDescriptor, QuotaMetricName } from './catalogue.js';
import { invalidOption } from '../quota/index.js';
import type { HistogramPoint, MetricSnapshot, QuotaMetrics, SeriesPoint } from './QuotaMetrics.js';

/** Options of {@link registerPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** The registry to register the catalogue in. Default: `prom-client`'s global `register`. */
  readonly registry?: Registry;
}

type HistogramData = Awaited<ReturnType<Histogram['get']>>;

/**
 * A histogram whose buckets are kept by {@link QuotaMetrics}: `prom-client` has no way to set a histogram's
 * bucket counts, so this one answers the registry's read (`get`, `getForPromString`) from the snapshot.
 */
class SnapshotHistogram extends Histogram {
  readonly #read: () => readonly HistogramPoint[];
  readonly #descriptor: MetricDescriptor;

  constructor(descriptor: MetricDescriptor, registry: Registry, read: () => readonly HistogramPoint[]) {
    super({
      name: descriptor.prometheusName,
      help: descriptor.description,
      labelNames: descriptor.labels.map((l) => QUOTA_METRIC_LABELS[l].prometheus),
      buckets: [...descriptor.buckets!],
      registers: [registry],
    });
    this.#descriptor = descriptor;
    this.#read = read;
  }

  /** What the registry reads to print the metric (prom-client calls it in place of `get` when present). */
  getForPromString(): Promise<HistogramData> {
    const name = this.#descriptor.prometheusName;
    const bounds = this.#descriptor.buckets!;
    const values: HistogramData['values'] = [];
    for (const point of this.#read()) {
      const labels = prometheusLabels(this.#descriptor, point.labels);
      let cumulative = 0;
      for (let i = 0; i <= bounds.length; i++) {
        cumulative += point.bucketCounts[i]!;
        values.push({
          metricName: `${name}_bucket`,
          labels: { ...labels, le: i < bounds.length ? bounds[i]! : '+Inf' },
          value: cumulative,
        });
      }
      values.push({ metricName: `${name}_sum`, labels, value: point.sum });
      values.push({ metricName: `${name}_count`, labels, value: point.count });
    }
    return Promise.resolve({
      name,
      help: this.#descriptor.description,
      // prom-client types `type` as a numeric enum; at run time it is the string Prometheus prints.
      type: (this as unknown as { type: MetricType }).type,
      values,
      aggregator: 'sum',
      collect: () => undefined,
    });
  }

  override get(): Promise<HistogramData> {
    return this.getForPromString();
  }
}

/**
 * Registers every metric of the catalogue (`graphql_quota_*`, see docs/observability.md) in a `prom-client`
 * registry, read from `metrics` at each scrape. Serve `await registry.metrics()` with
 * `registry.contentType` on `GET /metrics`. Throws a `QuotaValidationError` (`QUOTA_INVALID_OPTION`) when
 * `metrics` is not a {@link QuotaMetrics}, and `prom-client`'s error when a name is already registered.
 *
 * ```ts
 * const metrics = new QuotaMetrics();
 * registerPrometheusMetrics(metrics, { registry });
 * ```
 */
export function registerPrometheusMetrics(
  metrics: QuotaMetrics,
  options: PrometheusMetricsOptions = {},
): void {
  if (typeof metrics?.collect !== 'function')
    invalidOption('registerPrometheusMetrics', 'metrics must be a QuotaMetrics');
  const registry = options.registry ?? globalRegistry;
  // One collection per scrape: the registry reads each metric in turn, and they must agree with each other.
  let snapshot: Map<QuotaMetricName, MetricSnapshot> | null = null;
  const read = (metric: QuotaMetricName): MetricSnapshot => {
    snapshot ??= new Map(metrics.collect().map((s) => [s.metric, s]));
    queueMicrotask(() => (snapshot = null));
    return snapshot.get(metric)!;
  };
  for (const [metric, descriptor] of Object.entries(metrics.descriptors) as [
    QuotaMetricName,
    MetricDescriptor,
  ][]) {
    const labelNames = descriptor.labels.map((l) => QUOTA_METRIC_LABELS[l].prometheus);
    const config = {
      name: descriptor.prometheusName,
      help: descriptor.description,
      labelNames,
      registers: [registry],
    };
    if (descriptor.kind === 'histogram') {
      new SnapshotHistogram(descriptor, registry, () => read(metric).points as readonly HistogramPoint[]);
    } else if (descriptor.kind === 'counter') {
      new Counter({
        ...config,
        collect() {
          this.reset();
          for (const point of read(metric).points as readonly SeriesPoint[])
            this.inc(prometheusLabels(descriptor, point.labels), point.value);
        },
      });
    } else {
      new Gauge({
        ...config,
        collect() {
          this.reset();
          for (const point of read(metric).points as readonly SeriesPoint[])
            this.set(prometheusLabels(descriptor, point.labels), point.value);
        },
      });
    }
  }
}

function prometheusLabels(descriptor: MetricDescriptor, values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  descriptor.labels.forEach((label, i) => (labels[QUOTA_METRIC_LABELS[label].prometheus] = values[i]!));
  return labels;
}
