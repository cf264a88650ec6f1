export { createQuotaLifecycle, quotaHandle } from './QuotaLifecycle.js';
export type { QuotaHandle, QuotaKillSwitch, QuotaLifecycle } from './QuotaLifecycle.js';
export type { QuotaResponse, ResponseHeaders } from './QuotaResponse.js';
export type {
  CostCarrier,
  ExecutionOutcome,
  OperationInput,
  QuotaAdmission,
  QuotaOperation,
} from './QuotaOperation.js';
export type { QuotaRequest, RequestHeaders } from './request.js';
export { NO_HEADERS } from './request.js';
export { IncrementalData } from './incremental.js';
export type { IncrementalPart, IncrementalPayload } from './incremental.js';
export { COST_REFUSAL_STATUS, QUOTA_REFUSAL_STATUS } from './refusals.js';
export type { QuotaRefusal, QuotaRefusalCode, QuotaRefusalDetails } from './refusals.js';
export { DEFAULT_API_KEY_HEADER, identifyByApiKey, identifyFromContext } from './identify.js';
export type { CostExtension, ThrottleStatus } from './costExtension.js';
export {
  DEFAULT_ANONYMOUS_KEY,
  DEFAULT_ANONYMOUS_PLAN,
  DEFAULT_COST_REQUEST_HEADER,
  DEFAULT_COUNT_INVALID_REQUESTS,
  DEFAULT_EXPOSE_COST,
  DEFAULT_EXPOSE_QUOTA_HEADERS,
  DEFAULT_MODE,
  DEFAULT_UNKNOWN_API_KEY,
  UNKNOWN_API_KEY,
  DEFAULT_USAGE_THRESHOLDS,
} from './options.js';
export type {
  AnonymousKeyFunction,
  ExemptFunction,
  ExemptOperation,
  ExposeCost,
  IdentifyFunction,
  PlanForFunction,
  QuotaClient,
  QuotaDecisionEvent,
  QuotaMode,
  QuotaOptions,
  QuotaRejectionEvent,
  QuotaThresholdEvent,
  UnknownApiKeyMode,
} from './options.js';
