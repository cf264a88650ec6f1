/**
 * The quota arithmetic over one client's state, held as a flat array of integers (the in-memory store's
 * representation; the Redis script mirrors it line for line). Layout: `[expiresAtMs, layoutId, ...limits]`,
 * each limit at its compiled `offset`: a fixed window `[windowStartMs, consumed]`, a token bucket `[tat]`
 * (GCRA's theoretical arrival time in 1/scale ms), a concurrency cap `max` pairs `[leaseHash, expiresAtMs]`.
 * All-zero state is "nothing used". A global limit's state is not the client's: it is a {@link GlobalWindow},
 * shared by every client, reached through {@link GlobalState}.
 */
import { limitCharge, limitRefund } from './charge.js';
import { compiledLayout } from './compilePlan.js';
import type { CompiledFixedWindow, CompiledPlan, CompiledTokenBucket } from './compilePlan.js';
import { REFUSAL_CAPACITY, REFUSAL_LIMIT, REFUSAL_NONE } from './outcome.js';
import type { LimitOutcome } from './outcome.js';

/** One global limit's current window: everyone's consumption and each client's own. */
export interface GlobalWindow {
  /** Start of the window this state counts, epoch ms (0: none yet). */
  start: number;
  /** Everyone's consumption in the window. */
  consumed: number;
  /** Each client's consumption in the window; its size is the number of clients that used it. */
  readonly clients: Map<string, number>;
}

/** The global limits' state, for the arithmetic: which client is deciding, and each global limit's window. */
export interface GlobalState {
  readonly client: string;
  window(limit: CompiledFixedWindow): GlobalWindow;
}

/**
 * One global limit's check for `amount`, filling `o` as before the commit; returns the client's own use of
 * the window. The fair-share rule: an operation that would take the window past `fairLine` is admitted only
 * when the client's use stays within `floor(limit / clients that used the window, itself included)`.
 * `remaining` is what the client may still use: the window's room, bounded by its fair share once tight.
 */
function evaluateGlobal(
  limit: CompiledFixedWindow,
  global: GlobalState,
  nowMs: number,
  amount: number,
  o: LimitOutcome,
): void {
  const w = global.window(limit);
  const start = nowMs - (nowMs % limit.windowMs);
  const current = w.start === start;
  const consumed = current ? w.consumed : 0;
  const mine = current ? w.clients.get(global.client) : undefined;
  const active = current ? w.clients.size : 0;
  o.resetAtMs = start + limit.windowMs;
  o.consumed = consumed;
  if (amount > limit.ceiling) o.refusal = REFUSAL_CAPACITY;
  else if (consumed + amount > limit.ceiling) {
    o.refusal = REFUSAL_LIMIT;
    o.retryMs = o.resetAtMs - nowMs;
  } else if (limit.fairLine >= 0 && amount > 0 && consumed + amount > limit.fairLine) {
    const share = Math.floor(limit.limit / (active + (mine === undefined ? 1 : 0)));
    if ((mine ?? 0) + amount > share) {
      o.refusal = REFUSAL_LIMIT;
      o.retryMs = o.resetAtMs - nowMs;
    }
  }
  o.remaining = globalRemaining(limit, consumed, mine ?? 0, active + (mine === undefined ? 1 : 0));
}

/**
 * What a client that has used `mine` may still use of a global window that `clients` clients used (itself
 * included), its fair share considered. Shared with the Redis store, which computes it from the script's reply.
 */
export function globalRemaining(
  limit: CompiledFixedWindow,
  consumed: number,
  mine: number,
  clients: number,
): number {
  let room = limit.limit - consumed;
  if (limit.fairLine >= 0) {
    const share = Math.floor(limit.limit / Math.max(1, clients));
    room = Math.min(room, Math.max(limit.fairLine - consumed, share - mine));
  }
  return Math.max(0, room);
}

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
  /** Per limit, in plan order, whether it applies to the operation (see `applyingLimits`). */
  applies: readonly boolean[],
  commit: boolean,
  leaseHash: number,
  outcomes: LimitOutcome[],
  /** The global limits' state; null when the plan has none. */
  global: GlobalState | null,
): boolean {
  const limits = plan.limits;
  let admitted = true;
  for (let i = 0; i < limits.length; i++) {
    const limit = limits[i]!;
    const o = outcomes[i]!;
    const at = limit.offset;
    o.applies = applies[i]!;
    const amount = !o.applies ? 0 : commit ? limitCharge(limit, cost) : 1;
    o.refusal = REFUSAL_NONE;
    o.retryMs = 0;
    o.firstInWindow = false;
    switch (limit.kind) {
      case 'fixed-window': {
        if (limit.global) {
          evaluateGlobal(limit, global!, nowMs, amount, o);
          break;
        }
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
        if (amount > limit.ceiling) o.refusal = REFUSAL_CAPACITY;
        else if (used + amount > limit.ceiling) {
          o.refusal = REFUSAL_LIMIT;
          o.retryMs = start + windowMs - nowMs;
        }
        o.remaining = Math.max(0, limit.limit - used);
        o.consumed = used;
        o.resetAtMs = start + windowMs;
        break;
      }
      case 'token-bucket': {
        const now = nowMs * limit.scale;
        const tat = Math.max(state[at]!, now);
        const next = tat + amount * limit.increment;
        if (amount > limit.ceiling) o.refusal = REFUSAL_CAPACITY;
        else if (next - now > limit.hardCapacity) {
          o.refusal = REFUSAL_LIMIT;
          o.retryMs = Math.ceil((next - limit.hardCapacity - now) / limit.scale);
        }
        o.remaining = Math.floor((now + limit.capacity - tat) / limit.increment);
        o.consumed = limit.limit - o.remaining;
        o.remaining = Math.max(0, o.remaining);
        o.resetAtMs = Math.ceil(tat / limit.scale);
        break;
      }
      case 'concurrency': {
        let live = 0;
        let earliest = Infinity;
        const end = at + 2 * limit.ceiling;
        for (let j = at; j < end; j += 2) {
          const expires = state[j + 1]!;
          if (expires > nowMs) {
            live++;
            if (expires < earliest) earliest = expires;
          }
        }
        if (live + amount > limit.ceiling) {
          o.refusal = REFUSAL_LIMIT;
          o.retryMs = earliest - nowMs;
        }
        o.remaining = Math.max(0, limit.limit - live);
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
        // First in duration: nothing was consumed in this window before this operation, whatever it charges
        // (a zero-cost first operation is the first too; it opens nothing, so the next may be first as well).
        o.firstInWindow = o.consumed === 0;
        if (amount === 0) break;
        o.consumed += amount;
        if (limit.global) {
          const w = global!.window(limit);
          const start = o.resetAtMs - limit.windowMs;
          if (w.start !== start) {
            w.start = start;
            w.consumed = 0;
            w.clients.clear();
          }
          const mine = (w.clients.get(global!.client) ?? 0) + amount;
          w.consumed = o.consumed;
          w.clients.set(global!.client, mine);
          o.remaining = globalRemaining(limit, o.consumed, mine, w.clients.size);
          break;
        }
        o.remaining = Math.max(0, o.remaining - amount);
        state[at] = o.resetAtMs - limit.windowMs;
        state[at + 1] = o.consumed;
        if (o.resetAtMs > expiresAtMs) expiresAtMs = o.resetAtMs;
        break;
      }
      case 'token-bucket': {
        const amount = limitCharge(limit, cost);
        const now = nowMs * limit.scale;
        const tat = Math.max(state[at]!, now);
        // First in duration: the bucket was full before this operation (consumed nothing), whatever it charges.
        o.firstInWindow = tat === now;
        if (amount === 0) break;
        const next = tat + amount * limit.increment;
        o.remaining = Math.floor((now + limit.capacity - next) / limit.increment);
        o.consumed = limit.limit - o.remaining;
        o.remaining = Math.max(0, o.remaining);
        o.resetAtMs = Math.ceil(next / limit.scale);
        state[at] = next;
        if (o.resetAtMs > expiresAtMs) expiresAtMs = o.resetAtMs;
        break;
      }
      case 'concurrency': {
        const end = at + 2 * limit.ceiling;
        for (let j = at; j < end; j += 2) {
          if (state[j + 1]! <= nowMs) {
            const expires = nowMs + limit.leaseMs;
            state[j] = leaseHash;
            state[j + 1] = expires;
            if (o.consumed === 0) o.resetAtMs = expires;
            o.firstInWindow = o.consumed === 0;
            o.consumed++;
            o.remaining = Math.max(0, o.remaining - 1);
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
 * The earliest moment (epoch ms) at which a token bucket's reported figures could differ from those it
 * reported at `nowMs`: a bucket drains continuously, so its `consumed` and `remaining` move one token at a
 * time, long before `resetAtMs` (when it is empty). `consumed` and `resetAtMs` are what the decision at
 * `nowMs` reported (the script's unclamped consumed, and `ceil(tat / scale)`). Since `resetAtMs` is rounded
 * up to a whole millisecond, the answer is a lower bound: never later than the true moment, so a figure
 * repeated until then is still true. `Infinity` for a full bucket (nothing to drain). Used by the Redis
 * store's local refusal cache, which must not repeat a figure that has moved.
 */
export function bucketFiguresHoldUntil(
  limit: CompiledTokenBucket,
  consumed: number,
  resetAtMs: number,
  nowMs: number,
): number {
  if (consumed <= 0 || resetAtMs <= nowMs) return Infinity;
  // consumed = ceil((tat − now·scale) / increment) drops by one once now·scale reaches
  // tat − (consumed − 1)·increment; tat is above (resetAtMs − 1)·scale.
  const tatLow = (resetAtMs - 1) * limit.scale + 1;
  return Math.ceil((tatLow - (consumed - 1) * limit.increment) / limit.scale);
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
  /** Per limit, whether it applied to the operation (as when it was decided). */
  applies: readonly boolean[],
  refund: number,
  leaseHash: number,
  decidedAtMs: number | undefined,
  global: GlobalState | null,
): void {
  for (let i = 0; i < plan.limits.length; i++) {
    const limit = plan.limits[i]!;
    const at = limit.offset;
    if (limit.kind === 'concurrency') {
      if (leaseHash === 0) continue;
      const end = at + 2 * limit.ceiling;
      for (let j = at; j < end; j += 2) {
        if (state[j] === leaseHash) {
          state[j] = 0;
          state[j + 1] = 0;
        }
      }
      continue;
    }
    const points = applies[i]! ? limitRefund(limit, refund) : 0;
    if (points === 0) continue;
    if (limit.kind === 'fixed-window' && limit.global) {
      const w = global!.window(limit);
      const mine = w.clients.get(global!.client) ?? 0;
      const start = nowMs - (nowMs % limit.windowMs);
      if (decidedAtMs !== undefined && w.start === start && decidedAtMs >= start && mine > 0) {
        // Never more than this client put in, so a refund cannot credit another client's use.
        const back = Math.min(points, mine);
        w.clients.set(global!.client, mine - back);
        w.consumed = Math.max(0, w.consumed - back);
      }
    } else if (limit.kind === 'fixed-window') {
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
        ? limit.global
          ? 0
          : 2
        : limit.kind === 'token-bucket'
          ? 1
          : 2 * Math.min(limit.ceiling, old.ceiling);
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
