/**
 * The demo server (`npm start`): the PIM demo schema behind the quota plugin, on http://localhost:4000/.
 * Apollo Server by default; `DEMO_SERVER=yoga npm start` runs it on GraphQL Yoga (`graphql-quota/envelop`),
 * `DEMO_SERVER=mercurius npm start` on Mercurius and Fastify (`graphql-quota/mercurius`): the same schema,
 * keys, plans and quota options on each.
 *
 * Three API keys choose three plans; requests without a known key are anonymous, with a small quota per
 * client IP address. State lives in memory, or in Redis when REDIS_URL is set (e.g.
 * `REDIS_URL=redis://127.0.0.1:6379 npm start`), so several demo instances share one quota.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import Fastify from 'fastify';
import { createYoga } from 'graphql-yoga';
import mercurius, { type MercuriusContext } from 'mercurius';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { quotaPlugin } from '../src/apollo/index.js';
import { useQuota } from '../src/envelop/index.js';
import { identifyByApiKey, type QuotaKillSwitch, type QuotaOptions } from '../src/lifecycle/index.js';
import { mercuriusQuota } from '../src/mercurius/index.js';
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
}

export interface DemoServer {
  readonly url: string;
  readonly server: DemoServerKind;
  /** The kill switch (and the engine) of the server's adapter. */
  readonly quota: QuotaKillSwitch;
  stop(): Promise<void>;
}

/** The demo's quota options: the same on every server. */
function demoQuotaOptions(store: QuotaStore, clock: (() => number) | undefined): QuotaOptions<DemoContext> {
  return {
    store,
    ...(clock !== undefined ? { clock } : {}),
    plans: DEMO_PLANS,
    identify: identifyByApiKey(DEMO_API_KEYS),
    planFor: (client) => PLAN_OF_CLIENT[client] ?? 'free',
    anonymousKey: ({ context }) => context.ip ?? 'unknown',
    maxCost: DEMO_MAX_COST,
    partitionKeySecret: process.env['QUOTA_PK_SECRET'] ?? 'graphql-quota-demo',
    onThreshold: ({ client, limit, threshold }) => {
      console.log(`quota: ${client.id} (${client.plan}) passed ${threshold * 100}% of "${limit.name}"`);
    },
  };
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
  return {
    store: new RedisStore({ client }),
    close: async () => {
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
  const quotaOptions = demoQuotaOptions(store, options.clock);
  const port = options.port ?? Number(process.env['PORT'] ?? DEFAULT_DEMO_PORT);
  const schema = createDemoSchema();

  if (kind === 'yoga') {
    const quota = useQuota<DemoContext>(quotaOptions);
    const yoga = createYoga<{ req: IncomingMessage }, DemoContext>({
      schema,
      plugins: [quota],
      graphqlEndpoint: '/',
      // On Node's HTTP server, Yoga's server context carries the Node request.
      context: ({ req }) => (req.socket.remoteAddress ? { ip: req.socket.remoteAddress } : {}),
    });
    const httpServer = createServer((req, res) => void yoga(req, res));
    await new Promise<void>((resolve) => httpServer.listen(port, resolve));
    return {
      url: `http://localhost:${(httpServer.address() as AddressInfo).port}/`,
      server: kind,
      quota,
      stop: async () => {
        httpServer.closeAllConnections();
        await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await close();
      },
    };
  }

  if (kind === 'mercurius') {
    const quota = mercuriusQuota<MercuriusContext & DemoContext>(quotaOptions);
    const app = Fastify();
    await app.register(mercurius, {
      schema,
      path: '/',
      graphiql: true,
      context: (request) => ({ ip: request.socket.remoteAddress }),
    });
    await app.register(quota);
    await app.listen({ port });
    return {
      url: `http://localhost:${(app.server.address() as AddressInfo).port}/`,
      server: kind,
      quota,
      stop: async () => {
        await app.close();
        await close();
      },
    };
  }

  const quota = quotaPlugin<DemoContext>(quotaOptions);
  const server = new ApolloServer<DemoContext>({
    schema,
    plugins: [quota],
    includeStacktraceInErrorResponses: false,
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port },
    context: ({ req }) => Promise.resolve(req.socket.remoteAddress ? { ip: req.socket.remoteAddress } : {}),
  });
  return {
    url,
    server: kind,
    quota,
    stop: async () => {
      await server.stop();
      await close();
    },
  };
}

if (require.main === module) {
  startDemoServer().then(
    ({ url, server }) => {
      console.log(
        `graphql-quota demo on ${url} (${server}, ${process.env['REDIS_URL'] ? 'Redis' : 'in-memory'} store)`,
      );
      console.log(`API keys: ${Object.keys(DEMO_API_KEYS).join(', ')} (header x-api-key); none: anonymous`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
