/**
 * The seed policies' rules that need issue 10's limits, each as a plan and driven end to end through the
 * Apollo plugin on both stores (Redis through its script, under a key prefix), asserting exact statuses,
 * headers and messages. docs/policies.md maps every rule of the five seed policies to a plan and to the test
 * that runs it (this file, and __tests__/e2e/policies.test.ts for the rules plans could already express).
 */
import { ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import { quotaPlugin } from '../../src/apollo/index.js';
import { COST_DIRECTIVES_SDL } from '../../src/cost/index.js';
import type { QuotaThresholdEvent } from '../../src/lifecycle/index.js';
import type { Plan, QuotaStore } from '../../src/quota/index.js';
import { MemoryStore, RedisStore } from '../../src/store/index.js';
import { HOUR_RESET_S, TestClock, post, silentLogger, type TestContext } from '../apollo/harness.js';
import { useTestRedis } from '../helpers/redis.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Objects cost 1 (so `contacts(first: n)` costs n), `exportCatalogue` 50, mutations 10. */
const SDL = `${COST_DIRECTIVES_SDL}
type Query {
  contacts(updatedSince: String, first: Int = 100): [Contact!]! @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)
  exportCatalogue: String @cost(weight: 50)
  ping: Int
}
type Contact { id: ID! }
type Mutation { pushRows(rows: Int!): Int  updateContact(id: ID!): Boolean }
`;

function schema() {
  const s = buildSchema(SDL);
  const q = s.getQueryType()!.getFields();
  q.contacts!.resolve = (_: unknown, a: { first: number }) =>
    Array.from({ length: a.first }, (_v, i) => ({ id: `c${i}` }));
  q.exportCatalogue!.resolve = () => 'csv';
  q.ping!.resolve = () => 1;
  const m = s.getMutationType()!.getFields();
  m.pushRows!.resolve = (_: unknown, a: { rows: number }) => a.rows;
  m.updateContact!.resolve = () => true;
  return s;
}

/**
 * iMIS usage guidelines (seed 000): ~5,000 requests an hour per client, soft, bursts tolerated up to 120 %;
 * polling at most once an hour; sync jobs single-threaded; the platform's own capacity shared fairly so that
 * synchronised syncs of many clients are spread out; no full-dataset pulls (maxCost); alerts near and past
 * the limit (usageThresholds).
 */
const IMIS: Plan = {
  name: 'imis',
  limits: [
    {
      name: 'hourly',
      kind: 'fixed-window',
      counts: 'requests',
      limit: 5_000,
      windowMs: HOUR,
      soft: true,
      hardCeiling: 6_000,
    },
    {
      name: 'polling',
      kind: 'fixed-window',
      counts: 'requests',
      limit: 1,
      windowMs: HOUR,
      operationNames: ['PollContacts'],
    },
    {
      name: 'export',
      kind: 'fixed-window',
      counts: 'requests',
      limit: 1,
      windowMs: HOUR,
      rootFields: ['exportCatalogue'],
    },
    { name: 'single-thread', kind: 'concurrency', max: 1, leaseMs: 60_000 },
    { name: 'platform', kind: 'fixed-window', limit: 2_000, windowMs: 1_000, global: true },
  ],
};
/** Seed 001: 2,500 calls a day per organisation; a soft limit of 3 concurrent; pushes to the client not counted. */
const ORGANISATION: Plan = {
  name: 'organisation',
  limits: [
    { name: 'daily', kind: 'fixed-window', counts: 'requests', limit: 2_500, windowMs: DAY },
    { name: 'concurrent', kind: 'concurrency', max: 3, soft: true, hardCeiling: 6 },
  ],
  exempt: [{ operations: ['mutation'], rootFields: ['pushRows'] }],
};
/** Seed 003, Tier One: GET (queries) 1 per 60 s, POST (mutations) 1 per 17 s, burst 1. */
const TIER_ONE: Plan = {
  name: 'tier-one',
  limits: [
    { name: 'get', kind: 'token-bucket', rate: 1, periodMs: 60_000, burst: 1, operations: ['query'] },
    { name: 'post', kind: 'token-bucket', rate: 1, periodMs: 17_000, burst: 1, operations: ['mutation'] },
  ],
};
const ANONYMOUS: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', counts: 'requests', limit: 10, windowMs: HOUR }],
};

const redis = useTestRedis('e2e-seed-rules');

describe.each([
  ['MemoryStore', (clock: TestClock): QuotaStore => new MemoryStore({ clock: clock.now })],
  [
    'RedisStore',
    (clock: TestClock): QuotaStore =>
      new RedisStore({
        client: redis.io,
        keyPrefix: `${redis.prefix}${Math.random().toString(36).slice(2)}:`,
        clock: clock.now,
      }),
  ],
])('seed policy rules through the Apollo plugin, %s', (_name, makeStore) => {
  let server: ApolloServer<TestContext>;
  let store: QuotaStore;
  let clock: TestClock;
  const thresholds: string[] = [];

  beforeEach(async () => {
    clock = new TestClock();
    store = makeStore(clock);
    thresholds.length = 0;
    const quota = quotaPlugin<TestContext>({
      store,
      clock: clock.now,
      plans: [IMIS, ORGANISATION, TIER_ONE, ANONYMOUS],
      planFor: (client) =>
        client.startsWith('org-') ? 'organisation' : client.startsWith('tier1-') ? 'tier-one' : 'imis',
      maxCost: 1_000,
      partitionKeySecret: false,
      // These proofs are about the rules, not about a slow store: a loaded machine must not reach the
      // failure mode.
      storeTimeoutMs: 10_000,
      // X-Rate-Limit-* describe the hourly window (else the first cost window: the platform's).
      headers: { headerLimit: 'hourly' },
      usageThresholds: [0.8, 1],
      onThreshold: (e: QuotaThresholdEvent) => {
        thresholds.push(`${e.client.id} ${e.limit.name} ${e.threshold}`);
      },
    });
    server = new ApolloServer<TestContext>({ schema: schema(), plugins: [quota], logger: silentLogger() });
    await server.start();
  });
  afterEach(async () => {
    await server.stop();
  });

  const as = (quotaClient: string) => ({ context: { quotaClient } });
  const ask = (who: string, query: string, operationName?: string) =>
    post(server, operationName === undefined ? { query } : { query, operationName }, as(who));
  /** Uses `n` requests of a client's plan straight through the store (what n earlier requests would have). */
  const spend = async (who: string, plan: Plan, n: number) => {
    for (let i = 0; i < n; i++) {
      const d = await store.decide({ client: `id:${who}`, plan, cost: 0, operation: 'query' });
      if (d.leaseId !== null) {
        await store.settle({ client: `id:${who}`, plan, operation: 'query', refund: 0, leaseId: d.leaseId });
      }
    }
  };

  describe('iMIS (seed 000)', () => {
    it('"Limit API polling to once per hour per client": the named poll once an hour, other operations go on', async () => {
      const poll = 'query PollContacts { contacts(updatedSince: "2026-01-01", first: 10) { id } }';
      expect((await ask('acme', poll)).status).toBe(200);
      const again = await ask('acme', poll);
      expect(again.status).toBe(429);
      expect(again.headers['retry-after']).toBe('2980');
      expect(again.body.errors[0].message).toBe(
        'Quota exceeded: this operation needs 1 request and limit "polling" of plan "imis" has 0 requests left. Retry in 2980 s.',
      );
      // Status and errors together, so that a failure says which limit refused.
      const other = await ask('acme', '{ contacts(first: 10) { id } }');
      expect({ status: other.status, errors: other.body.errors }).toEqual({ status: 200, errors: undefined });
      clock.advance(2_980_000);
      expect((await ask('acme', poll)).status).toBe(200);
    });

    it('"Avoid recurring large unfiltered queries": exportCatalogue at most once an hour', async () => {
      expect((await ask('acme', '{ exportCatalogue }')).status).toBe(200);
      const again = await ask('acme', '{ e: exportCatalogue }');
      expect(again.status).toBe(429);
      expect(again.body.errors[0].extensions.quota.limit).toBe('export');
    });

    it('"Never request entire datasets": an unfiltered pull of every contact costs more than maxCost (400)', async () => {
      const all = await ask('acme', '{ contacts(first: 5000) { id } }');
      expect(all.status).toBe(400);
      expect(all.body.errors[0].extensions.code).toBe('COST_LIMIT_EXCEEDED');
    });

    it('"~5,000 requests/hour soft limit, short bursts above may be allowed": served past 5,000 up to 120 %, alerted', async () => {
      await spend('acme', IMIS, 4_999);
      const at = await ask('acme', '{ ping }');
      expect(at.status).toBe(200);
      expect(at.headers['x-rate-limit-remaining']).toBe('0');
      expect(thresholds.filter((t) => t.includes(' hourly '))).toEqual(['acme hourly 1']);
      const past = await ask('acme', '{ ping }');
      expect(past.status).toBe(200);
      expect(past.headers['x-rate-limit-consumed']).toBe('5001');
      await spend('acme', IMIS, 999);
      const ceiling = await ask('acme', '{ ping }');
      expect(ceiling.status).toBe(429);
      expect(ceiling.headers['retry-after']).toBe('2980');
      expect(ceiling.headers['x-rate-limit-reset']).toBe(`${HOUR_RESET_S}`);
    });

    it('"Sync jobs must be single-threaded per client": a second operation in flight is refused', async () => {
      const held = await store.decide({ client: 'id:acme', plan: IMIS, cost: 1, operation: 'query' });
      expect(held.leaseId).not.toBeNull();
      const second = await ask('acme', '{ ping }');
      expect(second.status).toBe(429);
      expect(second.body.errors[0].extensions.quota.limit).toBe('single-thread');
      await store.settle({
        client: 'id:acme',
        plan: IMIS,
        operation: 'query',
        refund: 0,
        leaseId: held.leaseId,
      });
      expect((await ask('acme', '{ ping }')).status).toBe(200);
    });

    it('"Do not sync multiple clients simultaneously" / "fairness across partners": past half the platform budget, no client takes more than its share', async () => {
      expect((await ask('acme', '{ contacts(first: 900) { id } }')).status).toBe(200);
      expect((await ask('acme', '{ contacts(first: 900) { id } }')).status).toBe(200);
      // 1,800 of 2,000 used this second; globex is the second client, its share is 1,000.
      const globex = await ask('globex', '{ contacts(first: 100) { id } }');
      expect(globex.status).toBe(200);
      expect(globex.headers['ratelimit']).toContain('"platform";r=100;t=1');
      // acme has used 1,800, more than its share of 1,000: refused until the next second.
      const acme = await ask('acme', '{ contacts(first: 50) { id } }');
      expect(acme.status).toBe(429);
      expect(acme.headers['retry-after']).toBe('1');
      expect(acme.body.errors[0].extensions.quota).toMatchObject({ limit: 'platform', remaining: 0 });
      clock.advance(1_000);
      expect((await ask('acme', '{ contacts(first: 50) { id } }')).status).toBe(200);
    });
  });

  describe('organisation limits (seed 001)', () => {
    it('"POST actions where our system pushes to yours are not counted": exempt, and the response says so', async () => {
      await ask('org-a', '{ ping }');
      for (let i = 0; i < 3; i++) {
        const push = await ask('org-a', 'mutation { pushRows(rows: 500) }');
        expect(push.status).toBe(200);
        expect(push.headers['x-rate-limit-exempt']).toBe('true');
        expect(push.headers['x-rate-limit-consumed']).toBe('1');
      }
      // Other writes count.
      const write = await ask('org-a', 'mutation { updateContact(id: "c1") }');
      expect(write.headers['x-rate-limit-consumed']).toBe('2');
    });

    it('"a soft limit of 3 concurrent API connections": a 4th in flight is served, told 0 left; refused past 6', async () => {
      const leases = [];
      for (let i = 0; i < 3; i++) {
        leases.push(
          await store.decide({ client: 'id:org-b', plan: ORGANISATION, cost: 1, operation: 'query' }),
        );
      }
      const fourth = await ask('org-b', '{ ping }');
      expect(fourth.status).toBe(200);
      expect(fourth.headers['ratelimit']).toContain('"concurrent";r=0');
      for (let i = 0; i < 3; i++) {
        leases.push(
          await store.decide({ client: 'id:org-b', plan: ORGANISATION, cost: 1, operation: 'query' }),
        );
      }
      expect(leases.every((d) => d.allowed)).toBe(true);
      const seventh = await ask('org-b', '{ ping }');
      expect(seventh.status).toBe(429);
      expect(seventh.body.errors[0].extensions.quota.limit).toBe('concurrent');
    });

    it('"2,500 a day per organization account": the 2,501st call of the day is refused until midnight', async () => {
      await spend('org-c', ORGANISATION, 2_500);
      const refused = await ask('org-c', '{ ping }');
      expect(refused.status).toBe(429);
      expect(refused.body.errors[0].extensions.quota.limit).toBe('daily');
      // 2026-01-02T00:00:00Z is 85,779.5 s after T0 (00:10:20.5).
      expect(refused.headers['retry-after']).toBe('85780');
    });

    it('"2,500 a day": a call that fails validation is a call too (countInvalidRequests), and says what is left', async () => {
      await spend('org-d', ORGANISATION, 2_499);
      const invalid = await ask('org-d', '{ nope }');
      expect([invalid.status, invalid.body.errors[0].extensions.code, invalid.headers['ratelimit']]).toEqual([
        400,
        'GRAPHQL_VALIDATION_FAILED',
        '"daily";r=0;t=85780',
      ]);
      const refused = await ask('org-d', '{ ping }');
      expect([refused.status, refused.body.errors[0].extensions.quota.limit]).toEqual([429, 'daily']);
    });
  });

  describe('tiers (seed 003)', () => {
    it('Tier One: "1 Request Per 60 Seconds" for GET, "1 Request Per 17 Seconds" for POST, burst 1, each its own', async () => {
      expect((await ask('tier1-shop', '{ ping }')).status).toBe(200);
      const read = await ask('tier1-shop', '{ ping }');
      expect(read.status).toBe(429);
      expect(read.headers['retry-after']).toBe('60');
      // A write is neither counted by the read bucket nor refused by it.
      expect((await ask('tier1-shop', 'mutation { updateContact(id: "c1") }')).status).toBe(200);
      const write = await ask('tier1-shop', 'mutation { updateContact(id: "c1") }');
      expect(write.status).toBe(429);
      expect(write.headers['retry-after']).toBe('17');
      expect(write.body.errors[0].message).toBe(
        'Quota exceeded: this operation needs 1 request and limit "post" of plan "tier-one" has 0 requests left. Retry in 17 s.',
      );
      clock.advance(17_000);
      expect((await ask('tier1-shop', 'mutation { updateContact(id: "c1") }')).status).toBe(200);
    });
  });
});
