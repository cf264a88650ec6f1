import { selectHeaderLimit } from '../http/index.js';
import type { Decision } from '../quota/index.js';

/** The cost the lifecycle computed for a response, as sent in `extensions.cost` (after Shopify's). */
export interface CostExtension {
  /** The estimate charged before execution, in points. */
  readonly requestedQueryCost: number;
  /** What the response really returned, in points; null when the operation did not execute. */
  readonly actualQueryCost: number | null;
  /** The state of the header limit after this operation; null when no quota state is known. */
  readonly throttleStatus: ThrottleStatus | null;
}

/** One limit's state, after Shopify's `extensions.cost.throttleStatus`. */
export interface ThrottleStatus {
  /** The limit's name. */
  readonly limit: string;
  /** Window limit or bucket burst, in points (or requests). */
  readonly maximumAvailable: number;
  /** What is left now, in points (or requests), rounded down. */
  readonly currentlyAvailable: number;
  /** Points (or requests) restored per second by a token bucket; null for a window, which resets at once. */
  readonly restoreRate: number | null;
  /** When the window resets or the bucket is full, ISO 8601. */
  readonly resetAt: string;
}

function throttleStatus(
  decision: Decision | null,
  headerLimit: string | null | undefined,
): ThrottleStatus | null {
  const limit =
    decision === null
      ? null
      : selectHeaderLimit(decision.limits, headerLimit, decision.allowed ? null : decision.refusedBy);
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
