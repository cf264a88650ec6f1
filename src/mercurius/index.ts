export { mercuriusQuota } from './mercuriusQuota.js';
export type { MercuriusQuotaOptions, MercuriusQuotaPlugin } from './mercuriusQuota.js';
