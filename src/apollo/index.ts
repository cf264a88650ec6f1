export { quotaPlugin } from './plugin.js';
export type { QuotaPlugin } from './plugin.js';
export * from './options.js';
export { identifyFromContext, identifyByApiKey, DEFAULT_API_KEY_HEADER } from './identify.js';
export { QUOTA_ERROR_STATUS, COST_ERROR_STATUS } from './errors.js';
export type { QuotaErrorDetails, QuotaPluginErrorCode } from './errors.js';
export { costExtension } from './costExtension.js';
