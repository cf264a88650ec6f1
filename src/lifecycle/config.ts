import type { CostOptions } from '../cost/index.js';
import type { QuotaHeaderOptions } from '../http/index.js';
import { randomPartitionKeySecret } from './partitionKey.js';
import { QuotaValidationError, createPlanResolver, type Plan, type PlanResolver } from '../quota/index.js';
import { combineObservers, type QuotaObserver } from '../observability/index.js';
import { identifyFromContext } from './identify.js';
import {
  DEFAULT_ANONYMOUS_KEY,
  DEFAULT_ANONYMOUS_PLAN,
  DEFAULT_COST_REQUEST_HEADER,
  DEFAULT_COUNT_INVALID_REQUESTS,
  DEFAULT_EXPOSE_COST,
  DEFAULT_EXPOSE_QUOTA_HEADERS,
  DEFAULT_MODE,
  DEFAULT_UNKNOWN_API_KEY,
  DEFAULT_USAGE_THRESHOLDS,
  type UnknownApiKeyMode,
  type AnonymousKeyFunction,
  type ExemptFunction,
  type ExposeCost,
  type IdentifyFunction,
  type PlanForFunction,
  type QuotaMode,
  type QuotaOptions,
} from './options.js';

/** The lifecycle's options validated once, with every default filled in. */
export interface LifecycleConfig<TContext> {
  readonly mode: QuotaMode;
  readonly dryRun: boolean;
  /** Every plan by name, for `planFor`'s answers. */
  readonly plans: ReadonlyMap<string, Plan>;
  /** The plan of a client `planFor` says nothing special about: `defaultPlan`. */
  readonly defaultPlanOf: PlanResolver;
  readonly anonymousPlan: Plan;
  readonly identify: IdentifyFunction<TContext>;
  /** Null when the option is absent: every identified client is on `defaultPlan`. */
  readonly planFor: PlanForFunction<TContext> | null;
  readonly anonymousKey: AnonymousKeyFunction<TContext> | null;
  readonly costOptions: CostOptions;
  readonly headerOptions: Omit<QuotaHeaderOptions, 'partitionKey'>;
  /** The `pk` HMAC key; null sends no `pk`. */
  readonly partitionKeySecret: string | Uint8Array | null;
  readonly exposeHeaders: boolean;
  readonly exposeCost: ExposeCost;
  /** Lower case. */
  readonly costRequestHeader: string;
  readonly usageThresholds: readonly number[];
  /** Every observer as one; null when there is none (nothing is measured). */
  readonly observer: QuotaObserver | null;
  /** The free quota field's name; null when none. */
  readonly freeQuotaField: string | null;
  /** Null when the option is absent. */
  readonly exempt: ExemptFunction<TContext> | null;
  readonly countInvalidRequests: boolean;
  readonly unknownApiKey: UnknownApiKeyMode;
}

/**
 * The one option error of the lifecycle (and so of every adapter): a `QuotaValidationError` with code
 * `QUOTA_INVALID_OPTION`, thrown when the lifecycle is created.
 */
export function invalidOption(message: string): never {
  throw new QuotaValidationError('QUOTA_INVALID_OPTION', `graphql-quota: ${message}`);
}

/** `Array.isArray` would narrow a readonly array to `any[]`; this check leaves the type alone. */
function isNonEmptyArray(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** Validates every option now, so a misconfiguration fails at start-up, not at a request. */
export function resolveConfig<TContext>(
  options: QuotaOptions<TContext>,
  onError: (error: unknown) => void = () => undefined,
): LifecycleConfig<TContext> {
  if (typeof options !== 'object' || options === null) invalidOption('options must be an object');
  const mode = options.mode ?? DEFAULT_MODE;
  if (mode !== 'enforce' && mode !== 'dry-run')
    invalidOption(`mode must be 'enforce' or 'dry-run', got ${String(mode)}`);

  const planList: readonly Plan[] = options.plans;
  if (!isNonEmptyArray(planList)) invalidOption('plans must be a non-empty array');
  // Validates every plan, their names' uniqueness and the default plan.
  const defaultPlanOf = createPlanResolver({
    plans: planList,
    defaultPlan: options.defaultPlan ?? planList[0]!.name,
  });
  const plans = new Map(planList.map((plan) => [plan.name, plan]));
  const anonymousPlanName = options.anonymousPlan ?? DEFAULT_ANONYMOUS_PLAN;
  const anonymousPlan = plans.get(anonymousPlanName);
  if (anonymousPlan === undefined) {
    invalidOption(
      `anonymousPlan "${anonymousPlanName}" is not one of the plans (${[...plans.keys()].join(', ')}); ` +
        'anonymous requests need a plan of their own',
    );
  }

  const usageThresholds = options.usageThresholds ?? DEFAULT_USAGE_THRESHOLDS;
  for (const t of usageThresholds) {
    if (typeof t !== 'number' || !(t > 0 && t <= 1))
      invalidOption(`usageThresholds must be in (0, 1], got ${String(t)}`);
  }
  const exposeCost = options.exposeCost ?? DEFAULT_EXPOSE_COST;
  if (!['never', 'on-request', 'always'].includes(exposeCost)) {
    invalidOption(`exposeCost must be 'never', 'on-request' or 'always', got ${String(exposeCost)}`);
  }
  const exposeHeaders = options.exposeHeaders ?? DEFAULT_EXPOSE_QUOTA_HEADERS;
  if (typeof exposeHeaders !== 'boolean')
    invalidOption(`exposeHeaders must be a boolean, got ${String(exposeHeaders)}`);
  if (options.exempt !== undefined && typeof options.exempt !== 'function') {
    invalidOption(`exempt must be a function returning a boolean, got ${String(options.exempt)}`);
  }
  if (options.maxCost !== undefined && !(Number.isFinite(options.maxCost) && options.maxCost >= 0)) {
    invalidOption(`maxCost must be a non-negative number of points, got ${String(options.maxCost)}`);
  }

  const countInvalidRequests = options.countInvalidRequests ?? DEFAULT_COUNT_INVALID_REQUESTS;
  if (typeof countInvalidRequests !== 'boolean')
    invalidOption(`countInvalidRequests must be a boolean, got ${String(countInvalidRequests)}`);

  const unknownApiKey = options.unknownApiKey ?? DEFAULT_UNKNOWN_API_KEY;
  if (unknownApiKey !== 'anonymous' && unknownApiKey !== 'refuse')
    invalidOption(`unknownApiKey must be 'anonymous' or 'refuse', got ${String(unknownApiKey)}`);

  const observers = options.observers ?? [];
  if (!Array.isArray(observers) || observers.some((o) => typeof o !== 'object' || o === null))
    invalidOption('observers must be an array of QuotaObserver objects');
  const freeQuotaField = options.freeQuotaField ?? null;
  if (
    freeQuotaField !== null &&
    (typeof freeQuotaField !== 'string' || !/^[_A-Za-z][_0-9A-Za-z]*$/.test(freeQuotaField))
  )
    invalidOption(`freeQuotaField must be a GraphQL field name, got ${String(freeQuotaField)}`);

  return {
    mode,
    dryRun: mode === 'dry-run',
    plans,
    defaultPlanOf,
    anonymousPlan,
    identify: options.identify ?? identifyFromContext,
    planFor: options.planFor ?? null,
    anonymousKey: options.anonymousKey ?? null,
    costOptions: {
      ...options.cost,
      ...(options.maxCost !== undefined ? { maxCost: options.maxCost } : {}),
    },
    headerOptions: options.headers ?? {},
    partitionKeySecret:
      options.partitionKeySecret === false
        ? null
        : (options.partitionKeySecret ?? randomPartitionKeySecret()),
    exposeHeaders,
    exposeCost,
    costRequestHeader: (options.costRequestHeader ?? DEFAULT_COST_REQUEST_HEADER).toLowerCase(),
    usageThresholds,
    observer: observers.length === 0 ? null : combineObservers(observers, onError),
    freeQuotaField,
    exempt: options.exempt ?? null,
    countInvalidRequests,
    unknownApiKey,
  };
}

/** The anonymous key of a request, {@link DEFAULT_ANONYMOUS_KEY} when the option gives nothing usable. */
export function anonymousKeyOf<TContext>(
  config: LifecycleConfig<TContext>,
  request: Parameters<AnonymousKeyFunction<TContext>>[0],
): string {
  if (config.anonymousKey === null) return DEFAULT_ANONYMOUS_KEY;
  const key = config.anonymousKey(request);
  return typeof key === 'string' && key !== '' ? key : DEFAULT_ANONYMOUS_KEY;
}
