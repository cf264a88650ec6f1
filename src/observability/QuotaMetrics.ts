import {
  CLIENT_LABELLED_METRICS,
  QUOTA_METRICS,
  type MetricDescriptor,
  type QuotaMetricLabel,
  type QuotaMetricName,
} from './catalogue.js';
import type {
  KillSwitchEvent,
  QuotaObserver,
  QuotaOperationEvent,
  StoreCallEvent,
  ThresholdEvent,
} from './events.js';
import { invalidOption } from '../quota/index.js';

/** Default {@link QuotaMetricsOptions.maxPlans}. */
export const DEFAULT_MAX_PLAN_LABELS = 100;
/** Default {@link QuotaMetricsOptions.maxLimits}. */
export const DEFAULT_MAX_LIMIT_LABELS = 100;
/** Default `maxClients` of {@link QuotaMetricsOptions.clientLabel} when it is `true`. */
export const DEFAULT_MAX_CLIENT_LABELS = 1_000;
/** The label value that stands for every value past a label's bound. */
export const OTHER_LABEL_VALUE = '_other';
/** The plan label of an operation refused before its client (hence its plan) was known. */
export const NO_PLAN_LABEL_VALUE = '_none';
/** The code label of an allowed operation. */
export const NO_CODE_LABEL_VALUE = 'none';

/** Options of {@link QuotaMetrics}. */
export interface QuotaMetricsOptions {
  /**
   * The most distinct plan names used as label values; later ones are reported as
   * {@link OTHER_LABEL_VALUE}. Plans are configuration, so this only matters when `planFor` builds a plan per
   * client. A positive integer. Default {@link DEFAULT_MAX_PLAN_LABELS} (100).
   */
  readonly maxPlans?: number;
  /** The same bound for limit names. Default {@link DEFAULT_MAX_LIMIT_LABELS} (100). */
  readonly maxLimits?: number;
  /**
   * Opt-in: add the client id as a label (`client`) to `decisions`, `refusals` and `threshold.crossings`.
   * Every distinct client then makes new series: memory here and in Prometheus or the collector grows with
   * the number of clients, and ids may be personal data (GDPR/CCPA). The first `maxClients` ids seen get a
   * label of their own, the rest share {@link OTHER_LABEL_VALUE}. `true` means
   * `{ maxClients: DEFAULT_MAX_CLIENT_LABELS }`. Default `false`: no client id in any label, so the number
   * of series does not depend on the number of clients.
   */
  readonly clientLabel?: boolean | { readonly maxClients: number };
  /** Current time in Unix epoch milliseconds, for the kill-switch gauge. Default `Date.now`. */
  readonly clock?: () => number;
}

/** A counter, up-down counter or gauge series: its label values (in the descriptor's order) and value. */
export interface SeriesPoint {
  readonly labels: readonly string[];
  readonly value: number;
}

/** A histogram series. `bucketCounts[i]` counts values in (bounds[i-1], bounds[i]]; the last is +Inf. */
export interface HistogramPoint {
  readonly labels: readonly string[];
  readonly bucketCounts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** One metric's state at collection. */
export type MetricSnapshot =
  | {
      readonly metric: QuotaMetricName;
      readonly descriptor: MetricDescriptor;
      readonly kind: 'histogram';
      readonly points: readonly HistogramPoint[];
    }
  | {
      readonly metric: QuotaMetricName;
      readonly descriptor: MetricDescriptor;
      readonly kind: 'counter' | 'updowncounter' | 'gauge';
      readonly points: readonly SeriesPoint[];
    };

/** Called with every value a histogram records (the OpenTelemetry exporter forwards them to its instruments). */
export type HistogramListener = (metric: QuotaMetricName, labels: readonly string[], value: number) => void;

interface Series {
  readonly labels: readonly string[];
  value: number;
}

interface HistogramSeries {
  readonly labels: readonly string[];
  readonly counts: number[];
  sum: number;
  count: number;
}

/** A label whose distinct values are capped: the first `max` keep their name, the rest are "_other". */
class BoundedLabel {
  readonly #seen = new Set<string>();
  constructor(readonly max: number) {}

  value(v: string): string {
    if (this.#seen.has(v)) return v;
    if (this.#seen.size >= this.max) return OTHER_LABEL_VALUE;
    this.#seen.add(v);
    return v;
  }
}

/**
 * The metrics of the catalogue ({@link QUOTA_METRICS}), kept in this process's memory: a {@link QuotaObserver}
 * that counts each event with plain additions (a few hundred nanoseconds per operation), read at collection
 * by an exporter (`graphql-quota/prometheus`, `graphql-quota/opentelemetry`) or by {@link collect}. It loads
 * no telemetry library. Memory is bounded: every label takes a bounded set of values (plans, limits and opt-in
 * client ids are capped, see the options), so the number of series never depends on traffic.
 */
export class QuotaMetrics implements QuotaObserver {
  /** The catalogue as this instance reports it (with the client label when opted in). */
  readonly descriptors: Readonly<Record<QuotaMetricName, MetricDescriptor>>;
  readonly #counters = new Map<QuotaMetricName, Map<string, Series>>();
  readonly #histograms = new Map<QuotaMetricName, Map<string, HistogramSeries>>();
  readonly #plans: BoundedLabel;
  readonly #limits: BoundedLabel;
  readonly #clients: BoundedLabel | null;
  readonly #clock: () => number;
  readonly #listeners: HistogramListener[] = [];
  #fallbackActive = 0;
  #everyoneBlockedUntilMs = 0;

  constructor(options: QuotaMetricsOptions = {}) {
    if (typeof options !== 'object' || options === null)
      invalidOption('QuotaMetrics', 'options must be an object');
    const maxPlans = positiveInteger(options.maxPlans ?? DEFAULT_MAX_PLAN_LABELS, 'maxPlans');
    const maxLimits = positiveInteger(options.maxLimits ?? DEFAULT_MAX_LIMIT_LABELS, 'maxLimits');
    const clientLabel = options.clientLabel ?? false;
    let maxClients: number | null = null;
    if (clientLabel === true) maxClients = DEFAULT_MAX_CLIENT_LABELS;
    else if (typeof clientLabel === 'object' && clientLabel !== null)
      maxClients = positiveInteger(clientLabel.maxClients, 'clientLabel.maxClients');
    else if (clientLabel !== false)
      invalidOption('QuotaMetrics', 'clientLabel must be a boolean or { maxClients: number }');
    if (options.clock !== undefined && typeof options.clock !== 'function')
      invalidOption('QuotaMetrics', 'clock must be a function returning Unix epoch milliseconds');
    this.#plans = new BoundedLabel(maxPlans);
    this.#limits = new BoundedLabel(maxLimits);
    this.#clients = maxClients === null ? null : new BoundedLabel(maxClients);
    this.#clock = options.clock ?? Date.now;

    const descriptors = {} as Record<QuotaMetricName, MetricDescriptor>;
    for (const [name, descriptor] of Object.entries(QUOTA_METRICS) as [QuotaMetricName, MetricDescriptor][]) {
      descriptors[name] =
        this.#clients !== null && CLIENT_LABELLED_METRICS.includes(name)
          ? { ...descriptor, labels: [...descriptor.labels, 'client' satisfies QuotaMetricLabel] }
          : descriptor;
      if (descriptor.kind === 'histogram') this.#histograms.set(name, new Map());
      else if (descriptor.kind !== 'gauge') this.#counters.set(name, new Map());
    }
    this.descriptors = descriptors;
  }

  /** Registers a listener of every histogram value (used by the OpenTelemetry exporter). */
  addHistogramListener(listener: HistogramListener): void {
    this.#listeners.push(listener);
  }

  readonly decided = (event: QuotaOperationEvent): void => {
    const plan = event.client === null ? NO_PLAN_LABEL_VALUE : this.#plans.value(event.client.plan);
    const client = this.#clientValue(event);
    const code = event.code ?? NO_CODE_LABEL_VALUE;
    this.#add('decisions', 1, withClient([event.result, code, event.operationType, plan], client));
    if (event.result !== 'allowed')
      this.#add('refusals', 1, withClient([String(event.status), code, plan], client));
    if (event.estimatedCost !== null)
      this.#record('costEstimated', event.estimatedCost, [event.operationType, plan]);
    if (event.source === 'fallback') this.#add('fallbackDecisions', 1, [plan]);
    const decision = event.decision;
    if (decision !== null && decision.allowed && decision.leaseId !== null)
      this.#add('slotsInFlight', 1, [plan]);
  };

  readonly settled = (event: QuotaOperationEvent): void => {
    const plan = event.client === null ? NO_PLAN_LABEL_VALUE : this.#plans.value(event.client.plan);
    if (event.actualCost !== null) {
      this.#record('costActual', event.actualCost, [event.operationType, plan]);
      if (event.estimatedCost !== null)
        this.#record('costDelta', Math.max(0, event.estimatedCost - event.actualCost), [
          event.operationType,
          plan,
        ]);
    }
    const decision = event.decision;
    if (decision !== null && decision.allowed && decision.leaseId !== null)
      this.#add('slotsInFlight', -1, [plan]);
  };

  readonly storeCall = (event: StoreCallEvent): void => {
    this.#record('storeDuration', event.durationMs / 1000, [event.method, event.outcome]);
    if (event.outcome !== 'ok')
      this.#add('storeFailures', 1, [event.method, event.outcome, event.failureMode]);
    if (event.method === 'decide')
      this.#fallbackActive = event.outcome !== 'ok' && event.failureMode === 'fallback' ? 1 : 0;
  };

  readonly thresholdCrossed = (event: ThresholdEvent): void => {
    const client = this.#clients === null ? null : this.#clients.value(event.client.id);
    this.#add(
      'thresholdCrossings',
      1,
      withClient(
        [this.#plans.value(event.client.plan), this.#limits.value(event.limit), String(event.threshold)],
        client,
      ),
    );
  };

  readonly killSwitch = (event: KillSwitchEvent): void => {
    if (!event.recorded) return;
    this.#add('killSwitchChanges', 1, [event.action, event.scope]);
    if (event.scope === 'everyone')
      this.#everyoneBlockedUntilMs = event.action === 'block' ? event.timeMs + (event.durationMs ?? 0) : 0;
  };

  /** Every metric of the catalogue with its current series, in catalogue order. */
  collect(): MetricSnapshot[] {
    const snapshots: MetricSnapshot[] = [];
    for (const [metric, descriptor] of Object.entries(this.descriptors) as [
      QuotaMetricName,
      MetricDescriptor,
    ][]) {
      if (descriptor.kind === 'histogram') {
        const points = [...this.#histograms.get(metric)!.values()].map((s) => ({
          labels: s.labels,
          bucketCounts: [...s.counts],
          sum: s.sum,
          count: s.count,
        }));
        snapshots.push({ metric, descriptor, kind: 'histogram', points });
      } else if (descriptor.kind === 'gauge') {
        const value =
          metric === 'fallbackActive'
            ? this.#fallbackActive
            : this.#clock() < this.#everyoneBlockedUntilMs
              ? 1
              : 0;
        snapshots.push({ metric, descriptor, kind: 'gauge', points: [{ labels: [], value }] });
      } else {
        const points = [...this.#counters.get(metric)!.values()].map((s) => ({
          labels: s.labels,
          value: s.value,
        }));
        snapshots.push({ metric, descriptor, kind: descriptor.kind, points });
      }
    }
    return snapshots;
  }

  /** The number of series (a histogram series counts once), for cardinality checks. */
  seriesCount(): number {
    return this.collect().reduce((n, s) => n + s.points.length, 0);
  }

  #clientValue(event: QuotaOperationEvent): string | null {
    if (this.#clients === null) return null;
    return event.client === null ? NO_PLAN_LABEL_VALUE : this.#clients.value(event.client.id);
  }

  #bounds(metric: QuotaMetricName): readonly number[] {
    return (QUOTA_METRICS[metric] as MetricDescriptor).buckets!;
  }

  #add(metric: QuotaMetricName, value: number, labels: string[]): void {
    const family = this.#counters.get(metric)!;
    const key = labels.join('\u0001');
    const series = family.get(key);
    if (series === undefined) family.set(key, { labels, value });
    else series.value += value;
  }

  #record(metric: QuotaMetricName, value: number, labels: string[]): void {
    const family = this.#histograms.get(metric)!;
    const key = labels.join('\u0001');
    let series = family.get(key);
    if (series === undefined) {
      series = {
        labels,
        counts: new Array<number>(this.#bounds(metric).length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      family.set(key, series);
    }
    const bounds = this.#bounds(metric);
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    series.counts[i]!++;
    series.sum += value;
    series.count++;
    for (const listener of this.#listeners) listener(metric, series.labels, value);
  }
}

function withClient(labels: string[], client: string | null): string[] {
  if (client !== null) labels.push(client);
  return labels;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    invalidOption('QuotaMetrics', `${name} must be a positive integer, got ${String(value)}`);
  return value;
}
