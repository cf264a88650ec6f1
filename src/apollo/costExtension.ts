import { selectHeaderLimit } from '../http/index.js';
import type { Decision } from '../quota/index.js';
import type { CostExtension, ThrottleStatus } from './options.js';

function throttleStatus(
  decision: Decision | null,
  headerLimit: string | null | undefined,
): ThrottleStatus | null {
  const limit = decision === null ? null : selectHeaderLimit(decision.limits, headerLimit);
  if (limit === null) return null;
  return {
    limit: limit.name,
    maximumAvailable: limit.limit,
    currentlyAvailable: Math.max(0, Math.floor(limit.remaining)),
    // A bucket's windowMs is the time to refill its burst, so burst / windowMs is its restore rate.
    restoreRate: limit.kind === 'token-bucket' ? (limit.limit * 1000) / limit.windowMs : null,
    resetAt: new Date(limit.resetAtMs).toISOString(),
  };
}

/**
 * The `extensions.cost` block, modelled on Shopify's: the estimate charged, the actual cost of what was
 * returned, and the state of the header limit (see `selectHeaderLimit`).
 */
export function costExtension(
  requested: number,
  actual: number | null,
  decision: Decision | null,
  headerLimit?: string | null,
): CostExtension {
  return {
    requestedQueryCost: requested,
    actualQueryCost: actual,
    throttleStatus: throttleStatus(decision, headerLimit),
  };
}
