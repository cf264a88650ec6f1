import type { LimitStatus } from '../quota/index.js';

/**
 * The limit that single-limit headers (`X-Rate-Limit-*`, the cost extension's throttle status) describe:
 * the one named `name` when the plan has it; otherwise, among the limits that apply to the operation (all of
 * them when none does), the first cost-counting fixed window (the "cost window" clients budget against),
 * else the first one. A write is thus described by a write limit, never by a read limit it did not touch.
 * Null for a plan without limits.
 */
export function selectHeaderLimit(limits: readonly LimitStatus[], name?: string | null): LimitStatus | null {
  if (name != null) {
    const named = limits.find((l) => l.name === name);
    if (named !== undefined) return named;
  }
  const applying = limits.filter((l) => l.applies);
  const pool = applying.length > 0 ? applying : limits;
  return pool.find((l) => l.kind === 'fixed-window' && l.counts === 'cost') ?? pool[0] ?? null;
}
