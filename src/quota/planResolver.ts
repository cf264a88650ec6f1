import { compilePlan } from './compilePlan.js';
import { QuotaValidationError } from './errors.js';
import type { Plan } from './types.js';

/** Which plan each client is on. */
export interface PlanResolverOptions {
  /** Every named plan; names must be unique. */
  readonly plans: readonly Plan[];
  /** Name of the plan of a client without an override; must be one of `plans`. */
  readonly defaultPlan: string;
  /**
   * Per-client plans, by client key: the name of one of `plans`, or a plan of the client's own (validated
   * here too). Default: none.
   */
  readonly overrides?: Readonly<Record<string, string | Plan>> | ReadonlyMap<string, string | Plan>;
}

/** Returns the plan of a client key. */
export type PlanResolver = (client: string) => Plan;

/**
 * Builds a resolver from plans, a default and per-client overrides, validating all of them now: an unknown
 * plan name or a malformed plan throws a {@link QuotaValidationError} here, never at a request.
 */
export function createPlanResolver(options: PlanResolverOptions): PlanResolver {
  const byName = new Map<string, Plan>();
  for (const plan of options.plans) {
    compilePlan(plan);
    if (byName.has(plan.name)) invalid(`two plans are named "${plan.name}"; plan names must be unique`);
    byName.set(plan.name, plan);
  }
  const fallback = byName.get(options.defaultPlan);
  if (fallback === undefined) {
    invalid(
      `defaultPlan "${options.defaultPlan}" is not one of the plans (${[...byName.keys()].join(', ')})`,
    );
  }
  const overrides = new Map<string, Plan>();
  const entries =
    options.overrides instanceof Map ? options.overrides.entries() : Object.entries(options.overrides ?? {});
  for (const [client, target] of entries as Iterable<[string, string | Plan]>) {
    if (typeof target === 'string') {
      const plan = byName.get(target);
      if (plan === undefined)
        invalid(`the override for client "${client}" names an unknown plan "${target}"`);
      overrides.set(client, plan);
    } else {
      compilePlan(target);
      overrides.set(client, target);
    }
  }
  return (client) => overrides.get(client) ?? fallback;
}

/** One-off form of {@link createPlanResolver}; prefer the resolver, which validates once. */
export function resolvePlan(options: PlanResolverOptions, client: string): Plan {
  return createPlanResolver(options)(client);
}

function invalid(message: string): never {
  throw new QuotaValidationError('QUOTA_INVALID_PLAN', message);
}
