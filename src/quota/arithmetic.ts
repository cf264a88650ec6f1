/**
 * The quota arithmetic over one client's state, held as a flat array of integers (the in-memory store's
 * representation; the Redis script mirrors it line for line). Layout: `[expiresAtMs, layoutId, ...limits]`,
 * each limit at its compiled `offset`: a fixed window `[windowStartMs, consumed]`, a token bucket `[tat]`
 * (GCRA's theoretical arrival time in 1/scale ms), a concurrency cap `max` pairs `[leaseHash, expiresAtMs]`.
 * All-zero state is "nothing used".
 */
import { limitCharge, limitRefund } from './charge.js';
import { OPERATION_BITS, compiledLayout } from './compilePlan.js';
import type { CompiledPlan } from './compilePlan.js';
import { REFUSAL_CAPACITY, REFUSAL_LIMIT, REFUSAL_NONE } from './outcome.js';
import type { LimitOutcome } from './outcome.js';
import type { OperationType } from './types.js';

/**
 * Checks every limit for an operation of `cost` and, when `commit` is true and all admit, commits them all.
 * Fills `outcomes` (as after the commit, or as before when refused or not committing) and returns whether the
 * operation is admitted. With `commit` false this is a peek: it asks whether one more unit would fit.
 */
export function evaluateLimits(
  plan: CompiledPlan,
  state: number[],
  nowMs: number,
  cost: number,
  operation: OperationType,
  commit: boolean,
  leaseHash: number,
  outcomes: LimitOutcome[],
): boolean {
  const bit = OPERATION_BITS[operation];
  const limits = plan.limits;
  let admitted = true;
  for (let i = 0; i < limits.length; i++) {
    const limit = limits[i]!;
    const o = outcomes[i]!;
    const at = limit.offset;
    o.applies = (limit.operations & bit) !== 0;
    const amount = !o.applies ? 0 : commit ? limitCharge(limit, cost) : 1;
    o.refusal = REFUSAL_NONE;
    o.retryMs = 0;
    o.firstInWindow = false;
    switch (limit.kind) {
      case 'fixed-window': {
        const windowMs = limit.windowMs;
        let start = state[at]!;
        let used = state[at + 1]!;
        if (limit.align === 0) {
          const current = nowMs - (nowMs % windowMs);
          if (start !== current) {
            start = current;
            used = 0;
          }
        } else if (nowMs >= start + windowMs) {
          start = nowMs;
          used = 0;
        }
        if (amount > limit.limit) o.refusal = REFUSAL_CAPACITY;
        else if (used + amount > limit.limit) {
          o.refusal = REFUSAL_LIMIT;
          o.retryMs = start + windowMs - nowMs;
        }
        o.remaining = limit.limit - used;
        o.consumed = used;
        o.resetAtMs = start + windowMs;
        break;
      }
      case 'token-bucket': {
        const now = nowMs * limit.scale;
        const tat = Math.max(state[at]!, now);
        const next = tat + amount * limit.increment;
        if (amount > limit.limit) o.refusal = REFUSAL_CAPACITY;
        else if (next - now > limit.capacity) {
          o.refusal = REFUSAL_LIMIT;
          o.retryMs = Math.ceil((next - limit.capacity - now) / limit.scale);
        }
        o.remaining = Math.floor((now + limit.capacity - tat) / limit.increment);
        o.consumed = limit.limit - o.remaining;
        o.resetAtMs = Math.ceil(tat / limit.scale);
        break;
      }
      case 'concurrency': {
        let live = 0;
        let earliest = Infinity;
        const end = at + 2 * limit.limit;
        for (let j = at; j < end; j += 2) {
          const expires = state[j + 1]!;
          if (expires > nowMs) {
            live++;
            if (expires < earliest) earliest = expires;
          }
        }
        if (live + amount > limit.limit) {
          o.refusal = REFUSAL_LIMIT;
          o.retryMs = earliest - nowMs;
        }
        o.remaining = limit.limit - live;
        o.consumed = live;
        o.resetAtMs = live > 0 ? earliest : nowMs;
        break;
      }
    }
    if (o.refusal !== REFUSAL_NONE) admitted = false;
  }
  if (!admitted || !commit) return admitted;

  let expiresAtMs = state[0]!;
  for (let i = 0; i < limits.length; i++) {
    const limit = limits[i]!;
    const o = outcomes[i]!;
    if (!o.applies) continue;
    const at = limit.offset;
    switch (limit.kind) {
      case 'fixed-window': {
        const amount = limitCharge(limit, cost);
        if (amount === 0) break;
        o.firstInWindow = o.consumed === 0;
        o.consumed += amount;
        o.remaining -= amount;
        state[at] = o.resetAtMs - limit.windowMs;
        state[at + 1] = o.consumed;
        if (o.resetAtMs > expiresAtMs) expiresAtMs = o.resetAtMs;
        break;
      }
      case 'token-bucket': {
        const amount = limitCharge(limit, cost);
        if (amount === 0) break;
        const now = nowMs * limit.scale;
        const tat = Math.max(state[at]!, now);
        const next = tat + amount * limit.increment;
        o.firstInWindow = tat === now;
        o.remaining = Math.floor((now + limit.capacity - next) / limit.increment);
        o.consumed = limit.limit - o.remaining;
        o.resetAtMs = Math.ceil(next / limit.scale);
        state[at] = next;
        if (o.resetAtMs > expiresAtMs) expiresAtMs = o.resetAtMs;
        break;
      }
      case 'concurrency': {
        const end = at + 2 * limit.limit;
        for (let j = at; j < end; j += 2) {
          if (state[j + 1]! <= nowMs) {
            const expires = nowMs + limit.leaseMs;
            state[j] = leaseHash;
            state[j + 1] = expires;
            if (o.consumed === 0) o.resetAtMs = expires;
            o.firstInWindow = o.consumed === 0;
            o.consumed++;
            o.remaining--;
            if (expires > expiresAtMs) expiresAtMs = expires;
            break;
          }
        }
        break;
      }
    }
  }
  state[0] = expiresAtMs;
  return true;
}

/**
 * Gives `refund` points back to the cost-counting limits that applied to the operation, and frees the lease
 * in every concurrency limit. Never above a full bucket, never below zero consumed, and a fixed window only
 * when it is still the window the operation was charged to (`decidedAtMs`, or never when unknown).
 */
export function settleLimits(
  plan: CompiledPlan,
  state: number[],
  nowMs: number,
  operation: OperationType,
  refund: number,
  leaseHash: number,
  decidedAtMs: number | undefined,
): void {
  const bit = OPERATION_BITS[operation];
  for (const limit of plan.limits) {
    const at = limit.offset;
    if (limit.kind === 'concurrency') {
      if (leaseHash === 0) continue;
      const end = at + 2 * limit.limit;
      for (let j = at; j < end; j += 2) {
        if (state[j] === leaseHash) {
          state[j] = 0;
          state[j + 1] = 0;
        }
      }
      continue;
    }
    const points = (limit.operations & bit) === 0 ? 0 : limitRefund(limit, refund);
    if (points === 0) continue;
    if (limit.kind === 'fixed-window') {
      const start = state[at]!;
      const current = limit.align === 0 ? nowMs - (nowMs % limit.windowMs) : start;
      if (
        decidedAtMs !== undefined &&
        start === current &&
        nowMs < start + limit.windowMs &&
        decidedAtMs >= start &&
        decidedAtMs < start + limit.windowMs
      ) {
        state[at + 1] = Math.max(0, state[at + 1]! - points);
      }
    } else {
      const now = nowMs * limit.scale;
      state[at] = Math.max(now, state[at]! - points * limit.increment);
    }
  }
}

/**
 * The client's state under `plan`: fresh when expired, migrated when it was last written under another plan
 * (limits with the same signature keep their state, others start from zero). Returns the same array when it
 * can.
 */
export function adoptState(plan: CompiledPlan, state: number[] | undefined, nowMs: number): number[] {
  if (state === undefined || state[0]! <= nowMs) return freshState(plan, state);
  if (state[1] === plan.layoutId) return state;
  const previous = compiledLayout(state[1]!);
  const next = freshState(plan, undefined);
  next[0] = state[0]!;
  if (previous === undefined) return next;
  for (const limit of plan.limits) {
    const old = previous.limits.find((l) => l.signature === limit.signature);
    if (old === undefined) continue;
    const count =
      limit.kind === 'fixed-window'
        ? 2
        : limit.kind === 'token-bucket'
          ? 1
          : 2 * Math.min(limit.limit, old.limit);
    for (let j = 0; j < count; j++) next[limit.offset + j] = state[old.offset + j]!;
  }
  return next;
}

function freshState(plan: CompiledPlan, reuse: number[] | undefined): number[] {
  const state = reuse !== undefined && reuse.length === plan.slots ? reuse : new Array<number>(plan.slots);
  state.fill(0);
  state[1] = plan.layoutId;
  return state;
}
