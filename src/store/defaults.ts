/** Default bound of the in-memory store: the most clients it tracks before evicting the least recently used. */
export const DEFAULT_MAX_CLIENTS = 100_000;

/** Default prefix of every Redis key the Redis store writes. */
export const DEFAULT_REDIS_KEY_PREFIX = 'gq:';

const HOUR_MS = 3_600_000;

/** Default of how long usage history keeps one-minute buckets (both history stores): 7 days. */
export const DEFAULT_MINUTE_RETENTION_MS = 7 * 24 * HOUR_MS;
/** Default of how long usage history keeps hourly buckets and operation totals: 90 days. */
export const DEFAULT_HOUR_RETENTION_MS = 90 * 24 * HOUR_MS;
/** Default number of distinct operation names usage history keeps per client and hour; others count as `(other)`. */
export const DEFAULT_HISTORY_MAX_OPERATION_NAMES = 50;
/** The name usage history counts operations beyond the per-hour bound under. */
export const OTHER_OPERATIONS = '(other)';
