export { useQuota } from './useQuota.js';
export type { QuotaEnvelopPlugin, UseQuotaOptions } from './useQuota.js';
