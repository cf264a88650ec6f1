import { definePlan, type Plan } from '../quota/index.js';
import { storeKey } from '../store/index.js';
import { anonymousKeyOf, type LifecycleConfig } from './config.js';
import { identifyFromContext } from './identify.js';
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
  /**
   * The request headers (lower-case names) `identify`, `planFor` and `anonymousKey` read to resolve it: who
   * the client is depends on them, and so do the response's quota headers and status (its `Vary`).
   */
  readonly vary: readonly string[];
}

/** No header read. */
const NONE: readonly string[] = [];

const NO_READ = (): readonly string[] => NONE;

/** The request as given, and no header read: for a configuration whose functions read no header. */
function unwatched<TContext>(request: QuotaRequest<TContext>) {
  return { request, read: NO_READ };
}

/**
 * The request as the client-resolving functions see it, its headers recording every name asked for in
 * `read` (created at the first read). The default configuration (`identify` reading the context, no
 * `planFor`, no `anonymousKey`) reads no header and gets the request as it is, without a wrapper.
 */
function recording<TContext>(
  config: LifecycleConfig<TContext>,
  request: QuotaRequest<TContext>,
): {
  request: QuotaRequest<TContext>;
  read: () => readonly string[];
} {
  if (config.identify === identifyFromContext && config.planFor === null && config.anonymousKey === null)
    return unwatched(request);
  let names: string[] | null = null;
  const { headers } = request;
  const watched: QuotaRequest<TContext> = {
    context: request.context,
    headers: {
      get(name: string) {
        const lower = name.toLowerCase();
        if (names === null) names = [lower];
        else if (!names.includes(lower)) names.push(lower);
        return headers.get(name);
      },
    },
  };
  return { request: watched, read: () => names ?? NONE };
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
  original: QuotaRequest<TContext>,
): Promise<ResolvedClient> {
  const { request, read } = recording(config, original);
  const id = await config.identify(request);
  if (id === null || id === undefined || id === '' || id === UNKNOWN_API_KEY) {
    const anonymousId = anonymousKeyOf(config, request);
    const plan = config.anonymousPlan;
    return {
      ...(id === UNKNOWN_API_KEY ? { unknownApiKey: true } : {}),
      public: { id: anonymousId, anonymous: true, plan: plan.name },
      key: storeKey(anonymousId, true),
      plan,
      vary: read(),
    };
  }
  if (typeof id !== 'string')
    throw new Misconfiguration(`identify returned a ${typeof id}, not a string or null`);
  const plan = config.planFor === null ? config.defaultPlanOf(id) : await chosenPlan(config, id, request);
  return {
    public: { id, anonymous: false, plan: plan.name },
    key: storeKey(id, false),
    plan,
    vary: read(),
  };
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
