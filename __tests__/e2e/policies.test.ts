/**
 * The published rate-limit policies this library is meant to express, each configured as a plan and driven
 * end to end: Apollo's standalone server on a real port, fetch, the plugin, and a store (in memory, and Redis
 * with its clock injected), asserting the exact status, headers and error of every step. Time only moves
 * when the test moves it.
 */
import type { QuotaStore } from '../../src/quota/index.js';
import { MemoryStore, RedisStore } from '../../src/store/index.js';
import { useTestRedis } from '../helpers/redis.js';
import { ManualClock, startApp, type App } from '../helpers/serverApp.js';
import { errorCodes, gql, quotaHeaders, type GqlResponse } from '../helpers/serverClient.js';

import {
  ANONYMOUS,
  API,
  API_KEYS,
  HOUR,
  HOUR_END_S,
  HOURLY_5000,
  OPENPIM,
  ORGANISATION,
  PLAN_OF,
  T0,
  TIER_1,
  TIER_2,
} from '../helpers/seedPlans.js';

const rows = (n: number) => `{ rows(first: ${n}) { id } }`;
const PING = '{ ping }';
const HOLD = '{ hold }';
const SAVE = 'mutation { save }';

const redis = useTestRedis('e2e-policies');

describe.each([
  ['MemoryStore', (clock: ManualClock): QuotaStore => new MemoryStore({ clock: clock.now })],
  [
    'RedisStore',
    (clock: ManualClock): QuotaStore =>
      new RedisStore({
        client: redis.io,
        keyPrefix: `${redis.prefix}${Math.random().toString(36).slice(2)}:`,
        clock: clock.now,
      }),
  ],
])('published policies over HTTP, %s', (_name, makeStore) => {
  let app: App;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    app = await startApp(
      {
        schema: 'e2e',
        identify: 'api-key',
        apiKeys: API_KEYS,
        planOf: PLAN_OF,
        plans: [OPENPIM, HOURLY_5000, ORGANISATION, API, TIER_1, TIER_2, ANONYMOUS],
        // Not a timeout test: on a busy machine a late Redis answer must not hand a decision to the fallback.
        storeTimeoutMs: 10_000,
      },
      { store: makeStore(clock), clock: clock.now },
    );
  });
  afterEach(async () => {
    await app.stop();
  });

  const send = (apiKey: string, query: string) => gql(app.url, query, { apiKey });
  const refusal = (response: GqlResponse) => ({
    status: response.status,
    codes: errorCodes(response),
    quota: response.body.errors?.[0]?.extensions?.quota,
  });

  it('openPIM: 30,000 points an hour, with the exact X-Rate-Limit-* values of its documentation', async () => {
    const first = await send('key-pim', rows(400));
    expect(first.status).toBe(200);
    expect(quotaHeaders(first)).toEqual({
      'x-rate-limit-remaining': '26000',
      'x-rate-limit-reset': `${HOUR_END_S}`,
      'x-rate-limit-consumed': '4000',
      'x-rate-limit-first-in-duration': 'true',
      'ratelimit-policy': '"total";q=30000;qu="graphql-cost";w=3600',
      ratelimit: '"total";r=26000;t=2700',
    });
    // The example of openPIM's rate-limiting page: a total of 10,000 spent, 20,000 left, not the first.
    const second = await send('key-pim', rows(600));
    expect(quotaHeaders(second)).toMatchObject({
      'x-rate-limit-remaining': '20000',
      'x-rate-limit-reset': `${HOUR_END_S}`,
      'x-rate-limit-consumed': '10000',
      'x-rate-limit-first-in-duration': 'false',
    });
    clock.advance(600_000);
    const third = await send('key-pim', rows(2_000));
    expect(quotaHeaders(third)).toMatchObject({
      'x-rate-limit-remaining': '0',
      'x-rate-limit-consumed': '30000',
      ratelimit: '"total";r=0;t=2100',
    });

    const refused = await send('key-pim', rows(1));
    expect(refusal(refused)).toEqual({
      status: 429,
      codes: ['QUOTA_EXCEEDED'],
      quota: { plan: 'openpim', limit: 'total', cost: 10, remaining: 0, retryAfterSeconds: 2_100 },
    });
    expect(quotaHeaders(refused)).toEqual({
      'x-rate-limit-remaining': '0',
      'x-rate-limit-reset': `${HOUR_END_S}`,
      'x-rate-limit-consumed': '30000',
      'x-rate-limit-first-in-duration': 'false',
      'ratelimit-policy': '"total";q=30000;qu="graphql-cost";w=3600',
      ratelimit: '"total";r=0;t=2100',
      'retry-after': '2100',
    });
    expect(refused.body.errors[0].message).toBe(
      'Quota exceeded: this operation needs 10 points and limit "total" of plan "openpim" has 0 points left. Retry in 2100 s.',
    );

    // The next hour: 25,000 estimated, 2,000 rows exist (20,000 points), so 5,000 come back after the response.
    clock.advance(2_100_000 + 30_000);
    const estimated = await send('key-pim', rows(2_500));
    expect(estimated.body.extensions.cost).toMatchObject({
      requestedQueryCost: 25_000,
      actualQueryCost: 20_000,
    });
    expect(quotaHeaders(estimated)).toMatchObject({
      'x-rate-limit-remaining': '5000',
      'x-rate-limit-reset': `${HOUR_END_S + 3_600}`,
      'x-rate-limit-consumed': '25000',
      'x-rate-limit-first-in-duration': 'true',
    });
    // 10,000 more fit only because the refund came back.
    const afterRefund = await send('key-pim', rows(1_000));
    expect(afterRefund.status).toBe(200);
    expect(quotaHeaders(afterRefund)).toMatchObject({
      'x-rate-limit-remaining': '0',
      'x-rate-limit-consumed': '30000',
    });
  });

  it('about 5,000 requests an hour: a burst of 100 at once, then one every 720 ms', async () => {
    const first = await send('key-rest', PING);
    expect(quotaHeaders(first)).toEqual({
      'x-rate-limit-remaining': '99',
      'x-rate-limit-reset': `${T0 / 1000 + 1}`,
      'x-rate-limit-consumed': '1',
      'x-rate-limit-first-in-duration': 'true',
      'ratelimit-policy': '"hourly";q=100;w=72',
      ratelimit: '"hourly";r=99;t=1',
    });
    let last = first;
    for (let i = 2; i <= 100; i++) {
      last = await send('key-rest', PING);
      expect(last.status).toBe(200);
    }
    expect(quotaHeaders(last)).toMatchObject({
      'x-rate-limit-remaining': '0',
      'x-rate-limit-reset': `${T0 / 1000 + 72}`,
      'x-rate-limit-consumed': '100',
      ratelimit: '"hourly";r=0;t=72',
    });
    const refused = await send('key-rest', PING);
    expect(refusal(refused)).toEqual({
      status: 429,
      codes: ['QUOTA_EXCEEDED'],
      quota: { plan: 'hourly-5000', limit: 'hourly', remaining: 0, retryAfterSeconds: 1 },
    });
    expect(quotaHeaders(refused)).toMatchObject({ ratelimit: '"hourly";r=0;t=1', 'retry-after': '1' });

    clock.advance(719);
    expect((await send('key-rest', PING)).status).toBe(429);
    clock.advance(1);
    expect((await send('key-rest', PING)).status).toBe(200);
    expect((await send('key-rest', PING)).status).toBe(429);
    // After a quiet 72 s the whole burst is back.
    clock.advance(72_000);
    expect(quotaHeaders(await send('key-rest', PING))).toMatchObject({
      'x-rate-limit-remaining': '99',
      'x-rate-limit-first-in-duration': 'true',
    });
  });

  it('2,500 calls a day per organisation, shared by its keys, at most 3 in flight', async () => {
    const held = [send('key-org-a1', HOLD), send('key-org-a1', HOLD), send('key-org-a2', HOLD)];
    await app.holds.arrived(3);
    const fourth = await send('key-org-a2', PING);
    expect(refusal(fourth)).toEqual({
      status: 429,
      codes: ['QUOTA_EXCEEDED'],
      quota: { plan: 'organisation', limit: 'concurrent', remaining: 0, retryAfterSeconds: 1 },
    });
    expect(fourth.body.errors[0].message).toBe(
      'Quota exceeded: this operation needs a free operation slot and limit "concurrent" of plan "organisation" has 0 free slots of 3. Retry in 1 s.',
    );
    // The single-limit headers describe the limit that refused (issue 10), not the daily window.
    expect(quotaHeaders(fourth)).toMatchObject({
      'x-rate-limit-remaining': '0',
      'x-rate-limit-consumed': '3',
      'x-rate-limit-first-in-duration': 'false',
      'ratelimit-policy': '"daily";q=2500;w=86400, "concurrent";q=3;qu="concurrent-requests"',
      ratelimit: '"daily";r=2497;t=85500, "concurrent";r=0',
      // Issue 10: when a slot is likely to free (no operation of this client observed yet: 1 s), not the lease.
      'retry-after': '1',
    });
    // Another organisation is not affected.
    expect(quotaHeaders(await send('key-org-b', PING))).toMatchObject({
      ratelimit: '"daily";r=2499;t=85500, "concurrent";r=2',
    });

    app.holds.release(1);
    expect((await held[0]!).status).toBe(200);
    expect(quotaHeaders(await send('key-org-a2', PING))).toMatchObject({
      ratelimit: '"daily";r=2496;t=85500, "concurrent";r=0',
    });
    app.holds.release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200, 200]);

    // The rest of the day's calls, three lanes at a time over both keys: every one admitted.
    let left = 2_500 - 4;
    const statuses = new Map<number, number>();
    const lane = async (key: string) => {
      while (left > 0) {
        left -= 1;
        const { status } = await send(key, PING);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all([lane('key-org-a1'), lane('key-org-a2'), lane('key-org-a1')]);
    expect([...statuses]).toEqual([[200, 2_496]]);

    clock.advance(HOUR);
    const over = await send('key-org-a2', PING);
    expect(refusal(over)).toEqual({
      status: 429,
      codes: ['QUOTA_EXCEEDED'],
      quota: { plan: 'organisation', limit: 'daily', remaining: 0, retryAfterSeconds: 81_900 },
    });
    expect(quotaHeaders(over)).toMatchObject({
      'x-rate-limit-remaining': '0',
      'x-rate-limit-consumed': '2500',
      ratelimit: '"daily";r=0;t=81900, "concurrent";r=3',
      'retry-after': '81900',
    });
  });

  it('20 requests a second, at most 5 in flight, at most 250,000 a day', async () => {
    const held = Array.from({ length: 5 }, () => send('key-api', HOLD));
    await app.holds.arrived(5);
    const sixth = await send('key-api', PING);
    expect(refusal(sixth)).toEqual({
      status: 429,
      codes: ['QUOTA_EXCEEDED'],
      quota: { plan: 'api', limit: 'concurrent', remaining: 0, retryAfterSeconds: 1 },
    });
    expect(quotaHeaders(sixth)).toMatchObject({
      'ratelimit-policy':
        '"per-second";q=20;w=1, "concurrent";q=5;qu="concurrent-requests", "daily";q=250000;w=86400',
      ratelimit: '"per-second";r=15;t=1, "concurrent";r=0, "daily";r=249995;t=85500',
      'retry-after': '1',
    });
    app.holds.release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);

    for (let i = 0; i < 15; i++) expect((await send('key-api', PING)).status).toBe(200);
    const overRate = await send('key-api', PING);
    expect(refusal(overRate)).toEqual({
      status: 429,
      codes: ['QUOTA_EXCEEDED'],
      quota: { plan: 'api', limit: 'per-second', remaining: 0, retryAfterSeconds: 1 },
    });
    expect(quotaHeaders(overRate)).toMatchObject({
      ratelimit: '"per-second";r=0;t=1, "concurrent";r=5, "daily";r=249980;t=85500',
      'retry-after': '1',
    });
    // One token comes back every 50 ms.
    clock.advance(50);
    const next = await send('key-api', PING);
    expect(next.status).toBe(200);
    expect(quotaHeaders(next)).toMatchObject({
      ratelimit: '"per-second";r=0;t=1, "concurrent";r=4, "daily";r=249979;t=85500',
    });
  });

  it('tiers: reads and writes each have their own rate and burst, writes the harder one', async () => {
    // X-Rate-Limit-* describe the limit the operation counts against: for a write, the write bucket.
    const write = await send('key-tier-1', SAVE);
    expect(write.status).toBe(200);
    expect(write.body.data).toEqual({ save: true });
    expect(quotaHeaders(write)).toEqual({
      'x-rate-limit-remaining': '0',
      'x-rate-limit-reset': `${T0 / 1000 + 60}`,
      'x-rate-limit-consumed': '1',
      'x-rate-limit-first-in-duration': 'true',
      'ratelimit-policy': '"reads";q=1;w=4, "writes";q=1;w=60',
      ratelimit: '"writes";r=0;t=60',
    });
    const secondWrite = await send('key-tier-1', SAVE);
    expect(refusal(secondWrite)).toEqual({
      status: 429,
      codes: ['QUOTA_EXCEEDED'],
      quota: { plan: 'tier-1', limit: 'writes', remaining: 0, retryAfterSeconds: 60 },
    });
    expect(quotaHeaders(secondWrite)).toMatchObject({
      'x-rate-limit-remaining': '0',
      'x-rate-limit-reset': `${T0 / 1000 + 60}`,
      ratelimit: '"writes";r=0;t=60',
      'retry-after': '60',
    });
    // A read is not counted by the write limit, nor refused by it.
    const read = await send('key-tier-1', PING);
    expect(quotaHeaders(read)).toMatchObject({
      'x-rate-limit-remaining': '0',
      'x-rate-limit-reset': `${T0 / 1000 + 4}`,
      'x-rate-limit-consumed': '1',
      'x-rate-limit-first-in-duration': 'true',
      ratelimit: '"reads";r=0;t=4',
    });
    const secondRead = await send('key-tier-1', PING);
    expect(refusal(secondRead)).toEqual({
      status: 429,
      codes: ['QUOTA_EXCEEDED'],
      quota: { plan: 'tier-1', limit: 'reads', remaining: 0, retryAfterSeconds: 4 },
    });
    clock.advance(4_000);
    expect((await send('key-tier-1', PING)).status).toBe(200);
    expect((await send('key-tier-1', SAVE)).status).toBe(429);

    const tier2 = [];
    for (let i = 0; i < 5; i++) tier2.push((await send('key-tier-2', PING)).status);
    expect(tier2).toEqual([200, 200, 200, 200, 429]);
    expect([(await send('key-tier-2', SAVE)).status, (await send('key-tier-2', SAVE)).status]).toEqual([
      200, 429,
    ]);
    clock.advance(250);
    expect((await send('key-tier-2', PING)).status).toBe(200);
    expect((await send('key-tier-2', SAVE)).status).toBe(429);
  });
});
