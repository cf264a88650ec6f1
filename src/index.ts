/**
 * graphql-quota: cost analysis and per-client quotas for GraphQL APIs. The core entry point, `graphql-quota`:
 * cost analysis, quota plans and the engine, stores, response headers and the framework-neutral request
 * lifecycle. It loads no server framework; the Apollo Server plugin is `graphql-quota/apollo`. Every name is
 * listed here one by one: what is not listed is internal.
 */

//#region Cost analysis: schema annotations -> the cost of an operation
export {
  AuditCode,
  COST_DIRECTIVES_SDL,
  COST_MODELS,
  CostAnalyzer,
  CostError,
  CostErrorCode,
  DEFAULT_AUDIT_DEPTH,
  DEFAULT_COMPLEXITY_DIRECTIVE_NAME,
  DEFAULT_COST_MODEL,
  DEFAULT_DEPTH_COST,
  DEFAULT_DIRECTIVE_NAMES,
  DEFAULT_ERROR_FIELD_COUNT,
  DEFAULT_INTROSPECTION_COST,
  DEFAULT_LEAF_TYPE_COST,
  DEFAULT_LIST_SIZE,
  DEFAULT_MAX_BREAKDOWN_FIELDS,
  DEFAULT_MAX_COST,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_LIST_SIZE,
  DEFAULT_MUTATION_COST,
  DEFAULT_OBJECT_TYPE_COST,
  DEFAULT_QUERY_COST,
  DEFAULT_SUBSCRIPTION_COST,
  GITHUB_MAX_NODES,
  GITHUB_MAX_PAGE_SIZE,
  GITHUB_POINTS,
  MAX_SUPPORTED_DEPTH,
  analyzeCost,
  annotateSchema,
  auditSchema,
  costDirectivesSDL,
  linkedCostDirectiveNames,
  parseDocument,
  toPoints,
  withCostDirectives,
} from './cost/index.js';
export type {
  ActualCostRequest,
  AnalyzeCostArgs,
  AnnotateOptions,
  AnnotatedSchema,
  PointsScale,
  SchemaAnnotation,
  AuditFinding,
  AuditOptions,
  AuditSeverity,
  CostDirectiveNames,
  CostModelName,
  CostliestOperation,
  SchemaAudit,
  CostErrorExtensions,
  CostOptions,
  CostReport,
  CostRequest,
  FieldCost,
} from './cost/index.js';
//#endregion

//#region Quotas: limits, plans, decisions, the engine
export {
  ALL_CLIENTS,
  DEFAULT_FIXED_WINDOW_ALIGN,
  DEFAULT_FIXED_WINDOW_COUNTS,
  DEFAULT_LEASE_MS,
  DEFAULT_TOKEN_BUCKET_COUNTS,
  DEFAULT_TOKEN_BUCKET_PERIOD_MS,
  MAX_CONCURRENCY,
  QuotaValidationError,
  createPlanResolver,
  definePlan,
  planPolicies,
} from './quota/index.js';
export type {
  ConcurrencyLimit,
  DecideInput,
  Decision,
  FixedWindowLimit,
  Limit,
  LimitCounts,
  LimitPolicy,
  LimitStatus,
  OperationMatch,
  OperationScope,
  OperationType,
  Plan,
  PlanResolver,
  PlanResolverOptions,
  QuotaErrorCode,
  QuotaLogger,
  QuotaStore,
  RefusalReason,
  SettleInput,
  TokenBucketLimit,
} from './quota/index.js';
//#endregion

//#region The engine: a store behind a timeout, a failure mode and an in-memory fallback
export {
  DEFAULT_ON_STORE_FAILURE,
  DEFAULT_STORE_TIMEOUT_MS,
  DEFAULT_UNAVAILABLE_RETRY_AFTER_SECONDS,
  QuotaEngine,
} from './engine/index.js';
export type { QuotaEngineOptions, StoreFailureMode } from './engine/index.js';
//#endregion

//#region Stores: where quota state lives
export {
  DEFAULT_GLOBAL_BLOCK_REFRESH_MS,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_REDIS_KEY_PREFIX,
  MemoryStore,
  RedisStore,
} from './store/index.js';
export type {
  IoRedisClientLike,
  MemoryStoreOptions,
  NodeRedisClientLike,
  RedisClientLike,
  RedisStoreOptions,
  RedisUsageHistoryOptions,
} from './store/index.js';
//#endregion

//#region Response headers: X-Rate-Limit-*, IETF RateLimit / RateLimit-Policy, Retry-After
export {
  CONCURRENT_REQUESTS_QUOTA_UNIT,
  DEFAULT_COST_QUOTA_UNIT,
  DEFAULT_IETF_RATE_LIMIT_HEADERS,
  DEFAULT_RETRY_AFTER_HEADER,
  DEFAULT_X_RATE_LIMIT_HEADERS,
  quotaHeaders,
} from './http/index.js';
export type { HeaderField, IetfRateLimitOptions, QuotaHeaderOptions } from './http/index.js';
//#endregion

//#region Usage history: per client and minute, for the dashboard and reports
export {
  ACTIVITY_MINUTES,
  DEFAULT_HISTORY_MAX_CLIENTS,
  DEFAULT_HISTORY_MAX_OPERATION_NAMES,
  DEFAULT_HOUR_RETENTION_MS,
  DEFAULT_MINUTE_RETENTION_MS,
  InstanceActivity,
  KILL_SWITCH_ORDERS,
  MAX_RANKED_CLIENTS,
  MemoryUsageHistory,
  OTHER_OPERATIONS,
  RedisUsageHistory,
  usageHistoryObserver,
} from './history/index.js';
export type {
  ActivityPoint,
  ClientRanking,
  ClientUsage,
  HistoryClient,
  MemoryUsageHistoryOptions,
  OperationUsage,
  RedisUsageHistoryReadOptions,
  TimeRange,
  UsageCounts,
  UsageHistory,
  UsageHistoryReader,
  UsagePoint,
  UsageRecord,
  UsageRetention,
} from './history/index.js';
//#endregion

//#region The request lifecycle, shared by every server adapter
export {
  COST_REFUSAL_STATUS,
  DEFAULT_ANONYMOUS_KEY,
  DEFAULT_ANONYMOUS_PLAN,
  DEFAULT_API_KEY_HEADER,
  DEFAULT_COST_REQUEST_HEADER,
  DEFAULT_COUNT_INVALID_REQUESTS,
  DEFAULT_EXPOSE_COST,
  DEFAULT_EXPOSE_QUOTA_HEADERS,
  DEFAULT_MODE,
  DEFAULT_UNKNOWN_API_KEY,
  DEFAULT_USAGE_THRESHOLDS,
  IncrementalData,
  QUOTA_REFUSAL_STATUS,
  UNKNOWN_API_KEY,
  createQuotaLifecycle,
  quotaHandle,
  identifyByApiKey,
  identifyFromContext,
} from './lifecycle/index.js';
export type {
  AnonymousKeyFunction,
  CostCarrier,
  CostExtension,
  ExecutionOutcome,
  ExemptFunction,
  ExemptOperation,
  ExposeCost,
  IdentifyFunction,
  IncrementalPart,
  IncrementalPayload,
  OperationInput,
  PlanForFunction,
  QuotaAdmission,
  QuotaClient,
  QuotaDecisionEvent,
  QuotaHandle,
  QuotaKillSwitch,
  QuotaLifecycle,
  QuotaMode,
  QuotaOperation,
  QuotaOptions,
  QuotaRefusal,
  QuotaRefusalCode,
  QuotaRefusalDetails,
  QuotaRejectionEvent,
  QuotaRequest,
  QuotaResponse,
  QuotaThresholdEvent,
  UnknownApiKeyMode,
  RequestHeaders,
  ResponseHeaders,
  ThrottleStatus,
} from './lifecycle/index.js';
//#endregion

//#region Observability: events, metrics kept in memory, the decision log, alerts, the "my quota" query
export {
  AlertWatcher,
  CLIENT_LABELLED_METRICS,
  DECISION_LOG_MESSAGE,
  DEFAULT_ALERT_BUCKETS,
  DEFAULT_ALERT_MIN_EVENTS,
  DEFAULT_ALERT_WINDOW_MS,
  DEFAULT_COST_BUCKETS,
  DEFAULT_MAX_CLIENT_LABELS,
  DEFAULT_MAX_LIMIT_LABELS,
  DEFAULT_MAX_PLAN_LABELS,
  DEFAULT_QUOTA_FIELD,
  DEFAULT_STORE_DURATION_BUCKETS,
  NO_CODE_LABEL_VALUE,
  NO_PLAN_LABEL_VALUE,
  OTHER_LABEL_VALUE,
  QUOTA_METRICS,
  QUOTA_METRIC_LABELS,
  QuotaMetrics,
  REDACTED,
  combineObservers,
  decisionLog,
  quotaResolvers,
  quotaTypeDefs,
  readQuota,
} from './observability/index.js';
export type {
  AlertKind,
  AlertThresholds,
  AlertWatcherOptions,
  DecisionLogOptions,
  DecisionLogRecord,
  DecisionLogger,
  DecisionResult,
  DecisionSource,
  HistogramListener,
  HistogramPoint,
  InstrumentKind,
  KillSwitchEvent,
  KillSwitchScope,
  LabelDescriptor,
  MetricDescriptor,
  MetricSnapshot,
  ObservedClient,
  QuotaAlert,
  QuotaCaller,
  QuotaLimitState,
  QuotaMetricLabel,
  QuotaMetricName,
  QuotaMetricsOptions,
  QuotaObserver,
  QuotaOperationEvent,
  QuotaPeeker,
  QuotaResolversOptions,
  QuotaState,
  QuotaTypeDefsOptions,
  SeriesPoint,
  StoreCallEvent,
  StoreCallOutcome,
  StoreMethod,
  ThresholdEvent,
} from './observability/index.js';
//#endregion
