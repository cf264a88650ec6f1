import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { quotaPlugin } from '../../src/apollo/index.js';
import { identifyByApiKey, type QuotaThresholdEvent } from '../../src/lifecycle/index.js';
import { partitionKey } from '../../src/lifecycle/partitionKey.js';
import { QuotaValidationError, type Plan } from '../../src/quota/index.js';
import { MemoryStore } from '../../src/store/index.js';
import {
  ANONYMOUS,
  FREE,
  HOUR_RESET_S,
  T0,
  post,
  quotaHeadersOf,
  silentLogger,
  startHarness,
  type TestContext,
} from './harness.js';
import { CountingStore, FailingStore, HangingStore } from '../helpers/stores.js';

const alice = { context: { quotaClient: 'alice' } };
const products = (first: number, fields = 'id') => ({ query: `{ products(first: ${first}) { ${fields} } }` });

describe('quotaPlugin: admitted operations', () => {
  it('charges the estimate and sends exact X-Rate-Limit-* and RateLimit headers', async () => {
    const { server } = await startHarness();
    try {
      const first = await post(server, products(5), alice);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ data: { products: [1, 2, 3, 4, 5].map((i) => ({ id: `p${i}` })) } });
      expect(quotaHeadersOf(first)).toEqual({
        'x-rate-limit-remaining': '95',
        'x-rate-limit-reset': `${HOUR_RESET_S}`,
        'x-rate-limit-consumed': '5',
        'x-rate-limit-first-in-duration': 'true',
        'ratelimit-policy': '"hourly";q=100;qu="graphql-cost";w=3600',
        // 01:00:00 is 49 min 39.5 s after T0: t rounds up to 2980.
        ratelimit: '"hourly";r=95;t=2980',
      });

      const second = await post(server, products(2, 'id price'), alice); // 2 products × (1 + 2) = 6
      expect(quotaHeadersOf(second)).toMatchObject({
        'x-rate-limit-remaining': '89',
        'x-rate-limit-consumed': '11',
        'x-rate-limit-first-in-duration': 'false',
        ratelimit: '"hourly";r=89;t=2980',
      });
    } finally {
      await server.stop();
    }
  });

  it('refunds what the response did not return: estimate 10, 2 products returned, 8 back', async () => {
    const { server, data } = await startHarness({ exposeCost: 'always' });
    try {
      data.productCount = 2;
      const first = await post(server, products(10), alice);
      // Headers describe the state after charging the estimate; the refund shows from the next response.
      expect(first.headers['x-rate-limit-remaining']).toBe('90');
      expect(first.body.extensions).toEqual({
        cost: {
          requestedQueryCost: 10,
          actualQueryCost: 2,
          throttleStatus: {
            limit: 'hourly',
            maximumAvailable: 100,
            currentlyAvailable: 90,
            restoreRate: null,
            resetAt: '2026-01-01T01:00:00.000Z',
          },
        },
      });
      const second = await post(server, products(10), alice);
      expect(second.headers['x-rate-limit-remaining']).toBe('88'); // 100 - 2 - 10
      expect(second.headers['x-rate-limit-consumed']).toBe('12');
    } finally {
      await server.stop();
    }
  });

  it('sends pk as a keyed hash of the client key, never the client id', async () => {
    const { server } = await startHarness({ partitionKeySecret: 'test-secret' });
    try {
      const response = await post(server, products(1), alice);
      const pk = Buffer.from(partitionKey('id:alice', 'test-secret')).toString('base64');
      expect(response.headers['ratelimit']).toBe(`"hourly";r=99;t=2980;pk=:${pk}:`);
      expect(response.headers['ratelimit-policy']).toBe(`"hourly";q=100;qu="graphql-cost";w=3600;pk=:${pk}:`);
      expect(JSON.stringify(response.headers)).not.toContain('alice');
    } finally {
      await server.stop();
    }
  });

  it('switches header families off one by one', async () => {
    const { server } = await startHarness({ headers: { xRateLimit: false } });
    try {
      const response = await post(server, products(1), alice);
      expect(Object.keys(quotaHeadersOf(response))).toEqual(['ratelimit-policy', 'ratelimit']);
    } finally {
      await server.stop();
    }
    const other = await startHarness({ headers: { ietf: false } });
    try {
      const response = await post(other.server, products(1), alice);
      expect(Object.keys(quotaHeadersOf(response))).toEqual([
        'x-rate-limit-remaining',
        'x-rate-limit-reset',
        'x-rate-limit-consumed',
        'x-rate-limit-first-in-duration',
      ]);
    } finally {
      await other.server.stop();
    }
  });
});

describe('quotaPlugin: refusals', () => {
  it('answers 429 QUOTA_EXCEEDED with Retry-After and the numbers, and charges nothing for it', async () => {
    const { server } = await startHarness();
    try {
      expect((await post(server, products(60), alice)).status).toBe(200);
      const refused = await post(server, products(60), alice);
      expect(refused.status).toBe(429);
      expect(quotaHeadersOf(refused)).toEqual({
        'x-rate-limit-remaining': '40',
        'x-rate-limit-reset': `${HOUR_RESET_S}`,
        'x-rate-limit-consumed': '60',
        'x-rate-limit-first-in-duration': 'false',
        'ratelimit-policy': '"hourly";q=100;qu="graphql-cost";w=3600',
        ratelimit: '"hourly";r=40;t=2980',
        'retry-after': '2980',
      });
      expect(refused.body).toEqual({
        errors: [
          {
            message:
              'Quota exceeded: this operation needs 60 points and limit "hourly" of plan "free" has 40 points left. Retry in 2980 s.',
            extensions: {
              code: 'QUOTA_EXCEEDED',
              quota: { plan: 'free', limit: 'hourly', cost: 60, remaining: 40, retryAfterSeconds: 2980 },
            },
          },
        ],
      });
      const rest = await post(server, products(40), alice);
      expect(rest.status).toBe(200);
      expect(rest.headers['x-rate-limit-remaining']).toBe('0');
    } finally {
      await server.stop();
    }
  });

  it('answers 400 QUOTA_CAPACITY_EXCEEDED, without Retry-After, when no wait could admit the cost', async () => {
    const { server } = await startHarness();
    try {
      const refused = await post(server, products(101), alice);
      expect(refused.status).toBe(400);
      expect(refused.headers['retry-after']).toBeUndefined();
      expect(refused.body.errors[0].extensions).toEqual({
        code: 'QUOTA_CAPACITY_EXCEEDED',
        quota: { plan: 'free', limit: 'hourly', cost: 101, remaining: 100, retryAfterSeconds: null },
      });
    } finally {
      await server.stop();
    }
  });

  it('refuses an operation over maxCost with 400 COST_LIMIT_EXCEEDED before touching the quota (countInvalidRequests: false)', async () => {
    const store = new CountingStore(new MemoryStore());
    // With the default countInvalidRequests the request is counted (lifecycle.test.ts, the conformance suite).
    const { server } = await startHarness({ store, maxCost: 50, countInvalidRequests: false });
    try {
      const refused = await post(server, products(20, 'id price'), alice);
      expect(refused.status).toBe(400);
      expect(quotaHeadersOf(refused)).toEqual({});
      expect(refused.body.errors).toEqual([
        {
          message: 'The operation costs 60 points, more than the maximum of 50.',
          extensions: {
            code: 'COST_LIMIT_EXCEEDED',
            cost: 60,
            maxCost: 50,
            fields: [
              { path: 'products.price', cost: 40 },
              { path: 'products', cost: 20 },
              { path: 'products.id', cost: 0 },
            ],
          },
        },
      ]);
      expect(store.calls.decide).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('kill switch: 403 CLIENT_BLOCKED for one client, then everyone, until lifted or expired', async () => {
    const { server, quota, clock } = await startHarness();
    const bob = { context: { quotaClient: 'bob' } };
    try {
      expect(await quota.block('alice', 60_000)).toBe(true);
      const blocked = await post(server, products(1), alice);
      expect(blocked.status).toBe(403);
      expect(blocked.headers['retry-after']).toBe('60');
      expect(blocked.body.errors[0].extensions).toEqual({
        code: 'CLIENT_BLOCKED',
        quota: { plan: 'free', limit: null, cost: 1, remaining: null, retryAfterSeconds: 60 },
      });
      expect((await post(server, products(1), bob)).status).toBe(200);

      await quota.blockEveryone(30_000);
      expect((await post(server, products(1), bob)).status).toBe(403);
      expect((await post(server, products(1))).status).toBe(403); // anonymous too
      await quota.unblockEveryone();
      expect((await post(server, products(1), bob)).status).toBe(200);
      expect((await post(server, products(1), alice)).status).toBe(403);

      clock.advance(60_000);
      expect((await post(server, products(1), alice)).status).toBe(200);

      await quota.blockAnonymous(10_000);
      expect((await post(server, products(1))).status).toBe(403);
      expect((await post(server, products(1), bob)).status).toBe(200);
      await quota.unblockAnonymous();
      expect((await post(server, products(1))).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: store failures', () => {
  it("answers 503 QUOTA_STORE_UNAVAILABLE (never 429) when the store throws and the mode is 'deny'", async () => {
    const { server } = await startHarness({ store: new FailingStore(), onStoreFailure: 'deny' });
    try {
      const refused = await post(server, products(1), alice);
      expect(refused.status).toBe(503);
      expect(quotaHeadersOf(refused)).toEqual({ 'retry-after': '1' });
      expect(refused.body.errors[0].extensions.code).toBe('QUOTA_STORE_UNAVAILABLE');
    } finally {
      await server.stop();
    }
  });

  it("admits without quota headers when the store hangs past its timeout and the mode is 'allow'", async () => {
    const logger = silentLogger();
    const { server } = await startHarness({
      store: new HangingStore(),
      onStoreFailure: 'allow',
      storeTimeoutMs: 5,
      logger,
    });
    try {
      const response = await post(server, products(1), alice);
      expect(response.status).toBe(200);
      expect(quotaHeadersOf(response)).toEqual({});
      expect(logger.lines.some((l) => l.startsWith('warn: graphql-quota: store decide failed'))).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it("decides from the in-process fallback store when the store fails and the mode is 'fallback'", async () => {
    const { server } = await startHarness({ store: new FailingStore(), onStoreFailure: 'fallback' });
    try {
      await post(server, products(30), alice);
      const response = await post(server, products(30), alice);
      expect(response.status).toBe(200);
      expect(response.headers['x-rate-limit-remaining']).toBe('40');
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: headers readable by browser code (CORS)', () => {
  const quotaNames =
    'x-rate-limit-remaining, x-rate-limit-reset, x-rate-limit-consumed, x-rate-limit-first-in-duration, ' +
    'ratelimit-policy, ratelimit';

  it('lists the quota headers in Access-Control-Expose-Headers, with Retry-After on a refusal', async () => {
    const { server } = await startHarness();
    try {
      const admitted = await post(server, products(60), alice);
      expect(admitted.headers['access-control-expose-headers']).toBe(quotaNames);
      const refused = await post(server, products(60), alice);
      expect(refused.status).toBe(429);
      expect(refused.headers['access-control-expose-headers']).toBe(`${quotaNames}, retry-after`);
    } finally {
      await server.stop();
    }
  });

  it('merges with a value another plugin set, and can be turned off', async () => {
    const requestIdPlugin = {
      requestDidStart({ response }: { response: { http: { headers: Map<string, string> } } }) {
        response.http.headers.set('access-control-expose-headers', 'X-Request-Id');
        return Promise.resolve({});
      },
    };
    const merged = await startHarness({}, { plugins: [requestIdPlugin] });
    try {
      const response = await post(merged.server, products(1), alice);
      expect(response.headers['access-control-expose-headers']).toBe(`X-Request-Id, ${quotaNames}`);
    } finally {
      await merged.server.stop();
    }
    const off = await startHarness({ exposeHeaders: false });
    try {
      const response = await post(off.server, products(1), alice);
      expect(response.headers['x-rate-limit-remaining']).toBe('99');
      expect(response.headers['access-control-expose-headers']).toBeUndefined();
    } finally {
      await off.server.stop();
    }
  });
});

describe('quotaPlugin: dry-run', () => {
  it('refuses nothing, charges only what would have been admitted, and still sends every header', async () => {
    const rejections: unknown[] = [];
    const { server } = await startHarness({
      mode: 'dry-run',
      maxCost: 70,
      onRejection: (event) => {
        rejections.push({ code: event.code, status: event.status, dryRun: event.dryRun });
      },
    });
    try {
      expect((await post(server, products(60), alice)).status).toBe(200);
      const over = await post(server, products(60), alice);
      expect(over.status).toBe(200);
      expect(over.body.data.products).toHaveLength(60);
      expect(over.headers['ratelimit']).toBe('"hourly";r=40;t=2980');
      expect(over.headers['retry-after']).toBe('2980');
      const tooCostly = await post(server, products(80), alice);
      expect(tooCostly.status).toBe(200);
      expect(rejections).toEqual([
        { code: 'QUOTA_EXCEEDED', status: 429, dryRun: true },
        { code: 'COST_LIMIT_EXCEEDED', status: 400, dryRun: true },
        { code: 'QUOTA_EXCEEDED', status: 429, dryRun: true },
      ]);
      // Only the first 60 were charged: 40 left.
      expect((await post(server, products(40), alice)).headers['x-rate-limit-remaining']).toBe('0');
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: dry-run and the kill switch', () => {
  it('still refuses a blocked client with 403 CLIENT_BLOCKED, reported as enforced', async () => {
    const rejections: unknown[] = [];
    const { server, quota } = await startHarness({
      mode: 'dry-run',
      onRejection: (event) => {
        rejections.push({ code: event.code, status: event.status, dryRun: event.dryRun });
      },
    });
    try {
      expect(await quota.block('alice', 60_000)).toBe(true);
      const blocked = await post(server, products(1), alice);
      expect(blocked.status).toBe(403);
      expect(blocked.headers['retry-after']).toBe('60');
      expect(blocked.body.errors[0].extensions.code).toBe('CLIENT_BLOCKED');
      expect(rejections).toEqual([{ code: 'CLIENT_BLOCKED', status: 403, dryRun: false }]);
      await quota.unblock('alice');
      expect((await post(server, products(1), alice)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: dry-run with a broken configuration', () => {
  it('lets the operation through uncharged and logs why', async () => {
    const logger = silentLogger();
    const { server } = await startHarness({ mode: 'dry-run', logger, planFor: () => 'platinum' });
    try {
      const response = await post(server, products(1), alice);
      expect(response.status).toBe(200);
      expect(quotaHeadersOf(response)).toEqual({});
      expect(logger.lines).toContain(
        'error: graphql-quota: planFor chose "platinum" for client "alice", which is not one of the plans',
      );
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: who pays', () => {
  it('ignores a client-sent header by default: without a context client the request is anonymous', async () => {
    const { server } = await startHarness();
    try {
      const response = await post(server, products(1), { headers: { 'x-api-key': 'alice' } });
      expect(response.headers['ratelimit-policy']).toBe('"hourly";q=20;qu="graphql-cost";w=3600');
      const identified = await post(server, products(1), alice);
      expect(identified.headers['ratelimit-policy']).toBe('"hourly";q=100;qu="graphql-cost";w=3600');
    } finally {
      await server.stop();
    }
  });

  it('identifyByApiKey trusts only known keys; an unknown key is anonymous', async () => {
    const { server } = await startHarness({ identify: identifyByApiKey({ 'key-alice-1': 'alice' }) });
    try {
      const known = await post(server, products(1), { headers: { 'x-api-key': 'key-alice-1' } });
      expect(known.headers['ratelimit']).toBe('"hourly";r=99;t=2980');
      const unknown = await post(server, products(1), { headers: { 'x-api-key': 'key-alice-2' } });
      expect(unknown.headers['ratelimit']).toBe('"hourly";r=19;t=2980');
    } finally {
      await server.stop();
    }
  });

  it('keeps an identified client named "anonymous" apart from the anonymous quota', async () => {
    const { server } = await startHarness();
    try {
      await post(server, products(10), { context: { quotaClient: 'anonymous' } });
      const anonymous = await post(server, products(1));
      expect(anonymous.headers['ratelimit']).toBe('"hourly";r=19;t=2980');
    } finally {
      await server.stop();
    }
  });

  it('chooses plans per client with planFor, and refuses with 500 QUOTA_MISCONFIGURED for an unknown plan', async () => {
    const PRO: Plan = {
      name: 'pro',
      limits: [{ name: 'hourly', kind: 'fixed-window', limit: 1000, windowMs: 3_600_000 }],
    };
    const { server } = await startHarness({
      plans: [FREE, PRO, ANONYMOUS],
      planFor: (client) => (client === 'alice' ? 'pro' : client === 'mallory' ? 'platinum' : 'free'),
    });
    try {
      expect((await post(server, products(1), alice)).headers['ratelimit']).toBe('"hourly";r=999;t=2980');
      expect(
        (await post(server, products(1), { context: { quotaClient: 'bob' } })).headers['ratelimit'],
      ).toBe('"hourly";r=99;t=2980');
      const misconfigured = await post(server, products(1), { context: { quotaClient: 'mallory' } });
      expect(misconfigured.status).toBe(500);
      expect(misconfigured.body.errors[0]).toEqual({
        message: 'The quota configuration for this client is invalid.',
        extensions: { code: 'QUOTA_MISCONFIGURED' },
      });
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: settling', () => {
  const withSlot: Plan = {
    name: 'free',
    limits: [
      { name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: 3_600_000 },
      { name: 'inflight', kind: 'concurrency', max: 1 },
    ],
  };

  it('holds a concurrency slot while an operation runs and releases it when it ends', async () => {
    const { server, data } = await startHarness({ plans: [withSlot, ANONYMOUS] });
    try {
      const running = post(server, { query: '{ gated }' }, alice);
      await data.gate.reached;
      const refused = await post(server, products(1), alice);
      expect(refused.status).toBe(429);
      // Issue 10: no cost beside a slot, and no operation of this client observed yet: retry in 1 s, not the
      // 60 s lease (see policyLimits.test.ts for the estimate from observed durations).
      expect(refused.body.errors[0].extensions.quota).toEqual({
        plan: 'free',
        limit: 'inflight',
        remaining: 0,
        retryAfterSeconds: 1,
      });
      expect(refused.headers['ratelimit']).toBe('"hourly";r=100;t=2980, "inflight";r=0');
      data.gate.open();
      expect((await running).status).toBe(200);
      expect((await post(server, products(1), alice)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('releases the slot when a resolver throws', async () => {
    const { server } = await startHarness({ plans: [withSlot, ANONYMOUS] });
    try {
      const failed = await post(server, { query: '{ boom }' }, alice);
      expect(failed.body.data).toEqual({ boom: null });
      expect((await post(server, products(1), alice)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('refunds everything and releases when another plugin refuses the operation after admission', async () => {
    const store = new CountingStore(new MemoryStore({ clock: () => T0 }));
    const forbidding: ApolloServerPlugin<TestContext> = {
      requestDidStart() {
        return Promise.resolve({
          didResolveOperation() {
            return Promise.reject(
              new GraphQLError('no', {
                // A Map, as Apollo wants (Yoga's types, loaded by the envelop adapter, declare an object).
                extensions: { code: 'FORBIDDEN', http: { status: 403, headers: new Map() } } as Record<
                  string,
                  unknown
                >,
              }),
            );
          },
        });
      },
    };
    const { server } = await startHarness({ store, plans: [withSlot, ANONYMOUS] }, { plugins: [forbidding] });
    try {
      const refused = await post(server, products(30), alice);
      expect(refused.status).toBe(403);
      expect(store.calls).toEqual({ decide: 1, settle: 1 });
      expect(store.settled[0]).toMatchObject({ refund: 30, client: 'id:alice' });
      expect(store.settled[0]!.leaseId).not.toBeNull();
    } finally {
      await server.stop();
    }
  });

  it('settles exactly once when another plugin fails the request unexpectedly after execution', async () => {
    const store = new CountingStore(new MemoryStore({ clock: () => T0 }));
    const failing: ApolloServerPlugin<TestContext> = {
      requestDidStart() {
        return Promise.resolve({
          willSendResponse() {
            return Promise.reject(new Error('plugin bug'));
          },
        });
      },
    };
    const { server } = await startHarness({ store, plans: [withSlot, ANONYMOUS] }, { plugins: [failing] });
    try {
      const response = await post(server, products(3), alice);
      expect(response.status).toBe(500);
      expect(store.calls).toEqual({ decide: 1, settle: 1 });
      const next = await post(server, products(3), alice);
      expect(next.status).toBe(500);
      expect(store.calls).toEqual({ decide: 2, settle: 2 });
    } finally {
      await server.stop();
    }
  });

  it('settles once per operation of a successful request, never for a refused one', async () => {
    const store = new CountingStore(new MemoryStore({ clock: () => T0 }));
    const { server, data } = await startHarness({ store });
    try {
      data.productCount = 50; // 61 points estimated, 51 used: 10 to refund
      await post(server, products(60), alice);
      await post(server, products(60), alice); // refused: 49 left
      expect(store.calls).toEqual({ decide: 2, settle: 1 });
      expect(store.settled.map((s) => [s.refund, s.leaseId])).toEqual([[10, null]]);
    } finally {
      await server.stop();
    }
  });

  it('does not ask the store to settle when there is nothing to refund and no slot to release', async () => {
    const store = new CountingStore(new MemoryStore({ clock: () => T0 }));
    const { server } = await startHarness({ store });
    try {
      const exact = await post(server, products(5), alice); // 5 points estimated, 5 used
      expect(exact.status).toBe(200);
      expect(store.calls).toEqual({ decide: 1, settle: 0 });
      const next = await post(server, products(5), alice);
      expect(next.headers['x-rate-limit-remaining']).toBe('90');
      expect(store.calls).toEqual({ decide: 2, settle: 0 });
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: batched requests share one response head', () => {
  it('merges the decisions: the headers describe the state after every operation', async () => {
    const { server } = await startHarness({}, { allowBatchedHttpRequests: true });
    try {
      const response = await post(server, [products(5), products(7)], alice);
      expect(response.status).toBe(200);
      expect(response.body).toHaveLength(2);
      expect(quotaHeadersOf(response)).toEqual({
        'x-rate-limit-remaining': '88',
        'x-rate-limit-reset': `${HOUR_RESET_S}`,
        'x-rate-limit-consumed': '12',
        'x-rate-limit-first-in-duration': 'true',
        'ratelimit-policy': '"hourly";q=100;qu="graphql-cost";w=3600',
        ratelimit: '"hourly";r=88;t=2980',
      });
    } finally {
      await server.stop();
    }
  });

  it('answers 200 when one operation ran and another was refused: the refusal is in its own result', async () => {
    const { server } = await startHarness({}, { allowBatchedHttpRequests: true });
    try {
      await post(server, products(90), alice);
      const response = await post(server, [products(5), products(20)], alice);
      // Not 429: the first operation ran, and a client retrying on 429 would run it again.
      expect(response.status).toBe(200);
      expect(response.body[0].data.products).toHaveLength(5);
      expect(response.body[1].errors[0].extensions.code).toBe('QUOTA_EXCEEDED');
      expect(quotaHeadersOf(response)).toMatchObject({
        'x-rate-limit-remaining': '5',
        'x-rate-limit-consumed': '95',
        ratelimit: '"hourly";r=5;t=2980',
        'retry-after': '2980',
      });
      expect(response.body[1].errors[0].extensions.quota).toEqual({
        plan: 'free',
        limit: 'hourly',
        cost: 20,
        remaining: 5,
        retryAfterSeconds: 2980,
      });
      // Every operation refused: the refusal's status.
      const none = await post(server, [products(20), products(30)], alice);
      expect([none.status, none.body.map((r: { data?: unknown }) => r.data ?? null)]).toEqual([
        429,
        [null, null],
      ]);
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: extensions.cost', () => {
  it('is sent on request (x-quota-cost) by default, and not otherwise', async () => {
    const { server } = await startHarness();
    try {
      expect((await post(server, products(1), alice)).body.extensions).toBeUndefined();
      expect(
        (await post(server, products(1), { ...alice, headers: { 'x-quota-cost': '0' } })).body.extensions,
      ).toBeUndefined();
      const asked = await post(server, products(1), { ...alice, headers: { 'x-quota-cost': '1' } });
      expect(asked.body.extensions.cost).toMatchObject({ requestedQueryCost: 1, actualQueryCost: 1 });
    } finally {
      await server.stop();
    }
  });

  it('reports a token bucket restore rate, and the estimate of a refused operation', async () => {
    const BUCKET: Plan = {
      name: 'free',
      limits: [{ name: 'bucket', kind: 'token-bucket', counts: 'cost', rate: 5, burst: 50 }],
    };
    const { server } = await startHarness({ plans: [BUCKET, ANONYMOUS], exposeCost: 'always' });
    try {
      await post(server, products(45), alice);
      const refused = await post(server, products(10), alice);
      expect(refused.status).toBe(429);
      expect(refused.body.extensions).toEqual({
        cost: {
          requestedQueryCost: 10,
          actualQueryCost: null,
          throttleStatus: {
            limit: 'bucket',
            maximumAvailable: 50,
            currentlyAvailable: 5,
            restoreRate: 5,
            resetAt: new Date(T0 + 9000).toISOString(),
          },
        },
      });
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.headers['ratelimit']).toBe('"bucket";r=5;t=1');
      expect(refused.headers['ratelimit-policy']).toBe('"bucket";q=50;qu="graphql-cost";w=10');
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: hooks', () => {
  it('fires onThreshold once per window per threshold, even when a refund takes usage back under it', async () => {
    const events: string[] = [];
    const record = (event: QuotaThresholdEvent) => {
      events.push(`${event.client.id} ${event.limit.name} ${event.threshold} ${event.limit.consumed}`);
    };
    const { server, data, clock } = await startHarness({ onThreshold: record, usageThresholds: [0.5, 0.8] });
    try {
      await post(server, products(40), alice); // 40
      await post(server, products(20), alice); // 60: crosses 0.5
      data.productCount = 0;
      await post(server, products(30), alice); // 90 (crosses 0.8), then refunded to 60
      await post(server, products(30), alice); // 90 again: already fired in this window
      expect(events).toEqual(['alice hourly 0.5 60', 'alice hourly 0.8 90']);
      clock.advance(3_600_000);
      await post(server, products(90), alice);
      expect(events).toEqual([
        'alice hourly 0.5 60',
        'alice hourly 0.8 90',
        'alice hourly 0.5 90',
        'alice hourly 0.8 90',
      ]);
    } finally {
      await server.stop();
    }
  });

  it('calls onDecision for each decision, and a throwing hook only logs', async () => {
    const logger = silentLogger();
    const seen: unknown[] = [];
    const { server } = await startHarness({
      logger,
      onDecision: (event) => {
        seen.push({
          client: event.client,
          cost: event.cost,
          allowed: event.decision.allowed,
          type: event.operationType,
        });
        throw new Error('hook bug');
      },
    });
    try {
      const response = await post(server, { query: 'mutation { touch }' }, alice);
      expect(response.status).toBe(200);
      expect(seen).toEqual([
        {
          client: { id: 'alice', anonymous: false, plan: 'free' },
          cost: 15,
          allowed: true,
          type: 'mutation',
        },
      ]);
      expect(logger.lines).toContain('error: graphql-quota: onDecision hook failed: hook bug');
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: options', () => {
  const store = new MemoryStore();
  it.each([
    [{ plans: [FREE] }, /anonymousPlan "anonymous" is not one of the plans \(free\)/],
    [{ plans: [] }, /plans must be a non-empty array/],
    [{ plans: [FREE, ANONYMOUS], mode: 'shadow' }, /mode must be 'enforce' or 'dry-run'/],
    [{ plans: [FREE, ANONYMOUS], usageThresholds: [80] }, /usageThresholds must be in \(0, 1\]/],
    [{ plans: [FREE, ANONYMOUS], defaultPlan: 'gold' }, /defaultPlan "gold" is not one of the plans/],
  ])('rejects %j at creation', (options, message) => {
    const create = () => quotaPlugin({ store, ...options } as Parameters<typeof quotaPlugin>[0]);
    expect(create).toThrow(QuotaValidationError);
    expect(create).toThrow(message);
  });
});
