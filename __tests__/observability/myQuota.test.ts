import { Kind, buildASTSchema, graphql, parse, type OperationDefinitionNode } from 'graphql';
import { CostAnalyzer, withCostDirectives } from '../../src/cost/index.js';
import {
  isFreeQuotaOperation,
  quotaResolvers,
  quotaTypeDefs,
  readQuota,
  type QuotaCaller,
} from '../../src/observability/index.js';
import { QuotaEngine } from '../../src/engine/index.js';
import type { Plan } from '../../src/quota/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { DownStore, T0 } from './events.js';

const PLAN: Plan = {
  name: 'free',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: 3_600_000 },
    { name: 'rate', kind: 'token-bucket', rate: 1, periodMs: 1000, burst: 10 },
    { name: 'writes', kind: 'fixed-window', limit: 5, windowMs: 60_000, operations: ['mutation'] },
  ],
};

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function engine() {
  const nowMs = T0 + 1_000;
  const clock = () => nowMs;
  return new QuotaEngine({ store: new MemoryStore({ clock }), clock, logger: silent });
}

const alice: QuotaCaller = { key: 'id:alice', plan: PLAN };
const bob: QuotaCaller = { key: 'id:bob', plan: PLAN };

describe('readQuota: the plain function any HTTP route can call', () => {
  it("reports the caller's own state, never charged", async () => {
    const e = engine();
    await e.decide({ client: alice.key, plan: PLAN, cost: 30, operation: 'query' });
    const state = await readQuota(e, alice);
    expect(state).toEqual({
      plan: 'free',
      cost: 0,
      available: true,
      blocked: false,
      limits: [
        {
          name: 'hourly',
          kind: 'fixed-window',
          counts: 'cost',
          limit: 100,
          remaining: 70,
          used: 30,
          resetAt: new Date(T0 + 3_600_000).toISOString(),
          windowSeconds: 3600,
          appliesTo: ['query', 'mutation', 'subscription'],
        },
        {
          name: 'rate',
          kind: 'token-bucket',
          counts: 'requests',
          limit: 10,
          remaining: 9,
          used: 1,
          resetAt: new Date(T0 + 2_000).toISOString(),
          windowSeconds: 10,
          appliesTo: ['query', 'mutation', 'subscription'],
        },
        {
          name: 'writes',
          kind: 'fixed-window',
          counts: 'cost',
          limit: 5,
          remaining: 5,
          used: 0,
          resetAt: new Date(T0 + 60_000).toISOString(),
          windowSeconds: 60,
          appliesTo: ['mutation'],
        },
      ],
    });
    // Reading it again, many times, changes nothing.
    for (let i = 0; i < 20; i++) await readQuota(e, alice);
    expect(await readQuota(e, alice)).toEqual(state);
    // Another client's state is its own.
    const other = await readQuota(e, bob);
    expect(other.limits.map((l) => l.remaining)).toEqual([100, 10, 5]);
  });

  it('reports no usage when the store cannot be read (failure mode), and a block', async () => {
    const down = new QuotaEngine({ store: new DownStore(), onStoreFailure: 'allow', logger: silent });
    expect(await readQuota(down, alice)).toEqual({
      plan: 'free',
      cost: 0,
      available: false,
      blocked: false,
      limits: [],
    });
    const e = engine();
    await e.block(alice.key, 60_000);
    expect((await readQuota(e, alice)).blocked).toBe(true);
    expect((await readQuota(e, bob)).blocked).toBe(false);
  });
});

describe('the quota field (SDL + resolvers)', () => {
  const typeDefs = `type Query { products: [String!]! @listSize(assumedSize: 10) }\n${quotaTypeDefs()}`;

  function schemaFor(
    callerOf: (context: { caller: QuotaCaller | null }) => QuotaCaller | null,
    e: QuotaEngine,
  ) {
    const schema = buildASTSchema(withCostDirectives(typeDefs));
    const resolvers = quotaResolvers({ peeker: e, caller: callerOf });
    schema.getQueryType()!.getFields()['quota']!.resolve = resolvers.Query['quota'] as never;
    schema.getQueryType()!.getFields()['products']!.resolve = () => ['a'];
    return schema;
  }

  it('reads the store once per request, however many aliases of the field it has', async () => {
    const e = engine();
    const peeks: string[] = [];
    const peeker = { peek: (...a: Parameters<QuotaEngine['peek']>) => (peeks.push(a[0]), e.peek(...a)) };
    const schema = buildASTSchema(withCostDirectives(typeDefs));
    const resolvers = quotaResolvers({ peeker, caller: (ctx: { caller: QuotaCaller }) => ctx.caller });
    schema.getQueryType()!.getFields()['quota']!.resolve = resolvers.Query['quota'] as never;
    const aliases = Array.from({ length: 500 }, (_, i) => `a${i}: quota { plan }`).join(' ');
    const result = await graphql({ schema, source: `{ ${aliases} }`, contextValue: { caller: alice } });
    expect(Object.keys(result.data!)).toHaveLength(500);
    expect(result.data!['a499']).toEqual({ plan: 'free' });
    expect(peeks).toEqual([alice.key]);
    // Another request (another context) reads again, for its own caller.
    await graphql({
      schema,
      source: '{ a: quota { plan } b: quota { plan } }',
      contextValue: { caller: bob },
    });
    expect(peeks).toEqual([alice.key, bob.key]);
  });

  it('answers each caller with its own state; the field takes no argument naming a client', async () => {
    const e = engine();
    await e.decide({ client: alice.key, plan: PLAN, cost: 42, operation: 'query' });
    const schema = schemaFor((ctx) => ctx.caller, e);
    expect(schema.getQueryType()!.getFields()['quota']!.args).toEqual([]);
    const source = '{ quota { plan cost available limits { name remaining used } } }';
    const asAlice = await graphql({ schema, source, contextValue: { caller: alice } });
    expect(asAlice).toEqual({
      data: {
        quota: {
          plan: 'free',
          cost: 0,
          available: true,
          limits: [
            { name: 'hourly', remaining: 58, used: 42 },
            { name: 'rate', remaining: 9, used: 1 },
            { name: 'writes', remaining: 5, used: 0 },
          ],
        },
      },
    });
    const asBob = await graphql({ schema, source, contextValue: { caller: bob } });
    expect(
      (asBob.data!['quota'] as { limits: { remaining: number }[] }).limits.map((l) => l.remaining),
    ).toEqual([100, 10, 5]);
    // Asking for another client's state is not expressible.
    const sneaky = await graphql({
      schema,
      source: '{ quota(client: "id:alice") { plan } }',
      contextValue: { caller: bob },
    });
    expect(sneaky.errors?.[0]?.message).toBe('Unknown argument "client" on field "Query.quota".');
    // No caller resolved: null, not someone else's state.
    expect(await graphql({ schema, source: '{ quota { plan } }', contextValue: { caller: null } })).toEqual({
      data: { quota: null },
    });
  });

  it('costs 0 points to the cost analyzer, alone or beside other fields', () => {
    const schema = buildASTSchema(withCostDirectives(typeDefs));
    const analyzer = new CostAnalyzer(schema);
    const cost = (q: string) => analyzer.analyze(parse(q), { operationName: null, variables: {} }).total;
    expect(
      cost(
        '{ quota { plan cost available blocked limits { name kind counts limit remaining used resetAt windowSeconds appliesTo } } }',
      ),
    ).toBe(0);
    expect(cost('{ products quota { plan limits { name } } }')).toBe(cost('{ products }'));
  });

  it('isFreeQuotaOperation: only quota and __typename, through fragments; never a mutation', () => {
    const check = (q: string, name?: string) => {
      const doc = parse(q);
      const op = doc.definitions.find(
        (d): d is OperationDefinitionNode =>
          d.kind === Kind.OPERATION_DEFINITION && (name === undefined || d.name?.value === name),
      )!;
      return isFreeQuotaOperation(doc, op);
    };
    expect(check('{ quota { plan } }')).toBe(true);
    expect(check('query Q { __typename quota { plan } }')).toBe(true);
    expect(check('{ ... on Query { quota { plan } } }')).toBe(true);
    expect(check('{ ...F } fragment F on Query { quota { plan } ...F }')).toBe(true);
    expect(check('{ __typename }')).toBe(false);
    expect(check('{ quota { plan } products }')).toBe(false);
    expect(check('{ ...F } fragment F on Query { products }')).toBe(false);
    expect(check('{ ...Missing }')).toBe(false);
    expect(check('{ q: quota { plan } ... on Query { p: products } }')).toBe(false);
    expect(check('mutation { quota }')).toBe(false);
    expect(check('query A { products } query B { quota { plan } }', 'B')).toBe(true);
    // A field aliased "quota" is judged by its name, not its alias.
    expect(check('{ quota: products }')).toBe(false);
  });
});
