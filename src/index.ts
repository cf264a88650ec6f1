/**
 * graphql-quota: cost analysis and per-client quotas for GraphQL APIs.
 * The one public entry point; every export is named.
 */
export * from './cost/index.js';
// Quota's front door also serves the store and engine layers (compiled plans, the arithmetic, input checks);
// only its public names are re-exported here.
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
  resolvePlan,
} from './quota/index.js';
export * from './store/index.js';
export * from './engine/index.js';
export * from './http/index.js';
export * from './lifecycle/index.js';
export * from './apollo/index.js';
