/**
 * The metrics catalogue: every metric graphql-quota reports, its OpenTelemetry name and its Prometheus name,
 * its unit, and its labels. Fixed and documented (docs/observability.md); both exporters read it from here.
 *
 * Names follow the OpenTelemetry semantic-convention rules (lower-case, dot-namespaced, units in UCUM with
 * `{annotation}` for counts, `s` for durations) and the Prometheus ones (`graphql_quota_` prefix, `_total` on
 * counters, `_seconds` for durations, base units). The cost histograms are Apollo Router's demand-control
 * instruments `cost.estimated`, `cost.actual` and `cost.delta`, under this library's namespace.
 */

/** A label of the catalogue: its key here, its OpenTelemetry attribute name, its Prometheus label name. */
export interface LabelDescriptor {
  /** The OpenTelemetry attribute (semantic-convention names where one exists). */
  readonly attribute: string;
  /** The Prometheus label name. */
  readonly prometheus: string;
}

/** Every label the catalogue uses. None of them is a client id unless {@link QuotaMetricsOptions.clientLabel} says so. */
export const QUOTA_METRIC_LABELS = {
  /** `allowed`, `refused` or `dry-run-refused`. */
  result: { attribute: 'graphql_quota.result', prometheus: 'result' },
  /** The refusal code (`QUOTA_EXCEEDED`...), `none` when allowed. */
  code: { attribute: 'graphql_quota.code', prometheus: 'code' },
  /** `query`, `mutation` or `subscription` (OpenTelemetry's GraphQL semantic conventions). */
  operationType: { attribute: 'graphql.operation.type', prometheus: 'operation_type' },
  /** The client's plan name (bounded: see {@link QuotaMetricsOptions.maxPlans}). */
  plan: { attribute: 'graphql_quota.plan', prometheus: 'plan' },
  /** The HTTP status sent (OpenTelemetry's HTTP semantic conventions). */
  status: { attribute: 'http.response.status_code', prometheus: 'status' },
  /** The store method: `decide`, `settle`, `peek`, `block`, `unblock`. */
  storeOperation: { attribute: 'graphql_quota.store.operation', prometheus: 'operation' },
  /** How a store call ended: `ok`, `error`, `timeout`. */
  outcome: { attribute: 'graphql_quota.store.outcome', prometheus: 'outcome' },
  /** The kind of store failure, `error` or `timeout` (OpenTelemetry's `error.type`). */
  failure: { attribute: 'error.type', prometheus: 'failure' },
  /** The engine's failure mode: `allow`, `deny`, `fallback`. */
  failureMode: { attribute: 'graphql_quota.failure_mode', prometheus: 'failure_mode' },
  /** A limit's name within its plan (bounded: see {@link QuotaMetricsOptions.maxLimits}). */
  limit: { attribute: 'graphql_quota.limit', prometheus: 'limit' },
  /** A usage threshold, as a fraction (`0.8`). */
  threshold: { attribute: 'graphql_quota.threshold', prometheus: 'threshold' },
  /** `block` or `unblock`. */
  action: { attribute: 'graphql_quota.kill_switch.action', prometheus: 'action' },
  /** `client`, `anonymous` or `everyone`. */
  scope: { attribute: 'graphql_quota.kill_switch.scope', prometheus: 'scope' },
  /** The client id: only with the opt-in {@link QuotaMetricsOptions.clientLabel}. */
  client: { attribute: 'graphql_quota.client', prometheus: 'client' },
} as const satisfies Record<string, LabelDescriptor>;

export type QuotaMetricLabel = keyof typeof QUOTA_METRIC_LABELS;

/** The kind of instrument, in OpenTelemetry's terms (Prometheus: counter, gauge, gauge, histogram). */
export type InstrumentKind = 'counter' | 'updowncounter' | 'gauge' | 'histogram';

/** One metric of the catalogue. */
export interface MetricDescriptor {
  /** The OpenTelemetry instrument name. */
  readonly name: string;
  /** The Prometheus metric name (counters end in `_total`). */
  readonly prometheusName: string;
  readonly kind: InstrumentKind;
  /** UCUM unit, as OpenTelemetry states it: `{decision}`, `{point}`, `s`, `1`. */
  readonly unit: string;
  readonly description: string;
  /** Its labels, in order. */
  readonly labels: readonly QuotaMetricLabel[];
  /** Histograms: the explicit bucket upper bounds, ascending (Prometheus `le`). */
  readonly buckets?: readonly number[];
}

/** Bucket bounds of the cost histograms, in points. */
export const DEFAULT_COST_BUCKETS: readonly number[] = [
  0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 50_000, 100_000,
];

/** Bucket bounds of the store call duration, in seconds (0.5 ms to 1 s; the engine's default timeout is 0.2 s). */
export const DEFAULT_STORE_DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1,
];

/** The catalogue, keyed by the name the code uses. */
export const QUOTA_METRICS = {
  decisions: {
    name: 'graphql_quota.decisions',
    prometheusName: 'graphql_quota_decisions_total',
    kind: 'counter',
    unit: '{decision}',
    description: 'Operations decided, by result, refusal code, operation type and plan.',
    labels: ['result', 'code', 'operationType', 'plan'],
  },
  refusals: {
    name: 'graphql_quota.refusals',
    prometheusName: 'graphql_quota_refusals_total',
    kind: 'counter',
    unit: '{refusal}',
    description: 'Operations refused (in a dry run: that would have been), by HTTP status and code.',
    labels: ['status', 'code', 'plan'],
  },
  costEstimated: {
    name: 'graphql_quota.cost.estimated',
    prometheusName: 'graphql_quota_cost_estimated',
    kind: 'histogram',
    unit: '{point}',
    description: 'Estimated cost of each priced operation, in points (Apollo Router cost.estimated).',
    labels: ['operationType', 'plan'],
    buckets: DEFAULT_COST_BUCKETS,
  },
  costActual: {
    name: 'graphql_quota.cost.actual',
    prometheusName: 'graphql_quota_cost_actual',
    kind: 'histogram',
    unit: '{point}',
    description: 'Actual cost of each executed operation, in points (Apollo Router cost.actual).',
    labels: ['operationType', 'plan'],
    buckets: DEFAULT_COST_BUCKETS,
  },
  costDelta: {
    name: 'graphql_quota.cost.delta',
    prometheusName: 'graphql_quota_cost_delta',
    kind: 'histogram',
    unit: '{point}',
    description:
      'Estimated minus actual cost of each executed operation, in points, 0 when the actual cost exceeds ' +
      'the estimate (Apollo Router cost.delta).',
    labels: ['operationType', 'plan'],
    buckets: DEFAULT_COST_BUCKETS,
  },
  storeDuration: {
    name: 'graphql_quota.store.duration',
    prometheusName: 'graphql_quota_store_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of each call from the engine to its quota store, by method and outcome.',
    labels: ['storeOperation', 'outcome'],
    buckets: DEFAULT_STORE_DURATION_BUCKETS,
  },
  storeFailures: {
    name: 'graphql_quota.store.failures',
    prometheusName: 'graphql_quota_store_failures_total',
    kind: 'counter',
    unit: '{failure}',
    description: 'Store calls that failed or timed out, by method, kind of failure and failure mode applied.',
    labels: ['storeOperation', 'failure', 'failureMode'],
  },
  fallbackDecisions: {
    name: 'graphql_quota.fallback.decisions',
    prometheusName: 'graphql_quota_fallback_decisions_total',
    kind: 'counter',
    unit: '{decision}',
    description: "Decisions taken by this process's in-memory fallback store while the store was failing.",
    labels: ['plan'],
  },
  fallbackActive: {
    name: 'graphql_quota.fallback.active',
    prometheusName: 'graphql_quota_fallback_active',
    kind: 'gauge',
    unit: '1',
    description:
      '1 while this process decides from its fallback store (the last store decide failed), else 0.',
    labels: [],
  },
  slotsInFlight: {
    name: 'graphql_quota.slots.in_flight',
    prometheusName: 'graphql_quota_slots_in_flight',
    kind: 'updowncounter',
    unit: '{slot}',
    description: 'Concurrency slots held by operations of this process that have not settled yet, by plan.',
    labels: ['plan'],
  },
  thresholdCrossings: {
    name: 'graphql_quota.threshold.crossings',
    prometheusName: 'graphql_quota_threshold_crossings_total',
    kind: 'counter',
    unit: '{crossing}',
    description:
      "Operations that took a limit's usage across a usage threshold, by plan, limit and threshold.",
    labels: ['plan', 'limit', 'threshold'],
  },
  killSwitchChanges: {
    name: 'graphql_quota.kill_switch.changes',
    prometheusName: 'graphql_quota_kill_switch_changes_total',
    kind: 'counter',
    unit: '{change}',
    description:
      'Kill-switch orders given through this process and recorded by the store, by action and scope.',
    labels: ['action', 'scope'],
  },
  killSwitchEveryone: {
    name: 'graphql_quota.kill_switch.everyone',
    prometheusName: 'graphql_quota_kill_switch_everyone',
    kind: 'gauge',
    unit: '1',
    description: '1 while a block of every client ordered through this process is in force, else 0.',
    labels: [],
  },
} as const satisfies Record<string, MetricDescriptor>;

export type QuotaMetricName = keyof typeof QUOTA_METRICS;

/** The metrics that carry the client label when {@link QuotaMetricsOptions.clientLabel} is on. */
export const CLIENT_LABELLED_METRICS: readonly QuotaMetricName[] = [
  'decisions',
  'refusals',
  'thresholdCrossings',
];
