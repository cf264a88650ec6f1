import type { LimitStatus } from '../quota/index.js';

/** What one admitted operation added to a limit: its cost, or one request, or one concurrency slot. */
export function chargedTo(limit: LimitStatus, cost: number): number {
  if (!limit.applies) return 0;
  return limit.kind !== 'concurrency' && limit.counts === 'cost' ? cost : 1;
}

/**
 * The thresholds (fractions of the limit) this operation took the limit across: usage before it was below
 * `threshold × limit`, usage after it is at or above. A decision is atomic, so across every instance
 * exactly one operation crosses each threshold per window (refunds aside).
 */
export function crossedThresholds(limit: LimitStatus, cost: number, thresholds: readonly number[]): number[] {
  const charged = chargedTo(limit, cost);
  if (charged === 0) return [];
  const after = limit.consumed;
  const before = after - charged;
  return thresholds.filter((t) => before < t * limit.limit && after >= t * limit.limit);
}
