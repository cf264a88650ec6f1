import type { Decision, LimitStatus } from '../quota/index.js';

function mergeLimit(a: LimitStatus, b: LimitStatus): LimitStatus {
  return {
    ...a,
    // Operations of one batch are decided concurrently: the smallest remainder and the largest consumption
    // are the state after all of them, the latest reset is the one still ahead.
    remaining: Math.min(a.remaining, b.remaining),
    consumed: Math.max(a.consumed, b.consumed),
    resetAtMs: Math.max(a.resetAtMs, b.resetAtMs),
    firstInWindow: a.firstInWindow || b.firstInWindow,
    applies: a.applies || b.applies,
  };
}

/**
 * Folds the decisions of operations that share one HTTP response (a batched request) into one, so that the
 * response head describes them all: per limit name the smallest remaining, the largest consumption and the
 * latest reset; refused if any was refused, with the longest `retryAfterSeconds` (and its reason and
 * limit). Returns null for no decisions.
 */
export function mergeDecisions(decisions: readonly Decision[]): Decision | null {
  const [first, ...rest] = decisions;
  if (first === undefined) return null;
  if (rest.length === 0) return first;

  const limits = new Map<string, LimitStatus>();
  let refusal: Decision | null = null;
  let nowMs = -Infinity;
  for (const decision of decisions) {
    nowMs = Math.max(nowMs, decision.nowMs);
    for (const status of decision.limits) {
      const seen = limits.get(status.name);
      limits.set(status.name, seen === undefined ? status : mergeLimit(seen, status));
    }
    if (!decision.allowed && (refusal === null || decision.retryAfterSeconds > refusal.retryAfterSeconds)) {
      refusal = decision;
    }
  }
  return {
    allowed: refusal === null,
    reason: refusal?.reason ?? null,
    refusedBy: refusal?.refusedBy ?? null,
    retryAfterSeconds: refusal?.retryAfterSeconds ?? 0,
    limits: [...limits.values()],
    nowMs,
    leaseId: null,
    source: decisions.find((d) => d.source !== 'store')?.source ?? 'store',
    // A batch is exempt only when every operation in it was.
    ...(decisions.every((d) => d.exempt === true) ? { exempt: true } : {}),
  };
}
