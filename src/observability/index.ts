/**
 * Observability: the events the request lifecycle and the engine emit, the metrics catalogue kept in memory,
 * the decision log, the alert watcher, and the free "my quota" query. Loads no telemetry library: the
 * Prometheus and OpenTelemetry exporters are the `graphql-quota/prometheus` and `graphql-quota/opentelemetry`
 * entry points.
 */
export { combineObservers } from './events.js';
export type {
  DecisionResult,
  DecisionSource,
  KillSwitchEvent,
  KillSwitchScope,
  ObservedClient,
  QuotaObserver,
  QuotaOperationEvent,
  StoreCallEvent,
  StoreCallOutcome,
  StoreMethod,
  ThresholdEvent,
} from './events.js';
export {
  CLIENT_LABELLED_METRICS,
  DEFAULT_COST_BUCKETS,
  DEFAULT_STORE_DURATION_BUCKETS,
  QUOTA_METRICS,
  QUOTA_METRIC_LABELS,
} from './catalogue.js';
export type {
  InstrumentKind,
  LabelDescriptor,
  MetricDescriptor,
  QuotaMetricLabel,
  QuotaMetricName,
} from './catalogue.js';
export {
  DEFAULT_MAX_CLIENT_LABELS,
  DEFAULT_MAX_LIMIT_LABELS,
  DEFAULT_MAX_PLAN_LABELS,
  NO_CODE_LABEL_VALUE,
  NO_PLAN_LABEL_VALUE,
  OTHER_LABEL_VALUE,
  QuotaMetrics,
} from './QuotaMetrics.js';
export type {
  HistogramListener,
  HistogramPoint,
  MetricSnapshot,
  QuotaMetricsOptions,
  SeriesPoint,
} from './QuotaMetrics.js';
export { DECISION_LOG_MESSAGE, REDACTED, decisionLog, redactQuery } from './decisionLog.js';
export type { DecisionLogOptions, DecisionLogRecord, DecisionLogger } from './decisionLog.js';
export {
  AlertWatcher,
  DEFAULT_ALERT_BUCKETS,
  DEFAULT_ALERT_MIN_EVENTS,
  DEFAULT_ALERT_WINDOW_MS,
} from './AlertWatcher.js';
export type { AlertKind, AlertThresholds, AlertWatcherOptions, QuotaAlert } from './AlertWatcher.js';
export { DEFAULT_QUOTA_FIELD, quotaResolvers, quotaTypeDefs, readQuota } from './myQuota.js';
export type {
  QuotaCaller,
  QuotaLimitState,
  QuotaPeeker,
  QuotaResolversOptions,
  QuotaState,
  QuotaTypeDefsOptions,
} from './myQuota.js';
export { isFreeQuotaOperation } from './freeOperation.js';
