/**
 * graphql-quota/client: what a client developer imports. Header parsing and a quota-aware `fetch`; no server
 * code and nothing Node-only, so it runs in browsers too.
 */
export { parseQuotaHeaders, headerValue, QUOTA_ERROR_CODES } from './parseQuotaHeaders.js';
export type { ParseQuotaOptions } from './parseQuotaHeaders.js';
export type * from './types.js';
