/** Default bound of the in-memory store: the most clients it tracks before evicting the least recently used. */
export const DEFAULT_MAX_CLIENTS = 100_000;

/** Default prefix of every Redis key the Redis store writes. */
export const DEFAULT_REDIS_KEY_PREFIX = 'gq:';
