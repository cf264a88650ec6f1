export { MemoryStore } from './MemoryStore.js';
export type { MemoryStoreOptions } from './MemoryStore.js';
export { RedisStore, DEFAULT_GLOBAL_BLOCK_REFRESH_MS } from './RedisStore.js';
export type { RedisStoreOptions } from './RedisStore.js';
export type { IoRedisClientLike, NodeRedisClientLike, RedisClientLike } from './redisClient.js';
