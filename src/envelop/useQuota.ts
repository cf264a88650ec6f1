import { GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { OnExecuteDoneHookResultOnNextHookPayload } from '@envelop/core';
import type { GraphQLParams, Plugin, YogaInitialContext } from 'graphql-yoga';
import {
  NO_HEADERS,
  createQuotaLifecycle,
  type ExecutionOutcome,
  IncrementalData,
  type IncrementalPayload,
  quotaHandle,
  type QuotaHandle,
  type QuotaOperation,
  type QuotaOptions,
  type QuotaRefusal,
  type QuotaResponse,
} from '../lifecycle/index.js';

/**
 * The Envelop (GraphQL Yoga) plugin, with the kill switch and the caller's own quota (`callerOf`,
 * `readQuota`, as the lifecycle defines them). Put it in `plugins`; keep it to call `block`.
 */
export type QuotaEnvelopPlugin<TContext extends object = object> = Plugin<TContext> & QuotaHandle<TContext>;

/**
 * The options of {@link useQuota}: the lifecycle's `QuotaOptions`, the same as Apollo's `quotaPlugin` takes.
 * `identify`, `planFor` and `anonymousKey` receive `{ headers, context }`: the request's Fetch API `Headers`
 * and Yoga's context (`YogaInitialContext` with what the server's `context` factory added).
 */
export type UseQuotaOptions<TContext extends object = YogaInitialContext> = QuotaOptions<TContext>;

/** What an execution gives: a result, or the stream of an incremental (`@defer` / `@stream`) one. */
type ExecuteResult = ExecutionResult | AsyncIterable<ExecutionResult>;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * A refusal as Yoga sends it. Yoga takes the status and headers of a result's errors from
 * `extensions.http` (`getResponseInitByRespectingErrors`: `status`, and `headers` as a plain object), and
 * strips `http` from the body.
 */
function refusalError(refusal: QuotaRefusal): GraphQLError {
  return new GraphQLError(refusal.message, {
    ...(refusal.cause !== null ? { originalError: refusal.cause } : {}),
    extensions: {
      ...refusal.extensions,
      http: { status: refusal.status, headers: Object.fromEntries(refusal.headers) },
    },
  });
}

/** A refused operation's result: its error, and `extensions.cost` when requested. */
function refusalResult(refusal: QuotaRefusal, operation: QuotaOperation): ExecutionResult {
  return operation.withCostExtension<ExecutionResult>({ errors: [refusalError(refusal)] });
}

/** What is known of execution from a single result: `data` undefined means it never ran. */
function outcomeOf(result: ExecutionResult): ExecutionOutcome {
  return result.data === undefined ? 'not-executed' : { data: result.data };
}

/**
 * Quotas for GraphQL Yoga 5 (and Hive Gateway, and any Envelop server): glue between Envelop's hooks and
 * the quota lifecycle (`createQuotaLifecycle`), which prices each operation, charges its client's quota
 * before execution, refunds what the result did not use, and gives the quota headers. Takes the same options
 * as Apollo's `quotaPlugin`, validated here: a misconfiguration throws at start-up, never at a request.
 *
 * - Admission in `onExecute` / `onSubscribe`; a refusal is the operation's result, with its status (429 and
 *   an integer `Retry-After`, 400, 403, 500, 503) in `extensions.http`, where Yoga reads it.
 * - Settlement (refund, concurrency slot release) once per admitted operation: when a single result is
 *   known, when an incremental (`@defer` / `@stream`) or subscription stream ends, however it ends (the
 *   client going away included), and when execution throws.
 * - The quota headers (`X-Rate-Limit-*`, `RateLimit`, `RateLimit-Policy`, `Retry-After`) and
 *   `Access-Control-Expose-Headers`, merged into the response's own, in Yoga's `onResponse`; a batch's
 *   operations share one response, whose status is the largest refusal status of its operations.
 * - `extensions.cost` on single results, per `exposeCost`.
 *
 * Without Yoga (Envelop alone) there is no HTTP response to write: refusals still carry their status and
 * headers in `extensions.http` for the server to send.
 *
 * ```ts
 * const quota = useQuota({ store: new MemoryStore(), plans, identify: identifyByApiKey(keys) });
 * const yoga = createYoga({ schema, plugins: [quota] });
 * await quota.block('client-42', 10 * 60_000);
 * ```
 */
export function useQuota<TContext extends object = YogaInitialContext>(
  options: UseQuotaOptions<TContext>,
): QuotaEnvelopPlugin<TContext> {
  const lifecycle = createQuotaLifecycle(options);
  // One per HTTP request: the operations of a batch share it (each has its own context, the same Request).
  // Its entry is deleted in onResponse, not left to the next full GC: a WeakMap entry holds its value
  // through young-generation collections, so every response's quota (its decision and header fields) was
  // promoted to the old generation.
  const responses = new WeakMap<Request, QuotaResponse>();
  const responseOf = (request: Request): QuotaResponse => {
    let response = responses.get(request);
    if (response === undefined) responses.set(request, (response = lifecycle.startResponse()));
    return response;
  };
  const start = (args: {
    schema: GraphQLSchema;
    document: DocumentNode;
    operationName?: string | null | undefined;
    variableValues?: Readonly<Record<string, unknown>> | null | undefined;
    contextValue: unknown;
  }): QuotaOperation => {
    const context = args.contextValue as TContext & Partial<YogaInitialContext>;
    const request = context.request;
    if (context.params !== undefined) started.add(context.params);
    const response = request === undefined ? undefined : responseOf(request);
    return lifecycle.startOperation(
      {
        schema: args.schema,
        document: args.document,
        operationName: args.operationName,
        variables: args.variableValues,
        request: { headers: request?.headers ?? NO_HEADERS, context },
        // The source text, for the decision log's document hash (as Apollo's `queryHash`).
        query: context.params?.query,
      },
      response,
    );
  };
  /**
   * Starts and admits an operation; a refused one's result is set (execution stops) and the observers (the
   * decision log, the 5xx alert) learn it ended, with nothing to settle: then null.
   */
  const admitted = async (
    args: Parameters<typeof start>[0],
    stop: (result: ExecutionResult) => void,
  ): Promise<QuotaOperation | null> => {
    const operation = start(args);
    const admission = await operation.admit();
    if (admission.allowed) return operation;
    stop(refusalResult(admission, operation));
    void operation.settle('not-executed', admission.status);
    return null;
  };
  // The parameters (one per operation of a batch) whose operation reached the quota: one that reaches its
  // result with errors and without an operation started had its document refused before admission (it did
  // not parse or validate).
  const started = new WeakSet<GraphQLParams>();
  /** Settles a subscription's operation when its stream ends, however it ends: the estimate stands. */
  const onStreamEnd = (operation: QuotaOperation) => ({
    onEnd: () => void operation.settle('unknown'),
  });
  /**
   * An incremental (`@defer` / `@stream`) response: its payloads' data is put together as they are sent,
   * and the operation is settled on the actual cost of all of it once the last one is known (it then
   * carries `extensions.cost`), or when the stream ends early (the client went away): on what was sent.
   */
  const onIncremental = (operation: QuotaOperation) => {
    const delivered = new IncrementalData();
    return {
      async onNext({ result, setResult }: OnExecuteDoneHookResultOnNextHookPayload<unknown>) {
        delivered.add(result as IncrementalPayload);
        if ((result as { hasNext?: boolean }).hasNext !== false) return;
        await operation.settle({ data: delivered.data });
        const withCost = operation.withCostExtension(result);
        if (withCost !== result) setResult(withCost);
      },
      onEnd: () => void operation.settle({ data: delivered.data }),
    };
  };

  return {
    ...quotaHandle(lifecycle),

    onYogaInit({ yoga }) {
      lifecycle.useServerLogger(yoga.logger);
    },

    onSchemaChange({ schema }) {
      // Reading the schema's annotations now makes a malformed annotation fail start-up, not a request.
      lifecycle.loadSchema(schema as GraphQLSchema);
    },

    onParams({ request, paramsHandler, setParamsHandler }) {
      // Per set of parameters: the request's, or each operation's of a batch. One refused before admission
      // (it did not parse or validate) is counted (the countInvalidRequests option), the quota's refusal its
      // answer once its limit is exhausted. Yoga builds the server's own context only after validation:
      // identify sees Yoga's initial context (request and params) and the request headers.
      setParamsHandler(async (payload) => {
        const result = await paramsHandler(payload);
        const { params } = payload;
        if (started.has(params) || Array.isArray(result) || isAsyncIterable(result)) return result;
        if (result.data !== undefined || result.errors === undefined || result.errors.length === 0)
          return result;
        const context = { request, params } as unknown as TContext;
        const refusal = await lifecycle.chargeInvalidRequest(
          { headers: request.headers, context },
          responseOf(request),
          params.operationName,
        );
        return refusal === null ? result : { errors: [refusalError(refusal)] };
      });
    },

    async onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      const operation = await admitted(args, setResultAndStopExecution);
      if (operation === null) return;
      // An execution that throws (cancelled, a failing executor) reaches no onExecuteDone.
      setExecuteFn(async (executionArgs) => {
        try {
          return (await executeFn(executionArgs)) as ExecuteResult;
        } catch (error) {
          await operation.settle('unknown');
          throw error;
        }
      });
      return {
        async onExecuteDone({ result, setResult }) {
          if (isAsyncIterable(result)) return onIncremental(operation);
          await operation.settle(outcomeOf(result));
          const withCost = operation.withCostExtension(result);
          if (withCost !== result) setResult(withCost);
          return undefined;
        },
      };
    },

    async onSubscribe({ args, setResultAndStopExecution }) {
      // Charged at subscribe; the concurrency slot is held until the subscription ends.
      const operation = await admitted(args, setResultAndStopExecution);
      if (operation === null) return;
      return {
        onSubscribeResult: ({ result }) =>
          isAsyncIterable(result) ? onStreamEnd(operation) : void operation.settle(outcomeOf(result)),
        onSubscribeError: () => void operation.settle('unknown'),
      };
    },

    onResponse(payload) {
      const quota = responses.get(payload.request);
      if (quota === undefined) return;
      responses.delete(payload.request);
      const { response } = payload;
      quota.writeHeaders(response.headers);
      // Yoga sets a single result's status from its error; a batch's from nothing (always 200).
      const status = quota.status;
      if (status !== null && response.status !== status) {
        payload.setResponse(
          new payload.fetchAPI.Response(response.body, { status, headers: response.headers }),
        );
      }
    },
  };
}
