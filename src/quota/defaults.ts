/** Default window alignment of a fixed-window limit: windows start on multiples of `windowMs` since the epoch. */
export const DEFAULT_FIXED_WINDOW_ALIGN = 'clock' as const;

/** Default of what a fixed-window limit counts: the operation's cost in points. */
export const DEFAULT_FIXED_WINDOW_COUNTS = 'cost' as const;

/** Default of what a token-bucket limit counts: one per request. */
export const DEFAULT_TOKEN_BUCKET_COUNTS = 'requests' as const;

/** Default length of a token bucket's rate period, in milliseconds (rates are per second). */
export const DEFAULT_TOKEN_BUCKET_PERIOD_MS = 1000;

/** Default concurrency lease, in milliseconds: a slot not released by then is freed anyway. */
export const DEFAULT_LEASE_MS = 60_000;

/** Largest concurrency `max` a limit may have (each in-flight lease is state to keep). */
export const MAX_CONCURRENCY = 1000;

/** Default time the engine waits for its store, in milliseconds, before applying the failure mode. */
export const DEFAULT_STORE_TIMEOUT_MS = 200;

/** Default failure mode of the engine: decide from an in-memory store in this process. */
export const DEFAULT_ON_STORE_FAILURE = 'fallback' as const;

/** Default `Retry-After`, in whole seconds, of a decision refused because the store is unavailable. */
export const DEFAULT_UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/** Default bound of the in-memory store: the most clients it tracks before evicting the least recently used. */
export const DEFAULT_MAX_CLIENTS = 100_000;

/** Default prefix of every Redis key the Redis store writes. */
export const DEFAULT_REDIS_KEY_PREFIX = 'gq:';

/** The client key that `block` and `unblock` read as "every client" (the kill switch). */
export const ALL_CLIENTS = '*';
