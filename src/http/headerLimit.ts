import type { LimitStatus } from '../quota/index.js';

/**
 * The limit that single-limit headers (`X-Rate-Limit-*`, the cost extension's throttle status) describe.
 * Single-value fields speak of one quota policy only, so the choice is stated here, once:
 * 1. on a refusal, the limit that refused (`refusedBy`): the numbers then agree with `Retry-After`, with the
 *    error, and with the refusing limit's item in the IETF `RateLimit` field (whose `t` is the retry time);
 * 2. else the limit named `name` (the `headerLimit` option), when the plan has it;
 * 3. else, among the limits that apply to the operation (all of them when none does), the first
 *    cost-counting fixed window (openPIM's convention: the "cost window" clients budget against), else the
 *    first one. A write is thus described by a write limit, never by a read limit it did not touch.
 * The IETF `RateLimit` field lists every applying limit, so nothing is hidden by this choice. Null for a plan
 * without limits.
 */
export function selectHeaderLimit(
  limits: readonly LimitStatus[],
  name?: string | null,
  refusedBy?: string | null,
): LimitStatus | null {
  if (refusedBy != null) {
    const refusing = limits.find((l) => l.name === refusedBy);
    if (refusing !== undefined) return refusing;
  }
  if (name != null) {
    const named = limits.find((l) => l.name === name);
    if (named !== undefined) return named;
  }
  const applying = limits.filter((l) => l.applies);
  const pool = applying.length > 0 ? applying : limits;
  return pool.find((l) => l.kind === 'fixed-window' && l.counts === 'cost') ?? pool[0] ?? null;
}
