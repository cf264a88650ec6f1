/**
 * graphql-quota: cost analysis and per-client quotas for GraphQL APIs.
 * The one public entry point; every export is named.
 */
export * from './cost/index.js';
export * from './quota/index.js';
export * from './store/index.js';
export * from './http/index.js';
export * from './lifecycle/index.js';
export * from './apollo/index.js';
