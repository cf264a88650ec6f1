/** Mercurius 16 on Fastify 5, with `mercuriusQuota` (`graphql-quota/mercurius`), for serverApp.ts. */
import Fastify from 'fastify';
import type { GraphQLSchema } from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import type { QuotaOptions } from '../../src/lifecycle/index.js';
import { mercuriusQuota } from '../../src/mercurius/index.js';
import { APP_HEADERS, appContext, type AppContext, type Listening, type ServerConfig } from './serverApp.js';

/** Starts Mercurius on 127.0.0.1 and a free port, serving GraphQL at `/`. */
export async function listenMercurius(
  schema: GraphQLSchema,
  options: QuotaOptions<AppContext> | null,
  config: ServerConfig,
): Promise<Listening> {
  const app = Fastify({ logger: false, bodyLimit: 50 * 1024 * 1024 });
  if (config.ownHeaders === true) {
    // What @fastify/cors does: the headers are on the reply from onRequest on.
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('x-served-by', 'mercurius');
      reply.header('access-control-allow-origin', '*');
      reply.header('access-control-expose-headers', 'X-Served-By');
    });
  }
  if (config.appHeaders === true) {
    app.addHook('onRequest', async (_request, reply) => {
      for (const [name, value] of Object.entries(APP_HEADERS)) reply.header(name, value);
    });
  }
  await app.register(mercurius, {
    schema,
    path: '/',
    graphiql: false,
    allowBatchedQueries: config.allowBatchedHttpRequests === true,
    context: (request) => appContext(config, request.headers.authorization, request.socket.remoteAddress),
  });
  const quota = options === null ? null : mercuriusQuota<MercuriusContext & AppContext>(options);
  if (quota !== null) await app.register(quota);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    quota,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}
