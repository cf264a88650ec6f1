import { compilePlan } from './compilePlan.js';
import type { LimitCounts, OperationType, Plan } from './types.js';

/**
 * Validates a plan now, at definition, rather than at its first request: throws a
 * {@link QuotaValidationError} (a `TypeError`, code `QUOTA_INVALID_PLAN`) for a non-positive or fractional
 * limit, a NaN rate, a duplicate limit name, an unknown kind or operation type. Returns the same plan.
 */
export function definePlan<P extends Plan>(plan: P): P {
  compilePlan(plan);
  return plan;
}

/** What one limit of a plan promises, with every default filled in: enough to render a policy header. */
export interface LimitPolicy {
  readonly name: string;
  readonly kind: 'fixed-window' | 'token-bucket' | 'concurrency';
  readonly counts: LimitCounts;
  /** Window limit, bucket burst, or concurrency max. */
  readonly limit: number;
  /** Window length; for a bucket the time to refill `burst` (rounded up); for concurrency the lease. Milliseconds. */
  readonly windowMs: number;
  /** The operation types the limit applies to. */
  readonly operations: readonly OperationType[];
}

const ALL: readonly OperationType[] = ['query', 'mutation', 'subscription'];

/** The policies of a plan, in plan order, defaults applied; validates the plan first. */
export function planPolicies(plan: Plan): readonly LimitPolicy[] {
  return compilePlan(plan).limits.map((limit, i) => ({
    name: limit.name,
    kind: limit.kind,
    counts: limit.counts,
    limit: limit.limit,
    windowMs: limit.windowMs,
    operations: plan.limits[i]?.operations ?? ALL,
  }));
}
