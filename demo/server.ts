/**
 * The demo server (`npm start`): the PIM demo schema behind the quota plugin, on http://localhost:4000/.
 *
 * Three API keys choose three plans; requests without a known key are anonymous, with a small quota per
 * client IP address. State lives in memory, or in Redis when REDIS_URL is set (e.g.
 * `REDIS_URL=redis://127.0.0.1:6379 npm start`), so several demo instances share one quota.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type BaseContext } from '@apollo/server';
import { quotaPlugin, type QuotaPlugin } from '../src/apollo/index.js';
import { createDashboardHandler } from '../src/dashboard/index.js';
import { InstanceActivity, MemoryUsageHistory, usageHistoryObserver } from '../src/history/index.js';
import { identifyByApiKey } from '../src/lifecycle/index.js';
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

/** What the demo's `context` function puts in every request's context. */
export interface DemoContext extends BaseContext {
  /** The TCP peer address. Not X-Forwarded-For: a client can write any value there. */
  readonly ip?: string;
}

export interface DemoServerOptions {
  /** Port to listen on; 0 picks a free one. Default: PORT, else {@link DEFAULT_DEMO_PORT}. */
  readonly port?: number;
  /** The quota store. Default: a RedisStore on REDIS_URL when set, else a MemoryStore. */
  readonly store?: QuotaStore;
  /** The quota clock, Unix epoch milliseconds (tests). Default `Date.now`. */
  readonly clock?: () => number;
  /** The dashboard's operator token. Default: DASHBOARD_OPERATOR_TOKEN, else {@link DEMO_OPERATOR_TOKEN}. */
  readonly operatorToken?: string;
}

export interface DemoServer {
  readonly url: string;
  readonly server: ApolloServer<DemoContext>;
  readonly quota: QuotaPlugin<DemoContext>;
  /** The usage history the dashboard reads (on in the demo; off unless asked for in the library). */
  readonly history: MemoryUsageHistory;
  /** The dashboard's operator token in force. */
  readonly operatorToken: string;
  stop(): Promise<void>;
}

async function defaultStore(): Promise<{ store: QuotaStore; close: () => Promise<void> }> {
  const redisUrl = process.env['REDIS_URL'];
  if (redisUrl === undefined || redisUrl === '')
    return { store: new MemoryStore(), close: () => Promise.resolve() };
  // Loaded only when asked for: the in-memory demo needs no Redis client.
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const keyPrefix = process.env['REDIS_KEY_PREFIX'];
  return {
    store: new RedisStore({ client, ...(keyPrefix ? { keyPrefix } : {}) }),
    close: async () => {
      await client.quit();
    },
  };
}

/** Starts the demo server; `stop()` closes it (and its Redis connection). */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const { store, close } =
    options.store === undefined
      ? await defaultStore()
      : { store: options.store, close: () => Promise.resolve() };
  const clock = options.clock ?? Date.now;
  const history = new MemoryUsageHistory({ clock });
  const activity = new InstanceActivity(clock);
  const quota = quotaPlugin<DemoContext>({
    store,
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    plans: DEMO_PLANS,
    identify: identifyByApiKey(DEMO_API_KEYS),
    planFor: (client) => PLAN_OF_CLIENT[client] ?? 'free',
    anonymousKey: ({ context }) => context.ip ?? 'unknown',
    maxCost: DEMO_MAX_COST,
    partitionKeySecret: process.env['QUOTA_PK_SECRET'] ?? 'graphql-quota-demo',
    observers: [usageHistoryObserver(history, activity)],
    onThreshold: ({ client, limit, threshold }) => {
      console.log(`quota: ${client.id} (${client.plan}) passed ${threshold * 100}% of "${limit.name}"`);
    },
  });
  const server = new ApolloServer<DemoContext>({
    schema: createDemoSchema(),
    plugins: [quota],
    includeStacktraceInErrorResponses: false,
  });
  await server.start();
  const contextOf = (req: IncomingMessage): DemoContext =>
    req.socket.remoteAddress ? { ip: req.socket.remoteAddress } : {};
  const operatorToken =
    options.operatorToken ?? (process.env['DASHBOARD_OPERATOR_TOKEN'] || DEMO_OPERATOR_TOKEN);
  const dashboard = createDashboardHandler<DemoContext>({
    quota,
    history,
    activity,
    operatorToken,
    context: contextOf,
    clock,
  });
  const httpServer = createServer((req, res) => {
    dashboard(req, res, () => {
      graphqlRequest(server, req, res, contextOf(req)).catch((error: unknown) => {
        console.error(error);
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
    });
  });
  const port = options.port ?? Number(process.env['PORT'] ?? DEFAULT_DEMO_PORT);
  await new Promise<void>((resolve) => httpServer.listen(port, resolve));
  const url = `http://localhost:${(httpServer.address() as AddressInfo).port}/`;
  return {
    url,
    server,
    quota,
    history,
    operatorToken,
    stop: async () => {
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

if (require.main === module) {
  startDemoServer().then(
    ({ url }) => {
      console.log(`graphql-quota demo on ${url} (${process.env['REDIS_URL'] ? 'Redis' : 'in-memory'} store)`);
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
