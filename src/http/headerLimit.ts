import type { LimitStatus } from '../quota/types.js';

/**
 * The limit that single-limit headers (`X-Rate-Limit-*`, the cost extension's throttle status) describe:
 * the one named `name` when the plan has it; otherwise the plan's first cost-counting fixed window (the
 * "cost window" clients budget against); otherwise its first limit. Null for a plan without limits.
 */
export function selectHeaderLimit(limits: readonly LimitStatus[], name?: string | null): LimitStatus | null {
  if (name != null) {
    const named = limits.find((l) => l.name === name);
    if (named !== undefined) return named;
  }
  return limits.find((l) => l.kind === 'fixed-window' && l.counts === 'cost') ?? limits[0] ?? null;
}
