/** GraphQL Yoga 5 on Node's HTTP server, with `useQuota` (`graphql-quota/envelop`), for serverApp.ts. */
import { useRateLimiter } from '@envelop/rate-limiter';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { GraphQLSchema } from 'graphql';
import { createServer, type IncomingMessage } from 'node:http';
import { useQuota } from '../../src/envelop/index.js';
import type { QuotaOptions } from '../../src/lifecycle/index.js';
import {
  APP_HEADERS,
  appContext,
  closeServer,
  listenOn,
  type AppContext,
  type Listening,
  type ServerConfig,
} from './serverApp.js';

/**
 * What a Yoga user would pick instead of graphql-quota: `@envelop/rate-limiter` on every Query field, per
 * client, and graphql-armor's cost limit, both with limits nobody reaches (the benchmark's peer).
 */
function peerStack(): Plugin[] {
  return [
    useRateLimiter({
      identifyFn: (context) => (context as AppContext).quotaClient ?? 'anonymous',
      configByField: [{ type: 'Query', field: '*', max: 1_000_000_000, window: '1h' }],
    }) as unknown as Plugin,
    costLimitPlugin({ maxCost: 1_000_000_000 }),
  ];
}

/** Starts Yoga on 127.0.0.1 and a free port, serving GraphQL at `/`. */
export async function listenYoga(
  schema: GraphQLSchema,
  options: QuotaOptions<AppContext> | null,
  config: ServerConfig,
): Promise<Listening> {
  const quota = options === null ? null : useQuota<AppContext>(options);
  const ownHeaders: Plugin = {
    onResponse: ({ response }) => response.headers.set('x-served-by', 'yoga'),
  };
  const appHeaders: Plugin = {
    onResponse: ({ response }) => {
      for (const [name, value] of Object.entries(APP_HEADERS)) response.headers.set(name, value);
    },
  };
  const plugins = [
    // Incremental delivery (@defer, @stream), which Yoga executes on graphql-js 16.
    ...(config.yogaDeferStream !== false ? [useDeferStream()] : []),
    ...(config.variant === 'peer' ? peerStack() : []),
    ...(config.ownHeaders === true ? [ownHeaders] : []),
    ...(config.appHeaders === true ? [appHeaders] : []),
    ...(quota !== null ? [quota] : []),
  ];
  const yoga = createYoga<{ req: IncomingMessage }, AppContext>({
    schema,
    plugins,
    graphqlEndpoint: '/',
    landingPage: false,
    graphiql: false,
    logging: false,
    batching: config.allowBatchedHttpRequests === true ? { limit: 1_000 } : false,
    ...(config.ownHeaders === true ? { cors: { origin: '*', exposedHeaders: ['X-Served-By'] } } : {}),
    context: ({ req }) => appContext(config, req.headers.authorization, req.socket.remoteAddress),
  });
  const httpServer = createServer((req, res) => void yoga(req, res));
  return {
    url: await listenOn(httpServer),
    quota,
    close: async () => {
      await closeServer(httpServer);
      await yoga.dispose();
    },
  };
}
