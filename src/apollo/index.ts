export { quotaPlugin } from './plugin.js';
export type { QuotaPlugin } from './plugin.js';
