/**
 * Usage history: per client and per minute, points charged, actual cost, operations and refusals by code,
 * with bounded retention, fed by the lifecycle's observer events, and a read API (a client's history, top
 * clients, top operations, totals) for the dashboard and any other report.
 */
export {
  DEFAULT_HISTORY_MAX_CLIENTS,
  DEFAULT_HISTORY_MAX_OPERATION_NAMES,
  DEFAULT_HOUR_RETENTION_MS,
  DEFAULT_MINUTE_RETENTION_MS,
  HOUR_MS,
  MINUTE_MS,
  OTHER_OPERATIONS,
} from './UsageHistory.js';
export type {
  ClientRanking,
  ClientUsage,
  HistoryClient,
  OperationUsage,
  TimeRange,
  UsageCounts,
  UsageHistory,
  UsageHistoryReader,
  UsagePoint,
  UsageRecord,
  UsageRetention,
} from './UsageHistory.js';
export { MemoryUsageHistory } from './MemoryUsageHistory.js';
export type { MemoryUsageHistoryOptions } from './MemoryUsageHistory.js';
export { MAX_RANKED_CLIENTS, RedisUsageHistory } from './RedisUsageHistory.js';
export type { RedisUsageHistoryReadOptions } from './RedisUsageHistory.js';
export {
  ACTIVITY_MINUTES,
  InstanceActivity,
  KILL_SWITCH_ORDERS,
  usageHistoryObserver,
  usageRecordOf,
} from './usageObserver.js';
export type { ActivityPoint } from './usageObserver.js';
