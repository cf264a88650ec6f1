/** Where quota state lives: in this process's memory, or in Redis shared by every instance. No GraphQL here. */
export { MemoryStore } from './MemoryStore.js';
export type { MemoryStoreOptions } from './MemoryStore.js';
export { RedisStore, DEFAULT_GLOBAL_BLOCK_REFRESH_MS } from './RedisStore.js';
export type { RedisStoreOptions } from './RedisStore.js';
export type { IoRedisClientLike, NodeRedisClientLike, RedisClientLike } from './redisClient.js';
export {
  DEFAULT_HISTORY_MAX_OPERATION_NAMES,
  DEFAULT_HOUR_RETENTION_MS,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MINUTE_RETENTION_MS,
  DEFAULT_REDIS_KEY_PREFIX,
  historyOperationName,
  MAX_HISTORY_OPERATION_NAME_LENGTH,
  OTHER_OPERATIONS,
} from './defaults.js';
export { clientOfStoreKey, storeKey } from './clientKeys.js';
export type { RedisUsageReads } from './RedisStore.js';
export type { RedisOperationUsage, RedisUsageBucket, RedisUsageHistoryOptions } from './usageHistory.js';
