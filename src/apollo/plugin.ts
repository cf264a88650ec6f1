import type {
  ApolloServerPlugin,
  BaseContext,
  GraphQLRequestContext,
  GraphQLRequestContextWillSendResponse,
  HTTPGraphQLHead,
} from '@apollo/server';
import {
  NO_HEADERS,
  createQuotaLifecycle,
  type ExecutionOutcome,
  quotaHandle,
  type QuotaHandle,
  type QuotaOperation,
  type QuotaOptions,
  type QuotaResponse,
} from '../lifecycle/index.js';
import { refusalError } from './errors.js';

/** The plugin, with the engine and the kill switch. Put it in `plugins`; keep the reference to call `block`. */
export interface QuotaPlugin<TContext extends BaseContext = BaseContext>
  extends ApolloServerPlugin<TContext>, QuotaHandle<TContext> {}

/** What a request's hooks share: its operation, once resolved, and whether execution began. */
interface RequestState {
  operation: QuotaOperation | null;
  executing: boolean;
  /** True when Apollo refused the document (it did not parse or validate): counted before answering. */
  invalid: boolean;
}

/** What is known of execution when Apollo is about to answer. */
function outcomeOf({ response }: GraphQLRequestContextWillSendResponse<BaseContext>): ExecutionOutcome {
  if (response.body.kind !== 'single') return 'unknown';
  const data = response.body.singleResult.data;
  return data === undefined ? 'not-executed' : { data };
}

/**
 * The Apollo Server 5 plugin: glue between Apollo's request hooks and the quota lifecycle
 * (`createQuotaLifecycle`), which prices each operation, charges it to its client's quota before
 * execution, refunds what the response did not use, and gives the quota headers. Options are validated
 * here, so a misconfiguration fails at start-up, not at a request.
 *
 * ```ts
 * const quota = quotaPlugin({ store: new MemoryStore(), plans, identify: identifyByApiKey(keys) });
 * const server = new ApolloServer({ schema, plugins: [quota] });
 * await quota.block('client-42', 10 * 60_000);
 * ```
 */
export function quotaPlugin<TContext extends BaseContext = BaseContext>(
  options: QuotaOptions<TContext>,
): QuotaPlugin<TContext> {
  const lifecycle = createQuotaLifecycle(options);
  // A batched request's operations share one response head, and so one QuotaResponse. It is kept on the
  // head itself, under a symbol of this plugin's own, rather than in a WeakMap keyed by the head: a WeakMap
  // entry holds its value (the decision and its header fields) through young-generation collections, so
  // every response's were promoted to the old generation and collected only by full GCs.
  const RESPONSE = Symbol('graphql-quota response');
  type QuotaHead = HTTPGraphQLHead & { [RESPONSE]?: QuotaResponse };
  const requests = new WeakMap<GraphQLRequestContext<TContext>, RequestState>();
  const responseOf = (http: QuotaHead): QuotaResponse => (http[RESPONSE] ??= lifecycle.startResponse());

  return {
    ...quotaHandle(lifecycle),

    serverWillStart({ logger, schema }) {
      lifecycle.useServerLogger(logger);
      // Reading the schema's annotations now makes a malformed annotation fail start-up, not a request.
      lifecycle.loadSchema(schema);
      return Promise.resolve({
        schemaDidLoadOrUpdate: ({ apiSchema }) => lifecycle.loadSchema(apiSchema),
      });
    },

    requestDidStart(requestContext) {
      const state: RequestState = { operation: null, executing: false, invalid: false };
      requests.set(requestContext, state);
      const invalid = (errors?: unknown): Promise<void> => {
        if (errors !== undefined && (!Array.isArray(errors) || errors.length > 0)) state.invalid = true;
        return Promise.resolve();
      };
      return Promise.resolve({
        parsingDidStart: () => Promise.resolve(invalid),
        validationDidStart: () => Promise.resolve(invalid),
        async didResolveOperation({ schema, document, source, queryHash, request, contextValue, response }) {
          state.operation = lifecycle.startOperation(
            {
              schema,
              document,
              operationName: request.operationName,
              variables: request.variables,
              request: { headers: request.http?.headers ?? NO_HEADERS, context: contextValue },
              query: source,
              documentHash: queryHash,
            },
            responseOf(response.http),
          );
          const admission = await state.operation.admit();
          if (!admission.allowed) throw refusalError(admission);
        },
        executionDidStart() {
          state.executing = true;
          return Promise.resolve();
        },
        async willSendResponse(context) {
          // From here the operation is settled (settle runs once), so the unexpected-error hook has nothing
          // left to do for it. Dropped now, not at the next full GC: a WeakMap entry holds its value through
          // young-generation collections, and this one held the whole request (operation, document,
          // context), tripling what each request promoted to the old generation.
          requests.delete(requestContext);
          await state.operation?.settle(outcomeOf(context), context.response.http.status ?? 200);
          const { http, body } = context.response;
          if (state.invalid && state.operation === null) {
            // A request refused before admission counts (the countInvalidRequests option); once its limit is
            // exhausted, the quota's refusal is the answer.
            const refusal = await lifecycle.chargeInvalidRequest(
              { headers: context.request.http?.headers ?? NO_HEADERS, context: context.contextValue },
              responseOf(http),
              context.request.operationName,
            );
            if (refusal !== null && body.kind === 'single') {
              http.status = refusal.status;
              body.singleResult = { errors: [{ message: refusal.message, extensions: refusal.extensions }] };
            }
          }
          const quota = (http as QuotaHead)[RESPONSE];
          quota?.writeHeaders(http.headers);
          // A batch shares this head: Apollo set the status of each refusal's error on it, the quota's rule
          // (200 for a partly refused batch) decides. The last operation to answer sees every decision.
          if (quota?.status != null) http.status = quota.status;
          if (state.operation !== null && body.kind === 'single')
            body.singleResult = state.operation.withCostExtension(body.singleResult);
        },
      });
    },

    async unexpectedErrorProcessingRequest({ requestContext }) {
      const state = requests.get(requestContext);
      await state?.operation?.settle(state.executing ? 'unknown' : 'not-executed', 500);
    },
  };
}
