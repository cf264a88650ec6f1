/** Where quota state lives: in this process's memory, or in Redis shared by every instance. No GraphQL here. */
export { MemoryStore } from './MemoryStore.js';
export type { MemoryStoreOptions } from './MemoryStore.js';
export { RedisStore, DEFAULT_GLOBAL_BLOCK_REFRESH_MS } from './RedisStore.js';
export type { RedisStoreOptions } from './RedisStore.js';
export type { IoRedisClientLike, NodeRedisClientLike, RedisClientLike } from './redisClient.js';
export { DEFAULT_MAX_CLIENTS, DEFAULT_REDIS_KEY_PREFIX } from './defaults.js';
