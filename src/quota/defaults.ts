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

/** The client key that `block` and `unblock` read as "every client" (the kill switch). */
export const ALL_CLIENTS = '*';
