import { getOperationAST, type DocumentNode, type GraphQLSchema } from 'graphql';
import { CostError } from '../cost/index.js';
import { QuotaValidationError, type Decision, type OperationType } from '../quota/index.js';
import { isFreeQuotaOperation, type QuotaOperationEvent } from '../observability/index.js';
import { Misconfiguration, resolveClient, type ResolvedClient } from './clients.js';
import { costExtension as costExtensionOf, type CostExtension } from './costExtension.js';
import { chargeInvalidRequest, unknownApiKeyRefusal } from './invalidRequests.js';
import type { Lifecycle } from './QuotaLifecycle.js';
import type { QuotaResponse, ResponseQuota } from './QuotaResponse.js';
import {
  COST_REFUSAL_STATUS,
  MISCONFIGURED_MESSAGE,
  QUOTA_REFUSAL_STATUS,
  decisionRefusal,
  type QuotaRefusal,
} from './refusals.js';
import type { QuotaRequest } from './request.js';
import { rootFieldNames } from './rootFields.js';

/** What the lifecycle needs of one operation: what every GraphQL server knows once it has parsed it. */
export interface OperationInput<TContext = unknown> {
  readonly schema: GraphQLSchema;
  /** The parsed (and validated) document. */
  readonly document: DocumentNode;
  /** The operation name the request asked for; null or absent for the document's only operation. */
  readonly operationName?: string | null | undefined;
  /** The request's raw variable values. */
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
  readonly request: QuotaRequest<TContext>;
  /**
   * The operation's source text, for the decision log's document hash (and its opt-in redacted text).
   * Optional: without it (and without `documentHash`) the log writes no hash.
   */
  readonly query?: string | null | undefined;
  /** SHA-256 of the source text in hex, when the server computed it (Apollo Server's `queryHash`). */
  readonly documentHash?: string | null | undefined;
}

/** The operation may run. */
export interface QuotaAdmission {
  readonly allowed: true;
  /** The estimate charged, in points; null when nothing was charged (dry run, no operation, allowed by a failure mode). */
  readonly cost: number | null;
  /** The quota decision; null when none was taken. */
  readonly decision: Decision | null;
}

/**
 * What is known of the operation's execution when it is settled: the result's `data` (a single result;
 * null when execution failed as a whole; for an incremental, deferred or streamed, result: the data of every
 * part delivered, put together with `IncrementalData`), `'not-executed'` when it never ran (another plugin
 * refused it after admission), `'unknown'` after an unexpected error, or for a subscription.
 */
export type ExecutionOutcome = { readonly data: Record<string, unknown> | null } | 'not-executed' | 'unknown';

/**
 * The quota's part of one GraphQL operation: {@link admit} before execution, {@link settle} after it,
 * {@link costExtension} for the result. Create one per operation with `QuotaLifecycle.startOperation`.
 */
export interface QuotaOperation {
  /** The response this operation's headers and status go to (shared by a batch). */
  readonly response: QuotaResponse;
  /**
   * Identifies the client, chooses its plan, prices the operation and charges it. Resolves to a
   * {@link QuotaAdmission} (run it) or a {@link QuotaRefusal} (answer it, do not run it). Runs once: a
   * second call returns the first call's promise. Rejects with what `identify`, `planFor` or `anonymousKey`
   * threw (an `identify` may throw a `GraphQLError` on purpose) or on an unexpected error; the server
   * answers it as any error of its own hooks.
   */
  admit(): Promise<QuotaAdmission | QuotaRefusal>;
  /**
   * After the response is known: refunds the part of the estimate the result did not use and releases the
   * concurrency slot, once per admitted operation (later calls return the first call's promise; an operation
   * not admitted has nothing to settle). Waits for a pending {@link admit}. Never rejects: a store failure
   * is logged. `status` is the HTTP status the server answers with (default 200, or the refusal's), for
   * the observers: the decision log's record and the 5xx alert.
   */
  settle(outcome: ExecutionOutcome, status?: number): Promise<void>;
  /**
   * The `extensions.cost` block for the result, or null when it is not to be sent (the `exposeCost` option,
   * the request's cost header) or no cost is known. Call it after {@link settle} to include the actual cost.
   */
  costExtension(): CostExtension | null;
  /**
   * `result` with the {@link costExtension} block as `extensions.cost`, beside the extensions it already has;
   * `result` itself when there is none to send. A new object: `result` is left as it is. Every adapter adds
   * the block to a result this way (after {@link settle}, to include the actual cost).
   */
  withCostExtension<R extends CostCarrier>(result: R): R;
}

/** What {@link QuotaOperation.withCostExtension} takes: a GraphQL result, or any object with `extensions`. */
export interface CostCarrier {
  readonly extensions?: Readonly<Record<string, unknown>> | null | undefined;
}

/** The shared admission of an operation that is let through without a charge. */
const UNCHARGED: QuotaAdmission = { allowed: true, cost: null, decision: null };

/** The implementation, one per operation. */
export class OperationQuota<TContext> implements QuotaOperation {
  readonly #lifecycle: Lifecycle<TContext>;
  readonly #input: OperationInput<TContext>;
  readonly #response: ResponseQuota;
  #admission: Promise<QuotaAdmission | QuotaRefusal> | null = null;
  #settlement: Promise<void> | null = null;
  #client: ResolvedClient | null = null;
  #operationType: OperationType = 'query';
  /** The name of the operation run (the requested one, or the document's only one's). */
  #operationName: string | null = null;
  /** The root field names the operation selects, for scoped limits and exemptions. */
  #rootFields: readonly string[] = [];
  /** The estimated cost, once known (also from a refused analysis). */
  #cost: number | null = null;
  #actualCost: number | null = null;
  #decision: Decision | null = null;
  /** True once the decision admitted the operation (and committed its cost): it must be settled once. */
  #admitted = false;
  /** A refusal a dry run let through: what it would have been. */
  #wouldRefuse: { readonly code: string; readonly status: number } | null = null;
  /** True once the operation (its name and type) is known: only then is it an operation to observe. */
  #resolved = false;
  /** What the observers were told at the decision; null when there are none (or nothing was decided). */
  #event: QuotaOperationEvent | null = null;
  #startedMs = 0;
  /** True right after a store call of this operation (its decision, then its settlement) returned. */
  #storeCalled = false;
  /** When it was admitted (the lifecycle's clock), to learn how long this client's operations take. */
  #admittedAtMs = 0;

  constructor(lifecycle: Lifecycle<TContext>, input: OperationInput<TContext>, response: ResponseQuota) {
    this.#lifecycle = lifecycle;
    this.#input = input;
    this.#response = response;
  }

  get response(): QuotaResponse {
    return this.#response;
  }

  admit(): Promise<QuotaAdmission | QuotaRefusal> {
    this.#admission ??= this.#admit();
    return this.#admission;
  }

  settle(outcome: ExecutionOutcome, status?: number): Promise<void> {
    this.#settlement ??= this.#settle(outcome, status);
    return this.#settlement;
  }

  /** An admission's end: the observers are told of it here, not in a `then` (a promise per operation). */
  #decided(admission: QuotaAdmission | QuotaRefusal): QuotaAdmission | QuotaRefusal {
    if (admission.allowed) this.#response.admitted();
    if (this.#lifecycle.observer !== null) this.#observeDecision(admission);
    return admission;
  }

  /** Tells the observers of the decision (or of a refusal before one). */
  #observeDecision(admission: QuotaAdmission | QuotaRefusal): void {
    if (!this.#resolved) return;
    const refused = !admission.allowed;
    const would = this.#wouldRefuse;
    const input = this.#input;
    this.#startedMs = this.#storeCallEnd();
    this.#event = {
      timeMs: this.#decision?.nowMs ?? Math.floor(this.#lifecycle.clock()),
      client: this.#client?.public ?? null,
      operationName: this.#operationName,
      operationType: this.#operationType,
      query: input.query ?? null,
      documentHash: input.documentHash ?? null,
      variables: input.variables ?? null,
      estimatedCost: this.#cost,
      result: refused ? 'refused' : would !== null ? 'dry-run-refused' : 'allowed',
      code: refused ? admission.code : (would?.code ?? null),
      status: refused ? admission.status : (would?.status ?? 200),
      source: this.#decision?.source ?? 'none',
      decision: this.#decision,
      actualCost: null,
      durationMs: null,
    };
    this.#lifecycle.observer!.decided?.(this.#event);
  }

  /**
   * Now (`performance.now()`): the end of the store call just made, when the engine timed one for this
   * operation (its decision, or its settlement), else a new reading.
   */
  #storeCallEnd(): number {
    const engine = this.#lifecycle.engine;
    return this.#storeCalled && engine.lastStoreCallEndMs !== 0
      ? engine.lastStoreCallEndMs
      : performance.now();
  }

  /** Tells the observers the operation is over: its actual cost, duration and the response's status. */
  #observeSettlement(status: number | undefined): void {
    const event = this.#event;
    if (event === null) return;
    this.#event = null;
    event.actualCost = this.#actualCost;
    event.durationMs = this.#storeCallEnd() - this.#startedMs;
    if (status !== undefined && event.result !== 'refused') event.status = status;
    this.#lifecycle.observer!.settled?.(event);
  }

  costExtension(): CostExtension | null {
    if (this.#cost === null || !this.#lifecycle.wantsCost(this.#input.request)) return null;
    return costExtensionOf(
      this.#cost,
      this.#actualCost,
      this.#decision,
      this.#lifecycle.config.headerOptions.headerLimit,
    );
  }

  withCostExtension<R extends CostCarrier>(result: R): R {
    const cost = this.costExtension();
    return cost === null ? result : { ...result, extensions: { ...result.extensions, cost } };
  }

  async #admit(): Promise<QuotaAdmission | QuotaRefusal> {
    const lifecycle = this.#lifecycle;
    const { dryRun } = lifecycle.config;
    const input = this.#input;
    // No operation matches `operationName` (or the document has several and none was named): the server
    // answers with an error without executing anything, so there is nothing to charge.
    const operation = getOperationAST(input.document, input.operationName);
    if (operation === null || operation === undefined) return UNCHARGED;
    this.#operationType = operation.operation;
    this.#operationName = operation.name?.value || null;
    this.#resolved = true;
    this.#rootFields = rootFieldNames(input.document, operation);

    let client: ResolvedClient;
    try {
      client = await resolveClient(lifecycle.config, input.request);
    } catch (error) {
      if (!(error instanceof Misconfiguration)) throw error;
      // A dry run refuses nothing, not even when the configuration is broken (the error is logged).
      return this.#decided(this.#misconfigured(error.message, !dryRun));
    }
    this.#client = client;
    this.#response.varyBy(client.vary);
    lifecycle.remember(input.request.context, client);
    if (client.unknownApiKey === true) {
      const refusal = this.#unknownApiKey(client);
      if (refusal !== null) return this.#decided(refusal);
    }

    // Reading one's own quota is free: no price, no decision, nothing counted anywhere.
    const free = lifecycle.config.freeQuotaField;
    if (free !== null && isFreeQuotaOperation(input.document, operation, free)) {
      this.#cost = 0;
      return this.#decided(UNCHARGED);
    }

    const cost = this.#price(client);
    if (cost !== null && typeof cost !== 'number') return this.#decided(await this.#invalid(client, cost));
    if (cost === null) return this.#decided(UNCHARGED);

    let decision: Decision;
    try {
      decision = this.#exemptByOption(client)
        ? await this.#exemptDecision(client)
        : await lifecycle.engine.decide({
            client: client.key,
            plan: client.plan,
            cost,
            operation: this.#operationType,
            operationName: this.#operationName,
            rootFields: this.#rootFields,
            // The engine's own bound, given here so that it need not copy the input to add it.
            timeoutMs: lifecycle.engine.timeoutMs,
          });
    } catch (error) {
      if (error instanceof QuotaValidationError)
        return this.#decided(this.#misconfigured(`the quota engine refused its input: ${error.message}`));
      throw error;
    }
    this.#storeCalled = !decision.exempt;
    decision = this.#truthfulSlotRetry(client, decision);
    this.#decision = decision;
    this.#response.record(decision, client.key);
    lifecycle.decided(client, this.#operationName, this.#operationType, cost, decision);

    if (decision.allowed) {
      this.#admitted = true;
      this.#admittedAtMs = lifecycle.now();
      return this.#decided({ allowed: true, cost, decision });
    }
    return this.#decided(this.#refuse(client, cost, decision));
  }

  /**
   * A refusal by a concurrency cap says when a slot is likely to free (see `Lifecycle.slotRetrySeconds`), not
   * when the oldest lease would expire: leases are a crash guard, operations end long before.
   */
  #truthfulSlotRetry(client: ResolvedClient, decision: Decision): Decision {
    if (decision.allowed || decision.reason !== 'limit') return decision;
    const limit = decision.limits.find((l) => l.name === decision.refusedBy);
    if (limit === undefined || limit.kind !== 'concurrency') return decision;
    const seconds = this.#lifecycle.slotRetrySeconds(
      client.key,
      limit.resetAtMs,
      limit.windowMs,
      decision.nowMs,
    );
    return seconds >= decision.retryAfterSeconds ? decision : { ...decision, retryAfterSeconds: seconds };
  }

  /** Whether the `exempt` option exempts this operation (a plan's own `exempt` rules are the store's). */
  #exemptByOption(client: ResolvedClient): boolean {
    const exempt = this.#lifecycle.config.exempt;
    return (
      exempt !== null &&
      exempt({
        client: client.public,
        operationName: this.#operationName,
        operationType: this.#operationType,
        rootFields: this.#rootFields,
        request: this.#input.request,
      })
    );
  }

  /**
   * The decision of an operation the `exempt` option exempts: nothing is charged, and the client's usage is
   * read (not changed) so that the response still tells it where it stands, every limit marked as not
   * applying and the decision as `exempt`.
   */
  async #exemptDecision(client: ResolvedClient): Promise<Decision> {
    const usage = await this.#lifecycle.engine.peek(client.key, client.plan, this.#operationType);
    return {
      ...usage,
      allowed: true,
      reason: null,
      refusedBy: null,
      retryAfterSeconds: 0,
      leaseId: null,
      limits: usage.limits.map((l) => ({ ...l, applies: false, firstInWindow: false })),
      exempt: true,
    };
  }

  /**
   * The operation's estimated cost. A cost analysis error refuses the operation (400, with the analyzer's
   * code) before any quota is touched; in a dry run it is logged and the operation goes on, charged the
   * estimate when the analysis produced one (over `maxCost`), uncharged (null) otherwise.
   */
  #price(client: ResolvedClient): number | QuotaRefusal | null {
    const lifecycle = this.#lifecycle;
    const input = this.#input;
    try {
      const report = lifecycle.analyzerFor(input.schema).analyze(input.document, {
        operationName: input.operationName ?? null,
        variables: input.variables ?? {},
      });
      // What is charged is the report's points: its total under the analyzer's points scale, if any.
      const points = report.points ?? report.total;
      this.#cost = points;
      return points;
    } catch (error) {
      if (!(error instanceof CostError)) throw error;
      const estimated = error.extensions.cost;
      this.#cost = typeof estimated === 'number' ? estimated : null;
      const code = typeof error.extensions.code === 'string' ? error.extensions.code : 'COST_ANALYSIS_FAILED';
      const status = COST_REFUSAL_STATUS;
      if (lifecycle.config.dryRun) {
        lifecycle.rejected(
          { client: client.public, code, status, cost: this.#cost, decision: null },
          this.#operationName,
          false,
          error.message,
        );
        this.#wouldRefuse = { code, status };
        return this.#cost;
      }
      // Told to onRejection by #invalid, once it knows which refusal stands (this one or the quota's).
      const { http: _transport, ...extensions } = error.extensions;
      return this.#refusal(status, code, error.message, [], { ...extensions, code }, error);
    }
  }

  /**
   * An operation the cost analysis refused is an invalid request (the `countInvalidRequests` option): it
   * counts against the unscoped request-counting limits. Their refusal, once one is exhausted, replaces the
   * cost refusal; otherwise the cost refusal stands, with the quota headers of that count. Either way the
   * refusal that stands, and only it, is told to `onRejection`: one refusal, one event.
   */
  async #invalid(client: ResolvedClient, refusal: QuotaRefusal): Promise<QuotaRefusal> {
    const lifecycle = this.#lifecycle;
    const quota = lifecycle.config.countInvalidRequests
      ? await chargeInvalidRequest(lifecycle, client, this.#response, this.#operationName, true)
      : null;
    if (quota !== null) return quota;
    const { code, status, message } = refusal;
    lifecycle.rejected(
      { client: client.public, code, status, cost: this.#cost, decision: null },
      this.#operationName,
      true,
      message,
    );
    return lifecycle.config.countInvalidRequests
      ? { ...refusal, headers: this.#response.headers() }
      : refusal;
  }

  #refuse(client: ResolvedClient, cost: number, decision: Decision): QuotaAdmission | QuotaRefusal {
    const { code, status, details, message } = decisionRefusal(client.plan.name, cost, decision);
    // The kill switch is an operator's explicit order, not a limit being rolled out: a dry run obeys it too.
    const enforced = !this.#lifecycle.config.dryRun || code === 'CLIENT_BLOCKED';
    this.#lifecycle.rejected(
      { client: client.public, code, status, cost, decision },
      this.#operationName,
      enforced,
      message,
    );
    if (!enforced) {
      this.#wouldRefuse = { code, status };
      return UNCHARGED;
    }
    return this.#refusal(status, code, message, this.#response.headers(), { quota: details, code }, null);
  }

  /**
   * A request with an API key `identify` does not know: refused with 401 `UNKNOWN_API_KEY` when the
   * `unknownApiKey` option says so (and the mode enforces), else served as anonymous and told so.
   */
  #unknownApiKey(client: ResolvedClient): QuotaRefusal | null {
    const refusal = unknownApiKeyRefusal(this.#lifecycle, client, this.#response, this.#operationName);
    if (refusal === null && this.#lifecycle.config.unknownApiKey === 'refuse')
      this.#wouldRefuse = { code: 'UNKNOWN_API_KEY', status: QUOTA_REFUSAL_STATUS.UNKNOWN_API_KEY };
    return refusal;
  }

  /**
   * Logs a configuration error and tells `onRejection`, as every refusal; refuses the operation with 500
   * `QUOTA_MISCONFIGURED` when `enforced`.
   */
  #misconfigured(message: string, enforced = true): QuotaAdmission | QuotaRefusal {
    const lifecycle = this.#lifecycle;
    lifecycle.logger.error(`graphql-quota: ${message}`);
    const code = 'QUOTA_MISCONFIGURED';
    const status = QUOTA_REFUSAL_STATUS[code];
    const event = { client: this.#client?.public ?? null, code, status, cost: this.#cost, decision: null };
    lifecycle.rejected(event, this.#operationName, enforced, MISCONFIGURED_MESSAGE);
    if (!enforced) {
      this.#wouldRefuse = { code, status };
      return UNCHARGED;
    }
    return this.#refusal(status, code, MISCONFIGURED_MESSAGE, [], { code }, null);
  }

  #refusal(
    status: number,
    code: string,
    message: string,
    headers: QuotaRefusal['headers'],
    extensions: QuotaRefusal['extensions'],
    cause: Error | null,
  ): QuotaRefusal {
    this.#response.refused(status);
    return { allowed: false, status, code, message, headers, extensions, cause };
  }

  /**
   * Settles with the store, then tells the observers (in `finally`, whatever happened, and without a promise
   * of its own: a `then` per operation was a measurable share of the metrics' cost per decision).
   */
  async #settle(outcome: ExecutionOutcome, status: number | undefined): Promise<void> {
    this.#storeCalled = false;
    try {
      // The admission may still be running: a server can end a request while another plugin's hook failed.
      // Its failure reached the client through the admission's own path.
      if (this.#admission !== null) await this.#admission.catch(() => undefined);
      if (!this.#admitted) return;
      const decision = this.#decision!;
      // Only what the store charged is settled there. A failure-mode admission charged nothing anywhere, and a
      // fallback decision without a lease was charged in the fallback store: refunding either to the store
      // would credit points it never took (and wait on a store that just failed). Fallback leases are routed
      // to the fallback store by the engine.
      // The actual cost is still worked out for observers (cost.actual, the decision log).
      const storeless = decision.source !== 'store' && decision.leaseId === null;
      const lifecycle = this.#lifecycle;
      if (outcome !== 'not-executed')
        lifecycle.observeDuration(this.#client!.key, lifecycle.now() - this.#admittedAtMs);
      if (storeless && lifecycle.observer === null) return;
      const cost = this.#cost!;
      let refund = 0;
      if (outcome === 'not-executed') {
        // Something stopped the operation after admission: nothing ran, nothing is owed.
        refund = cost;
      } else if (outcome !== 'unknown') {
        const input = this.#input;
        try {
          const actual = lifecycle.analyzerFor(input.schema).actualCost(input.document, {
            operationName: input.operationName ?? null,
            variables: input.variables ?? {},
            data: outcome.data,
          });
          this.#actualCost = actual;
          // Never charged more after the fact than was admitted.
          refund = Math.max(0, cost - actual);
        } catch (error) {
          lifecycle.logger.warn(
            `graphql-quota: actual cost unavailable, the estimate stands: ${(error as Error).message}`,
          );
        }
      }
      // Nothing to give back and no slot to free: the store has nothing to do, so it is not asked (with Redis,
      // a round trip saved for plans without a concurrency limit whenever the estimate was exact).
      if (storeless || (refund === 0 && decision.leaseId === null)) return;
      const client = this.#client!;
      try {
        await lifecycle.engine.settle({
          client: client.key,
          plan: client.plan,
          operation: this.#operationType,
          operationName: this.#operationName,
          rootFields: this.#rootFields,
          refund,
          leaseId: decision.leaseId,
          decidedAtMs: decision.nowMs,
        });
        this.#storeCalled = true;
      } catch (error) {
        lifecycle.logger.error(
          `graphql-quota: settle failed for client "${client.public.id}": ${(error as Error).message}`,
        );
      }
    } finally {
      if (this.#lifecycle.observer !== null) this.#observeSettlement(status);
    }
  }
}
