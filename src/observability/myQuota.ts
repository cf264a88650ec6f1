/**
 * The caller's own quota, free of charge: GitHub's `rateLimit` GraphQL field and `GET /rate_limit`, for
 * graphql-quota. {@link readQuota} is the plain function any HTTP route can call; {@link quotaTypeDefs} and
 * {@link quotaResolvers} add a `quota` field to a schema. Both read the state with the engine's `peek`, which
 * consumes nothing, and both only ever read the caller's own key: there is no argument naming a client.
 */
import type { Decision, OperationType, Plan } from '../quota/index.js';

/** What reads quota state without consuming it: `QuotaEngine` (or any `QuotaStore`). */
export interface QuotaPeeker {
  peek(client: string, plan: Plan, operation: OperationType): Promise<Decision>;
}

/** Who is asking, as the request lifecycle resolved it from the request (never from an argument). */
export interface QuotaCaller {
  /** The caller's quota key in the store. */
  readonly key: string;
  /** The caller's plan. */
  readonly plan: Plan;
}

/** One limit of the caller's plan, as {@link readQuota} reports it. */
export interface QuotaLimitState {
  readonly name: string;
  /** `fixed-window`, `token-bucket` or `concurrency`. */
  readonly kind: string;
  /** `cost` (points) or `requests`. */
  readonly counts: string;
  /** The window's limit, the bucket's burst, or the concurrency maximum. */
  readonly limit: number;
  /** What is left now, rounded down (as `X-Rate-Limit-Remaining`). */
  readonly remaining: number;
  /** What is used in the current window (bucket: `limit - remaining`; concurrency: slots in flight), rounded up. */
  readonly used: number;
  /** When the window resets or the bucket is full again, ISO 8601 (UTC). */
  readonly resetAt: string;
  /** The limit's time window in whole seconds, rounded up. */
  readonly windowSeconds: number;
  /** The operation types this limit counts. */
  readonly appliesTo: readonly OperationType[];
}

/** The caller's quota, as the `quota` field and {@link readQuota} report it. */
export interface QuotaState {
  /** The caller's plan name. */
  readonly plan: string;
  /** One entry per limit of the plan, in plan order; empty when `available` is false. */
  readonly limits: readonly QuotaLimitState[];
  /** What reading this cost, in points: always 0. */
  readonly cost: 0;
  /** False when the store could not be read (its failure mode answered): no usage is known, none is invented. */
  readonly available: boolean;
  /** True while the caller (or everyone) is blocked by the kill switch. */
  readonly blocked: boolean;
}

const ALL_OPERATIONS: readonly OperationType[] = ['query', 'mutation', 'subscription'];

/**
 * The caller's quota state, read with `peek` (nothing is consumed, no concurrency slot is taken). Rejects with
 * the engine's `QuotaValidationError` on a malformed caller; a store failure is the engine's failure mode
 * (`available: false` with `'allow'`/`'deny'`, the fallback store's state with `'fallback'`).
 */
export async function readQuota(peeker: QuotaPeeker, caller: QuotaCaller): Promise<QuotaState> {
  const decision = await peeker.peek(caller.key, caller.plan, 'query');
  const available = decision.source !== 'failure-mode';
  return {
    plan: caller.plan.name,
    cost: 0,
    available,
    blocked: decision.reason === 'blocked',
    limits: available
      ? decision.limits.map((status, i) => ({
          name: status.name,
          kind: status.kind,
          counts: status.counts,
          limit: status.limit,
          remaining: Math.max(0, Math.floor(status.remaining)),
          used: Math.max(0, Math.ceil(status.consumed)),
          resetAt: new Date(status.resetAtMs).toISOString(),
          windowSeconds: Math.ceil(status.windowMs / 1000),
          appliesTo: caller.plan.limits[i]?.operations ?? ALL_OPERATIONS,
        }))
      : [],
  };
}

/** The default name of the field. */
export const DEFAULT_QUOTA_FIELD = 'quota';

/** Options of {@link quotaTypeDefs}. */
export interface QuotaTypeDefsOptions {
  /** The root field's name. Default {@link DEFAULT_QUOTA_FIELD}. */
  readonly fieldName?: string;
  /**
   * The name of the schema's `@cost` directive, to mark the types free (weight 0) for the cost analyzer; the
   * schema must define it (`withCostDirectives` does). `false` writes no directive. Default `'cost'`.
   */
  readonly costDirective?: string | false;
}

/**
 * The SDL of the `quota` field: `Quota` and `QuotaLimit` types and `extend type Query { quota: Quota }`.
 * Merge it into the schema's type definitions. The field takes no argument: it answers for the caller only.
 */
export function quotaTypeDefs(options: QuotaTypeDefsOptions = {}): string {
  const field = options.fieldName ?? DEFAULT_QUOTA_FIELD;
  const directive = options.costDirective ?? 'cost';
  const free = directive === false ? '' : ` @${directive}(weight: "0")`;
  return `"""
Your own quota: your plan and the state of each of its limits. Reading it is free: it never counts against
any limit.
"""
type Quota${free} {
  "Your plan."
  plan: String!
  "One entry per limit of your plan."
  limits: [QuotaLimit!]!
  "What this read cost, in points: always 0."
  cost: Int!
  "False when the quota service could not be read; limits is then empty."
  available: Boolean!
  "True while you are blocked."
  blocked: Boolean!
}

"""One limit of your plan."""
type QuotaLimit${free} {
  name: String!
  "fixed-window, token-bucket or concurrency."
  kind: String!
  "cost (points) or requests."
  counts: String!
  "The window's limit, the bucket's burst, or the most operations in flight."
  limit: Int!
  "What is left now."
  remaining: Int!
  "What is used in the current window."
  used: Int!
  "When the window resets or the bucket is full again, ISO 8601."
  resetAt: String!
  "The limit's time window, in seconds."
  windowSeconds: Int!
  "The operation types this limit counts: query, mutation, subscription."
  appliesTo: [String!]!
}

extend type Query {
  "Your own quota. Free of charge."
  ${field}: Quota${free}
}
`;
}

/** Options of {@link quotaResolvers}. */
export interface QuotaResolversOptions<TContext> {
  /** Reads the state: the quota engine. */
  readonly peeker: QuotaPeeker;
  /**
   * The caller of the request whose context this is, as the quota lifecycle resolved it; null when it has
   * none (the field then answers null).
   */
  readonly caller: (context: TContext) => QuotaCaller | null | Promise<QuotaCaller | null>;
  /** The root field's name. Default {@link DEFAULT_QUOTA_FIELD}. */
  readonly fieldName?: string;
}

/**
 * Resolvers of {@link quotaTypeDefs}, as a resolver map (`{ Query: { quota } }`). The state is read once per
 * context object (one request): aliases of the field repeat that answer, never another store call.
 */
export function quotaResolvers<TContext>(options: QuotaResolversOptions<TContext>): {
  Query: Record<string, (parent: unknown, args: unknown, context: TContext) => Promise<QuotaState | null>>;
} {
  const field = options.fieldName ?? DEFAULT_QUOTA_FIELD;
  // One read per request: every alias of the field in an operation (or batch) sharing a context gets the same
  // answer, so 2,000 aliases are one store call, not 2,000.
  const read = new WeakMap<object, Promise<QuotaState | null>>();
  const resolve = async (context: TContext): Promise<QuotaState | null> => {
    const caller = await options.caller(context);
    return caller === null ? null : readQuota(options.peeker, caller);
  };
  return {
    Query: {
      [field]: (_parent, _args, context) => {
        if (typeof context !== 'object' || context === null) return resolve(context);
        let answer = read.get(context);
        if (answer === undefined) {
          answer = resolve(context);
          read.set(context, answer);
        }
        return answer;
      },
    },
  };
}
