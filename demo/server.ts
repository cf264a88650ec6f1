/**
 * The demo server (`npm start`): the PIM demo schema behind the quota plugin, on http://localhost:4000/.
 *
 * Three API keys choose three plans; requests without a known key are anonymous, with a small quota per
 * client IP address. State lives in memory, or in Redis when REDIS_URL is set (e.g.
 * `REDIS_URL=redis://127.0.0.1:6379 npm start`), so several demo instances share one quota.
 */
import { ApolloServer, type BaseContext } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { quotaPlugin, type QuotaPlugin } from '../src/apollo/index.js';
import { identifyByApiKey } from '../src/lifecycle/index.js';
import type { Plan, QuotaStore } from '../src/quota/index.js';
import { MemoryStore, RedisStore } from '../src/store/index.js';
import { createDemoSchema } from './schema.js';

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
}

export interface DemoServer {
  readonly url: string;
  readonly server: ApolloServer<DemoContext>;
  readonly quota: QuotaPlugin<DemoContext>;
  stop(): Promise<void>;
}

async function defaultStore(): Promise<{ store: QuotaStore; close: () => Promise<void> }> {
  const redisUrl = process.env['REDIS_URL'];
  if (redisUrl === undefined || redisUrl === '')
    return { store: new MemoryStore(), close: () => Promise.resolve() };
  // Loaded only when asked for: the in-memory demo needs no Redis client.
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  return {
    store: new RedisStore({ client }),
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
  const quota = quotaPlugin<DemoContext>({
    store,
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    plans: DEMO_PLANS,
    identify: identifyByApiKey(DEMO_API_KEYS),
    planFor: (client) => PLAN_OF_CLIENT[client] ?? 'free',
    anonymousKey: ({ context }) => context.ip ?? 'unknown',
    maxCost: DEMO_MAX_COST,
    partitionKeySecret: process.env['QUOTA_PK_SECRET'] ?? 'graphql-quota-demo',
    onThreshold: ({ client, limit, threshold }) => {
      console.log(`quota: ${client.id} (${client.plan}) passed ${threshold * 100}% of "${limit.name}"`);
    },
  });
  const server = new ApolloServer<DemoContext>({
    schema: createDemoSchema(),
    plugins: [quota],
    includeStacktraceInErrorResponses: false,
  });
  const port = options.port ?? Number(process.env['PORT'] ?? DEFAULT_DEMO_PORT);
  const { url } = await startStandaloneServer(server, {
    listen: { port },
    context: ({ req }) => Promise.resolve(req.socket.remoteAddress ? { ip: req.socket.remoteAddress } : {}),
  });
  return {
    url,
    server,
    quota,
    stop: async () => {
      await server.stop();
      await close();
    },
  };
}

if (require.main === module) {
  startDemoServer().then(
    ({ url }) => {
      console.log(`graphql-quota demo on ${url} (${process.env['REDIS_URL'] ? 'Redis' : 'in-memory'} store)`);
      console.log(`API keys: ${Object.keys(DEMO_API_KEYS).join(', ')} (header x-api-key); none: anonymous`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
