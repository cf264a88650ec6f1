import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  GraphQLError,
  isObjectType,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFieldConfig,
  type GraphQLSchema,
} from 'graphql';
import type { MercuriusContext } from 'mercurius';
import {
  NO_HEADERS,
  createQuotaLifecycle,
  type ExecutionOutcome,
  quotaHandle,
  type QuotaHandle,
  type QuotaOperation,
  type QuotaOptions,
  type QuotaRefusal,
  type QuotaResponse,
  type RequestHeaders,
} from '../lifecycle/index.js';

/**
 * The Fastify plugin, with the kill switch: register it after Mercurius (`app.register(quota)`), and keep
 * the reference to call `block`.
 */
export interface MercuriusQuotaPlugin<
  TContext extends MercuriusContext = MercuriusContext,
> extends QuotaHandle<TContext> {
  (app: FastifyInstance): Promise<void>;
}

/**
 * The options of {@link mercuriusQuota}: the lifecycle's `QuotaOptions`, the same as Apollo's `quotaPlugin`
 * takes. `identify`, `planFor` and `anonymousKey` receive `{ headers, context }`: the request's headers and
 * Mercurius's context (`MercuriusContext` with what the `context` option added).
 */
export type MercuriusQuotaOptions<TContext extends MercuriusContext = MercuriusContext> =
  QuotaOptions<TContext>;

/** Node's request headers (`IncomingHttpHeaders`) as the lifecycle reads them. */
function requestHeaders(request: FastifyRequest | undefined): RequestHeaders {
  if (request === undefined) return NO_HEADERS;
  const headers = request.headers;
  return {
    get(name) {
      const value = headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * The operation name a request asked for, and its source text (for the decision log's document hash).
 * Mercurius's `preExecution` hook is not given them, so they are read where Mercurius read them: the POST
 * body (the batch entry `operationId` for a batch) or the GET query.
 */
function paramsOf(
  context: MercuriusContext,
  request: FastifyRequest | undefined,
): { operationName: string | null; query: string | null } {
  if (request === undefined) return { operationName: null, query: null };
  const source: unknown = request.method === 'GET' ? request.query : request.body;
  const params = (Array.isArray(source) ? (source[context.operationId ?? 0] as unknown) : source) as
    { operationName?: unknown; query?: unknown } | null | undefined;
  const name = params?.operationName;
  const query = params?.query;
  return {
    operationName: typeof name === 'string' && name !== '' ? name : null,
    query: typeof query === 'string' ? query : null,
  };
}

/**
 * A refusal as Mercurius sends it: its default error formatter answers a request that failed with one
 * error with that error's `originalError.statusCode`, and serialises the `GraphQLError` (message and
 * `extensions`). The adapter's `onSend` hook sets the status again, for batches and custom formatters.
 */
function refusalError(refusal: QuotaRefusal): GraphQLError {
  // A plain Error of our own carries the status: Mercurius's error formatter unwraps an originalError's own
  // `errors` array (a CostError has one, empty for a single cause), which would drop the refusal.
  const cause = Object.assign(
    new Error(refusal.message, refusal.cause === undefined ? undefined : { cause: refusal.cause }),
    { statusCode: refusal.status },
  );
  return new GraphQLError(refusal.message, { originalError: cause, extensions: { ...refusal.extensions } });
}

/** A refusal answered in place of a result Mercurius already made (an invalid request counted). */
function refusalPayload(refusal: QuotaRefusal): { errors: { message: string; extensions: object }[] } {
  return { errors: [{ message: refusal.message, extensions: refusal.extensions }] };
}

/** What is known of execution from its result: `data` undefined means it never ran. */
function outcomeOf(result: ExecutionResult): ExecutionOutcome {
  return result.data === undefined ? 'not-executed' : { data: result.data };
}

/** The end of an async iterator, however it ends: done, returned (the client stopped or left) or failed. */
function onIteratorEnd<T>(source: AsyncIterator<T>, end: () => void): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      try {
        const step = await source.next();
        if (step.done === true) end();
        return step;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return(value?: unknown) {
      end();
      return source.return === undefined ? { done: true, value: value as T } : source.return(value);
    },
    async throw(error?: unknown) {
      end();
      if (source.throw === undefined) throw error;
      return source.throw(error);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** The fields of a schema's subscription type that this adapter has wrapped (each once, whatever the app). */
const WRAPPED = Symbol.for('graphql-quota.mercurius.subscribe');

/** A response's quota and the operations it carries, to settle those that reached no `onResolution`. */
interface ReplyState {
  readonly quota: QuotaResponse;
  readonly operations: QuotaOperation[];
  /** The operation of a request that is not a batch (for `extensions.cost` on a refusal). */
  single: QuotaOperation | null;
  /**
   * The context of a request that is not a batch, once Mercurius began parsing it: when it then reaches no
   * `preExecution` and is answered with an error, Mercurius refused its document (parse or validation).
   */
  parsing: MercuriusContext | null;
  /** True when the operation of a request that is not a batch was refused by the quota. */
  refused: boolean;
  /**
   * The operations of a batch that Mercurius began parsing, by their index: one with no operation started
   * had its document refused before admission; `refused` once the quota refused its operation.
   */
  readonly batch: Map<number, BatchEntry>;
}

/** One operation of a batch, from its parsing on. */
interface BatchEntry {
  readonly context: MercuriusContext;
  operation: QuotaOperation | null;
  refused: boolean;
}

/** An operation's result as the reply carries it (an entry of a batch). */
type ResultPayload = ExecutionResult & { data?: unknown };

/**
 * A refused operation's result as the other servers send it: no `data` (nothing was executed; Mercurius puts
 * `data: null`), and `extensions.cost` when it is to be sent.
 */
function refusedResult(result: ResultPayload, operation: QuotaOperation): ResultPayload {
  let shaped = result;
  if (shaped.data === null) {
    const { data: _none, ...rest } = shaped;
    shaped = rest;
  }
  return shaped.extensions?.['cost'] !== undefined ? shaped : operation.withCostExtension(shaped);
}

/**
 * Quotas for Mercurius 16 on Fastify 5: glue between Mercurius's hooks and the quota lifecycle
 * (`createQuotaLifecycle`), which prices each operation, charges its client's quota before execution,
 * refunds what the result did not use, and gives the quota headers. Takes the same options as Apollo's
 * `quotaPlugin`, validated here: a misconfiguration throws at start-up, never at a request.
 *
 * - Admission in `preExecution`; a refusal fails the operation with its status (429 and an integer
 *   `Retry-After`, 400, 403, 500, 503).
 * - Settlement (refund, concurrency slot release) in `onResolution`, and in `onSend` for an admitted
 *   operation that never ran (another hook refused it).
 * - The quota headers (`X-Rate-Limit-*`, `RateLimit`, `RateLimit-Policy`, `Retry-After`) and
 *   `Access-Control-Expose-Headers`, merged into the reply's own, in Fastify's `onSend`; a batch
 *   (`allowBatchedQueries`) shares one reply, whose status is the largest refusal status of its operations.
 * - `extensions.cost`, per `exposeCost`.
 *
 * - Subscriptions over the WebSocket (`subscription: true`): charged when they start (at their root field's
 *   `subscribe`, which the adapter wraps in the schema, since Mercurius's subscription hooks are given no
 *   variables), the concurrency slot held until the subscription ends, however it ends. A refusal is the
 *   subscription's `error` message, with the same `extensions` (code, quota) as over HTTP.
 *
 * ```ts
 * const quota = mercuriusQuota({ store: new MemoryStore(), plans, identify: identifyByApiKey(keys) });
 * await app.register(mercurius, { schema });
 * await app.register(quota);
 * await quota.block('client-42', 10 * 60_000);
 * ```
 */
export function mercuriusQuota<TContext extends MercuriusContext = MercuriusContext>(
  options: MercuriusQuotaOptions<TContext>,
): MercuriusQuotaPlugin<TContext> {
  const lifecycle = createQuotaLifecycle(options);
  // Both maps' entries are deleted once their last reader has run (`onSend`, `onResolution`), not left to
  // the next full GC: a WeakMap entry holds its value through young-generation collections, and these held
  // each request's operations, and through them its document, variables, context, request and reply, so
  // that all of it was promoted to the old generation.
  const replies = new WeakMap<FastifyReply, ReplyState>();
  // Per operation: a batch's operations each have a context of their own (Object.create of the request's).
  const operations = new WeakMap<object, QuotaOperation>();
  // WebSocket subscriptions announced by `preSubscriptionExecution`, per connection (its upgrade request) and
  // subscription id, until their field's `subscribe` runs: the hook is given no variables, the field is.
  const announced = new WeakMap<object, Map<unknown, DocumentNode>>();

  /**
   * A subscription over Mercurius's WebSocket, at its root field's `subscribe`: admitted (charged) there, and
   * settled when its event stream ends, however it ends (the server completes it, the client stops it or
   * closes the connection, the stream fails). A refusal is thrown: Mercurius sends it as the subscription's
   * `error` message, with its `extensions` (code, quota).
   */
  async function subscribeWithQuota(
    subscribe: NonNullable<GraphQLFieldConfig<unknown, unknown>['subscribe']>,
    args: Parameters<NonNullable<GraphQLFieldConfig<unknown, unknown>['subscribe']>>,
  ): Promise<unknown> {
    const [, , context, info] = args as [
      unknown,
      unknown,
      { request?: FastifyRequest; id?: unknown },
      Parameters<typeof subscribe>[3],
    ];
    const request = context?.request;
    const pending = request === undefined ? undefined : announced.get(request);
    const document = pending?.get(context.id);
    if (document === undefined) return subscribe(...args);
    pending!.delete(context.id);
    const operation = lifecycle.startOperation({
      schema: info.schema,
      document,
      operationName: info.operation.name?.value ?? null,
      variables: info.variableValues,
      request: { headers: requestHeaders(request), context: context as TContext },
    });
    const admission = await operation.admit();
    if (!admission.allowed) throw refusalError(admission);
    const settle = () => void operation.settle('unknown');
    let events: unknown;
    try {
      events = await subscribe(...args);
    } catch (error) {
      settle();
      throw error;
    }
    if (typeof events !== 'object' || events === null || !(Symbol.asyncIterator in events)) {
      settle();
      return events;
    }
    return onIteratorEnd((events as AsyncIterable<unknown>)[Symbol.asyncIterator](), settle);
  }

  /** Wraps the `subscribe` of the schema's subscription fields (once per field) with {@link subscribeWithQuota}. */
  function wrapSubscriptions(schema: GraphQLSchema): void {
    const type = schema.getSubscriptionType();
    if (!isObjectType(type)) return;
    for (const field of Object.values(type.getFields())) {
      const original = field.subscribe;
      if (original === undefined || (original as { [WRAPPED]?: true })[WRAPPED]) continue;
      field.subscribe = Object.assign(
        (...args: Parameters<typeof original>) => subscribeWithQuota(original, args),
        { [WRAPPED]: true as const },
      );
    }
  }

  function register(app: FastifyInstance): Promise<void> {
    if (typeof (app as Partial<FastifyInstance>).graphql?.addHook !== 'function') {
      return Promise.reject(
        new TypeError('graphql-quota: register mercuriusQuota after mercurius, on the same Fastify app'),
      );
    }
    lifecycle.useServerLogger({
      debug: (m) => app.log.debug(m),
      info: (m) => app.log.info(m),
      warn: (m) => app.log.warn(m),
      error: (m) => app.log.error(m),
    });
    // Reading the schema's annotations now makes a malformed annotation fail start-up, not a request.
    lifecycle.loadSchema(app.graphql.schema);

    const stateOf = (context: MercuriusContext): ReplyState => {
      // No reply when the operation does not come over HTTP: `app.graphql(query)` called by code, or a
      // query over the subscription WebSocket (`fullWsTransport`). It is charged all the same.
      const reply = context.reply as FastifyReply | undefined;
      let state = reply === undefined ? undefined : replies.get(reply);
      if (state === undefined) {
        state = {
          quota: lifecycle.startResponse(),
          operations: [],
          single: null,
          parsing: null,
          refused: false,
          batch: new Map(),
        };
        if (reply !== undefined) replies.set(reply, state);
      }
      return state;
    };

    app.graphql.addHook('preParsing', (_schema, _source, context) => {
      if (context.reply === undefined) return Promise.resolve();
      if (context.operationsCount === undefined) stateOf(context).parsing = context;
      else stateOf(context).batch.set(context.operationId ?? 0, { context, operation: null, refused: false });
      return Promise.resolve();
    });

    app.graphql.addHook('preExecution', async (schema, document, context, variables) => {
      const reply = context.reply as FastifyReply | undefined;
      const state = stateOf(context);
      const request = reply?.request ?? (context as { request?: FastifyRequest }).request;
      const { operationName, query } = paramsOf(context, request);
      const operation = lifecycle.startOperation(
        {
          schema,
          document,
          operationName,
          query,
          variables,
          request: { headers: requestHeaders(request), context: context as TContext },
        },
        state.quota,
      );
      operations.set(context, operation);
      state.operations.push(operation);
      const entry =
        context.operationsCount === undefined ? undefined : state.batch.get(context.operationId ?? 0);
      if (context.operationsCount === undefined) state.single = operation;
      else if (entry !== undefined) entry.operation = operation;
      const admission = await operation.admit();
      if (admission.allowed) return;
      if (context.operationsCount === undefined) state.refused = true;
      else if (entry !== undefined) entry.refused = true;
      throw refusalError(admission);
    });

    // WebSocket subscriptions (`subscription: true`): announced here, admitted and settled by their field.
    wrapSubscriptions(app.graphql.schema);
    app.graphql.addHook('preSubscriptionExecution', (schema, document, context, id) => {
      wrapSubscriptions(schema);
      const request = (context as { request?: FastifyRequest }).request;
      if (request === undefined) return;
      let pending = announced.get(request);
      if (pending === undefined) announced.set(request, (pending = new Map<unknown, DocumentNode>()));
      pending.set(id, document);
    });

    app.graphql.addHook('onResolution', async (execution, context) => {
      const operation = operations.get(context);
      if (operation === undefined) return;
      operations.delete(context);
      await operation.settle(outcomeOf(execution));
      // Mercurius reads the result from this object: its extensions are replaced in place.
      const withCost = operation.withCostExtension(execution);
      if (withCost !== execution) execution.extensions = withCost.extensions!;
    });

    // A refused single operation's answer is Mercurius's error response: `extensions.cost` goes there, and
    // its `data: null` goes (nothing was executed: the other servers send no `data`, as the GraphQL-over-HTTP
    // spec has a request error do).
    app.addHook('preSerialization', async (_request, reply, payload: unknown) => {
      const state = replies.get(reply);
      if (state === undefined || typeof payload !== 'object' || payload === null) return payload;
      if (Array.isArray(payload)) return state.batch.size === 0 ? payload : batchPayload(state, payload);
      const operation = state.single;
      if (operation === null) return payload;
      const result = payload as ResultPayload;
      if (state.refused) return refusedResult(result, operation);
      return result.extensions?.['cost'] !== undefined ? result : operation.withCostExtension(result);
    });

    /**
     * A batch's results, once every operation has answered: each operation refused before admission (its
     * document did not parse or validate) is counted (the countInvalidRequests option), in order, its result
     * the quota's refusal once its limit is exhausted; each refused operation's result shaped as on the other
     * servers.
     */
    async function batchPayload(state: ReplyState, payload: unknown[]): Promise<unknown[]> {
      const results = [...payload];
      for (const [index, entry] of [...state.batch].sort(([a], [b]) => a - b)) {
        const result = results[index] as ResultPayload | undefined;
        if (result === undefined || result === null || typeof result !== 'object') continue;
        if (entry.operation !== null) {
          if (entry.refused) results[index] = refusedResult(result, entry.operation);
          continue;
        }
        if (result.errors === undefined || result.errors.length === 0) continue;
        const refusal = await lifecycle.chargeInvalidRequest(
          { headers: requestHeaders(entry.context.reply.request), context: entry.context as TContext },
          state.quota,
          paramsOf(entry.context, entry.context.reply.request).operationName,
        );
        if (refusal !== null) results[index] = refusalPayload(refusal);
      }
      return results;
    }

    app.addHook('onSend', async (_request, reply, payload) => {
      const state = replies.get(reply);
      if (state === undefined) return payload;
      // An admitted operation that reached no onResolution never ran (a later preExecution hook threw);
      // settling is idempotent, so those that did are not settled twice.
      await Promise.all(state.operations.map((operation) => operation.settle('not-executed')));
      if (state.parsing !== null && state.operations.length === 0 && reply.statusCode >= 400) {
        // A request refused before admission counts (the countInvalidRequests option); once its limit is
        // exhausted, the quota's refusal is the answer.
        const refusal = await lifecycle.chargeInvalidRequest(
          { headers: requestHeaders(reply.request), context: state.parsing as TContext },
          state.quota,
          paramsOf(state.parsing, reply.request).operationName,
        );
        if (refusal !== null) payload = JSON.stringify(refusalPayload(refusal));
      }
      const status = state.quota.status;
      if (status !== null) reply.code(status);
      state.quota.writeHeaders({
        get: (name) => {
          const value = reply.getHeader(name);
          return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
        },
        set: (name, value) => void reply.header(name, value),
      });
      replies.delete(reply);
      return payload;
    });
    return Promise.resolve();
  }
  // Fastify's `skip-override` (what fastify-plugin sets): the hooks apply to the app Mercurius was
  // registered on, not to a child context of this plugin's own.
  Object.assign(register, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'graphql-quota',
  });

  return Object.assign(register, quotaHandle(lifecycle));
}
