/**
 * Every refusal the lifecycle enforces is counted exactly once, by its code, in the Redis usage history:
 * whether the store's decision recorded it (a quota or block refusal), the lifecycle reported it
 * (`recordRefusal`: cost analysis, unknown API key), or the invalid-request count refused an operation the
 * cost analysis had refused (that count's decision records nothing: the refusal is reported instead).
 * Regression: the last kind (429 QUOTA_EXCEEDED of an over-maxCost operation once the request-counting
 * limit was exhausted) was counted nowhere.
 */
import { buildSchema, parse } from 'graphql';
import { COST_DIRECTIVES_SDL } from '../../src/cost/index.js';
import { RedisUsageHistory } from '../../src/history/index.js';
import { createQuotaLifecycle, identifyByApiKey } from '../../src/lifecycle/index.js';
import type { Plan } from '../../src/quota/index.js';
import { RedisStore } from '../../src/store/index.js';
import { deleteKeys, ioredisClient, startRedis, uniquePrefix, type TestRedis } from '../helpers/redis.js';

const schema = buildSchema(`${COST_DIRECTIVES_SDL}
type Query {
  products(first: Int = 10): [Product!]! @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)
}
type Product { id: ID! }
`);
const plans: Plan[] = [
  {
    name: 'free',
    limits: [
      { name: 'hourly', kind: 'fixed-window', limit: 30, windowMs: 3_600_000 },
      { name: 'requests', kind: 'fixed-window', counts: 'requests', limit: 4, windowMs: 3_600_000 },
    ],
  },
  { name: 'anonymous', limits: [{ name: 'hourly', kind: 'fixed-window', limit: 5, windowMs: 3_600_000 }] },
];

let server: TestRedis;
const prefix = uniquePrefix('refusals-counted');
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  const io = ioredisClient(server.url);
  await deleteKeys(io, prefix);
  io.disconnect();
  await server.stop();
});

it.each([false, true])(
  'counts each enforced refusal once, by its code (local refusal cache %s)',
  async (cache) => {
    const io = ioredisClient(server.url);
    const p = `${prefix}${String(cache)}:`;
    const store = new RedisStore({
      client: io,
      keyPrefix: p,
      usageHistory: true,
      localRefusalClients: cache ? 100 : 0,
    });
    const lifecycle = createQuotaLifecycle({
      store,
      plans,
      maxCost: 20,
      partitionKeySecret: false,
      unknownApiKey: 'refuse',
      identify: identifyByApiKey({ 'key-a': 'a' }),
    });
    const admit = async (query: string, apiKey: string) => {
      const operation = lifecycle.startOperation({
        schema,
        document: parse(query),
        request: { headers: new Headers({ 'x-api-key': apiKey }), context: {} },
      });
      const result = await operation.admit();
      if (result.allowed) await operation.settle('unknown');
      return result.allowed ? 'admitted' : result.code;
    };
    const seen: string[] = [];
    // 10 + 10 points admitted; 20 more refused by the hourly points (twice: the second maybe by the cache);
    // over maxCost twice (each counts a request: 2 + 2 = 4, the request limit exhausted); over maxCost again:
    // the count's refusal stands; an unknown key.
    for (const [query, key] of [
      ['query A { products(first: 10) { id } }', 'key-a'],
      ['query A { products(first: 10) { id } }', 'key-a'],
      ['query B { products(first: 20) { id } }', 'key-a'],
      ['query B { products(first: 20) { id } }', 'key-a'],
      ['query C { products(first: 21) { id } }', 'key-a'],
      ['query C { products(first: 21) { id } }', 'key-a'],
      ['query C { products(first: 21) { id } }', 'key-a'],
      ['query D { products(first: 1) { id } }', 'key-b'],
    ] as const)
      seen.push(await admit(query, key));
    expect(seen).toEqual([
      'admitted',
      'admitted',
      'QUOTA_EXCEEDED',
      'QUOTA_EXCEEDED',
      'COST_LIMIT_EXCEEDED',
      'COST_LIMIT_EXCEEDED',
      'QUOTA_EXCEEDED',
      'UNKNOWN_API_KEY',
    ]);
    await store.flushUsage();
    const history = new RedisUsageHistory(store);
    const range = { fromMs: Date.now() - 3_600_000, toMs: Date.now() + 60_000 };
    const counts: Record<string, number> = {};
    for (const point of await history.totals(range))
      for (const [code, n] of Object.entries(point.refusals ?? {})) counts[code] = (counts[code] ?? 0) + n;
    expect(counts).toEqual({ QUOTA_EXCEEDED: 3, COST_LIMIT_EXCEEDED: 2, UNKNOWN_API_KEY: 1 });
    io.disconnect();
  },
);
