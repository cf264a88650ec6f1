/** The engine: a store behind a timeout, a failure mode and an in-memory fallback. */
export { QuotaEngine } from './QuotaEngine.js';
export type {
  QuotaEngineOptions,
  StoreCallEvent,
  StoreCallOutcome,
  StoreFailureMode,
  StoreMethod,
} from './QuotaEngine.js';
export {
  DEFAULT_ON_STORE_FAILURE,
  DEFAULT_STORE_TIMEOUT_MS,
  DEFAULT_UNAVAILABLE_RETRY_AFTER_SECONDS,
} from './defaults.js';
