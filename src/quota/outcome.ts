import type { CompiledPlan } from './compilePlan.js';
import type { Decision, LimitStatus, RefusalReason } from './types.js';

/**
 * Refusal codes of one limit, shared by the in-memory arithmetic and the Redis script: 0 none; 1 not enough
 * left now (`retryMs` says when there will be); 2 more than the limit's whole capacity.
 */
export type Refusal = 0 | 1 | 2;
export const REFUSAL_NONE = 0;
export const REFUSAL_LIMIT = 1;
export const REFUSAL_CAPACITY = 2;

/**
 * The refusal code a client is told for each refusal reason (the `code` of the GraphQL error and of the
 * decision log): the one table the lifecycle and the Redis usage history both read.
 */
export const REFUSAL_CODES = {
  limit: 'QUOTA_EXCEEDED',
  'exceeds-capacity': 'QUOTA_CAPACITY_EXCEEDED',
  blocked: 'CLIENT_BLOCKED',
  'store-unavailable': 'QUOTA_STORE_UNAVAILABLE',
} as const satisfies Record<RefusalReason, string>;

/** One limit's result, as both stores compute it, before it becomes a {@link LimitStatus}. */
export interface LimitOutcome {
  applies: boolean;
  remaining: number;
  consumed: number;
  resetAtMs: number;
  firstInWindow: boolean;
  refusal: Refusal;
  /** Milliseconds until this limit admits the operation; meaningful when `refusal` is `Limit`. */
  retryMs: number;
}

/**
 * Turns per-limit outcomes into the decision: a block wins over everything, then a cost that can never fit,
 * then the limit that takes longest to admit the operation (so a retry after `retryAfterSeconds` passes every
 * refusing limit, absent other traffic).
 */
export function buildDecision(
  plan: CompiledPlan,
  nowMs: number,
  blockedUntilMs: number,
  outcomes: readonly LimitOutcome[],
  leaseId: string | null,
  source: Decision['source'],
  exempt = false,
): Decision {
  const limits: LimitStatus[] = new Array<LimitStatus>(plan.limits.length);
  let capacityIndex = -1;
  let limitIndex = -1;
  let retryMs = 0;
  for (let i = 0; i < plan.limits.length; i++) {
    const limit = plan.limits[i]!;
    const o = outcomes[i]!;
    const status: { -readonly [K in keyof LimitStatus]: LimitStatus[K] } = {
      name: limit.name,
      kind: limit.kind,
      counts: limit.counts,
      limit: limit.limit,
      remaining: o.remaining,
      consumed: o.consumed,
      resetAtMs: o.resetAtMs,
      windowMs: limit.windowMs,
      firstInWindow: o.firstInWindow,
      applies: o.applies,
    };
    // Only when true, so a plain limit's status keeps its shape.
    if (limit.soft) status.soft = true;
    if (limit.kind === 'fixed-window' && limit.global) status.global = true;
    limits[i] = status;
    if (o.refusal === REFUSAL_CAPACITY && capacityIndex < 0) capacityIndex = i;
    if (o.refusal === REFUSAL_LIMIT && (limitIndex < 0 || o.retryMs > retryMs)) {
      limitIndex = i;
      retryMs = o.retryMs;
    }
  }
  if (blockedUntilMs > nowMs) {
    return refused('blocked', null, secondsUntil(blockedUntilMs - nowMs), limits, nowMs, source);
  }
  if (capacityIndex >= 0) {
    return refused('exceeds-capacity', plan.limits[capacityIndex]!.name, 0, limits, nowMs, source);
  }
  if (limitIndex >= 0) {
    return refused('limit', plan.limits[limitIndex]!.name, secondsUntil(retryMs), limits, nowMs, source);
  }
  const decision: Decision = {
    allowed: true,
    reason: null,
    refusedBy: null,
    retryAfterSeconds: 0,
    limits,
    nowMs,
    leaseId,
    source,
  };
  return exempt ? { ...decision, exempt: true } : decision;
}

function refused(
  reason: Decision['reason'],
  refusedBy: string | null,
  retryAfterSeconds: number,
  limits: readonly LimitStatus[],
  nowMs: number,
  source: Decision['source'],
): Decision {
  return { allowed: false, reason, refusedBy, retryAfterSeconds, limits, nowMs, leaseId: null, source };
}

/** Whole seconds, rounded up, and at least 1: a refusal never says "retry in 0 seconds". */
/** A `Retry-After` in whole seconds for a wait of `ms` milliseconds: rounded up, at least 1. */
export function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** Fresh outcome records, reusable across decisions of the same plan. */
export function newOutcomes(count: number): LimitOutcome[] {
  const outcomes: LimitOutcome[] = [];
  for (let i = 0; i < count; i++) {
    outcomes.push({
      applies: false,
      remaining: 0,
      consumed: 0,
      resetAtMs: 0,
      firstInWindow: false,
      refusal: REFUSAL_NONE,
      retryMs: 0,
    });
  }
  return outcomes;
}
