import { definePlan, type Plan } from '../quota/index.js';
import { storeKey } from '../store/index.js';
import { anonymousKeyOf, type LifecycleConfig } from './config.js';
import { UNKNOWN_API_KEY, type QuotaClient } from './options.js';
import type { QuotaRequest } from './request.js';

export { storeKey };

/** A client with what the quota needs of it: its store key and its plan. */
export interface ResolvedClient {
  /** What hooks are told (a stable object: built once per request). */
  readonly public: QuotaClient;
  /** Its key in the store (see {@link storeKey}). */
  readonly key: string;
  readonly plan: Plan;
  /** True when the request presented an API key `identify` does not know (it is served as anonymous). */
  readonly unknownApiKey?: boolean;
}

/** `identify` or `planFor` gave something unusable; the operation is refused with `QUOTA_MISCONFIGURED`. */
export class Misconfiguration extends Error {
  override readonly name = 'Misconfiguration';
}

/**
 * Who pays for a request, and on which plan: `identify`, then `planFor` (or the default plan) for an
 * identified client, the anonymous plan and key otherwise. Throws a {@link Misconfiguration} when `identify`
 * returns something other than a string or nothing, or `planFor` an unknown plan name or an invalid plan.
 */
export async function resolveClient<TContext>(
  config: LifecycleConfig<TContext>,
  request: QuotaRequest<TContext>,
): Promise<ResolvedClient> {
  const id = await config.identify(request);
  if (id === null || id === undefined || id === '' || id === UNKNOWN_API_KEY) {
    const anonymousId = anonymousKeyOf(config, request);
    const plan = config.anonymousPlan;
    return {
      ...(id === UNKNOWN_API_KEY ? { unknownApiKey: true } : {}),
      public: { id: anonymousId, anonymous: true, plan: plan.name },
      key: storeKey(anonymousId, true),
      plan,
    };
  }
  if (typeof id !== 'string')
    throw new Misconfiguration(`identify returned a ${typeof id}, not a string or null`);
  const plan = config.planFor === null ? config.defaultPlanOf(id) : await chosenPlan(config, id, request);
  return { public: { id, anonymous: false, plan: plan.name }, key: storeKey(id, false), plan };
}

async function chosenPlan<TContext>(
  config: LifecycleConfig<TContext>,
  id: string,
  request: QuotaRequest<TContext>,
): Promise<Plan> {
  const chosen = await config.planFor!(id, request);
  if (typeof chosen === 'string') {
    const named = config.plans.get(chosen);
    if (named === undefined)
      throw new Misconfiguration(
        `planFor chose "${chosen}" for client "${id}", which is not one of the plans`,
      );
    return named;
  }
  try {
    return definePlan(chosen);
  } catch (error) {
    throw new Misconfiguration(`planFor returned an invalid plan for "${id}": ${(error as Error).message}`);
  }
}
