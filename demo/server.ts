/**
 * The demo server (`npm start`): the PIM demo schema behind the quota plugin, on http://localhost:4000/.
 * Apollo Server by default; `DEMO_SERVER=yoga npm start` runs it on GraphQL Yoga (`graphql-quota/envelop`),
 * `DEMO_SERVER=mercurius npm start` on Mercurius and Fastify (`graphql-quota/mercurius`): the same schema,
 * keys, plans and quota options on each.
 *
 * Three API keys choose three plans; requests without a known key are anonymous, with a small quota per
 * client IP address. State lives in memory, or in Redis when REDIS_URL is set (e.g.
 * `REDIS_URL=redis://127.0.0.1:6379 npm start`), so several demo instances share one quota.
 *
 * Observability: the metrics catalogue in Prometheus text on `GET /metrics` of the metrics port
 * (METRICS_PORT, default 9464, the OpenTelemetry Prometheus exporter's), the caller's own quota as JSON on
 * `GET /quota` there too (send `x-api-key`), a decision log record per operation on stdout (JSON lines,
 * pino), alerts in that log, and the free `quota` field in the schema.
 */
import { ApolloServer, HeaderMap } from '@apollo/server';
import Fastify from 'fastify';
import { createYoga } from 'graphql-yoga';
import mercurius, { type MercuriusContext } from 'mercurius';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants } from 'node:os';
import { pino, type DestinationStream } from 'pino';
import { Registry } from 'prom-client';
import { quotaPlugin } from '../src/apollo/index.js';
import { createDashboardHandler } from '../src/dashboard/index.js';
import { useQuota } from '../src/envelop/index.js';
import {
  InstanceActivity,
  MemoryUsageHistory,
  RedisUsageHistory,
  usageHistoryObserver,
  type UsageHistoryReader,
} from '../src/history/index.js';
import {
  identifyByApiKey,
  type QuotaHandle,
  type QuotaOptions,
  type QuotaRequest,
} from '../src/lifecycle/index.js';
import { AlertWatcher, QuotaMetrics, decisionLog, type QuotaObserver } from '../src/observability/index.js';
import { registerPrometheusMetrics } from '../src/observability/prometheus.js';
import { mercuriusQuota } from '../src/mercurius/index.js';
import type { Plan, QuotaStore } from '../src/quota/index.js';
import { MemoryStore, RedisStore } from '../src/store/index.js';
import { createDemoSchema } from './schema.js';

/**
 * The operator token of the dashboard's operator view when DASHBOARD_OPERATOR_TOKEN is not set: a development
 * default, printed at start. Set the variable anywhere that is not your laptop.
 */
export const DEMO_OPERATOR_TOKEN = 'demo-operator-token-change-me';

/** Default port; the PORT environment variable overrides it. */
export const DEFAULT_DEMO_PORT = 4000;

/** Default port of `/metrics` and `/quota`; the METRICS_PORT environment variable overrides it. */
export const DEFAULT_DEMO_METRICS_PORT = 9464;

/** How often the demo's alert watcher re-checks its rates without traffic, in milliseconds. */
const ALERT_CHECK_MS = 5_000;

/** The most an operation may cost on the demo, in points, whatever the plan. */
export const DEMO_MAX_COST = 5_000;

/** Demo API key → client id. An operator's table would come from a database or a secret store. */
export const DEMO_API_KEYS: Readonly<Record<string, string>> = {
  'demo-free': 'acme-free',
  'demo-pro': 'acme-pro',
  'demo-enterprise': 'acme-enterprise',
};

/** Client id → plan name. */
const PLAN_OF_CLIENT: Readonly<Record<string, string>> = {
  'acme-free': 'free',
  'acme-pro': 'pro',
  'acme-enterprise': 'enterprise',
};

const HOUR_MS = 3_600_000;

/** The demo's plans: an hourly cost window, a request rate, and a concurrency cap, by tier. */
export const DEMO_PLANS: readonly Plan[] = [
  {
    name: 'free',
    limits: [
      { name: 'hourly', kind: 'fixed-window', limit: 1_000, windowMs: HOUR_MS },
      { name: 'rate', kind: 'token-bucket', rate: 5, burst: 10 },
      { name: 'inflight', kind: 'concurrency', max: 4 },
    ],
  },
  {
    name: 'pro',
    limits: [
      { name: 'hourly', kind: 'fixed-window', limit: 20_000, windowMs: HOUR_MS },
      { name: 'rate', kind: 'token-bucket', rate: 20, burst: 50 },
      { name: 'inflight', kind: 'concurrency', max: 16 },
    ],
  },
  {
    name: 'enterprise',
    limits: [
      { name: 'hourly', kind: 'fixed-window', limit: 200_000, windowMs: HOUR_MS },
      { name: 'inflight', kind: 'concurrency', max: 64 },
    ],
  },
  {
    name: 'anonymous',
    limits: [
      { name: 'hourly', kind: 'fixed-window', limit: 200, windowMs: HOUR_MS },
      { name: 'rate', kind: 'token-bucket', rate: 1, burst: 5 },
    ],
  },
];

/** What the demo's `context` function puts in every request's context, on every server. */
export interface DemoContext {
  /** The TCP peer address. Not X-Forwarded-For: a client can write any value there. */
  readonly ip?: string;
}

/** The servers the demo runs on (`DEMO_SERVER`). */
export const DEMO_SERVERS = ['apollo', 'yoga', 'mercurius'] as const;
export type DemoServerKind = (typeof DEMO_SERVERS)[number];

export interface DemoServerOptions {
  /** Which server. Default: DEMO_SERVER, else `'apollo'`. */
  readonly server?: DemoServerKind;
  /** Port to listen on; 0 picks a free one. Default: PORT, else {@link DEFAULT_DEMO_PORT}. */
  readonly port?: number;
  /** The quota store. Default: a RedisStore on REDIS_URL when set, else a MemoryStore. */
  readonly store?: QuotaStore;
  /** The quota clock, Unix epoch milliseconds (tests). Default `Date.now`. */
  readonly clock?: () => number;
  /**
   * Port of `/metrics` and `/quota`; 0 picks a free one. Default: METRICS_PORT, else a free one when `port` is
   * 0, else {@link DEFAULT_DEMO_METRICS_PORT}.
   */
  readonly metricsPort?: number;
  /** Where the decision log and alerts go (JSON lines). Default: stdout. */
  readonly log?: DestinationStream;
  /** The dashboard's operator token. Default: DASHBOARD_OPERATOR_TOKEN, else {@link DEMO_OPERATOR_TOKEN}. */
  readonly operatorToken?: string;
}

/** What every adapter hands back: the kill switch, the engine, and the caller's own quota. */
export type DemoQuota = QuotaHandle<DemoContext>;

export interface DemoServer {
  readonly url: string;
  readonly server: DemoServerKind;
  /** `http://127.0.0.1:<port>/`: `GET metrics` (Prometheus text) and `GET quota` (the caller's quota, JSON). */
  readonly metricsUrl: string;
  /** The metrics behind `/metrics`. */
  readonly metrics: QuotaMetrics;
  /** The kill switch (and the engine) of the server's adapter. */
  readonly quota: DemoQuota;
  /**
   * The usage history the dashboard reads (on in the demo; off unless asked for in the library): the Redis
   * store's own (`RedisUsageHistory`) when the store is a RedisStore that keeps one, shared by every instance;
   * else a `MemoryUsageHistory` of this instance.
   */
  readonly history: UsageHistoryReader;
  /** The dashboard's operator token in force. */
  readonly operatorToken: string;
  stop(): Promise<void>;
}

/** The demo's quota options: the same on every server. */
function demoQuotaOptions(
  store: QuotaStore,
  clock: (() => number) | undefined,
  observers: readonly QuotaObserver[],
): QuotaOptions<DemoContext> {
  return {
    store,
    observers,
    freeQuotaField: 'quota',
    ...(clock !== undefined ? { clock } : {}),
    plans: DEMO_PLANS,
    identify: identifyByApiKey(DEMO_API_KEYS),
    planFor: (client) => PLAN_OF_CLIENT[client] ?? 'free',
    anonymousKey: ({ context }) => anonymousAddress(context.ip),
    maxCost: DEMO_MAX_COST,
    partitionKeySecret: process.env['QUOTA_PK_SECRET'] ?? 'graphql-quota-demo',
    ...storeTimeout(),
    onThreshold: ({ client, limit, threshold }) => {
      console.log(`quota: ${client.id} (${client.plan}) passed ${threshold * 100}% of "${limit.name}"`);
    },
  };
}

/**
 * An anonymous caller's key: its address, an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, what a dual-stack
 * listener sees) written as the IPv4 address it is, so that the same caller is the same anonymous client on
 * every server and port (the metrics port listens on IPv4 only).
 */
function anonymousAddress(ip: string | undefined): string {
  if (ip === undefined) return 'unknown';
  return /^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(ip) ? ip.slice(7) : ip;
}

/** `QUOTA_STORE_TIMEOUT_MS`: the engine's store deadline (`storeTimeoutMs`), when set. */
function storeTimeout(): { storeTimeoutMs?: number } {
  const value = process.env['QUOTA_STORE_TIMEOUT_MS'];
  if (value === undefined || value === '') return {};
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || ms <= 0)
    throw new Error(`QUOTA_STORE_TIMEOUT_MS must be a positive integer of milliseconds, got "${value}"`);
  return { storeTimeoutMs: ms };
}

function demoServerKind(): DemoServerKind {
  const named = process.env['DEMO_SERVER'] ?? 'apollo';
  if (!(DEMO_SERVERS as readonly string[]).includes(named))
    throw new Error(`DEMO_SERVER must be one of ${DEMO_SERVERS.join(', ')}, got "${named}"`);
  return named as DemoServerKind;
}

async function defaultStore(): Promise<{ store: QuotaStore; close: () => Promise<void> }> {
  const redisUrl = process.env['REDIS_URL'];
  if (redisUrl === undefined || redisUrl === '')
    return { store: new MemoryStore(), close: () => Promise.resolve() };
  // Loaded only when asked for: the in-memory demo needs no Redis client.
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  // One line per outage (ioredis emits an error per reconnection attempt; unheard, it prints each one).
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    console.warn(
      `demo: Redis unreachable (${error.message}); the engine's failure mode applies until it is back`,
    );
  });
  client.on('ready', () => {
    if (down) console.warn('demo: Redis is back');
    down = false;
  });
  const keyPrefix = process.env['REDIS_KEY_PREFIX'];
  // The usage history in Redis: every demo instance's dashboard shows every instance's traffic.
  const store = new RedisStore({ client, usageHistory: true, ...(keyPrefix ? { keyPrefix } : {}) });
  return {
    store,
    close: async () => {
      // Refusals still waiting for a script call to carry them to the usage history.
      await store.flushUsage().catch(() => undefined);
      await client.quit();
    },
  };
}

/** Starts the demo server; `stop()` closes it (and its Redis connection). */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const kind = options.server ?? demoServerKind();
  const { store, close } =
    options.store === undefined
      ? await defaultStore()
      : { store: options.store, close: () => Promise.resolve() };
  const log = pino({ base: null }, options.log ?? pino.destination(1));
  const metrics = new QuotaMetrics();
  const registry = new Registry();
  registerPrometheusMetrics(metrics, { registry });
  const alerts = new AlertWatcher({
    thresholds: { refusals: 0.5, serverErrors: 0.05, storeFailures: 0.1, fallback: 0.1 },
    onAlert: (alert) => log.warn({ alert }, `graphql-quota alert: ${alert.kind} ${alert.status}`),
  });
  const clock = options.clock ?? Date.now;
  // A RedisStore keeping the usage history writes it itself; else this instance keeps it in memory.
  const inRedis = store instanceof RedisStore && store.usage !== null ? store : null;
  const memory = inRedis === null ? new MemoryUsageHistory({ clock }) : null;
  const history: UsageHistoryReader = inRedis === null ? memory! : new RedisUsageHistory(inRedis, { clock });
  const activity = new InstanceActivity(clock);
  const quotaOptions = demoQuotaOptions(store, options.clock, [
    metrics,
    decisionLog({ logger: log }),
    alerts,
    usageHistoryObserver(memory, activity),
  ]);
  const contextOf = (req: IncomingMessage): DemoContext =>
    req.socket.remoteAddress ? { ip: req.socket.remoteAddress } : {};
  const operatorToken =
    options.operatorToken ?? (process.env['DASHBOARD_OPERATOR_TOKEN'] || DEMO_OPERATOR_TOKEN);
  // The dashboard at /dashboard, on every server: the same handler, fed by the same history.
  const dashboardFor = (quota: DemoQuota) =>
    createDashboardHandler<DemoContext>({
      quota,
      history,
      activity,
      operatorToken,
      context: contextOf,
      clock,
    });
  const port = options.port ?? Number(process.env['PORT'] ?? DEFAULT_DEMO_PORT);
  const schemaFor = (quota: DemoQuota) =>
    createDemoSchema({ quota: { peeker: quota.engine, caller: quota.callerOf } });

  // The operations port and the alert clock, the same on every server.
  const ops = async (quota: DemoQuota) => {
    const metricsServer = await listen(
      createServer((req, res) => void serveOps(req, res, registry, quota)),
      options.metricsPort ??
        // A demo on a free port (tests, several processes) takes a free metrics port too.
        Number(process.env['METRICS_PORT'] ?? (port === 0 ? 0 : DEFAULT_DEMO_METRICS_PORT)),
    );
    const checker = setInterval(() => alerts.check(), ALERT_CHECK_MS).unref();
    return {
      metricsUrl: `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/`,
      metrics,
      history,
      operatorToken,
      stop: async () => {
        clearInterval(checker);
        await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      },
    };
  };

  if (kind === 'yoga') {
    const quota = useQuota<DemoContext>(quotaOptions);
    const yoga = createYoga<{ req: IncomingMessage }, DemoContext>({
      schema: schemaFor(quota),
      plugins: [quota],
      graphqlEndpoint: '/',
      // On Node's HTTP server, Yoga's server context carries the Node request.
      context: ({ req }) => (req.socket.remoteAddress ? { ip: req.socket.remoteAddress } : {}),
    });
    const dashboard = dashboardFor(quota);
    const httpServer = createServer((req, res) => dashboard(req, res, () => void yoga(req, res)));
    await new Promise<void>((resolve) => httpServer.listen(port, resolve));
    const { stop: stopOps, ...opsInfo } = await ops(quota);
    return {
      url: `http://localhost:${(httpServer.address() as AddressInfo).port}/`,
      server: kind,
      ...opsInfo,
      quota,
      stop: async () => {
        await stopOps();
        httpServer.closeAllConnections();
        await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await close();
      },
    };
  }

  if (kind === 'mercurius') {
    const plugin = mercuriusQuota<MercuriusContext & DemoContext>(quotaOptions);
    // The demo's identify and anonymousKey read only `ip`, which every DemoContext carries: GET /quota has no
    // Mercurius context to give, and needs none.
    const quota: DemoQuota = {
      ...plugin,
      readQuota: (request) => plugin.readQuota(request as QuotaRequest<MercuriusContext & DemoContext>),
      identifyRequest: (request) =>
        plugin.identifyRequest(request as QuotaRequest<MercuriusContext & DemoContext>),
    };
    const app = Fastify();
    await app.register(mercurius, {
      schema: schemaFor(quota),
      path: '/',
      graphiql: true,
      context: (request) => ({ ip: request.socket.remoteAddress }),
    });
    await app.register(plugin);
    const dashboard = dashboardFor(quota);
    const mount = (request: { raw: IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }) => {
      reply.hijack();
      dashboard(request.raw, reply.raw);
    };
    app.all('/dashboard', mount);
    app.all('/dashboard/*', mount);
    await app.listen({ port });
    const { stop: stopOps, ...opsInfo } = await ops(quota);
    return {
      url: `http://localhost:${(app.server.address() as AddressInfo).port}/`,
      server: kind,
      ...opsInfo,
      quota,
      stop: async () => {
        await stopOps();
        await app.close();
        await close();
      },
    };
  }

  const quota = quotaPlugin<DemoContext>(quotaOptions);
  const server = new ApolloServer<DemoContext>({
    schema: schemaFor(quota),
    plugins: [quota],
    includeStacktraceInErrorResponses: false,
  });
  await server.start();
  const dashboard = dashboardFor(quota);
  const httpServer = createServer((req, res) => {
    dashboard(req, res, () => {
      graphqlRequest(server, req, res, contextOf(req)).catch((error: unknown) => {
        console.error(error);
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(port, resolve));
  const url = `http://localhost:${(httpServer.address() as AddressInfo).port}/`;
  const { stop: stopOps, ...opsInfo } = await ops(quota);
  return {
    url,
    server: kind,
    ...opsInfo,
    quota,
    stop: async () => {
      await stopOps();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await server.stop();
      await close();
    },
  };
}

/** The most request body the demo reads, in bytes. */
const MAX_BODY_BYTES = 1_000_000;

/** Hands a Node request to Apollo Server (what `startStandaloneServer` does with Express, in a few lines). */
async function graphqlRequest(
  server: ApolloServer<DemoContext>,
  req: IncomingMessage,
  res: ServerResponse,
  context: DemoContext,
): Promise<void> {
  // CORS as startStandaloneServer's `cors()` answers it: any origin, preflights answered here.
  res.setHeader('access-control-allow-origin', '*');
  if (req.method === 'OPTIONS') {
    res.statusCode = 204;
    res.setHeader('access-control-allow-methods', 'GET,HEAD,PUT,PATCH,POST,DELETE');
    const asked = req.headers['access-control-request-headers'];
    if (asked !== undefined) res.setHeader('access-control-allow-headers', asked);
    res.setHeader('vary', 'Access-Control-Request-Headers');
    return void res.end();
  }
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      res.statusCode = 413;
      return void res.end();
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown = text;
  if (/^application\/json/i.test(req.headers['content-type'] ?? '') && text !== '') {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      res.statusCode = 400;
      return void res.end('malformed JSON body');
    }
  }
  const result = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: (req.method ?? 'GET').toUpperCase(),
      headers,
      search: new URL(req.url ?? '/', 'http://localhost').search,
      body,
    },
    context: () => Promise.resolve(context),
  });
  res.statusCode = result.status ?? 200;
  for (const [name, value] of result.headers) res.setHeader(name, value);
  if (result.body.kind === 'complete') return void res.end(result.body.string);
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

function listen(server: Server, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** The operations port: `GET /metrics` (Prometheus text) and `GET /quota` (GitHub's `GET /rate_limit`). */
async function serveOps(
  req: IncomingMessage,
  res: ServerResponse,
  registry: Registry,
  quota: DemoQuota,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  try {
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
    } else if (req.method === 'GET' && path === '/quota') {
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      };
      const context: DemoContext = req.socket.remoteAddress ? { ip: req.socket.remoteAddress } : {};
      const state = await quota.readQuota({ headers: { get: header }, context });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /metrics or GET /quota\n');
    }
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`);
  }
}

if (require.main === module) {
  startDemoServer().then(
    ({ url, server, metricsUrl, stop }) => {
      // Ctrl-C (SIGINT) or SIGTERM stops the demo cleanly: `stop()` closes the servers and flushes the
      // pending refusals into the Redis usage history (flushUsage) before the process exits. A second
      // signal exits at once.
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) process.exit(128 + (constants.signals[signal] ?? 0));
        stopping = true;
        console.log(`graphql-quota demo: ${signal}, stopping (again to exit at once)`);
        stop().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(error);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      console.log(
        `graphql-quota demo on ${url} (${server}, ${process.env['REDIS_URL'] ? 'Redis' : 'in-memory'} store)`,
      );
      console.log(`metrics: ${metricsUrl}metrics; your quota: ${metricsUrl}quota (x-api-key); log: stdout`);
      console.log(`API keys: ${Object.keys(DEMO_API_KEYS).join(', ')} (header x-api-key); none: anonymous`);
      console.log(`dashboard: ${url}dashboard (sign in with an API key, or as operator)`);
      if (!process.env['DASHBOARD_OPERATOR_TOKEN'])
        console.log(
          `operator token (development default; set DASHBOARD_OPERATOR_TOKEN): ${DEMO_OPERATOR_TOKEN}`,
        );
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
