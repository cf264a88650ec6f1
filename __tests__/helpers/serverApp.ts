/**
 * The servers the end-to-end proofs drive: Apollo Server 5 on `startStandaloneServer`, bound to 127.0.0.1 on a
 * free port, with the quota plugin configured from a plain (JSON) description, so the same server runs in
 * this process or in a child process (serverWorker.ts). Two schemas: the demo PIM schema (realistic load) and
 * a small priced schema whose costs are round numbers (exact header values).
 */
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, GraphQLError, type GraphQLSchema } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { Redis } from 'ioredis';
import { quotaPlugin } from '../../src/apollo/index.js';
import { identifyByApiKey, type QuotaHandle } from '../../src/lifecycle/index.js';
import { quotaResolvers, quotaTypeDefs, type QuotaObserver } from '../../src/observability/index.js';
import type {
  ExposeCost,
  QuotaDecisionEvent,
  QuotaKillSwitch,
  QuotaMode,
  QuotaOptions,
} from '../../src/lifecycle/index.js';
import { COST_DIRECTIVES_SDL } from '../../src/cost/index.js';
import type { StoreFailureMode } from '../../src/engine/index.js';
import type { Plan, QuotaLogger, QuotaStore } from '../../src/quota/index.js';
import { MemoryStore, RedisStore } from '../../src/store/index.js';
import { createDemoSchema } from '../../demo/schema.js';
import { ioredisCluster, nodeRedisCluster, parseNodes } from './redisCluster.js';
import type { listenMercurius } from './mercuriusApp.js';
import type { listenYoga } from './yogaApp.js';

/**
 * The priced schema. Under the analyzer's defaults (objects 1, scalars 0, queries 0, mutations 10):
 * - `{ rows(first: n) { id } }` costs 10 n (a Row is `@cost(weight: 10)`); the resolver returns the rows
 *   from `skip` on, at most `n` of the {@link E2E_ROW_COUNT}, so rows asked for but not returned are refunded
 *   (`rows(first: 10, skip: 1995)` is charged 100 and refunded 50);
 * - `{ ping }` and `{ hold }` cost 0; `hold` answers only once the test releases it (a slot held in flight);
 * - `mutation { save }` costs 10 + 5 = 15;
 * - `{ boom(first: n) { id } }` costs 10 n and its resolver throws: the response has `data: { boom: null }`
 *   and an error, so the whole estimate is refunded;
 * - `subscription { ticks }` costs 0: it sends 1, waits in `hold` until released, sends 2 and ends.
 */
export const E2E_SDL = `${COST_DIRECTIVES_SDL}
type Query {
  rows(first: Int!, skip: Int = 0): [Row!]! @listSize(slicingArguments: ["first"])
  ping: Int
  hold: Int
  boom(first: Int!): [Row!] @listSize(slicingArguments: ["first"])
}
type Row @cost(weight: 10) {
  id: ID!
}
type Mutation {
  save: Boolean @cost(weight: 5)
}
type Subscription {
  ticks: Int
}
`;

/** Rows the `rows` resolver has: a request for more gets these and a refund for the rest. */
export const E2E_ROW_COUNT = 2_000;

/** Operations parked in the `hold` resolver until released. */
export class Holds {
  #waiting: (() => void)[] = [];
  #arrivals: { count: number; resolve: () => void }[] = [];
  #arrived = 0;

  /** Operations waiting now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves once `count` operations in all have reached the resolver. */
  arrived(count: number): Promise<void> {
    if (this.#arrived >= count) return Promise.resolve();
    return new Promise((resolve) => this.#arrivals.push({ count, resolve }));
  }

  /** Lets `count` waiting operations finish (all by default); returns how many were released. */
  release(count = Infinity): number {
    const released = this.#waiting.splice(0, count);
    for (const go of released) go();
    return released.length;
  }

  wait(): Promise<number> {
    return new Promise((resolve) => {
      this.#waiting.push(() => resolve(1));
      this.#arrived += 1;
      this.#arrivals = this.#arrivals.filter((a) => (this.#arrived >= a.count ? (a.resolve(), false) : true));
    });
  }
}

/** The priced schema with its resolvers. */
export function e2eSchema(holds: Holds, quotaField = false): GraphQLSchema {
  const schema = buildSchema(quotaField ? `${E2E_SDL}\n${quotaTypeDefs()}` : E2E_SDL);
  const query = schema.getQueryType()!.getFields();
  query.rows!.resolve = (_: unknown, args: { first: number; skip: number }) => {
    const from = Math.max(0, args.skip);
    const count = Math.max(0, Math.min(args.first, E2E_ROW_COUNT - from));
    return Array.from({ length: count }, (_v, i) => ({ id: `r${from + i + 1}` }));
  };
  query.ping!.resolve = () => 1;
  query.hold!.resolve = () => holds.wait();
  query.boom!.resolve = () => {
    throw new Error('boom: the data source failed');
  };
  schema.getMutationType()!.getFields().save!.resolve = () => true;
  const ticks = schema.getSubscriptionType()!.getFields().ticks!;
  ticks.subscribe = async function* () {
    yield { ticks: 1 };
    await holds.wait();
    yield { ticks: 2 };
  };
  return schema;
}

/** Where quota state lives, as a JSON description. */
export type StoreConfig =
  | { readonly kind: 'memory'; readonly maxClients?: number }
  | {
      readonly kind: 'redis';
      readonly url: string;
      readonly keyPrefix: string;
      /**
       * ioredis options that fail a command at once while the connection is down instead of queueing it
       * (`enableOfflineQueue: false`, `maxRetriesPerRequest: 0`): requests then reach the failure mode
       * without waiting for the timeout. Default true.
       */
      readonly failFast?: boolean;
      /** RedisStore's local refusal cache bound; default the store's. */
      readonly localRefusalClients?: number;
    }
  | {
      readonly kind: 'redis-cluster';
      /** The cluster's nodes, `host:port,host:port,...`. */
      readonly nodes: string;
      readonly client: 'ioredis' | 'node-redis';
      readonly keyPrefix: string;
    };

/**
 * The GraphQL servers the proofs and the conformance suite run: Apollo Server 5 on its standalone server and
 * on Express 5, GraphQL Yoga 5 (`graphql-quota/envelop`) and Mercurius 16 on Fastify 5
 * (`graphql-quota/mercurius`).
 */
export const SERVER_KINDS = ['apollo', 'apollo-express', 'yoga', 'mercurius'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** A server, as a JSON description (it crosses the process boundary to serverWorker.ts). */
export interface ServerConfig {
  /** Which server. Default `'apollo'` (standalone). */
  readonly server?: ServerKind;
  readonly schema: 'demo' | 'e2e';
  /**
   * The server sets headers of its own on every response, as a real deployment's CORS layer would:
   * `X-Served-By: <server kind>` and `Access-Control-Expose-Headers: X-Served-By`, each in the server's own
   * way (an Apollo plugin; Express's `cors` middleware; Yoga's `cors` option; a Fastify hook), so that a test
   * can see that the quota headers are merged into them. Default false.
   */
  readonly ownHeaders?: boolean;
  /**
   * The application sets, on every response, headers the quota also writes or that a cache reads (see
   * {@link APP_HEADERS}): its own `RateLimit` and `RateLimit-Policy` policy, `X-Request-Id`,
   * `Access-Control-Expose-Headers`, `Vary` and `Cache-Control`, each in the server's own way (an Apollo
   * plugin, on Express the request id and `Vary` from an Express middleware; a Yoga plugin's `onResponse`; a
   * Fastify `onRequest` hook), so that a test can see that each is kept, merged, on success and on every
   * refusal.
   * Default false.
   */
  readonly appHeaders?: boolean;
  /**
   * `'quota'`: this library's adapter; `'bare'`: no plugin at all; `'complexity'` (Apollo only):
   * graphql-query-complexity wired as an Apollo plugin (`getComplexity` in `didResolveOperation`); `'peer'`
   * (Yoga only): the stack a Yoga user would pick instead, `@envelop/rate-limiter` on every Query field plus
   * graphql-armor's cost limit, with limits nobody reaches. Default `'quota'`.
   */
  readonly variant?: 'quota' | 'bare' | 'complexity' | 'peer';
  /**
   * Yoga only: serve `@defer` / `@stream` (`@graphql-yoga/plugin-defer-stream`). Default true; the benchmark
   * turns it off for every Yoga variant alike.
   */
  readonly yogaDeferStream?: boolean;
  /** Default: a MemoryStore. */
  readonly store?: StoreConfig;
  /** Default: one plan named `anonymous` with a limit nobody reaches. */
  readonly plans?: readonly Plan[];
  /**
   * How a request names its client. `'api-key'`: `identifyByApiKey` over `apiKeys` (header `x-api-key`);
   * `'bearer'`: the server's own authentication, simulated by its `context` function putting the token of
   * `Authorization: Bearer <client>` in `contextValue.quotaClient` (the plugin's default `identify`).
   * Default `'bearer'`.
   */
  readonly identify?: 'api-key' | 'bearer';
  /** `'api-key'` only: API key → client id. */
  readonly apiKeys?: Readonly<Record<string, string>>;
  /** Client id → plan name; others get `defaultPlan`. */
  readonly planOf?: Readonly<Record<string, string>>;
  readonly defaultPlan?: string;
  /** Anonymous requests are keyed by the TCP peer address when true; else they share one quota. */
  readonly anonymousByAddress?: boolean;
  readonly onStoreFailure?: StoreFailureMode;
  /** The plugin's `mode`. Default `'enforce'`. */
  readonly mode?: QuotaMode;
  readonly storeTimeoutMs?: number;
  readonly maxCost?: number;
  /** The `unknownApiKey` option. Default: the lifecycle's (`'anonymous'`). */
  readonly unknownApiKey?: 'anonymous' | 'refuse';
  /** Default `'always'`: the proofs read the requested and actual cost of every response. */
  readonly exposeCost?: ExposeCost;
  /**
   * The IETF `pk` parameter: `'none'` (so header values are exact) or `'random'`, the plugin's own default
   * (a keyed hash with a random secret per process). Default `'none'`.
   */
  readonly partitionKey?: 'none' | 'random';
  readonly allowBatchedHttpRequests?: boolean;
  /**
   * A quota clock that moves only when told to, starting here (Unix epoch ms): it is given to the plugin and
   * the store (for Redis, in place of Redis TIME). Default: real time, and Redis TIME in Redis.
   */
  readonly clockStartMs?: number;
  /** Milliseconds added to this process's `Date.now()` (a server whose clock is wrong). Default 0. */
  readonly skewMs?: number;
  /**
   * serverWorker.ts only: record every decision (an `onDecision` hook) and every request's server time for
   * `stats({ decisions: true })`.
   * Default false: the hook and the records would weigh on benchmarks and on long runs' heap.
   */
  readonly recordDecisions?: boolean;
  // ---- s2-adapters: observability (begin) ----
  /**
   * The e2e schema gets the free `quota` field (`quotaTypeDefs`, `quotaResolvers` reading the caller the
   * adapter identified), the quota options `freeQuotaField: 'quota'` and the runtime's `observers`. Default
   * false.
   */
  readonly observability?: boolean;
  // ---- s2-adapters: observability (end) ----
}

/** The headers `appHeaders` makes the application set on every response (lower-case names). */
export const APP_HEADERS: Readonly<Record<string, string>> = {
  'ratelimit-policy': '"app";q=1000;w=60',
  ratelimit: '"app";r=999;t=60',
  'x-request-id': 'req-42',
  'access-control-expose-headers': 'X-Request-Id',
  vary: 'Origin',
  // Left alone by Apollo's cache-control plugin, which rewrites only a value of its own form (max-age=n, scope).
  'cache-control': 'private, no-cache',
};

/** The `APP_HEADERS` that Apollo on Express gets from an Express middleware rather than an Apollo plugin. */
const EXPRESS_APP_HEADERS: readonly string[] = ['x-request-id', 'vary'];

/** One decision the plugin took, as the proofs need it. */
export interface DecisionRecord {
  readonly operationName: string | null;
  readonly client: string;
  readonly cost: number;
  readonly allowed: boolean;
  readonly source: QuotaDecisionEvent['decision']['source'];
  /** This process's `Date.now()` when the decision was taken. */
  readonly atMs: number;
}

export interface AppRuntime {
  /** Replaces the store the config describes (in-process tests that hold their own). */
  readonly store?: QuotaStore;
  /** Replaces the clock the config describes. */
  readonly clock?: () => number;
  /** Where decisions are recorded. Default: nowhere. */
  readonly onDecision?: (record: DecisionRecord) => void;
  /** Where the plugin logs. Default: nowhere. */
  readonly logger?: QuotaLogger;
  readonly holds?: Holds;
  /**
   * Called once per request with the time the server spent on it, ms: from Apollo's `requestDidStart` to
   * the end of the last `willSendResponse` (the quota plugin's settle included), so without the client's
   * side or the connection's queue.
   */
  readonly onServed?: (operationName: string | null, ms: number) => void;
  /** The quota's observers (metrics, decision log), with `observability`. */
  readonly observers?: readonly QuotaObserver[];
}

export interface App {
  readonly url: string;
  readonly quota: QuotaControls | null;
  readonly store: QuotaStore | null;
  readonly holds: Holds;
  /** The quota clock, when the config asked for one; else null. */
  readonly clock: ManualClock | null;
  stop(): Promise<void>;
}

export interface AppContext extends BaseContext {
  quotaClient?: string;
  ip?: string;
}

/** The clock `clockStartMs` asks for. */
export class ManualClock {
  constructor(public nowMs: number) {}
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/** A limit nobody reaches: the default plan, and the bench's. */
export const UNLIMITED: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 1_000_000_000, windowMs: 3_600_000 }],
};

const silent: QuotaLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** graphql-query-complexity as the Apollo plugin its users write (its README's `getComplexity`). */
export function complexityPlugin(
  schema: GraphQLSchema,
  maximumComplexity: number,
): ApolloServerPlugin<AppContext> {
  const estimators = [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })];
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation({ request, document }) {
          const complexity = getComplexity({
            schema,
            query: document,
            variables: request.variables ?? {},
            ...(request.operationName ? { operationName: request.operationName } : {}),
            estimators,
          });
          if (complexity > maximumComplexity) {
            throw new GraphQLError(`Query is too complex: ${complexity}`, {
              extensions: { code: 'QUERY_TOO_COMPLEX' },
            });
          }
          return Promise.resolve();
        },
      }),
  };
}

async function buildStore(
  config: StoreConfig,
  clock: (() => number) | undefined,
): Promise<{ store: QuotaStore; close: () => Promise<void> }> {
  if (config.kind === 'memory') {
    const options = {
      ...(config.maxClients !== undefined ? { maxClients: config.maxClients } : {}),
      ...(clock !== undefined ? { clock } : {}),
    };
    return { store: new MemoryStore(options), close: () => Promise.resolve() };
  }
  if (config.kind === 'redis-cluster') return buildClusterStore(config, clock);
  const failFast = config.failFast ?? true;
  const client = new Redis(config.url, {
    ...(failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 0 } : {}),
    // Reconnect quickly once Redis is back: decisions return to it within a retry interval.
    retryStrategy: () => 100,
  });
  // A dead Redis makes ioredis emit errors; the engine logs the failed decisions, this would only repeat them.
  client.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('end', () => reject(new Error(`cannot connect to ${config.url}`)));
  });
  return {
    store: new RedisStore({
      client,
      keyPrefix: config.keyPrefix,
      ...(clock !== undefined ? { clock } : {}),
      ...(config.localRefusalClients !== undefined
        ? { localRefusalClients: config.localRefusalClients }
        : {}),
    }),
    close: async () => {
      client.disconnect();
      return Promise.resolve();
    },
  };
}

/** The kill switch and the engine: what every adapter returns besides its hooks. */
export type QuotaControls = QuotaKillSwitch;

/** A server listening, as each server kind's starter returns it. */
export interface Listening {
  readonly url: string;
  readonly quota: (QuotaControls & Pick<QuotaHandle, 'callerOf'>) | null;
  close(): Promise<void>;
}

/** What every server's `context` function builds: a bearer token as the client (the server's own auth). */
export function appContext(
  config: ServerConfig,
  authorization: string | undefined,
  ip: string | undefined,
): AppContext {
  const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  const context: AppContext = {};
  if (config.identify !== 'api-key' && token !== undefined) context.quotaClient = token;
  if (ip !== undefined) context.ip = ip;
  return context;
}

/** The quota options a config describes: the same for every server. */
function quotaOptions(
  config: ServerConfig,
  runtime: AppRuntime,
  store: QuotaStore,
  clock: (() => number) | undefined,
): QuotaOptions<AppContext> {
  const planOf = config.planOf ?? {};
  const plans = config.plans ?? [UNLIMITED];
  const defaultPlan = config.defaultPlan ?? plans[0]!.name;
  const record = runtime.onDecision;
  return {
    store,
    plans,
    ...(config.identify === 'api-key' ? { identify: identifyByApiKey(config.apiKeys ?? {}) } : {}),
    planFor: (client) => planOf[client] ?? defaultPlan,
    defaultPlan,
    ...(config.anonymousByAddress ? { anonymousKey: ({ context }) => context.ip ?? 'unknown' } : {}),
    ...(config.onStoreFailure !== undefined ? { onStoreFailure: config.onStoreFailure } : {}),
    ...(config.storeTimeoutMs !== undefined ? { storeTimeoutMs: config.storeTimeoutMs } : {}),
    ...(config.maxCost !== undefined ? { maxCost: config.maxCost } : {}),
    ...(config.unknownApiKey !== undefined ? { unknownApiKey: config.unknownApiKey } : {}),
    ...(config.mode !== undefined ? { mode: config.mode } : {}),
    ...(clock !== undefined ? { clock } : {}),
    exposeCost: config.exposeCost ?? 'always',
    ...(config.observability === true
      ? { freeQuotaField: 'quota', observers: [...(runtime.observers ?? [])] }
      : {}),
    ...(config.partitionKey === 'random' ? {} : { partitionKeySecret: false as const }),
    logger: runtime.logger ?? silent,
    ...(record !== undefined
      ? {
          onDecision: (event: QuotaDecisionEvent) =>
            record({
              operationName: event.operationName,
              client: event.client.id,
              cost: event.cost,
              allowed: event.decision.allowed,
              source: event.decision.source,
              atMs: Date.now(),
            }),
        }
      : {}),
  };
}

/** Apollo Server 5, standalone or on Express 5 (`@as-integrations/express5`, Express's JSON parser and CORS). */
async function listenApollo(
  schema: GraphQLSchema,
  options: QuotaOptions<AppContext> | null,
  config: ServerConfig,
  runtime: AppRuntime,
): Promise<Listening> {
  const kind = config.server ?? 'apollo';
  const variant = config.variant ?? 'quota';
  const plugins: ApolloServerPlugin<AppContext>[] = [];
  if (config.ownHeaders === true && kind === 'apollo') {
    // First, so that the quota plugin finds them there (Apollo's standalone server has no CORS options).
    plugins.push({
      requestDidStart: ({ response }) => {
        response.http.headers.set('x-served-by', 'apollo');
        response.http.headers.set('access-control-expose-headers', 'X-Served-By');
        return Promise.resolve();
      },
    });
  }
  if (config.appHeaders === true) {
    // First, so that the quota plugin finds them there. On Express the request id and Vary come from a
    // middleware, as cors's `Vary: Origin` would.
    plugins.push({
      requestDidStart: ({ response }) => {
        for (const [name, value] of Object.entries(APP_HEADERS))
          if (kind === 'apollo' || !EXPRESS_APP_HEADERS.includes(name))
            response.http.headers.set(name, value);
        return Promise.resolve();
      },
    });
  }
  if (variant === 'complexity') plugins.push(complexityPlugin(schema, 1_000_000_000));
  const quota = options === null ? null : quotaPlugin<AppContext>(options);
  if (quota !== null) plugins.push(quota);
  const served = runtime.onServed;
  if (served !== undefined) {
    // After the quota plugin, so that its willSendResponse (and settle) is inside the measured time.
    plugins.push({
      requestDidStart: () => {
        const started = performance.now();
        return Promise.resolve({
          willSendResponse: ({ operationName }) => {
            served(operationName ?? null, performance.now() - started);
            return Promise.resolve();
          },
        });
      },
    });
  }
  const server = new ApolloServer<AppContext>({
    schema,
    plugins,
    allowBatchedHttpRequests: config.allowBatchedHttpRequests ?? false,
    includeStacktraceInErrorResponses: false,
    logger: runtime.logger ?? silent,
  });
  const context = ({ req }: { req: IncomingMessage }): Promise<AppContext> =>
    Promise.resolve(appContext(config, req.headers.authorization, req.socket.remoteAddress));
  if (kind === 'apollo') {
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' }, context });
    return { url, quota, close: () => server.stop() };
  }
  await server.start();
  const app = express();
  const httpServer = createServer(app);
  app.use(
    '/',
    cors<cors.CorsRequest>(config.ownHeaders === true ? { exposedHeaders: ['X-Served-By'] } : {}),
    (_req, res, next) => {
      if (config.ownHeaders === true) res.setHeader('x-served-by', 'apollo-express');
      if (config.appHeaders === true)
        for (const name of EXPRESS_APP_HEADERS) res.setHeader(name, APP_HEADERS[name]!);
      next();
    },
    express.json({ limit: '50mb' }),
    expressMiddleware(server, { context }),
  );
  return {
    url: await listenOn(httpServer),
    quota,
    close: async () => {
      await server.stop();
      await closeServer(httpServer);
    },
  };
}

/** Listens on 127.0.0.1 and a free port; resolves with the server's URL. */
export async function listenOn(httpServer: Server): Promise<string> {
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/`;
}

/** Closes a Node server and the connections still open to it. */
export async function closeServer(httpServer: Server): Promise<void> {
  httpServer.closeAllConnections();
  await new Promise<void>((resolve) => httpServer.close(() => resolve()));
}

/*
 * Yoga's and Mercurius's servers are loaded only for a config that asks for them: the e2e proofs start many
 * Apollo server processes, each of which would otherwise load both frameworks too (2 to 3 s more per start
 * on the shared machine). require(), not import(): jest's CommonJS runtime runs no dynamic import().
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const loadYoga = (): typeof listenYoga =>
  (require('./yogaApp.js') as { listenYoga: typeof listenYoga }).listenYoga;
const loadMercurius = (): typeof listenMercurius =>
  (require('./mercuriusApp.js') as { listenMercurius: typeof listenMercurius }).listenMercurius;
/* eslint-enable @typescript-eslint/no-require-imports */

async function buildClusterStore(
  config: Extract<StoreConfig, { kind: 'redis-cluster' }>,
  clock: (() => number) | undefined,
): Promise<{ store: QuotaStore; close: () => Promise<void> }> {
  const nodes = parseNodes(config.nodes);
  const options = { keyPrefix: config.keyPrefix, ...(clock !== undefined ? { clock } : {}) };
  if (config.client === 'ioredis') {
    const client = ioredisCluster(nodes);
    const store = new RedisStore({ client, ...options });
    await store.ready();
    return { store, close: () => Promise.resolve(client.disconnect()) };
  }
  const client = await nodeRedisCluster(nodes);
  const store = new RedisStore({ client, ...options });
  await store.ready();
  return { store, close: () => client.quit() };
}

/** Starts a server on 127.0.0.1 and a free port. */
export async function startApp(config: ServerConfig, runtime: AppRuntime = {}): Promise<App> {
  const holds = runtime.holds ?? new Holds();
  const schema =
    config.schema === 'demo' ? createDemoSchema() : e2eSchema(holds, config.observability === true);
  const variant = config.variant ?? 'quota';
  const manual = config.clockStartMs !== undefined ? new ManualClock(config.clockStartMs) : null;
  const clock = runtime.clock ?? manual?.now;

  let store: QuotaStore | null = null;
  let closeStore = () => Promise.resolve();
  let options: QuotaOptions<AppContext> | null = null;
  if (variant === 'quota') {
    if (runtime.store !== undefined) store = runtime.store;
    else {
      const built = await buildStore(config.store ?? { kind: 'memory' }, clock);
      store = built.store;
      closeStore = built.close;
    }
    options = quotaOptions(config, runtime, store, clock);
  }
  const kind = config.server ?? 'apollo';
  const listening =
    kind === 'yoga'
      ? await loadYoga()(schema, options, config)
      : kind === 'mercurius'
        ? await loadMercurius()(schema, options, config)
        : await listenApollo(schema, options, config, runtime);
  const free = schema.getQueryType()!.getFields()['quota'];
  if (free !== undefined && listening.quota !== null) {
    const { engine, callerOf } = listening.quota;
    free.resolve = quotaResolvers({ peeker: engine, caller: callerOf }).Query['quota'] as never;
  }
  return {
    url: listening.url,
    quota: listening.quota,
    store,
    holds,
    clock: manual,
    stop: async () => {
      holds.release();
      await listening.close();
      await closeStore();
    },
  };
}
