import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { quotaPlugin } from '../../src/apollo/index.js';
import type { Plan } from '../../src/quota/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { ANONYMOUS, HOUR_RESET_S, TestClock, silentLogger, testSchema, type TestContext } from './harness.js';
import { CountingStore } from '../helpers/stores.js';

const PLAN: Plan = {
  name: 'free',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: 3_600_000 },
    { name: 'inflight', kind: 'concurrency', max: 1 },
  ],
};

/** Over real HTTP: Apollo's standalone server on an ephemeral port, and fetch. */
describe('quotaPlugin over HTTP', () => {
  let server: ApolloServer<TestContext>;
  let url: string;
  let store: CountingStore;
  let data: ReturnType<typeof testSchema>['data'];

  beforeEach(async () => {
    const clock = new TestClock();
    store = new CountingStore(new MemoryStore({ clock: clock.now }));
    const built = testSchema();
    data = built.data;
    server = new ApolloServer<TestContext>({
      schema: built.schema,
      logger: silentLogger(),
      plugins: [
        quotaPlugin<TestContext>({
          store,
          clock: clock.now,
          plans: [PLAN, ANONYMOUS],
          partitionKeySecret: false,
        }),
      ],
    });
    ({ url } = await startStandaloneServer(server, {
      listen: { port: 0, host: '127.0.0.1' },
      // The server authenticates; the plugin reads the result. Here a bearer token names the client.
      context: ({ req }) => {
        const token = /^Bearer (\w+)$/.exec(req.headers.authorization ?? '')?.[1];
        return Promise.resolve(token === undefined ? {} : { quotaClient: token });
      },
    }));
  });

  afterEach(async () => {
    await server.stop();
  });

  const send = (query: string, init: RequestInit = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer alice' },
      body: JSON.stringify({ query }),
      ...init,
    });

  it('sends the exact quota headers on the wire', async () => {
    const response = await send('{ products(first: 7) { id } }');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-rate-limit-remaining')).toBe('93');
    expect(response.headers.get('x-rate-limit-reset')).toBe(`${HOUR_RESET_S}`);
    expect(response.headers.get('x-rate-limit-consumed')).toBe('7');
    expect(response.headers.get('x-rate-limit-first-in-duration')).toBe('true');
    expect(response.headers.get('ratelimit-policy')).toBe(
      '"hourly";q=100;qu="graphql-cost";w=3600, "inflight";q=1;qu="concurrent-requests"',
    );
    expect(response.headers.get('ratelimit')).toBe('"hourly";r=93;t=2980, "inflight";r=0');
    expect(response.headers.get('retry-after')).toBeNull();
  });

  it('answers 429 with Retry-After and a GraphQL error body', async () => {
    await send('{ products(first: 90) { id } }');
    const refused = await send('{ products(first: 20) { id } }');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2980');
    expect(refused.headers.get('ratelimit')).toBe('"hourly";r=10;t=2980, "inflight";r=1');
    const body = (await refused.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['QUOTA_EXCEEDED']);
  });

  it('releases the concurrency slot of a request whose client went away', async () => {
    const abort = new AbortController();
    const gone = send('{ gated }', { signal: abort.signal });
    await data.gate.reached;
    abort.abort();
    await expect(gone).rejects.toThrow();
    expect((await send('{ products(first: 1) { id } }')).status).toBe(429); // still running server-side
    data.gate.open();
    await store.settles(1);
    const after = await send('{ products(first: 1) { id } }');
    expect(after.status).toBe(200);
    expect(store.calls).toEqual({ decide: 3, settle: 2 });
  });
});
