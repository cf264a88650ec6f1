import type { CostOptions } from '../cost/index.js';
import type { QuotaHeaderOptions } from '../http/index.js';
import type { Decision, LimitStatus, OperationType, Plan, QuotaLogger, QuotaStore } from '../quota/index.js';
import type { StoreFailureMode } from '../engine/index.js';
import type { QuotaObserver } from '../observability/index.js';
import type { QuotaRequest } from './request.js';

/** `enforce` refuses over-quota operations; `dry-run` measures, logs and sends headers but refuses nothing. */
export type QuotaMode = 'enforce' | 'dry-run';

/** When the `extensions.cost` block is added to a response. */
export type ExposeCost = 'never' | 'on-request' | 'always';

/** Default {@link QuotaOptions.mode}. */
export const DEFAULT_MODE: QuotaMode = 'enforce';
/** Default {@link QuotaOptions.anonymousPlan}: the plan named `anonymous`. */
export const DEFAULT_ANONYMOUS_PLAN = 'anonymous';
/** Default anonymous client key: every unidentified client shares one quota. */
export const DEFAULT_ANONYMOUS_KEY = 'anonymous';
/** Default {@link QuotaOptions.exposeCost}. */
export const DEFAULT_EXPOSE_COST: ExposeCost = 'on-request';
/** Default {@link QuotaOptions.costRequestHeader}: send `x-quota-cost: 1` to get `extensions.cost`. */
export const DEFAULT_COST_REQUEST_HEADER = 'x-quota-cost';
/** Whether the quota headers are listed in `Access-Control-Expose-Headers` by default. */
export const DEFAULT_EXPOSE_QUOTA_HEADERS = true;
/**
 * Default {@link QuotaOptions.countInvalidRequests}: requests refused before admission count against
 * request-counting limits, so that invalid documents are not free.
 */
export const DEFAULT_COUNT_INVALID_REQUESTS = true;
/** Default {@link QuotaOptions.usageThresholds}: one alert at 80 % of a limit. */
export const DEFAULT_USAGE_THRESHOLDS: readonly number[] = [0.8];

/** A client as the lifecycle resolved it. */
export interface QuotaClient {
  /** What `identify` returned, or the anonymous key (`anonymousKey`) for an unidentified client. */
  readonly id: string;
  readonly anonymous: boolean;
  /** The name of the client's plan. */
  readonly plan: string;
}

/** Passed to `onDecision` for every operation that reached the quota engine. */
export interface QuotaDecisionEvent {
  readonly client: QuotaClient;
  readonly operationName: string | null;
  readonly operationType: OperationType;
  /** The estimated cost charged, in points. */
  readonly cost: number;
  readonly decision: Decision;
  readonly mode: QuotaMode;
}

/** Passed to `onThreshold` when an operation takes a limit's usage across a threshold. */
export interface QuotaThresholdEvent {
  readonly client: QuotaClient;
  /** The limit's state after the operation. */
  readonly limit: LimitStatus;
  /** The threshold crossed, a fraction of the limit (0.8 for 80 %). */
  readonly threshold: number;
  readonly operationName: string | null;
}

/** Passed to `onRejection` for every refusal (in `dry-run`, for every operation that would be refused). */
export interface QuotaRejectionEvent {
  /** Null when the operation was refused before the client was resolved. */
  readonly client: QuotaClient | null;
  readonly operationName: string | null;
  /** A {@link QuotaRefusalCode}, or the cost analyzer's code (`COST_LIMIT_EXCEEDED`...). */
  readonly code: string;
  /** The HTTP status sent (or, in `dry-run`, that would have been). */
  readonly status: number;
  /** The estimated cost, when known. */
  readonly cost: number | null;
  /** The quota decision, when the refusal came from one. */
  readonly decision: Decision | null;
  readonly mode: QuotaMode;
  /** True in `dry-run`: the operation was let through. */
  readonly dryRun: boolean;
}

/**
 * What an `identify` returns for a request that presented an API key it does not know (`identifyByApiKey`
 * does): the request is not simply anonymous, its client most likely mistyped its key. The
 * {@link QuotaOptions.unknownApiKey} option says what is done with it.
 */
export const UNKNOWN_API_KEY: unique symbol = Symbol.for('graphql-quota.unknown-api-key');

/** What `unknownApiKey` does with a request whose API key is unknown. */
export type UnknownApiKeyMode = 'anonymous' | 'refuse';

/** Default {@link QuotaOptions.unknownApiKey}: served on the anonymous plan, and told so. */
export const DEFAULT_UNKNOWN_API_KEY: UnknownApiKeyMode = 'anonymous';

/**
 * Maps a request to a client key; null (or undefined) for an anonymous request; {@link UNKNOWN_API_KEY} for
 * a request whose API key is not known.
 */
export type IdentifyFunction<TContext = unknown> = (
  request: QuotaRequest<TContext>,
) =>
  | string
  | null
  | undefined
  | typeof UNKNOWN_API_KEY
  | Promise<string | null | undefined | typeof UNKNOWN_API_KEY>;

/** Chooses the plan of an identified client: a plan name (one of `plans`) or a plan of its own. */
export type PlanForFunction<TContext = unknown> = (
  client: string,
  request: QuotaRequest<TContext>,
) => string | Plan | Promise<string | Plan>;

/** What {@link QuotaOptions.exempt} is asked about an operation. */
export interface ExemptOperation<TContext = unknown> {
  readonly client: QuotaClient;
  readonly operationName: string | null;
  readonly operationType: OperationType;
  /** The field names the operation selects at its root (through fragments, without aliases). */
  readonly rootFields: readonly string[];
  readonly request: QuotaRequest<TContext>;
}

/** True when the operation is exempt from every limit. */
export type ExemptFunction<TContext = unknown> = (operation: ExemptOperation<TContext>) => boolean;

/** The quota key of an anonymous request. */
export type AnonymousKeyFunction<TContext = unknown> = (request: QuotaRequest<TContext>) => string;

/**
 * Options of the request lifecycle, the same for every server adapter (`quotaPlugin` for Apollo Server
 * takes them as they are). Validated when the lifecycle is created: a bad option throws a
 * `QuotaValidationError` there, never at a request.
 */
export interface QuotaOptions<TContext = unknown> {
  //#region Where quota state lives and what happens when it cannot be reached
  /** The quota store: a `MemoryStore` for one process, a `RedisStore` shared by every instance. Required. */
  readonly store: QuotaStore;
  /**
   * Milliseconds to wait for the store before applying `onStoreFailure`. Default: the engine's
   * `DEFAULT_STORE_TIMEOUT_MS` (200).
   */
  readonly storeTimeoutMs?: number;
  /**
   * When the store fails or times out: `'allow'` admits without counting, `'deny'` refuses with 503
   * `QUOTA_STORE_UNAVAILABLE`, `'fallback'` decides from `fallbackStore` (an in-memory store by default) so
   * limits still hold per instance. Default: the engine's `DEFAULT_ON_STORE_FAILURE` (`'fallback'`).
   */
  readonly onStoreFailure?: StoreFailureMode;
  /** The store `'fallback'` decides from. Default: a fresh in-memory store. */
  readonly fallbackStore?: QuotaStore;
  /**
   * The time source for quota arithmetic, Unix epoch milliseconds. Inject one in tests (fake timers do not
   * reach a clock captured at start-up). Default `Date.now`.
   */
  readonly clock?: () => number;
  //#endregion

  //#region Who the client is and which plan it is on
  /**
   * Every plan; names must be unique, and one must be named `anonymousPlan`. Plans are validated when the
   * lifecycle is created: a malformed plan throws there, never at a request. Required.
   */
  readonly plans: readonly Plan[];
  /**
   * Maps a request to a client key, from what the server has authenticated: an API key checked against a
   * table (`identifyByApiKey`), a token claim put in the context by the server's `context` function.
   * It receives a {@link QuotaRequest}: the request headers and the server's context. Returning null makes
   * the request anonymous. Default `identifyFromContext`: the string `context.quotaClient`, else anonymous. The default never reads a request header, because a client
   * can send any header it likes. Every header it (or `planFor`, `anonymousKey`) reads with `headers.get`
   * is listed in the response's `Vary`: who the client is, and so its quota headers, depend on it.
   */
  readonly identify?: IdentifyFunction<TContext>;
  /**
   * The plan of an identified client (tiers). Default: `defaultPlan` for everyone. A name that is not one
   * of `plans` (or an invalid plan) refuses the operation with 500 `QUOTA_MISCONFIGURED` and logs why.
   */
  readonly planFor?: PlanForFunction<TContext>;
  /** The plan `planFor` falls back to (and the default `planFor` returns). Default: the first plan. */
  readonly defaultPlan?: string;
  /**
   * A request whose API key `identify` does not know (it returned {@link UNKNOWN_API_KEY}, as
   * `identifyByApiKey` does for a key not in its table): `'anonymous'` serves it on the anonymous plan and
   * key, and its response says so with `X-Rate-Limit-Anonymous: unknown-api-key` (listed in
   * `Access-Control-Expose-Headers`); `'refuse'` answers 401 `UNKNOWN_API_KEY` without charging anything
   * (a dry run serves it as anonymous and logs the refusal it would have made). Default
   * {@link DEFAULT_UNKNOWN_API_KEY} (`'anonymous'`).
   */
  readonly unknownApiKey?: UnknownApiKeyMode;
  /** The plan of anonymous requests. Default {@link DEFAULT_ANONYMOUS_PLAN} (`'anonymous'`). */
  readonly anonymousPlan?: string;
  /**
   * The quota key of an anonymous request. Default: {@link DEFAULT_ANONYMOUS_KEY} for every one of them, so
   * all anonymous traffic shares one quota. To give each address its own, put the address in the context
   * (Apollo's request object carries none) and return it here: `({ context }) => context.ip`.
   */
  readonly anonymousKey?: AnonymousKeyFunction<TContext>;
  //#endregion

  //#region How operations are priced
  /** Options of the cost analyzer (default costs, list sizes...). Default: the analyzer's defaults. */
  readonly cost?: CostOptions;
  /**
   * The most an operation may cost, in points, whatever the client's quota: a costlier operation is refused
   * with 400 `COST_LIMIT_EXCEEDED` before any quota is touched. Overrides `cost.maxCost`. Default: none
   * (quotas alone bound cost).
   */
  readonly maxCost?: number;
  //#endregion

  //#region Enforcement
  /**
   * Operations that cost nothing and count nowhere, decided per request (a plan's own `exempt` rules say the
   * same per plan): for example the calls your system makes to push data to the client. Called after the
   * client is identified, with the operation's name, type and root fields. An exempt operation is admitted
   * without a charge or a slot; its response still carries the client's usage and `X-Rate-Limit-Exempt: true`.
   * Default: none.
   */
  readonly exempt?: ExemptFunction<TContext>;
  /**
   * Requests refused before admission are not free: a document that does not parse or validate (the server
   * refuses it), or an operation over `maxCost` or another per-operation maximum of the cost analysis (the
   * lifecycle refuses it), counts one request against each request-counting limit (a fixed window or token
   * bucket with `counts: 'requests'`) that is not scoped (no `operations`, `operationNames` or `rootFields`:
   * the request is no valid operation of any scope). Cost-counting limits, scoped limits and concurrency
   * caps are not touched. The response carries the quota headers of that decision; once such a limit is
   * exhausted the request is answered with the quota's refusal (429 `QUOTA_EXCEEDED`, `Retry-After`)
   * instead of the server's error, and so is the next valid request until the limit refills. A dry run
   * counts and reports but refuses nothing. `false`: such requests are neither counted nor given quota
   * headers. Default {@link DEFAULT_COUNT_INVALID_REQUESTS} (`true`).
   */
  readonly countInvalidRequests?: boolean;
  /**
   * `'enforce'` refuses; `'dry-run'` measures, charges admitted operations, logs and sends every header,
   * but lets every operation through, including the over-quota and the over-`maxCost`. The kill switch
   * still holds in a dry run: a block is an operator's explicit order. Default {@link DEFAULT_MODE}
   * (`'enforce'`).
   */
  readonly mode?: QuotaMode;
  //#endregion

  //#region What responses carry
  /**
   * Which quota headers are sent and how: `xRateLimit`, `ietf`, `retryAfter` (each default `true`),
   * `headerLimit` (the limit `X-Rate-Limit-*` describes), `costQuotaUnit`. See `quotaHeaders`.
   */
  readonly headers?: Omit<QuotaHeaderOptions, 'partitionKey'>;
  /**
   * List the quota headers sent in `Access-Control-Expose-Headers` (merged with a value already on the
   * response), so that browser code on another origin can read them: CORS hides them otherwise. If your CORS
   * middleware sets `Access-Control-Expose-Headers` itself, the value set here replaces it on Node servers:
   * list these names there too, or merge them in a plugin of your own. Default
   * {@link DEFAULT_EXPOSE_QUOTA_HEADERS} (`true`).
   */
  readonly exposeHeaders?: boolean;
  /**
   * The HMAC key of the IETF `pk` parameter (a hash of the client key, so no client id leaks). Use the same
   * secret on every instance so a client sees one partition key. `false` sends no `pk`. Default: a random
   * secret per process.
   */
  readonly partitionKeySecret?: string | Uint8Array | false;
  /**
   * When responses carry `extensions.cost` (requested and actual cost, throttle status): `'always'`,
   * `'never'`, or `'on-request'` when the request has the `costRequestHeader` header with a value other
   * than `0` or `false` (every response then lists that header in `Vary`). Default
   * {@link DEFAULT_EXPOSE_COST} (`'on-request'`).
   */
  readonly exposeCost?: ExposeCost;
  /** The request header that asks for `extensions.cost`. Default {@link DEFAULT_COST_REQUEST_HEADER}. */
  readonly costRequestHeader?: string;
  //#endregion

  //#region Observability
  /** Where the lifecycle logs. Default: the server's logger (Apollo Server's), else `console`. */
  readonly logger?: QuotaLogger;
  /**
   * Called for every operation decided, admitted or not. Hooks run after the decision and must not
   * throw; a throw or a rejected promise is logged and ignored, and the request never waits for a hook.
   */
  readonly onDecision?: (event: QuotaDecisionEvent) => void | Promise<void>;
  /**
   * Called when an operation takes a limit's usage from below a threshold to at or above it. Fires once
   * per fixed window per threshold in this process, even when refunds take usage back under it.
   */
  readonly onThreshold?: (event: QuotaThresholdEvent) => void | Promise<void>;
  /** Fractions of a limit that fire `onThreshold`, each in (0, 1]. Default {@link DEFAULT_USAGE_THRESHOLDS}. */
  readonly usageThresholds?: readonly number[];
  /** Called for every refusal (in dry-run: every operation that would have been refused). */
  readonly onRejection?: (event: QuotaRejectionEvent) => void | Promise<void>;
  /**
   * What metrics, the decision log and alerts are fed from: a `QuotaMetrics`, a `decisionLog(...)`, an
   * `AlertWatcher`, or any `QuotaObserver`. Each is told of every operation (`decided`, then `settled`), of
   * every store call the engine makes (`storeCall`), of threshold crossings and kill-switch orders,
   * synchronously on the request path; one that throws is logged and the request goes on. Default: none.
   */
  readonly observers?: readonly QuotaObserver[];
  /**
   * The root query field that returns the caller's own quota (`quotaTypeDefs()` defines it as `quota`),
   * made free: an operation that selects nothing but it (and `__typename`) is neither priced nor charged
   * (no limit moves, not even a request count), though the caller is still identified, so that the field's
   * resolver (`quotaResolvers` with `callerOf`) reads the right state. Set it only to a field whose cost is
   * nothing. Default: none (every operation is charged).
   */
  readonly freeQuotaField?: string;
  //#endregion
}
