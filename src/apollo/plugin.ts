import type {
  ApolloServerPlugin,
  BaseContext,
  GraphQLRequestContext,
  GraphQLRequestContextDidResolveOperation,
  HTTPGraphQLHead,
} from '@apollo/server';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import { CostAnalyzer, CostError, type CostOptions, type CostReport } from '../cost/index.js';
import {
  exposeHeadersValue,
  mergeDecisions,
  quotaHeaders,
  randomPartitionKeySecret,
  type HeaderField,
  type QuotaHeaderOptions,
} from '../http/index.js';
import {
  ALL_CLIENTS,
  QuotaValidationError,
  definePlan,
  type Decision,
  type LimitStatus,
  type OperationType,
  type Plan,
  type QuotaLogger,
} from '../quota/index.js';
import { QuotaEngine } from '../engine/index.js';
import { costExtension } from './costExtension.js';
import {
  COST_ERROR_STATUS,
  QUOTA_ERROR_STATUS,
  httpExtension,
  refusal,
  type QuotaErrorDetails,
  type QuotaPluginErrorCode,
} from './errors.js';
import { HeaderCache, exposedFor, policyFor, type ClientHeaderState } from './headerCache.js';
import { identifyFromContext } from './identify.js';
import {
  DEFAULT_ANONYMOUS_KEY,
  DEFAULT_ANONYMOUS_PLAN,
  DEFAULT_COST_REQUEST_HEADER,
  DEFAULT_EXPOSE_COST,
  DEFAULT_EXPOSE_QUOTA_HEADERS,
  DEFAULT_MODE,
  DEFAULT_USAGE_THRESHOLDS,
  type IdentifyFunction,
  type QuotaClient,
  type QuotaPluginOptions,
  type QuotaRejectionEvent,
} from './options.js';
import { crossedThresholds } from './thresholds.js';

/** The plugin, with the kill switch. Put it in `plugins`; keep the reference to call `block`. */
export interface QuotaPlugin<
  TContext extends BaseContext = BaseContext,
> extends ApolloServerPlugin<TContext> {
  /** The engine behind the plugin (for `peek`, dashboards, scripts). */
  readonly engine: QuotaEngine;
  /**
   * Blocks an identified client (the id `identify` returns) for `durationMs` milliseconds on every
   * instance sharing the store: its operations get 403 `CLIENT_BLOCKED`. Resolves to false (and logs) when
   * the store could not record it.
   */
  block(client: string, durationMs: number): Promise<boolean>;
  /** Lifts {@link block}. */
  unblock(client: string): Promise<boolean>;
  /** Blocks an anonymous quota key (default: the shared anonymous quota). */
  blockAnonymous(durationMs: number, key?: string): Promise<boolean>;
  /** Lifts {@link blockAnonymous}. */
  unblockAnonymous(key?: string): Promise<boolean>;
  /** Blocks every client, identified or not, for `durationMs` milliseconds. */
  blockEveryone(durationMs: number): Promise<boolean>;
  /** Lifts {@link blockEveryone} (blocks of single clients stay). */
  unblockEveryone(): Promise<boolean>;
}

/** Identified and anonymous clients live in separate key spaces: an id can never land in the anonymous quota. */
function storeKey(id: string, anonymous: boolean): string {
  return anonymous ? `anon:${id}` : `id:${id}`;
}

interface ResolvedClient extends QuotaClient {
  readonly key: string;
  readonly planDefinition: Plan;
}

/** Per operation: what was decided, so that `willSendResponse` (or an unexpected error) can settle it. */
interface OperationState {
  client: ResolvedClient | null;
  operationType: OperationType | null;
  report: CostReport | null;
  /** The estimated cost, once known (also from a refused analysis). */
  cost: number | null;
  actual: number | null;
  decision: Decision | null;
  /** True once the decision admitted the operation (and committed its cost): it must be settled once. */
  admitted: boolean;
  settled: boolean;
  executionStarted: boolean;
  /** didResolveOperation's work: `willSendResponse` can run before it ends when another plugin throws. */
  admission: Promise<void> | null;
}

/** Per response head, shared by every operation of a batched request. */
interface HeadState {
  /**
   * The decisions of the head's operations folded into one as they arrive (`mergeDecisions` is associative),
   * so a batch of n operations costs O(n), not O(n²): re-merging every decision at each of them let one
   * request of 3,000 trivial operations hold a server for 20 s.
   */
  merged: Decision | null;
  /** The header fields of `merged`, until the next decision arrives. */
  fields: HeaderField[] | null;
  readonly client: ClientHeaderState;
}

/** Limits of the `onThreshold` once-per-window memory. */
const THRESHOLD_MEMORY = 10_000;

/** `Array.isArray` would narrow a readonly array to `any[]`; this check leaves the type alone. */
function isNonEmptyArray(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function invalidOption(message: string): never {
  throw new QuotaValidationError('QUOTA_INVALID_OPTION', `quotaPlugin: ${message}`);
}

/**
 * The Apollo Server 5 plugin: prices each operation, charges it to its client's quota before execution,
 * refunds what the response did not use, and sends the quota headers. Options are validated here, so a
 * misconfiguration fails at start-up, not at a request.
 *
 * ```ts
 * const quota = quotaPlugin({ store: new MemoryStore(), plans, identify: identifyByApiKey(keys) });
 * const server = new ApolloServer({ schema, plugins: [quota] });
 * await quota.block('client-42', 10 * 60_000);
 * ```
 */
export function quotaPlugin<TContext extends BaseContext = BaseContext>(
  options: QuotaPluginOptions<TContext>,
): QuotaPlugin<TContext> {
  if (typeof options !== 'object' || options === null) invalidOption('options must be an object');
  const mode = options.mode ?? DEFAULT_MODE;
  if (mode !== 'enforce' && mode !== 'dry-run')
    invalidOption(`mode must be 'enforce' or 'dry-run', got ${String(mode)}`);
  const dryRun = mode === 'dry-run';

  const planList: readonly Plan[] = options.plans;
  if (!isNonEmptyArray(planList)) invalidOption('plans must be a non-empty array');
  const plans = new Map<string, Plan>();
  for (const plan of planList) {
    definePlan(plan);
    if (plans.has(plan.name)) invalidOption(`two plans are named "${plan.name}"`);
    plans.set(plan.name, plan);
  }
  const anonymousPlanName = options.anonymousPlan ?? DEFAULT_ANONYMOUS_PLAN;
  const anonymousPlan = plans.get(anonymousPlanName);
  if (anonymousPlan === undefined) {
    invalidOption(
      `anonymousPlan "${anonymousPlanName}" is not one of the plans (${[...plans.keys()].join(', ')}); ` +
        'anonymous requests need a plan of their own',
    );
  }
  const defaultPlanName = options.defaultPlan ?? planList[0]!.name;
  if (!plans.has(defaultPlanName)) invalidOption(`defaultPlan "${defaultPlanName}" is not one of the plans`);

  const thresholds = options.usageThresholds ?? DEFAULT_USAGE_THRESHOLDS;
  for (const t of thresholds) {
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
  const costRequestHeader = (options.costRequestHeader ?? DEFAULT_COST_REQUEST_HEADER).toLowerCase();
  if (options.maxCost !== undefined && !(Number.isFinite(options.maxCost) && options.maxCost >= 0)) {
    invalidOption(`maxCost must be a non-negative number of points, got ${String(options.maxCost)}`);
  }
  const costOptions: CostOptions = {
    ...options.cost,
    ...(options.maxCost !== undefined ? { maxCost: options.maxCost } : {}),
  };
  const headerOptions: Omit<QuotaHeaderOptions, 'partitionKey'> = options.headers ?? {};
  const secret =
    options.partitionKeySecret === false ? null : (options.partitionKeySecret ?? randomPartitionKeySecret());

  const headerCache = new HeaderCache(headerOptions, secret);

  const identify: IdentifyFunction<TContext> = options.identify ?? identifyFromContext;
  const planFor = options.planFor ?? (() => defaultPlanName);
  const anonymousKey = options.anonymousKey ?? (() => DEFAULT_ANONYMOUS_KEY);

  // Apollo's logger is only known once the server starts; the engine is built now, so it logs through this.
  let serverLogger: QuotaLogger | null = null;
  const currentLogger = (): QuotaLogger => options.logger ?? serverLogger ?? console;
  const logger: QuotaLogger = {
    debug: (m) => currentLogger().debug(m),
    info: (m) => currentLogger().info(m),
    warn: (m) => currentLogger().warn(m),
    error: (m) => currentLogger().error(m),
  };

  const engine = new QuotaEngine({
    store: options.store,
    logger,
    ...(options.storeTimeoutMs !== undefined ? { timeoutMs: options.storeTimeoutMs } : {}),
    ...(options.onStoreFailure !== undefined ? { onStoreFailure: options.onStoreFailure } : {}),
    ...(options.fallbackStore !== undefined ? { fallbackStore: options.fallbackStore } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
  });

  // Analyzers read the schema's directives once; keyed by schema so a gateway's schema update gets its own.
  const analyzers = new WeakMap<GraphQLSchema, CostAnalyzer>();
  const analyzerFor = (schema: GraphQLSchema): CostAnalyzer => {
    let analyzer = analyzers.get(schema);
    if (analyzer === undefined) {
      analyzer = new CostAnalyzer(schema, costOptions);
      analyzers.set(schema, analyzer);
    }
    return analyzer;
  };
  const heads = new WeakMap<HTTPGraphQLHead, HeadState>();
  const operations = new WeakMap<GraphQLRequestContext<TContext>, OperationState>();
  const thresholdsFired = new LRUCache<string, true>({ max: THRESHOLD_MEMORY });

  function emit<E>(name: string, hook: ((event: E) => void | Promise<void>) | undefined, event: E): void {
    if (hook === undefined) return;
    const fail = (error: unknown) =>
      logger.error(
        `graphql-quota: ${name} hook failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    try {
      const result = hook(event);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  function headerFields(http: HTTPGraphQLHead): readonly HeaderField[] {
    const head = heads.get(http);
    if (head === undefined || head.merged === null) return [];
    head.fields ??= quotaHeaders(
      head.merged,
      head.client.options,
      policyFor(head.client, head.merged.limits),
    );
    return head.fields;
  }

  function record(http: HTTPGraphQLHead, decision: Decision, client: ResolvedClient): void {
    let head = heads.get(http);
    if (head === undefined) {
      head = { merged: null, fields: null, client: headerCache.client(client.key) };
      heads.set(http, head);
    }
    head.merged = head.merged === null ? decision : mergeDecisions([head.merged, decision]);
    head.fields = null;
  }

  function misconfigured(message: string): GraphQLError {
    logger.error(`graphql-quota: ${message}`);
    const code: QuotaPluginErrorCode = 'QUOTA_MISCONFIGURED';
    return refusal(code, QUOTA_ERROR_STATUS[code], 'The quota configuration for this client is invalid.', []);
  }

  async function resolveClient(requestContext: GraphQLRequestContext<TContext>): Promise<ResolvedClient> {
    const id = await identify(requestContext);
    if (id === null || id === undefined || id === '') {
      const key = anonymousKey(requestContext);
      const anonymousId = typeof key === 'string' && key !== '' ? key : DEFAULT_ANONYMOUS_KEY;
      return {
        id: anonymousId,
        anonymous: true,
        plan: anonymousPlanName,
        key: storeKey(anonymousId, true),
        planDefinition: anonymousPlan!,
      };
    }
    if (typeof id !== 'string') throw misconfigured(`identify returned a ${typeof id}, not a string or null`);
    const chosen = await planFor(id, requestContext);
    let plan: Plan;
    if (typeof chosen === 'string') {
      const named = plans.get(chosen);
      if (named === undefined)
        throw misconfigured(`planFor chose "${chosen}" for client "${id}", which is not one of the plans`);
      plan = named;
    } else {
      try {
        plan = definePlan(chosen);
      } catch (error) {
        throw misconfigured(`planFor returned an invalid plan for "${id}": ${(error as Error).message}`);
      }
    }
    return { id, anonymous: false, plan: plan.name, key: storeKey(id, false), planDefinition: plan };
  }

  function reject(
    state: OperationState,
    requestContext: GraphQLRequestContextDidResolveOperation<TContext>,
    event: Omit<QuotaRejectionEvent, 'mode' | 'dryRun' | 'operationName'>,
    describe: () => string,
    enforced: boolean = !dryRun,
  ): void {
    emit('onRejection', options.onRejection, {
      ...event,
      operationName: requestContext.operationName,
      mode,
      dryRun: !enforced,
    });
    const who = state.client === null ? 'unresolved client' : `client "${state.client.id}"`;
    logger.info(
      `graphql-quota: ${enforced ? 'refused' : 'dry-run, would refuse'} ${requestContext.operationName ?? 'unnamed operation'} ` +
        `of ${who}: ${event.code} (${describe()})`,
    );
  }

  /**
   * The operation's estimated cost. A cost analysis error refuses the operation (400, with the analyzer's
   * code) before any quota is touched; in a dry run it is logged and the operation goes on, charged the
   * estimate when the analysis produced one (over `maxCost`), uncharged (null) otherwise.
   */
  function priceOrRefuse(
    requestContext: GraphQLRequestContextDidResolveOperation<TContext>,
    state: OperationState,
    client: ResolvedClient,
  ): number | null {
    try {
      const report = analyzerFor(requestContext.schema).analyze(requestContext.document, {
        operationName: requestContext.request.operationName ?? null,
        variables: requestContext.request.variables ?? {},
      });
      state.report = report;
      state.cost = report.total;
      return report.total;
    } catch (error) {
      if (!(error instanceof CostError)) throw error;
      const estimated = error.extensions.cost;
      state.cost = typeof estimated === 'number' ? estimated : null;
      const code = typeof error.extensions.code === 'string' ? error.extensions.code : 'COST_ANALYSIS_FAILED';
      reject(
        state,
        requestContext,
        { client: publicClient(client), code, status: COST_ERROR_STATUS, cost: state.cost, decision: null },
        () => error.message,
      );
      if (dryRun) return state.cost;
      const { http: _replaced, ...extensions } = error.extensions;
      throw new GraphQLError(error.message, {
        originalError: error,
        extensions: { ...extensions, code, http: httpExtension(COST_ERROR_STATUS, []) },
      });
    }
  }

  async function admit(
    requestContext: GraphQLRequestContextDidResolveOperation<TContext>,
    state: OperationState,
  ): Promise<void> {
    // No operation matched `operationName` (or the document has several and none was named): Apollo answers
    // with an error without executing anything, so there is nothing to charge.
    if (requestContext.operation === undefined) return;
    const operationType = requestContext.operation.operation as OperationType;
    state.operationType = operationType;
    let client: ResolvedClient;
    try {
      client = await resolveClient(requestContext);
    } catch (error) {
      // A dry run refuses nothing, not even when the configuration is broken (the error is logged).
      if (dryRun && error instanceof GraphQLError && error.extensions['code'] === 'QUOTA_MISCONFIGURED')
        return;
      throw error;
    }
    state.client = client;

    const cost = priceOrRefuse(requestContext, state, client);
    if (cost === null) return;

    let decision: Decision;
    try {
      decision = await engine.decide({
        client: client.key,
        plan: client.planDefinition,
        cost,
        operation: operationType,
        // The engine's own bound, given here so that it need not copy the input to add it.
        timeoutMs: engine.timeoutMs,
      });
    } catch (error) {
      if (error instanceof QuotaValidationError)
        throw misconfigured(`the quota engine refused its input: ${error.message}`);
      throw error;
    }
    state.decision = decision;
    record(requestContext.response.http, decision, client);

    if (options.onDecision !== undefined) {
      emit('onDecision', options.onDecision, {
        client: publicClient(client),
        operationName: requestContext.operationName,
        operationType,
        cost,
        decision,
        mode,
      });
    }

    if (decision.allowed) {
      state.admitted = true;
      if (decision.source !== 'failure-mode')
        fireThresholds(client, decision.limits, cost, requestContext.operationName);
      return;
    }

    const code = refusalCode(decision);
    const status = QUOTA_ERROR_STATUS[code];
    const limit = decision.limits.find((l) => l.name === decision.refusedBy) ?? null;
    const details: QuotaErrorDetails = {
      plan: client.plan,
      limit: decision.refusedBy,
      cost,
      remaining: limit === null ? null : Math.max(0, Math.floor(limit.remaining)),
      retryAfterSeconds: code === 'QUOTA_CAPACITY_EXCEEDED' ? null : Math.ceil(decision.retryAfterSeconds),
    };
    const message = refusalMessage(code, details, limit);
    // The kill switch is an operator's explicit order, not a limit being rolled out: a dry run obeys it too.
    const enforced = !dryRun || code === 'CLIENT_BLOCKED';
    reject(
      state,
      requestContext,
      { client: publicClient(client), code, status, cost, decision },
      () => message,
      enforced,
    );
    if (enforced) {
      throw refusal(code, status, message, headerFields(requestContext.response.http), { quota: details });
    }
  }

  function fireThresholds(
    client: ResolvedClient,
    limits: readonly LimitStatus[],
    cost: number,
    operationName: string | null,
  ) {
    if (options.onThreshold === undefined) return;
    for (const limit of limits) {
      for (const threshold of crossedThresholds(limit, cost, thresholds)) {
        if (limit.kind === 'fixed-window') {
          const memo = `${client.key}\u0000${client.plan}\u0000${limit.name}\u0000${threshold}\u0000${limit.resetAtMs}`;
          if (thresholdsFired.has(memo)) continue;
          thresholdsFired.set(memo, true);
        }
        emit('onThreshold', options.onThreshold, {
          client: publicClient(client),
          limit,
          threshold,
          operationName,
        });
      }
    }
  }

  /**
   * Refunds the unused estimate and releases the concurrency slot, once per admitted operation, whichever
   * path ends it. `executed` is what is known of execution: the response's data (single result), `false`
   * when the operation never ran, `'unknown'` for an unexpected error or an incremental response.
   */
  async function settle(
    requestContext: GraphQLRequestContext<TContext>,
    state: OperationState,
    executed: { data: Record<string, unknown> | null } | false | 'unknown',
  ): Promise<void> {
    if (!state.admitted || state.settled) return;
    state.settled = true;
    const client = state.client!;
    const cost = state.cost!;
    const decision = state.decision!;
    // Only what the store charged is settled there. A failure-mode admission charged nothing anywhere, and a
    // fallback decision without a lease was charged in the fallback store: refunding either to the store
    // would credit points it never took (and wait on a store that just failed). Fallback leases are routed
    // to the fallback store by the engine.
    if (decision.source !== 'store' && decision.leaseId === null) return;
    let refund = 0;
    if (executed === false) {
      // Another plugin (or the pipeline) stopped the operation after admission: nothing ran, nothing is owed.
      refund = cost;
    } else if (executed !== 'unknown' && requestContext.document !== undefined) {
      try {
        const actual = analyzerFor(requestContext.schema).actualCost(requestContext.document, {
          operationName: requestContext.request.operationName ?? null,
          variables: requestContext.request.variables ?? {},
          data: executed.data,
        });
        state.actual = actual;
        // Never charged more after the fact than was admitted.
        refund = Math.max(0, cost - actual);
      } catch (error) {
        logger.warn(
          `graphql-quota: actual cost unavailable, the estimate stands: ${(error as Error).message}`,
        );
      }
    }
    // Nothing to give back and no slot to free: the store has nothing to do, so it is not asked (with Redis,
    // a round trip saved for plans without a concurrency limit whenever the estimate was exact).
    if (refund === 0 && decision.leaseId === null) return;
    try {
      await engine.settle({
        client: client.key,
        plan: client.planDefinition,
        operation: state.operationType!,
        refund,
        leaseId: decision.leaseId,
        decidedAtMs: decision.nowMs,
      });
    } catch (error) {
      logger.error(`graphql-quota: settle failed for client "${client.id}": ${(error as Error).message}`);
    }
  }

  function wantsCost(requestContext: GraphQLRequestContext<TContext>): boolean {
    if (exposeCost !== 'on-request') return exposeCost === 'always';
    const value = requestContext.request.http?.headers.get(costRequestHeader);
    return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
  }

  const plugin: QuotaPlugin<TContext> = {
    engine,

    serverWillStart({ logger: apolloLogger, schema }) {
      serverLogger = apolloLogger;
      // Reading the schema's annotations now makes a malformed annotation fail start-up, not a request.
      analyzerFor(schema);
      return Promise.resolve({
        schemaDidLoadOrUpdate({ apiSchema }) {
          analyzerFor(apiSchema);
        },
      });
    },

    requestDidStart(requestContext) {
      const state: OperationState = {
        client: null,
        operationType: null,
        report: null,
        cost: null,
        actual: null,
        decision: null,
        admitted: false,
        settled: false,
        executionStarted: false,
        admission: null,
      };
      operations.set(requestContext, state);
      return Promise.resolve({
        async didResolveOperation(context) {
          state.admission = admit(context, state);
          await state.admission;
        },
        executionDidStart() {
          state.executionStarted = true;
          return Promise.resolve();
        },
        async willSendResponse(context) {
          // Swallowed here: a refusal already reached the client through Apollo's error path.
          if (state.admission !== null) await state.admission.catch(() => undefined);
          const body = context.response.body;
          if (body.kind === 'single') {
            const data = body.singleResult.data;
            await settle(context, state, data === undefined ? false : { data });
          } else {
            await settle(context, state, 'unknown');
          }

          const http = context.response.http;
          const fields = headerFields(http);
          const headers = http.headers;
          for (const [name, value] of fields) headers.set(name, value);
          if (exposeHeaders && fields.length > 0) {
            const existing = headers.get('access-control-expose-headers');
            const exposed =
              existing === undefined
                ? exposedFor(heads.get(http)!.client, fields)
                : exposeHeadersValue(fields, existing);
            if (exposed !== null) headers.set('access-control-expose-headers', exposed);
          }

          if (body.kind === 'single' && state.cost !== null && wantsCost(context)) {
            body.singleResult.extensions = {
              ...body.singleResult.extensions,
              cost: costExtension(state.cost, state.actual, state.decision, headerOptions.headerLimit),
            };
          }
        },
      });
    },

    async unexpectedErrorProcessingRequest({ requestContext }) {
      const state = operations.get(requestContext);
      if (state === undefined) return;
      if (state.admission !== null) await state.admission.catch(() => undefined);
      await settle(requestContext, state, state.executionStarted ? 'unknown' : false);
    },

    block: (client, durationMs) => engine.block(storeKey(client, false), durationMs),
    unblock: (client) => engine.unblock(storeKey(client, false)),
    blockAnonymous: (durationMs, key = DEFAULT_ANONYMOUS_KEY) =>
      engine.block(storeKey(key, true), durationMs),
    unblockAnonymous: (key = DEFAULT_ANONYMOUS_KEY) => engine.unblock(storeKey(key, true)),
    blockEveryone: (durationMs) => engine.block(ALL_CLIENTS, durationMs),
    unblockEveryone: () => engine.unblock(ALL_CLIENTS),
  };
  return plugin;
}

function publicClient(client: ResolvedClient): QuotaClient {
  return { id: client.id, anonymous: client.anonymous, plan: client.plan };
}

function refusalCode(decision: Decision): Exclude<QuotaPluginErrorCode, 'QUOTA_MISCONFIGURED'> {
  switch (decision.reason) {
    case 'exceeds-capacity':
      return 'QUOTA_CAPACITY_EXCEEDED';
    case 'blocked':
      return 'CLIENT_BLOCKED';
    case 'store-unavailable':
      return 'QUOTA_STORE_UNAVAILABLE';
    default:
      return 'QUOTA_EXCEEDED';
  }
}

function refusalMessage(
  code: QuotaPluginErrorCode,
  details: QuotaErrorDetails,
  limit: LimitStatus | null,
): string {
  const unit = limit?.counts === 'requests' || limit?.kind === 'concurrency' ? 'requests' : 'points';
  const needs =
    limit?.kind === 'concurrency'
      ? 'an operation slot'
      : unit === 'requests'
        ? '1 request'
        : `${details.cost} points`;
  switch (code) {
    case 'QUOTA_EXCEEDED':
      return (
        `Quota exceeded: this operation needs ${needs} and limit "${details.limit}" of plan "${details.plan}" ` +
        `has ${details.remaining} ${unit} left. Retry in ${details.retryAfterSeconds} s.`
      );
    case 'QUOTA_CAPACITY_EXCEEDED':
      return (
        `This operation costs ${details.cost} points, more than limit "${details.limit}" of plan "${details.plan}" ` +
        `allows in total (${limit?.limit ?? '?'}); no wait will admit it. Request less, or move to a larger plan.`
      );
    case 'CLIENT_BLOCKED':
      return `This client is blocked. Retry in ${details.retryAfterSeconds} s.`;
    case 'QUOTA_STORE_UNAVAILABLE':
      return `The quota service is unavailable; operations are refused until it is back. Retry in ${details.retryAfterSeconds} s.`;
    default:
      return 'The quota configuration for this client is invalid.';
  }
}
