export * from './structuredFields.js';
export * from './headerLimit.js';
export * from './mergeDecisions.js';
export * from './ietfRateLimit.js';
export * from './xRateLimit.js';
export * from './quotaHeaders.js';
export * from './exposeHeaders.js';
