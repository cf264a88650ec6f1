import type { GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import { CostAnalyzer } from '../cost/index.js';
import { ALL_CLIENTS, type Decision, type OperationType, type QuotaLogger } from '../quota/index.js';
import { QuotaEngine } from '../engine/index.js';
import {
  readQuota,
  type KillSwitchScope,
  type QuotaCaller,
  type QuotaObserver,
  type QuotaState,
} from '../observability/index.js';
import { Misconfiguration, resolveClient, storeKey, type ResolvedClient } from './clients.js';
import { chargeInvalidRequest } from './invalidRequests.js';
import type { QuotaRefusal } from './refusals.js';
import { resolveConfig, type LifecycleConfig } from './config.js';
import { HeaderCache } from './headerCache.js';
import {
  DEFAULT_ANONYMOUS_KEY,
  type QuotaMode,
  type QuotaClient,
  type QuotaOptions,
  type QuotaRejectionEvent,
} from './options.js';
import { OperationQuota, type OperationInput, type QuotaOperation } from './QuotaOperation.js';
import { ResponseQuota, type QuotaResponse } from './QuotaResponse.js';
import type { QuotaRequest } from './request.js';
import { crossedThresholds } from './thresholds.js';

/**
 * The kill switch and the engine, as the lifecycle and every adapter (`QuotaPlugin`...) carry them. The
 * functions may be called detached from their object.
 */
export interface QuotaKillSwitch {
  /** The engine behind the lifecycle (for `peek`, dashboards, scripts). */
  readonly engine: QuotaEngine;
  /**
   * Blocks an identified client (the id `identify` returns) for `durationMs` milliseconds on every
   * instance sharing the store: its operations get 403 `CLIENT_BLOCKED`, also in a dry run. Resolves to
   * false (and logs) when the store could not record it.
   */
  readonly block: (client: string, durationMs: number) => Promise<boolean>;
  /** Lifts {@link block}. */
  readonly unblock: (client: string) => Promise<boolean>;
  /** Blocks an anonymous quota key (default: the shared anonymous quota, `DEFAULT_ANONYMOUS_KEY`). */
  readonly blockAnonymous: (durationMs: number, key?: string) => Promise<boolean>;
  /** Lifts {@link blockAnonymous}. */
  readonly unblockAnonymous: (key?: string) => Promise<boolean>;
  /** Blocks every client, identified or not, for `durationMs` milliseconds. */
  readonly blockEveryone: (durationMs: number) => Promise<boolean>;
  /** Lifts {@link blockEveryone} (blocks of single clients stay). */
  readonly unblockEveryone: () => Promise<boolean>;
}

/**
 * What every server adapter hands back besides its hooks (Apollo's `QuotaPlugin`, Envelop's `useQuota`,
 * Mercurius's plugin): the engine, the kill switch, the mode, and the caller's own quota. Its functions may be
 * called detached from their object.
 */
export type QuotaHandle<TContext = unknown> = Pick<
  QuotaLifecycle<TContext>,
  keyof QuotaKillSwitch | 'mode' | 'callerOf' | 'readQuota' | 'identifyRequest' | 'readClientQuota'
>;

/** The {@link QuotaHandle} of a lifecycle: a plain object an adapter spreads into (or assigns onto) its own. */
export function quotaHandle<TContext>(lifecycle: QuotaLifecycle<TContext>): QuotaHandle<TContext> {
  const { engine, block, unblock, blockAnonymous, unblockAnonymous, blockEveryone, unblockEveryone } =
    lifecycle;
  const { mode, callerOf, readQuota, identifyRequest, readClientQuota } = lifecycle;
  return {
    ...{ engine, block, unblock, blockAnonymous, unblockAnonymous, blockEveryone, unblockEveryone },
    ...{ mode, callerOf, readQuota, identifyRequest, readClientQuota },
  };
}

/**
 * One quota policy for every request of a server, whatever the server: identify → plan → price → admit →
 * (the server executes) → settle → response status, headers, errors and `extensions`. Server adapters
 * (`quotaPlugin` for Apollo Server...) are glue around it: per HTTP response they call
 * {@link startResponse}, per operation {@link startOperation}, then `admit`, `settle` and the response's
 * `writeHeaders`. Carries the kill switch.
 */
export interface QuotaLifecycle<TContext = unknown> extends QuotaKillSwitch {
  /** `'enforce'` or `'dry-run'`, as configured. */
  readonly mode: QuotaMode;
  /**
   * Reads a schema's cost annotations now, so that a malformed annotation fails the server's start-up rather
   * than a request (throws the analyzer's `CostError`, code `INVALID_COST_DIRECTIVE`). Optional: a schema is
   * read at its first operation otherwise. Call it again when the schema changes.
   */
  loadSchema(schema: GraphQLSchema): void;
  /** The server's logger, used when the `logger` option is absent (until then, `console`). */
  useServerLogger(logger: QuotaLogger): void;
  /** The quota's part of a new HTTP response: one per response, shared by a batch's operations. */
  startResponse(): QuotaResponse;
  /**
   * The quota's part of one operation, once the server has parsed and validated it. `response` is the
   * operation's HTTP response (shared by a batch's operations); a new one when absent.
   */
  startOperation(input: OperationInput<TContext>, response?: QuotaResponse): QuotaOperation;
  /**
   * Counts a request the server refused before admission (a document that did not parse or validate) when
   * the `countInvalidRequests` option is on (the default): one request against each unscoped
   * request-counting limit of the client's plan, recorded on `response` so that it carries the quota
   * headers (`response.writeHeaders`). Resolves to a {@link QuotaRefusal} when the quota refuses the request
   * (such a limit has nothing left, or the client is blocked): answer it, with its status, instead of the
   * server's error. Null when the server's own error stands (the option is off, the client could not be
   * resolved, the store failed, a dry run). `response` must come from {@link startResponse} (else
   * `TypeError`). Rejects with what `identify`, `planFor` or `anonymousKey` threw. `operationName` is what
   * the request asked for, for `onDecision` and the logs.
   */
  chargeInvalidRequest(
    request: QuotaRequest<TContext>,
    response: QuotaResponse,
    operationName?: string | null,
  ): Promise<QuotaRefusal | null>;
  /**
   * The caller of the request whose context this is, as the lifecycle identified it when it admitted one
   * of its operations; null when it has not (the context belongs to no request it saw, or is not an
   * object). What `quotaResolvers` needs to answer the `quota` field for the caller and no one else.
   */
  readonly callerOf: (context: unknown) => QuotaCaller | null;
  /**
   * The quota state of the request's own client (identified as for an operation: `identify`, `planFor`),
   * read with the engine's `peek`: nothing is charged. For an HTTP route such as GitHub's `GET /rate_limit`.
   * Rejects with a `QuotaValidationError` (`QUOTA_MISCONFIGURED` cases: `identify` or `planFor` gave
   * something unusable).
   */
  readonly readQuota: (request: QuotaRequest<TContext>) => Promise<QuotaState>;
  /**
   * Who the request's client is, identified as for an operation (`identify`, `planFor`, the anonymous key),
   * without reading the store: its public description and its caller (store key and plan). For HTTP routes
   * that serve a client its own data (the usage dashboard). Rejects with an `Error` when `identify` or
   * `planFor` gave something unusable (an operation would be refused with `QUOTA_MISCONFIGURED`), or with
   * what `identify` threw.
   */
  readonly identifyRequest: (
    request: QuotaRequest<TContext>,
  ) => Promise<{ readonly client: QuotaClient; readonly caller: QuotaCaller }>;
  /**
   * The quota state of any client, by id and plan name (as the observers report them), read with the
   * engine's `peek`: nothing is charged. For operators only (the dashboard's operator view): never expose it
   * to a client. Resolves to null when `plan` is not one of the plans.
   */
  readonly readClientQuota: (
    client: { readonly id: string; readonly anonymous: boolean },
    plan: string,
  ) => Promise<QuotaState | null>;
}

/**
 * Creates the request lifecycle from its options, validating every one of them now: a bad option throws a
 * `QuotaValidationError` (code `QUOTA_INVALID_OPTION`, or `QUOTA_INVALID_PLAN` for a malformed plan), never
 * a request.
 */
export function createQuotaLifecycle<TContext = unknown>(
  options: QuotaOptions<TContext>,
): QuotaLifecycle<TContext> {
  return new Lifecycle(options);
}

/** Limits of the `onThreshold` once-per-window memory. */
const THRESHOLD_MEMORY = 10_000;

/** The implementation; its operations reach its configuration, engine and hooks. */
export class Lifecycle<TContext> implements QuotaLifecycle<TContext> {
  readonly config: LifecycleConfig<TContext>;
  readonly engine: QuotaEngine;
  readonly logger: QuotaLogger;
  readonly #options: QuotaOptions<TContext>;
  #serverLogger: QuotaLogger | null = null;
  /** Analyzers read the schema's directives once; keyed by schema so a gateway's schema update gets its own. */
  readonly #analyzers = new WeakMap<GraphQLSchema, CostAnalyzer>();
  readonly #headerCache: HeaderCache;
  readonly #clientHeaders: (key: string) => ReturnType<HeaderCache['client']>;
  readonly #thresholdsFired = new LRUCache<string, true>({ max: THRESHOLD_MEMORY });
  /** The observers as one; null when there is none. */
  readonly observer: QuotaObserver | null;
  readonly clock: () => number;
  /** The client each request context was resolved to (contexts are per request; entries go with them). */
  readonly #callers = new WeakMap<object, ResolvedClient>();
  /** Per client key: how long its admitted operations take, in ms (a moving average), for concurrency refusals. */
  readonly #durations = new LRUCache<string, number>({ max: THRESHOLD_MEMORY });
  /** The time source of durations (the `clock` option), Unix epoch ms. */
  readonly now: () => number;
  /** The request headers every response depends on (`Vary`): the cost request header, when it decides. */
  readonly #vary: readonly string[];

  constructor(options: QuotaOptions<TContext>) {
    this.config = resolveConfig(options, (error) =>
      this.logger.error(
        `graphql-quota: an observer failed: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
    this.observer = this.config.observer;
    this.clock = options.clock ?? Date.now;
    this.#options = options;
    // The server's logger may be known only once it starts; the engine is built now, so it logs through this.
    const current = (): QuotaLogger => options.logger ?? this.#serverLogger ?? console;
    this.logger = {
      debug: (m) => current().debug(m),
      info: (m) => current().info(m),
      warn: (m) => current().warn(m),
      error: (m) => current().error(m),
    };
    this.engine = new QuotaEngine({
      store: options.store,
      logger: this.logger,
      ...(options.storeTimeoutMs !== undefined ? { timeoutMs: options.storeTimeoutMs } : {}),
      ...(options.onStoreFailure !== undefined ? { onStoreFailure: options.onStoreFailure } : {}),
      ...(options.fallbackStore !== undefined ? { fallbackStore: options.fallbackStore } : {}),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      ...(this.observer?.storeCall !== undefined ? { onStoreCall: this.observer.storeCall } : {}),
    });
    this.#headerCache = new HeaderCache(this.config.headerOptions, this.config.partitionKeySecret);
    this.#clientHeaders = (key) => this.#headerCache.client(key);
    this.now = options.clock ?? Date.now;
    this.#vary = this.config.exposeCost === 'on-request' ? [this.config.costRequestHeader] : [];
  }

  /** Records how long an admitted operation of `client` took, from admission to settlement. */
  observeDuration(client: string, ms: number): void {
    const previous = this.#durations.get(client);
    // An exponential moving average (weight 1/4): a few operations move it, one outlier does not own it.
    this.#durations.set(client, previous === undefined ? ms : previous + (ms - previous) / 4);
  }

  /**
   * When a concurrency slot of `client` is likely to free, in whole seconds (at least 1): the oldest operation
   * in flight started a lease ago of `leaseMs` before its expiry `earliestExpiryMs`, and operations of this
   * client take about their observed average, so it should end then; never later than the lease's expiry.
   * With no operation observed yet, 1 s: a retry that comes too early costs one cheap refusal, while the lease
   * length (a minute by default) would make an obedient client wait far longer than the slot stays taken.
   */
  slotRetrySeconds(client: string, earliestExpiryMs: number, leaseMs: number, nowMs: number): number {
    const typical = this.#durations.get(client);
    if (typical === undefined) return 1;
    const expectedEnd = Math.min(earliestExpiryMs, earliestExpiryMs - leaseMs + typical);
    return Math.max(1, Math.ceil((expectedEnd - nowMs) / 1000));
  }

  get mode(): QuotaMode {
    return this.config.mode;
  }

  loadSchema(schema: GraphQLSchema): void {
    this.analyzerFor(schema);
  }

  useServerLogger(logger: QuotaLogger): void {
    this.#serverLogger = logger;
  }

  startResponse(): ResponseQuota {
    return new ResponseQuota(this.config.exposeHeaders, this.#clientHeaders, this.#vary);
  }

  startOperation(input: OperationInput<TContext>, response?: QuotaResponse): QuotaOperation {
    if (response !== undefined && !(response instanceof ResponseQuota))
      throw new TypeError('startOperation: response must come from this package (startResponse())');
    return new OperationQuota(this, input, response ?? this.startResponse());
  }

  async chargeInvalidRequest(
    request: QuotaRequest<TContext>,
    response: QuotaResponse,
    operationName?: string | null,
  ): Promise<QuotaRefusal | null> {
    if (!(response instanceof ResponseQuota))
      throw new TypeError('chargeInvalidRequest: response must come from this package (startResponse())');
    if (!this.config.countInvalidRequests) return null;
    let client: ResolvedClient;
    try {
      client = await resolveClient(this.config, request);
    } catch (error) {
      if (!(error instanceof Misconfiguration)) throw error;
      this.logger.error(`graphql-quota: ${error.message}`);
      return null;
    }
    return chargeInvalidRequest(this, client, response, operationName ?? null);
  }

  analyzerFor(schema: GraphQLSchema): CostAnalyzer {
    let analyzer = this.#analyzers.get(schema);
    if (analyzer === undefined) {
      analyzer = new CostAnalyzer(schema, this.config.costOptions);
      this.#analyzers.set(schema, analyzer);
    }
    return analyzer;
  }

  /** Whether the request gets `extensions.cost`: `exposeCost`, and for `'on-request'` the request header. */
  wantsCost(request: QuotaRequest<TContext>): boolean {
    const { exposeCost } = this.config;
    if (exposeCost !== 'on-request') return exposeCost === 'always';
    const value = request.headers.get(this.config.costRequestHeader);
    return (
      value !== undefined &&
      value !== null &&
      value !== '' &&
      value !== '0' &&
      value.toLowerCase() !== 'false'
    );
  }

  /** After a decision: `onDecision`, and `onThreshold` for the thresholds an admitted operation crossed. */
  decided(
    client: ResolvedClient,
    operationName: string | null,
    operationType: OperationType,
    cost: number,
    decision: Decision,
  ): void {
    const options = this.#options;
    if (options.onDecision !== undefined) {
      this.#emit('onDecision', options.onDecision, {
        client: client.public,
        operationName,
        operationType,
        cost,
        decision,
        mode: this.config.mode,
      });
    }
    const observed = this.observer?.thresholdCrossed;
    if (!decision.allowed || decision.source === 'failure-mode') return;
    if (options.onThreshold === undefined && observed === undefined) return;
    for (const limit of decision.limits) {
      for (const threshold of crossedThresholds(limit, cost, this.config.usageThresholds)) {
        if (limit.kind === 'fixed-window') {
          const memo = `${client.key}\u0000${client.plan.name}\u0000${limit.name}\u0000${threshold}\u0000${limit.resetAtMs}`;
          if (this.#thresholdsFired.has(memo)) continue;
          this.#thresholdsFired.set(memo, true);
        }
        this.#emit('onThreshold', options.onThreshold, {
          client: client.public,
          limit,
          threshold,
          operationName,
        });
        observed?.({ client: client.public, limit: limit.name, threshold });
      }
    }
  }

  /** A refusal (or, when not `enforced`, one a dry run lets through): `onRejection` and a log line. */
  rejected(
    event: Omit<QuotaRejectionEvent, 'mode' | 'dryRun' | 'operationName'>,
    operationName: string | null,
    enforced: boolean,
    description: string,
    /** Whether the store's decision recorded this refusal in the usage history (a decision taken with
     * `record: false`, the invalid-request count's, did not). Default: whether a decision was taken. */
    recorded = event.decision !== null,
  ): void {
    this.#emit('onRejection', this.#options.onRejection, {
      ...event,
      operationName,
      mode: this.config.mode,
      dryRun: !enforced,
    });
    // A refusal no decision recorded reaches a store's usage history only through this.
    const { client } = event;
    if (enforced && !recorded && client !== null)
      this.engine.store.recordRefusal?.(
        storeKey(client.id, client.anonymous),
        client.plan,
        operationName,
        event.code,
      );
    const who = event.client === null ? 'unresolved client' : `client "${event.client.id}"`;
    this.logger.info(
      `graphql-quota: ${enforced ? 'refused' : 'dry-run, would refuse'} ${operationName ?? 'unnamed operation'} ` +
        `of ${who}: ${event.code} (${description})`,
    );
  }

  /** Calls a hook without letting it fail or delay the request. */
  #emit<E>(name: string, hook: ((event: E) => void | Promise<void>) | undefined, event: E): void {
    if (hook === undefined) return;
    const fail = (error: unknown) =>
      this.logger.error(
        `graphql-quota: ${name} hook failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    try {
      const result = hook(event);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  /** Remembers who a request context's client is, for {@link callerOf}. */
  remember(context: unknown, client: ResolvedClient): void {
    if (typeof context === 'object' && context !== null) this.#callers.set(context, client);
  }

  readonly callerOf = (context: unknown): QuotaCaller | null => {
    if (typeof context !== 'object' || context === null) return null;
    const client = this.#callers.get(context);
    return client === undefined ? null : { key: client.key, plan: client.plan };
  };

  readonly readQuota = async (request: QuotaRequest<TContext>): Promise<QuotaState> => {
    const client = await resolveClient(this.config, request);
    return readQuota(this.engine, { key: client.key, plan: client.plan });
  };

  readonly identifyRequest = async (
    request: QuotaRequest<TContext>,
  ): Promise<{ client: QuotaClient; caller: QuotaCaller }> => {
    const client = await resolveClient(this.config, request);
    return { client: client.public, caller: { key: client.key, plan: client.plan } };
  };

  readonly readClientQuota = async (
    client: { readonly id: string; readonly anonymous: boolean },
    plan: string,
  ): Promise<QuotaState | null> => {
    const chosen = this.config.plans.get(plan);
    if (chosen === undefined) return null;
    return readQuota(this.engine, { key: storeKey(client.id, client.anonymous), plan: chosen });
  };

  /** A kill-switch order, told to the observers once the store has answered. */
  async #killSwitch(
    action: 'block' | 'unblock',
    scope: KillSwitchScope,
    durationMs: number | null,
    order: Promise<boolean>,
  ): Promise<boolean> {
    const recorded = await order;
    this.observer?.killSwitch?.({ action, scope, durationMs, timeMs: this.clock(), recorded });
    return recorded;
  }

  // Properties, not methods, so that an adapter can hand them on as they are.
  readonly block = (client: string, durationMs: number): Promise<boolean> =>
    this.#killSwitch('block', 'client', durationMs, this.engine.block(storeKey(client, false), durationMs));
  readonly unblock = (client: string): Promise<boolean> =>
    this.#killSwitch('unblock', 'client', null, this.engine.unblock(storeKey(client, false)));
  readonly blockAnonymous = (durationMs: number, key: string = DEFAULT_ANONYMOUS_KEY): Promise<boolean> =>
    this.#killSwitch('block', 'anonymous', durationMs, this.engine.block(storeKey(key, true), durationMs));
  readonly unblockAnonymous = (key: string = DEFAULT_ANONYMOUS_KEY): Promise<boolean> =>
    this.#killSwitch('unblock', 'anonymous', null, this.engine.unblock(storeKey(key, true)));
  readonly blockEveryone = (durationMs: number): Promise<boolean> =>
    this.#killSwitch('block', 'everyone', durationMs, this.engine.block(ALL_CLIENTS, durationMs));
  readonly unblockEveryone = (): Promise<boolean> =>
    this.#killSwitch('unblock', 'everyone', null, this.engine.unblock(ALL_CLIENTS));
}
