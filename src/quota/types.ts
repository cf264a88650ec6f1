/**
 * The quota layer's vocabulary: limits, plans and decisions. It knows nothing of GraphQL: an operation is a
 * number (its cost), a client key and an operation type.
 */

/** The operation types a limit can be restricted to. */
export type OperationType = 'query' | 'mutation' | 'subscription';

/** What a limit counts: the operation's cost in points, or one per request. */
export type LimitCounts = 'cost' | 'requests';

/**
 * Which operations something applies to: an operation matches when it matches every field given (types,
 * names, root fields); an absent field matches every operation. Names and root fields are plain strings
 * the caller passes in {@link DecideInput}: the quota layer knows no GraphQL.
 */
export interface OperationMatch {
  /** Operation types. Default: all. */
  readonly operations?: readonly OperationType[];
  /** Operation names (GraphQL's `operationName`); an unnamed operation matches none. Default: any name. */
  readonly operationNames?: readonly string[];
  /**
   * Root fields (the response keys' field names, not aliases, of the operation's top-level selection): an
   * operation matches when it selects at least one of them, for example `['exportCatalogue']`. Default: any.
   */
  readonly rootFields?: readonly string[];
}

interface LimitBase extends OperationMatch {
  /** Unique within a plan; named in headers, errors and logs. */
  readonly name: string;
  /**
   * A soft limit counts, reports (headers, threshold notices, metrics) and never refuses at its line: past
   * it the client is told it has 0 left and is served anyway. With {@link hardCeiling} it refuses past the
   * ceiling instead. Default false (the limit refuses at its line).
   */
  readonly soft?: boolean;
  /**
   * Soft limits only: where refusals start, in the limit's unit (an integer at least the limit's line; for
   * example 6,000 for 120 % of a 5,000-request soft limit). Default: none for windows and buckets (never
   * refused); for a concurrency limit `min(10 × max, MAX_CONCURRENCY)` slots, since each slot is state.
   */
  readonly hardCeiling?: number;
}

/** Points (or requests) per window; the window resets all at once. */
export interface FixedWindowLimit extends LimitBase {
  readonly kind: 'fixed-window';
  /** What is counted. Default `'cost'`. */
  readonly counts?: LimitCounts;
  /** Points (or requests) allowed per window; a positive integer. */
  readonly limit: number;
  /** Window length in milliseconds; a positive integer. */
  readonly windowMs: number;
  /**
   * `'clock'`: windows align to the Unix epoch (an hourly window resets on the hour, for every client);
   * `'first-request'`: a client's window starts at its first request after the previous one ended.
   * Default `'clock'`.
   */
  readonly align?: 'clock' | 'first-request';
  /**
   * True: one window shared by every client of every plan that has a global limit of this name (the server's
   * own capacity, for example 2,000 points per second for everyone), decided in the same atomic step as the
   * client's own limits. Must be clock-aligned. Default false (each client has its own window).
   */
  readonly global?: boolean;
  /**
   * Global limits only: the fair-share rule, or `false` for none. Once fewer than `tightBelow` units of the
   * window would be left, a client is admitted only while its own use of this window stays within its fair
   * share, `floor(limit / clients that used the window, itself included)`; a client alone may use it all.
   * Default `{ tightBelow: floor(limit / 2) }`.
   */
  readonly fairness?: { readonly tightBelow?: number } | false;
}

/** A token bucket modelled by GCRA: `rate` per `periodMs` sustained, up to `burst` at once. */
export interface TokenBucketLimit extends LimitBase {
  readonly kind: 'token-bucket';
  /** What is counted. Default `'requests'`. */
  readonly counts?: LimitCounts;
  /** Tokens restored per `periodMs`; positive. */
  readonly rate: number;
  /** Length of the rate period in milliseconds; a positive integer. Default 1000. */
  readonly periodMs?: number;
  /** Bucket capacity: the most tokens spendable at once; a positive integer. */
  readonly burst: number;
}

/** At most `max` operations in flight per client; each slot is a lease that expires after `leaseMs`. */
export interface ConcurrencyLimit extends LimitBase {
  readonly kind: 'concurrency';
  /** Operations in flight at once; a positive integer. */
  readonly max: number;
  /** Lease length in milliseconds: a slot not released by then is freed anyway. Default 60,000. */
  readonly leaseMs?: number;
}

export type Limit = FixedWindowLimit | TokenBucketLimit | ConcurrencyLimit;

/** A named set of limits, all checked and committed together. */
export interface Plan {
  readonly name: string;
  readonly limits: readonly Limit[];
  /**
   * Operations that cost nothing and count nowhere under this plan (for example the calls your system makes
   * to push data to the client): every rule is an {@link OperationMatch}, an operation matching any of them is
   * exempt. Its decision has `exempt: true`, commits nothing, and reports every limit as not applying.
   * Default: none.
   */
  readonly exempt?: readonly OperationMatch[];
}

/**
 * What the quota layer knows of an operation besides its cost: its type, and the plain strings scoped limits
 * and exemptions are matched on.
 */
export interface OperationScope {
  readonly operation: OperationType;
  /** The operation's name; null or absent when unnamed. */
  readonly operationName?: string | null;
  /** The field names of the operation's top-level selection (after fragments, without aliases). */
  readonly rootFields?: readonly string[];
}

/** The state of one limit of a plan after a decision (or a peek). */
export interface LimitStatus {
  readonly name: string;
  readonly kind: Limit['kind'];
  readonly counts: LimitCounts;
  /** Window limit, bucket burst, or concurrency max. */
  readonly limit: number;
  /** What is left after this decision (never negative). */
  readonly remaining: number;
  /** Consumed in the current window (bucket: `limit - remaining`; concurrency: slots in flight). */
  readonly consumed: number;
  /** When the window resets or the bucket is full again, in Unix epoch milliseconds. */
  readonly resetAtMs: number;
  /** The policy's time window in milliseconds (bucket: time to refill `burst`; concurrency: `leaseMs`). */
  readonly windowMs: number;
  /**
   * True when the limit applied to this admitted operation and nothing was consumed in its current window
   * before it (a full bucket, no slot in use), whatever the operation charged: a first operation that costs 0
   * is the first too. It opens no window, so the next one is first as well until something is consumed.
   */
  readonly firstInWindow: boolean;
  /** False when the limit's scope (`operations`, `operationNames`, `rootFields`) or an exemption excluded this operation. */
  readonly applies: boolean;
  /**
   * True for a soft limit: `remaining` 0 does not mean refused; `consumed` may exceed `limit`. Absent: false.
   */
  readonly soft?: boolean;
  /**
   * True for a global limit: `consumed` is everyone's use of the window, and `remaining` what this client may
   * still use (its fair share, when the budget is tight). Absent: false.
   */
  readonly global?: boolean;
}

/** Why a decision refused. */
export type RefusalReason =
  /** A limit has not enough left now; `retryAfterSeconds` says when it will. */
  | 'limit'
  /** The cost exceeds a limit's whole capacity: no amount of waiting admits it. */
  | 'exceeds-capacity'
  /** The client (or everyone) is blocked by the kill switch. */
  | 'blocked'
  /** The store failed or timed out and the failure mode is `deny`. */
  | 'store-unavailable';

export interface DecideInput {
  /** The client key (already resolved by the caller; never a raw header value). */
  readonly client: string;
  readonly plan: Plan;
  /** The operation's estimated cost in points; a non-negative integer. */
  readonly cost: number;
  readonly operation: OperationType;
  /** The operation's name, for limits scoped by `operationNames`; null or absent when unnamed. */
  readonly operationName?: string | null;
  /** The operation's root field names, for limits scoped by `rootFields`. Default: none. */
  readonly rootFields?: readonly string[];
  /** Identifies this operation's concurrency lease, for `settle`. Generated when absent. */
  readonly leaseId?: string;
  /**
   * How long the caller waits for this decision, in milliseconds (a positive integer). A store that cannot
   * commit the decision within that time after the call must not commit it at all: the caller has decided
   * otherwise by then (failure mode), so a late commit would charge the operation a second time. Stores that
   * decide synchronously may ignore it. The engine sets it to its `timeoutMs`. Default: no deadline.
   */
  readonly timeoutMs?: number;
  /**
   * False when a store that keeps a usage history must not count this decision as an operation (the
   * lifecycle's count of an invalid request: the refusal it answers is counted on its own). Default true.
   */
  readonly record?: boolean;
}

export interface Decision {
  readonly allowed: boolean;
  /** Null when allowed. */
  readonly reason: RefusalReason | null;
  /** The name of the limit that refused, when `reason` is `'limit'` or `'exceeds-capacity'`. */
  readonly refusedBy: string | null;
  /** Whole seconds until a retry can succeed (rounded up); 0 when allowed. */
  readonly retryAfterSeconds: number;
  /**
   * One entry per limit of the plan, in plan order. Empty when `source` is `'failure-mode'`: the store could
   * not be read, so no usage is known and none is invented.
   */
  readonly limits: readonly LimitStatus[];
  /** The time the decision was taken at (store time), Unix epoch milliseconds. */
  readonly nowMs: number;
  /** The concurrency lease taken, to release in `settle`; null when none was taken. */
  readonly leaseId: string | null;
  /** Where the decision came from: the store, the in-memory fallback, or the failure mode. */
  readonly source: 'store' | 'fallback' | 'failure-mode';
  /** True when the plan's `exempt` rules matched the operation: admitted, nothing counted. Absent: false. */
  readonly exempt?: boolean;
}

export interface SettleInput {
  readonly client: string;
  readonly plan: Plan;
  readonly operation: OperationType;
  /** As in {@link DecideInput}: the settle refunds exactly the limits the decision charged. */
  readonly operationName?: string | null;
  /** As in {@link DecideInput}. */
  readonly rootFields?: readonly string[];
  /** Points to give back to cost-counting limits (estimated minus actual); 0 for none. */
  readonly refund: number;
  /** The lease to release (from `Decision.leaseId`); null when none. */
  readonly leaseId: string | null;
  /**
   * The settled decision's `nowMs` (Unix epoch milliseconds). A fixed window is refunded only when it is still
   * the window that decision was charged to, so a refund after a rollover never credits the new window; when
   * absent, fixed windows are not refunded (token buckets still are, never above full).
   */
  readonly decidedAtMs?: number;
}

/** Where quota state lives. Every method is one atomic step; `decide` is one round trip. */
export interface QuotaStore {
  /**
   * True when every method has done its work by the time it returns (its promise is already settled), as
   * MemoryStore's has. The engine then sets no timeout around its calls: such a store cannot be late.
   * Default: absent (false), each call is bounded by the engine's `timeoutMs`.
   */
  readonly synchronous?: boolean;
  /**
   * True when every method validates its arguments itself and rejects malformed ones with a
   * `QuotaValidationError`, as MemoryStore and RedisStore do. The engine then leaves validation to the store,
   * so each decision's input is validated once. Default: absent (false), the engine validates first.
   */
  readonly validatesInput?: boolean;
  /** Checks every limit of the plan and, only if all admit, commits them all. */
  decide(input: DecideInput): Promise<Decision>;
  /** After execution: refunds unspent points (never above full) and releases the lease. */
  settle(input: SettleInput): Promise<void>;
  /**
   * The client's usage without consuming anything, for an operation of this type (or this scope: name and
   * root fields too).
   */
  peek(client: string, plan: Plan, operation: OperationType | OperationScope): Promise<Decision>;
  /** Blocks a client, or everyone with `'*'`, for `durationMs` milliseconds. */
  block(client: string, durationMs: number): Promise<void>;
  /** Lifts a block set by `block`. */
  unblock(client: string): Promise<void>;
  /**
   * For a store that keeps a usage history (RedisStore's `usageHistory`): counts an operation refused before
   * any decision (a cost-analysis refusal, an unknown API key), with its refusal code, without a call of its
   * own (the store's next call carries it). Never throws. Absent: the store keeps no such history.
   */
  recordRefusal?(client: string, plan: string, operationName: string | null, code: string): void;
}

/** A logger with the shape of Apollo's (and console's). */
export interface QuotaLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
