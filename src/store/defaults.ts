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
/**
 * The longest operation name usage history keeps (UTF-16 code units, both history stores). A GraphQL name has
 * no length limit and the request's `operationName` is the client's own text: a longer one is kept as its
 * first `MAX_HISTORY_OPERATION_NAME_LENGTH - 1` code units (a surrogate pair is not split) and `…` (no GraphQL name contains it), so that a
 * client cannot make the history hold megabytes per name.
 */
export const MAX_HISTORY_OPERATION_NAME_LENGTH = 128;

/** An operation name as usage history keeps it (see {@link MAX_HISTORY_OPERATION_NAME_LENGTH}). */
export function historyOperationName<N extends string | null>(name: N): N {
  if (name === null || name.length <= MAX_HISTORY_OPERATION_NAME_LENGTH) return name;
  let end = MAX_HISTORY_OPERATION_NAME_LENGTH - 1;
  // Never half of a surrogate pair.
  const last = name.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${name.slice(0, end)}…` as N;
}
