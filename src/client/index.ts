/**
 * graphql-quota/client: what a client developer imports. Header parsing and a quota-aware `fetch`; no server
 * code and nothing Node-only, so it runs in browsers too.
 */
export { parseQuotaHeaders, headerValue, resultRefusals, QUOTA_ERROR_CODES } from './parseQuotaHeaders.js';
export type { ParseQuotaOptions } from './parseQuotaHeaders.js';
export type * from './types.js';
export type { ResponseCache } from './cache.js';
export {
  quotaFetch,
  QuotaWaitError,
  COST_REQUEST_HEADER,
  DEFAULT_BASE_DELAY_MS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_WAIT_MS,
} from './quotaFetch.js';
export type {
  FetchFunction,
  QuotaClock,
  QuotaFetchOptions,
  RetryEvent,
  ThrottleEvent,
  ThrottleReason,
} from './quotaFetch.js';
export { operationType, readOperations } from './operations.js';
export type { GraphQLOperation, OperationType } from './operations.js';
