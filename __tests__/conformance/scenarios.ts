/**
 * The conformance table: what every server must answer, step by step, with exact statuses, quota headers,
 * error codes and extensions. The priced schema of serverApp.ts (`rows(first: n)` costs 10 n, `ping` and
 * `hold` 0, `save` 15), the quota clock at T0 (2030-01-01T00:15:00Z), no `pk` (exact header values).
 */
import { API, API_KEYS, HOUR, HOUR_END_S, PLAN_OF, SEED_PLANS, T0 } from '../helpers/seedPlans.js';
import type { Plan } from '../../src/quota/index.js';
import { APP_HEADERS, type ServerConfig } from '../helpers/serverApp.js';
import { createHash } from 'node:crypto';
import { observe, type Scenario, type ScenarioContext } from './harness.js';

const rows = (n: number) => `{ rows(first: ${n}) { id } }`;
const PING = '{ ping }';
const HOLD = '{ hold }';
const SAVE = 'mutation { save }';

/** The seed policies, chosen by API key. */
const SEEDS: Omit<ServerConfig, 'server'> = {
  schema: 'e2e',
  identify: 'api-key',
  apiKeys: API_KEYS,
  planOf: PLAN_OF,
  plans: SEED_PLANS,
};

/** 100 points an hour and one operation at a time, for a bearer-token client; 10 points for anonymous ones. */
const FREE: Plan = {
  name: 'free',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: HOUR },
    { name: 'inflight', kind: 'concurrency', max: 1 },
  ],
};
const ANONYMOUS_10: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 10, windowMs: HOUR }],
};
/** Anonymous clients: 1 request a second, in bursts of 5. */
const ANONYMOUS_RATE: Plan = {
  name: 'anonymous',
  limits: [{ name: 'rate', kind: 'token-bucket', rate: 1, burst: 5 }],
};
/** The headers of `ANONYMOUS_RATE` after `used` requests at T0. */
function rateHeaders(used: number): Record<string, string> {
  return {
    'x-rate-limit-remaining': `${5 - used}`,
    'x-rate-limit-reset': `${T0 / 1000 + used}`,
    'x-rate-limit-consumed': `${used}`,
    'x-rate-limit-first-in-duration': `${used === 1}`,
    'ratelimit-policy': '"rate";q=5;w=5',
    ratelimit: `"rate";r=${5 - used};t=${used}`,
  };
}
/** 100 points an hour, nothing else. */
const POINTS: Plan = {
  name: 'free',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: HOUR }],
};
function pointsHeaders(consumed: number, first: boolean): Record<string, string> {
  return {
    'x-rate-limit-remaining': `${100 - consumed}`,
    'x-rate-limit-reset': `${HOUR_END_S}`,
    'x-rate-limit-consumed': `${consumed}`,
    'x-rate-limit-first-in-duration': `${first}`,
    'ratelimit-policy': '"hourly";q=100;qu="graphql-cost";w=3600',
    ratelimit: `"hourly";r=${100 - consumed};t=2700`,
  };
}
/** The quota headers listed in `Access-Control-Expose-Headers` (after the server's own). */
const EXPOSED =
  'x-rate-limit-remaining, x-rate-limit-reset, x-rate-limit-consumed, x-rate-limit-first-in-duration, ratelimit-policy, ratelimit';
const BASIC: Omit<ServerConfig, 'server'> = { schema: 'e2e', plans: [FREE, ANONYMOUS_10] };
const alice = { bearer: 'alice' };

/** The headers of `FREE` for alice after `consumed` points, with the slot in use (`inflight` r=0) or not. */
function freeHeaders(consumed: number, first: boolean, slotFree = 0): Record<string, string> {
  return {
    'x-rate-limit-remaining': `${100 - consumed}`,
    'x-rate-limit-reset': `${HOUR_END_S}`,
    'x-rate-limit-consumed': `${consumed}`,
    'x-rate-limit-first-in-duration': `${first}`,
    'ratelimit-policy': '"hourly";q=100;qu="graphql-cost";w=3600, "inflight";q=1;qu="concurrent-requests"',
    ratelimit: `"hourly";r=${100 - consumed};t=2700, "inflight";r=${slotFree}`,
  };
}

/** Sends `count` operations one after the other; resolves with their statuses. */
async function statuses(t: ScenarioContext, count: number, query: string, apiKey: string) {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await t.send(query, { apiKey })).status);
  return seen;
}

// ---- s2-adapters: helpers (begin) ----
/** `extensions.cost` of an operation of `FREE` with `available` points left at its decision. */
function costOf(requested: number, actual: number | null, available: number) {
  return {
    requestedQueryCost: requested,
    actualQueryCost: actual,
    throttleStatus: {
      limit: 'hourly',
      maximumAvailable: 100,
      currentlyAvailable: available,
      restoreRate: null,
      resetAt: new Date(HOUR_END_S * 1000).toISOString(),
    },
  };
}

/** The JSON parts of a `multipart/mixed` body (boundary `-`), in order. */
function multipartJson(body: string): Record<string, unknown>[] {
  return body
    .split(/\r?\n---/)
    .map((part) => part.slice(part.indexOf('{')).trim())
    .filter((part) => part.startsWith('{'))
    .map((part) => JSON.parse(part) as Record<string, unknown>);
}

/** POSTs one operation and reads only the first chunk of its (streamed) response; `abort` drops the connection. */
async function openStream(
  url: string,
  query: string,
  options: { bearer: string; headers: Record<string, string> },
) {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    signal: controller.signal,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${options.bearer}`,
      ...options.headers,
    },
    body: JSON.stringify({ query }),
  });
  const chunk = await response.body!.getReader().read();
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers) as Record<string, string>,
    first: new TextDecoder().decode(chunk.value),
    abort: () => controller.abort(),
  };
}
// ---- s2-adapters: helpers (end) ----

// ---- s3-refusals: the application's own headers on every refusal (begin) ----
/**
 * What a response shows of the headers the application set itself (`appHeaders`: its own `RateLimit`
 * policy, a request id, exposed headers, `Vary`, `Cache-Control`), beside its status, error code and whether
 * its body has a `data` key.
 */
function appView(response: Awaited<ReturnType<ScenarioContext['send']>>) {
  const h = response.headers;
  return {
    status: response.status,
    code: observe(response).codes[0] ?? null,
    hasData: typeof response.body === 'object' && response.body !== null && 'data' in response.body,
    'ratelimit-policy': h['ratelimit-policy'],
    ratelimit: h['ratelimit'],
    'x-request-id': h['x-request-id'],
    'access-control-expose-headers': h['access-control-expose-headers'],
    'cache-control': h['cache-control'],
  };
}
/** The application's `RateLimit-Policy` with the quota's `FREE` policies after it. */
const APP_FREE_POLICY = `${APP_HEADERS['ratelimit-policy']}, "hourly";q=100;qu="graphql-cost";w=3600, "inflight";q=1;qu="concurrent-requests"`;
/**
 * `appHeaders` with `exposeCost: 'on-request'`: the response varies by the cost request header too. Asserted
 * as a step of its own: on Express the application's `Vary` comes from a middleware, which Apollo replaces
 * (exceptions.ts).
 */
export const APP_VARY = 'Origin, x-quota-cost';
const APP_EXPOSED = `X-Request-Id, ${EXPOSED}`;
/** A refusal as `appView` shows it: the application's headers kept, `no-store` added, no `data`. */
function appRefusal(status: number, code: string, ratelimit: string | undefined, exposed: string) {
  return {
    status,
    code,
    hasData: false,
    'ratelimit-policy': APP_FREE_POLICY,
    ratelimit:
      ratelimit === undefined ? APP_HEADERS['ratelimit'] : `${APP_HEADERS['ratelimit']}, ${ratelimit}`,
    'x-request-id': APP_HEADERS['x-request-id'],
    'access-control-expose-headers': exposed,
    'cache-control': `${APP_HEADERS['cache-control']}, no-store`,
  };
}
const APP_HEADER_CONFIG: Omit<ServerConfig, 'server'> = {
  ...BASIC,
  maxCost: 500,
  appHeaders: true,
  exposeCost: 'on-request',
};
// ---- s3-refusals: the application's own headers on every refusal (end) ----

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'seed openPIM: 30,000 points an hour, X-Rate-Limit-* as its documentation shows them',
    config: SEEDS,
    async run(t) {
      const first = await t.send(rows(400), { apiKey: 'key-pim' });
      t.same('first', observe(first), {
        status: 200,
        codes: [],
        headers: {
          'x-rate-limit-remaining': '26000',
          'x-rate-limit-reset': `${HOUR_END_S}`,
          'x-rate-limit-consumed': '4000',
          'x-rate-limit-first-in-duration': 'true',
          'ratelimit-policy': '"total";q=30000;qu="graphql-cost";w=3600',
          ratelimit: '"total";r=26000;t=2700',
        },
        quota: undefined,
      });
      await t.send(rows(600), { apiKey: 'key-pim' });
      t.clock.advance(600_000);
      await t.send(rows(2_000), { apiKey: 'key-pim' });
      const refused = await t.send(rows(1), { apiKey: 'key-pim' });
      t.same('refused', observe(refused), {
        status: 429,
        codes: ['QUOTA_EXCEEDED'],
        headers: {
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': `${HOUR_END_S}`,
          'x-rate-limit-consumed': '30000',
          'x-rate-limit-first-in-duration': 'false',
          'ratelimit-policy': '"total";q=30000;qu="graphql-cost";w=3600',
          ratelimit: '"total";r=0;t=2100',
          'retry-after': '2100',
        },
        quota: { plan: 'openpim', limit: 'total', cost: 10, remaining: 0, retryAfterSeconds: 2_100 },
      });
      t.same(
        'refusal message',
        refused.body.errors[0].message,
        'Quota exceeded: this operation needs 10 points and limit "total" of plan "openpim" has 0 points left. Retry in 2100 s.',
      );
      // The next hour: 25,000 estimated, 20,000 returned (2,000 rows exist): 5,000 refunded after the response.
      t.clock.advance(2_100_000 + 30_000);
      const estimated = await t.send(rows(2_500), { apiKey: 'key-pim' });
      t.same('estimate and actual', estimated.body.extensions?.cost, {
        requestedQueryCost: 25_000,
        actualQueryCost: 20_000,
        throttleStatus: {
          limit: 'total',
          maximumAvailable: 30_000,
          currentlyAvailable: 5_000,
          restoreRate: null,
          resetAt: new Date(Date.UTC(2030, 0, 1, 2)).toISOString(),
        },
      });
      const afterRefund = await t.send(rows(1_000), { apiKey: 'key-pim' });
      t.same('fits only after the refund', observe(afterRefund).headers['x-rate-limit-remaining'], '0');
      t.same('fits only after the refund: status', afterRefund.status, 200);
    },
  },
  {
    name: 'seed iMIS: about 5,000 requests an hour in bursts of up to 100',
    config: SEEDS,
    async run(t) {
      const seen = await statuses(t, 100, PING, 'key-rest');
      t.same(
        'burst',
        seen,
        Array.from({ length: 100 }, () => 200),
      );
      const refused = await t.send(PING, { apiKey: 'key-rest' });
      t.same('refused', observe(refused), {
        status: 429,
        codes: ['QUOTA_EXCEEDED'],
        headers: {
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': `${T0 / 1000 + 72}`,
          'x-rate-limit-consumed': '100',
          'x-rate-limit-first-in-duration': 'false',
          'ratelimit-policy': '"hourly";q=100;w=72',
          ratelimit: '"hourly";r=0;t=1',
          'retry-after': '1',
        },
        quota: { plan: 'hourly-5000', limit: 'hourly', remaining: 0, retryAfterSeconds: 1 },
      });
      t.clock.advance(719);
      t.same('719 ms later', (await t.send(PING, { apiKey: 'key-rest' })).status, 429);
      t.clock.advance(1);
      t.same('720 ms later', (await t.send(PING, { apiKey: 'key-rest' })).status, 200);
    },
  },
  {
    name: 'seed organisation: 2,500 calls a day shared by its keys, at most 3 in flight',
    config: SEEDS,
    async run(t) {
      const held = [
        t.send(HOLD, { apiKey: 'key-org-a1' }),
        t.send(HOLD, { apiKey: 'key-org-a1' }),
        t.send(HOLD, { apiKey: 'key-org-a2' }),
      ];
      await t.app.holds.arrived(3);
      const fourth = await t.send(PING, { apiKey: 'key-org-a2' });
      t.same('fourth in flight', observe(fourth), {
        status: 429,
        codes: ['QUOTA_EXCEEDED'],
        headers: {
          // The limit that refused: the concurrency cap (no slot free), which resets as a slot frees.
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': `${T0 / 1000 + 30}`,
          'x-rate-limit-consumed': '3',
          'x-rate-limit-first-in-duration': 'false',
          'ratelimit-policy': '"daily";q=2500;w=86400, "concurrent";q=3;qu="concurrent-requests"',
          ratelimit: '"daily";r=2497;t=85500, "concurrent";r=0',
          // Estimated from the client's observed durations (none yet: 1 s), never the 30 s lease.
          'retry-after': '1',
        },
        quota: { plan: 'organisation', limit: 'concurrent', remaining: 0, retryAfterSeconds: 1 },
      });
      const other = await t.send(PING, { apiKey: 'key-org-b' });
      t.same(
        'other organisation',
        observe(other).headers['ratelimit'],
        '"daily";r=2499;t=85500, "concurrent";r=2',
      );
      t.app.holds.release(1);
      t.same('first held', (await held[0]!).status, 200);
      const next = await t.send(PING, { apiKey: 'key-org-a2' });
      t.same('slot back', observe(next).headers['ratelimit'], '"daily";r=2496;t=85500, "concurrent";r=0');
      t.app.holds.release();
      t.same(
        'all held',
        (await Promise.all(held)).map((r) => r.status),
        [200, 200, 200],
      );
    },
  },
  {
    name: 'seed API: 20 requests a second, at most 5 in flight, 250,000 a day',
    config: SEEDS,
    async run(t) {
      const held = Array.from({ length: 5 }, () => t.send(HOLD, { apiKey: 'key-api' }));
      await t.app.holds.arrived(5);
      const sixth = await t.send(PING, { apiKey: 'key-api' });
      t.same('sixth in flight', observe(sixth), {
        status: 429,
        codes: ['QUOTA_EXCEEDED'],
        headers: {
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': `${T0 / 1000 + 60}`,
          'x-rate-limit-consumed': '5',
          'x-rate-limit-first-in-duration': 'false',
          'ratelimit-policy':
            '"per-second";q=20;w=1, "concurrent";q=5;qu="concurrent-requests", "daily";q=250000;w=86400',
          ratelimit: '"per-second";r=15;t=1, "concurrent";r=0, "daily";r=249995;t=85500',
          'retry-after': '1',
        },
        quota: { plan: 'api', limit: 'concurrent', remaining: 0, retryAfterSeconds: 1 },
      });
      t.app.holds.release();
      t.same(
        'held',
        (await Promise.all(held)).map((r) => r.status),
        [200, 200, 200, 200, 200],
      );
      t.same('rest of the second', await statuses(t, 15, PING, 'key-api'), Array(15).fill(200));
      const overRate = await t.send(PING, { apiKey: 'key-api' });
      t.same('over the rate', observe(overRate).quota, {
        plan: API.name,
        limit: 'per-second',
        remaining: 0,
        retryAfterSeconds: 1,
      });
      t.clock.advance(50);
      t.same(
        'a token 50 ms later',
        observe(await t.send(PING, { apiKey: 'key-api' })).headers['ratelimit'],
        '"per-second";r=0;t=1, "concurrent";r=4, "daily";r=249979;t=85500',
      );
    },
  },
  {
    name: 'seed tiers: reads and writes each with their own rate and burst',
    config: SEEDS,
    async run(t) {
      const write = await t.send(SAVE, { apiKey: 'key-tier-1' });
      t.same(
        'write',
        [write.status, write.body.data, observe(write).headers],
        [
          200,
          { save: true },
          {
            'x-rate-limit-remaining': '0',
            'x-rate-limit-reset': `${T0 / 1000 + 60}`,
            'x-rate-limit-consumed': '1',
            'x-rate-limit-first-in-duration': 'true',
            'ratelimit-policy': '"reads";q=1;w=4, "writes";q=1;w=60',
            ratelimit: '"writes";r=0;t=60',
          },
        ],
      );
      const secondWrite = await t.send(SAVE, { apiKey: 'key-tier-1' });
      t.same('second write', observe(secondWrite).quota, {
        plan: 'tier-1',
        limit: 'writes',
        remaining: 0,
        retryAfterSeconds: 60,
      });
      const read = await t.send(PING, { apiKey: 'key-tier-1' });
      t.same(
        'a read is not counted by the write limit',
        [read.status, observe(read).headers['ratelimit']],
        [200, '"reads";r=0;t=4'],
      );
      const tier2 = await statuses(t, 5, PING, 'key-tier-2');
      t.same('tier 2 burst', tier2, [200, 200, 200, 200, 429]);
    },
  },
  {
    name: 'refusal codes and statuses: QUOTA_CAPACITY_EXCEEDED 400, COST_LIMIT_EXCEEDED 400',
    config: { ...BASIC, maxCost: 500 },
    async run(t) {
      const capacity = await t.send(rows(20), alice);
      t.same('capacity', observe(capacity), {
        status: 400,
        codes: ['QUOTA_CAPACITY_EXCEEDED'],
        headers: freeHeaders(0, false, 1),
        quota: { plan: 'free', limit: 'hourly', cost: 200, remaining: 100, retryAfterSeconds: null },
      });
      t.same(
        'capacity message',
        capacity.body.errors[0].message,
        'This operation costs 200 points, more than limit "hourly" of plan "free" allows in total (100); no wait will admit it. Request less, or move to a larger plan.',
      );
      t.same('a refusal carries extensions.cost too', capacity.body.extensions, {
        cost: {
          requestedQueryCost: 200,
          actualQueryCost: null,
          throttleStatus: {
            limit: 'hourly',
            maximumAvailable: 100,
            currentlyAvailable: 100,
            restoreRate: null,
            resetAt: new Date(HOUR_END_S * 1000).toISOString(),
          },
        },
      });
      const overMax = await t.send(rows(60), alice);
      t.same(
        'over maxCost',
        [observe(overMax), overMax.body.errors[0].extensions],
        [
          {
            status: 400,
            codes: ['COST_LIMIT_EXCEEDED'],
            // Counted as an invalid request: no request-counting limit here, so nothing moved; the client
            // still learns where it stands (no RateLimit item: no limit applied).
            headers: {
              'x-rate-limit-remaining': '100',
              'x-rate-limit-reset': `${HOUR_END_S}`,
              'x-rate-limit-consumed': '0',
              'x-rate-limit-first-in-duration': 'false',
              'ratelimit-policy':
                '"hourly";q=100;qu="graphql-cost";w=3600, "inflight";q=1;qu="concurrent-requests"',
            },
            quota: undefined,
          },
          {
            code: 'COST_LIMIT_EXCEEDED',
            cost: 600,
            maxCost: 500,
            fields: [
              { path: 'rows', cost: 600 },
              { path: 'rows.id', cost: 0 },
            ],
          },
        ],
      );
      // The capacity refusal, and the over-maxCost request counted as invalid (no cost, no slot: no settle).
      t.same('no cost charged', t.store.calls, { decide: 2, settle: 0 });
    },
  },
  {
    name: 'refusal codes and statuses: QUOTA_STORE_UNAVAILABLE 503 when the store is down and onStoreFailure is deny',
    config: { ...BASIC, onStoreFailure: 'deny' },
    store: 'failing',
    async run(t) {
      const refused = await t.send(rows(1), alice);
      t.same(
        'store down',
        [observe(refused), refused.body.errors[0].message],
        [
          {
            status: 503,
            codes: ['QUOTA_STORE_UNAVAILABLE'],
            headers: { 'retry-after': '1' },
            quota: { plan: 'free', limit: null, cost: 10, remaining: null, retryAfterSeconds: 1 },
          },
          'The quota service is unavailable; operations are refused until it is back. Retry in 1 s.',
        ],
      );
    },
  },
  {
    name: 'refusal codes and statuses: QUOTA_MISCONFIGURED 500 when planFor names no plan',
    config: { ...BASIC, planOf: { alice: 'gold' } },
    async run(t) {
      const refused = await t.send(rows(1), alice);
      t.same(
        'misconfigured',
        [observe(refused), refused.body.errors[0].message],
        [
          { status: 500, codes: ['QUOTA_MISCONFIGURED'], headers: {}, quota: undefined },
          'The quota configuration for this client is invalid.',
        ],
      );
    },
  },
  {
    name: 'unknown API keys: served as anonymous, and the response says so',
    config: SEEDS,
    async run(t) {
      const typo = await t.send(rows(1), { apiKey: 'key-pimm' });
      t.same(
        'a mistyped key',
        [typo.status, observe(typo).headers, typo.headers['access-control-expose-headers']],
        [
          200,
          {
            'x-rate-limit-anonymous': 'unknown-api-key',
            'x-rate-limit-remaining': '0',
            'x-rate-limit-reset': `${HOUR_END_S}`,
            'x-rate-limit-consumed': '10',
            'x-rate-limit-first-in-duration': 'true',
            'ratelimit-policy': '"hourly";q=10;qu="graphql-cost";w=3600',
            ratelimit: '"hourly";r=0;t=2700',
          },
          `x-rate-limit-anonymous, ${EXPOSED}`,
        ],
      );
      // identify read the API key header: whose quota the headers show depends on it.
      t.same('the response varies by the API key header', typo.headers['vary'], 'x-api-key');
      const none = await t.send(PING);
      t.same(
        'no key: anonymous, nothing to tell',
        observe(none).headers['x-rate-limit-anonymous'],
        undefined,
      );
    },
  },
  {
    name: 'unknown API keys: 401 UNKNOWN_API_KEY with unknownApiKey refuse',
    config: { ...SEEDS, unknownApiKey: 'refuse' },
    async run(t) {
      const refused = await t.send(rows(1), { apiKey: 'key-pimm' });
      t.same(
        'a mistyped key',
        [observe(refused), refused.body.errors[0].message],
        [
          { status: 401, codes: ['UNKNOWN_API_KEY'], headers: {}, quota: undefined },
          'The API key sent is not known. Send a valid key, or none to be served as an anonymous client.',
        ],
      );
      t.same('nothing charged', t.store.calls, { decide: 0, settle: 0 });
      t.same('the right key', (await t.send(rows(1), { apiKey: 'key-pim' })).status, 200);
    },
  },
  {
    name: 'kill switch: CLIENT_BLOCKED 403 for a client, for everyone, and lifted',
    config: BASIC,
    async run(t) {
      expect(await t.app.quota!.block('alice', 600_000)).toBe(true);
      const blocked = await t.send(rows(1), alice);
      t.same(
        'blocked',
        [observe(blocked), blocked.body.errors[0].message],
        [
          {
            status: 403,
            codes: ['CLIENT_BLOCKED'],
            headers: { ...freeHeaders(0, false, 1), 'retry-after': '600' },
            quota: { plan: 'free', limit: null, cost: 10, remaining: null, retryAfterSeconds: 600 },
          },
          'This client is blocked. Retry in 600 s.',
        ],
      );
      t.same('others pass', (await t.send(rows(1), { bearer: 'bob' })).status, 200);
      expect(await t.app.quota!.unblock('alice')).toBe(true);
      t.same('unblocked', (await t.send(rows(1), alice)).status, 200);
      expect(await t.app.quota!.blockEveryone(60_000)).toBe(true);
      t.same(
        'everyone blocked',
        [observe(await t.send(PING)).codes, observe(await t.send(PING, alice)).status],
        [['CLIENT_BLOCKED'], 403],
      );
    },
  },
  {
    name: 'dry-run: nothing refused, every header sent; the kill switch still holds',
    config: { ...BASIC, mode: 'dry-run' },
    async run(t) {
      await t.send(rows(9), alice);
      const over = await t.send(rows(5), alice);
      // The headers tell the truth of the decision: the operation would have been refused.
      t.same(
        'over quota, let through',
        [over.status, over.body.data?.rows?.length, observe(over).headers],
        [200, 5, { ...freeHeaders(90, false, 1), 'retry-after': '2700' }],
      );
      await t.app.quota!.block('alice', 60_000);
      t.same('blocked even in a dry run', observe(await t.send(rows(1), alice)).status, 403);
    },
  },
  {
    name: 'invalid requests count: parse, validation and over-maxCost errors carry the quota headers',
    config: { schema: 'e2e', plans: [FREE, ANONYMOUS_RATE], maxCost: 500 },
    async run(t) {
      // A client of the GraphQL-over-HTTP spec asks for its media type; older clients for JSON.
      const spec = { headers: { accept: 'application/graphql-response+json' } };
      const json = { headers: { accept: 'application/json' } };
      const parse = await t.send('{ rows(first: 1) { id }', spec);
      t.same('parse error', [parse.status, observe(parse).headers], [400, rateHeaders(1)]);
      const validation = await t.send('{ nope }', spec);
      t.same('validation error', [validation.status, observe(validation).headers], [400, rateHeaders(2)]);
      const overMax = await t.send(rows(60), spec);
      t.same(
        'over maxCost',
        [overMax.status, observe(overMax).codes, observe(overMax).headers],
        [400, ['COST_LIMIT_EXCEEDED'], rateHeaders(3)],
      );
      const parseJson = await t.send('{ rows(first: 1) { id }', json);
      t.same('parse error, json', [parseJson.status, observe(parseJson).headers], [400, rateHeaders(4)]);
      const validationJson = await t.send('{ nope }', json);
      t.same(
        'validation error, json',
        [validationJson.status, observe(validationJson).headers],
        [400, rateHeaders(5)],
      );
      t.same('nothing but the bucket counted', t.store.calls, { decide: 5, settle: 0 });
    },
  },
  {
    name: 'invalid requests are not free: 40 invalid documents exhaust 1 request/s burst 5, then valid ones wait',
    config: { schema: 'e2e', plans: [FREE, ANONYMOUS_RATE], maxCost: 500 },
    async run(t) {
      const spec = { headers: { accept: 'application/graphql-response+json' } };
      const documents = ['{ rows(first: 1) { id }', '{ nope }', rows(60), '{', '{ rows { id } }'];
      const seen: number[] = [];
      let last: Awaited<ReturnType<typeof t.send>> | null = null;
      for (let i = 0; i < 40; i++) {
        last = await t.send(documents[i % documents.length]!, spec);
        seen.push(last.status);
      }
      t.same('statuses', seen, [...Array<number>(5).fill(400), ...Array<number>(35).fill(429)]);
      const refusal = {
        status: 429,
        codes: ['QUOTA_EXCEEDED'],
        headers: {
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': `${T0 / 1000 + 5}`,
          'x-rate-limit-consumed': '5',
          'x-rate-limit-first-in-duration': 'false',
          'ratelimit-policy': '"rate";q=5;w=5',
          ratelimit: '"rate";r=0;t=1',
          'retry-after': '1',
        },
        quota: { plan: 'anonymous', limit: 'rate', remaining: 0, retryAfterSeconds: 1 },
      };
      t.same('the refusal of an invalid document', observe(last!), refusal);
      t.same(
        'its message',
        last!.body.errors[0].message,
        'Quota exceeded: this operation needs 1 request and limit "rate" of plan "anonymous" has 0 requests left. Retry in 1 s.',
      );
      const valid = await t.send(PING, spec);
      t.same('the next valid request waits too', observe(valid), refusal);
      t.clock.advance(999);
      t.same('999 ms later', (await t.send(PING, spec)).status, 429);
      t.clock.advance(1);
      const refilled = await t.send(PING, spec);
      t.same('refilled', [refilled.status, refilled.body.data], [200, { ping: 1 }]);
    },
  },
  {
    name: "the server's own headers: kept, and Access-Control-Expose-Headers merged",
    config: { ...BASIC, ownHeaders: true },
    async run(t) {
      // A browser on another origin: CORS layers answer only requests that name their origin.
      const browser = { ...alice, headers: { origin: 'https://app.example' } };
      const ok = await t.send(rows(1), browser);
      t.same(
        'admitted',
        [ok.headers['x-served-by'] === t.server, ok.headers['access-control-expose-headers']],
        [true, `X-Served-By, ${EXPOSED}`],
      );
      await t.send(rows(9), browser);
      const refused = await t.send(rows(1), browser);
      t.same(
        'refused',
        [
          refused.status,
          refused.headers['x-served-by'] === t.server,
          refused.headers['access-control-expose-headers'],
        ],
        [429, true, `X-Served-By, ${EXPOSED}, retry-after`],
      );
    },
  },
  {
    name: 'batching: one response head for every operation; 200 when some ran, the refusal status when none did',
    config: { ...BASIC, plans: [POINTS, ANONYMOUS_10], allowBatchedHttpRequests: true },
    async run(t) {
      const both = await t.post(JSON.stringify([{ query: rows(2) }, { query: rows(3) }]), alice);
      t.same(
        'both admitted',
        [both.status, both.body.map((r: { data?: { rows: unknown[] } }) => r.data?.rows.length)],
        [200, [2, 3]],
      );
      t.same('merged headers', observe(both).headers, pointsHeaders(50, true));
      const mixed = await t.post(JSON.stringify([{ query: rows(2) }, { query: rows(9) }]), alice);
      t.same(
        'one refused',
        [
          observe(mixed).status,
          mixed.body[0].data?.rows.length,
          mixed.body[1].data ?? null,
          mixed.body[1].errors?.[0]?.extensions?.code,
          mixed.body[1].errors?.[0]?.extensions?.quota,
        ],
        // 200: the first operation ran, and a client retrying on 429 would run it twice. The refused one says
        // so in its own result, with its retry time.
        [
          200,
          2,
          null,
          'QUOTA_EXCEEDED',
          { plan: 'free', limit: 'hourly', cost: 90, remaining: 30, retryAfterSeconds: 2700 },
        ],
      );
      t.same('refusal headers', observe(mixed).headers, {
        ...pointsHeaders(70, false),
        'retry-after': '2700',
      });
      const none = await t.post(JSON.stringify([{ query: rows(4) }, { query: rows(9) }]), alice);
      t.same(
        'all refused',
        [
          observe(none).status,
          none.body.map(
            (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code,
          ),
        ],
        [429, ['QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']],
      );
    },
  },
  {
    name: 'first in duration: a first operation that costs 0 reports true, as long as nothing is consumed',
    config: BASIC,
    async run(t) {
      t.same('a free first operation', observe(await t.send(PING, alice)).headers, freeHeaders(0, true, 0));
      t.same(
        'again: still nothing consumed',
        observe(await t.send(PING, alice)).headers,
        freeHeaders(0, true, 0),
      );
      t.same('the first to consume', observe(await t.send(rows(1), alice)).headers, freeHeaders(10, true, 0));
      t.same('then not', observe(await t.send(PING, alice)).headers, freeHeaders(10, false, 0));
    },
  },
  {
    name: 'extensions.cost: requested and actual cost, throttle status',
    config: BASIC,
    async run(t) {
      const response = await t.send('{ rows(first: 5, skip: 1998) { id } }', alice);
      t.same(
        'cost',
        [response.status, response.body.extensions],
        [
          200,
          {
            cost: {
              requestedQueryCost: 50,
              actualQueryCost: 20,
              throttleStatus: {
                limit: 'hourly',
                maximumAvailable: 100,
                currentlyAvailable: 50,
                restoreRate: null,
                resetAt: new Date(Date.UTC(2030, 0, 1, 1)).toISOString(),
              },
            },
          },
        ],
      );
      t.same('refund applied', observe(await t.send(PING, alice)).headers, freeHeaders(20, false, 0));
    },
  },
  {
    name: 'refund and slot release when a resolver fails',
    config: BASIC,
    async run(t) {
      const failed = await t.send('{ boom(first: 5) { id } }', alice);
      t.same(
        'failed',
        [failed.status, failed.body.data, observe(failed).headers['ratelimit']],
        [200, { boom: null }, '"hourly";r=50;t=2700, "inflight";r=0'],
      );
      await t.store.settles(1);
      // Nothing consumed in the window before it: the first in duration, though it costs 0.
      t.same('all refunded, slot free', observe(await t.send(PING, alice)).headers, freeHeaders(0, true, 0));
    },
  },
  {
    name: 'slot release when the client disconnects',
    config: BASIC,
    async run(t) {
      const abort = new AbortController();
      const gone = t.send(HOLD, { ...alice, signal: abort.signal });
      await t.app.holds.arrived(1);
      abort.abort();
      await expect(gone).rejects.toThrow();
      t.same('slot still taken while the operation runs', observe(await t.send(PING, alice)).status, 429);
      t.app.holds.release();
      await t.store.settles(1);
      t.same('slot back', observe(await t.send(PING, alice)).headers, freeHeaders(0, true, 0));
    },
  },
  // ---- s2-adapters: incremental delivery (begin) ----
  {
    name: 'incremental delivery (@defer): charged once, the slot held until the last part is sent',
    config: BASIC,
    async run(t) {
      const multipart = { ...alice, headers: { accept: 'multipart/mixed' } };
      // Charged 50 before execution (5 rows asked for); 2 rows exist, delivered in the deferred part: 20.
      const probe = await t.send('{ ping ... @defer { rows(first: 5, skip: 1998) { id } } }', multipart);
      const supported = t.same(
        'a deferred fragment is served',
        [probe.status, probe.headers['content-type']?.split(';')[0], observe(probe).headers['ratelimit']],
        [200, 'multipart/mixed', '"hourly";r=50;t=2700, "inflight";r=0'],
      );
      if (!supported) return;
      const parts = multipartJson(probe.body as string);
      t.same(
        'the last part carries the actual cost of everything delivered',
        [parts.length, parts[1]?.['hasNext'], (parts[1]?.['extensions'] as { cost?: unknown })?.cost],
        [2, false, costOf(50, 20, 50)],
      );
      await t.store.settles(1);
      t.same(
        'refunded 30 after the last part',
        observe(await t.send(PING, alice)).headers,
        freeHeaders(20, false, 0),
      );

      // @stream: 30 charged (3 rows asked for), 2 delivered, one of them streamed: 10 refunded.
      const streamed = await t.send(
        '{ rows(first: 3, skip: 1998) @stream(initialCount: 1) { id } }',
        multipart,
      );
      t.same(
        'a streamed list: every item priced',
        [streamed.status, multipartJson(streamed.body as string).map((p) => p['extensions'])],
        [200, [undefined, { cost: costOf(30, 20, 50) }]],
      );
      await t.store.settles(3);
      t.same(
        'refunds so far',
        t.store.settled.map((s) => s.refund),
        [30, 0, 10],
      );

      const held = t.send('{ ping ... @defer { hold } }', multipart);
      await t.app.holds.arrived(1);
      t.same('slot taken while the deferred part runs', (await t.send(PING, alice)).status, 429);
      t.app.holds.release();
      t.same('streamed', (await held).status, 200);
      await t.store.settles(4);
      t.same('slot back', observe(await t.send(PING, alice)).headers, freeHeaders(40, false, 0));

      // The client goes away after the first part: 50 charged, the 10 points it received are all it pays
      // for, and the slot is free at once, while the deferred resolver still runs.
      const gone = await openStream(
        t.url,
        '{ rows(first: 1) { id } ... @defer { hold more: rows(first: 4) { id } } }',
        multipart,
      );
      t.same(
        'first part received',
        [gone.status, gone.headers['ratelimit'], gone.first.includes('"rows":[{"id":"r1"}]')],
        [200, '"hourly";r=10;t=2700, "inflight";r=0', true],
      );
      await t.app.holds.arrived(2);
      gone.abort();
      await t.store.settles(6);
      t.same('refunded what was never delivered', t.store.settled[5]?.refund, 40);
      t.same(
        'slot back after the disconnect',
        observe(await t.send(PING, alice)).headers,
        freeHeaders(50, false, 0),
      );
      t.app.holds.release();
    },
  },
  // ---- s2-adapters: incremental delivery (end) ----
  {
    name: 'subscriptions: charged at subscribe, the slot held until the subscription ends',
    config: BASIC,
    async run(t) {
      const events = { ...alice, headers: { accept: 'text/event-stream' } };
      const subscription = t.send('subscription { ticks }', events);
      const started = await Promise.race([
        t.app.holds.arrived(1).then(() => 'running'),
        subscription.then((r): unknown[] => [r.status, r.body as unknown]),
      ]);
      const supported = t.same('the subscription runs', started, 'running');
      if (!supported) return;
      t.same('slot taken while subscribed', observe(await t.send(PING, alice)).status, 429);
      t.app.holds.release();
      const done = await subscription;
      t.same(
        'both events sent',
        [done.status, (done.body as string).match(/"ticks":\d/g)],
        [200, ['"ticks":1', '"ticks":2']],
      );
      await t.store.settles(1);
      t.same('slot back', observe(await t.send(PING, alice)).headers, freeHeaders(0, true, 0));
    },
  },
  // ---- s2-adapters: observability, issue 14 (begin) ----
  {
    name: 'observability: the free quota field, metrics after a scripted sequence, decision-log records',
    config: { ...BASIC, plans: [POINTS, ANONYMOUS_10], observability: true },
    async run(t) {
      const first = await t.send(rows(3), alice);
      t.same('charged', observe(first).headers['x-rate-limit-consumed'], '30');
      const mine = await t.send('{ quota { plan limits { name kind limit remaining } cost } }', alice);
      t.same(
        "the quota field: the caller's own state, never charged",
        [mine.status, mine.body.data, observe(mine).headers],
        [
          200,
          {
            quota: {
              plan: 'free',
              limits: [{ name: 'hourly', kind: 'fixed-window', limit: 100, remaining: 70 }],
              cost: 0,
            },
          },
          {},
        ],
      );
      const next = await t.send(rows(1), alice);
      t.same(
        'X-Rate-Limit-Consumed unchanged by the quota field',
        observe(next).headers,
        pointsHeaders(40, false),
      );
      const refused = await t.send(rows(7), alice);
      t.same('refused', refused.status, 429);
      t.same('nothing charged for the quota field, nothing for the refusal', t.store.calls, {
        decide: 3,
        settle: 0,
      });

      const points = (metric: string) =>
        t.metrics
          .collect()
          .find((m) => m.metric === metric)!
          .points.map((p) =>
            'value' in p ? [p.labels.join(' '), p.value] : [p.labels.join(' '), p.count, p.sum],
          );
      t.same(
        'metrics',
        {
          decisions: points('decisions'),
          refusals: points('refusals'),
          estimated: points('costEstimated'),
          actual: points('costActual'),
          delta: points('costDelta'),
          slots: points('slotsInFlight'),
        },
        {
          decisions: [
            ['allowed none query free', 3],
            ['refused QUOTA_EXCEEDED query free', 1],
          ],
          refusals: [['429 QUOTA_EXCEEDED free', 1]],
          estimated: [['query free', 4, 110]],
          // The quota field's read is neither priced after the fact nor settled: no actual cost.
          actual: [['query free', 2, 40]],
          delta: [['query free', 2, 0]],
          slots: [],
        },
      );

      const records: Record<string, unknown>[] = t.logRecords.map((r) => ({
        ...r,
        durationMs: typeof r['durationMs'],
      }));
      t.same('one log record per operation', records.length, 4);
      t.same("the refusal's record, field by field", records[3], {
        decidedAt: new Date(T0).toISOString(),
        client: 'alice',
        anonymous: false,
        plan: 'free',
        operationName: null,
        operationType: 'query',
        documentHash: createHash('sha256').update(rows(7)).digest('hex'),
        estimatedCost: 70,
        actualCost: null,
        result: 'refused',
        code: 'QUOTA_EXCEEDED',
        refusedBy: 'hourly',
        status: 429,
        durationMs: 'number',
        source: 'store',
      });
      t.same(
        'the records in order: result, cost, status',
        records.map((r) => [r['result'], r['estimatedCost'], r['actualCost'], r['status']]),
        [
          ['allowed', 30, 30, 200],
          ['allowed', 0, null, 200],
          ['allowed', 10, 10, 200],
          ['refused', 70, null, 429],
        ],
      );
    },
  },
  // ---- s2-adapters: observability, issue 14 (end) ----
  // ---- s3-refusals: scenarios (begin) ----
  {
    name: "the application's own RateLimit, X-Request-Id, exposed headers, Vary and Cache-Control: kept on success and on 429, 400 and 403",
    config: APP_HEADER_CONFIG,
    async run(t) {
      const ok = await t.send(rows(1), alice);
      t.same('admitted', appView(ok), {
        status: 200,
        code: null,
        hasData: true,
        'ratelimit-policy': APP_FREE_POLICY,
        // "inflight";r=0: the slot as at admission, this operation's own taken (docs/headers.md).
        ratelimit: `${APP_HEADERS['ratelimit']}, "hourly";r=90;t=2700, "inflight";r=0`,
        'x-request-id': APP_HEADERS['x-request-id'],
        'access-control-expose-headers': APP_EXPOSED,
        'cache-control': APP_HEADERS['cache-control'],
      });
      t.same('admitted: Vary', ok.headers['vary'], APP_VARY);
      t.same('no cost header: no extensions.cost', ok.body.extensions, undefined);
      const asked = await t.send(rows(1), { ...alice, headers: { 'x-quota-cost': '1' } });
      t.same('the cost header asks for extensions.cost', asked.body.extensions?.cost?.requestedQueryCost, 10);
      const exceeded = await t.send(rows(9), alice);
      t.same(
        '429 QUOTA_EXCEEDED',
        appView(exceeded),
        appRefusal(
          429,
          'QUOTA_EXCEEDED',
          '"hourly";r=80;t=2700, "inflight";r=1',
          `${APP_EXPOSED}, retry-after`,
        ),
      );
      t.same('429 QUOTA_EXCEEDED: Vary', exceeded.headers['vary'], APP_VARY);
      const capacity = await t.send(rows(20), alice);
      t.same(
        '400 QUOTA_CAPACITY_EXCEEDED',
        appView(capacity),
        appRefusal(400, 'QUOTA_CAPACITY_EXCEEDED', '"hourly";r=80;t=2700, "inflight";r=1', APP_EXPOSED),
      );
      t.same('400 QUOTA_CAPACITY_EXCEEDED: Vary', capacity.headers['vary'], APP_VARY);
      const overMax = await t.send(rows(60), alice);
      // Counted as an invalid request: no request-counting limit applies, so no RateLimit item of the quota's.
      t.same(
        '400 COST_LIMIT_EXCEEDED',
        appView(overMax),
        appRefusal(400, 'COST_LIMIT_EXCEEDED', undefined, APP_EXPOSED.slice(0, -', ratelimit'.length)),
      );
      t.same('400 COST_LIMIT_EXCEEDED: Vary', overMax.headers['vary'], APP_VARY);
      expect(await t.app.quota!.block('alice', 60_000)).toBe(true);
      const blocked = await t.send(rows(1), alice);
      t.same(
        '403 CLIENT_BLOCKED',
        appView(blocked),
        appRefusal(
          403,
          'CLIENT_BLOCKED',
          '"hourly";r=80;t=2700, "inflight";r=1',
          `${APP_EXPOSED}, retry-after`,
        ),
      );
      t.same('403 CLIENT_BLOCKED: Vary', blocked.headers['vary'], APP_VARY);
    },
  },
  {
    name: "the application's own RateLimit, X-Request-Id, exposed headers, Vary and Cache-Control: kept on 503 when the store is down",
    config: { ...APP_HEADER_CONFIG, onStoreFailure: 'deny' },
    store: 'failing',
    async run(t) {
      const refused = await t.send(rows(1), alice);
      t.same('503 QUOTA_STORE_UNAVAILABLE', appView(refused), {
        ...appRefusal(503, 'QUOTA_STORE_UNAVAILABLE', undefined, 'X-Request-Id, retry-after'),
        // No limit was read: the quota writes no RateLimit-Policy item, the application's stands alone.
        'ratelimit-policy': APP_HEADERS['ratelimit-policy'],
      });
      t.same('503 QUOTA_STORE_UNAVAILABLE: Vary', refused.headers['vary'], APP_VARY);
    },
  },
  {
    name: 'invalid operations inside a batch count as invalid requests, and a refused one has no data',
    config: {
      schema: 'e2e',
      plans: [FREE, ANONYMOUS_RATE],
      maxCost: 500,
      allowBatchedHttpRequests: true,
    },
    async run(t) {
      const spec = { headers: { accept: 'application/graphql-response+json' } };
      // One valid operation, then a validation error, a parse error and one over maxCost: four requests.
      const batch = JSON.stringify([
        { query: PING },
        { query: '{ nope }' },
        { query: '{ rows(first: 1) { id }' },
        { query: rows(60) },
      ]);
      const first = await t.post(batch, spec);
      t.same(
        'each invalid operation counted',
        [
          first.status,
          observe(first).headers,
          first.body.map((r: { data?: unknown; errors?: unknown[] }) => [
            r.data ?? null,
            r.errors?.length ?? 0,
          ]),
        ],
        [
          200,
          // The batch's decisions merged: the ping was the first in its duration (a full bucket before it).
          { ...rateHeaders(4), 'x-rate-limit-first-in-duration': 'true' },
          [
            [{ ping: 1 }, 0],
            [null, 1],
            [null, 1],
            [null, 1],
          ],
        ],
      );
      const second = await t.post(JSON.stringify([{ query: PING }, { query: '{ nope }' }]), spec);
      t.same(
        'the last token to the valid operation; the invalid one refused in its own result',
        [
          second.status,
          observe(second).headers,
          second.body[0],
          'data' in second.body[1],
          second.body[1].errors[0].extensions,
          second.headers['cache-control'],
        ],
        [
          200,
          {
            ...rateHeaders(5),
            'x-rate-limit-first-in-duration': 'false',
            // The refusing limit's t is the Retry-After: the next token, in a second.
            ratelimit: '"rate";r=0;t=1',
            'retry-after': '1',
          },
          { data: { ping: 1 }, extensions: second.body[0].extensions },
          false,
          {
            code: 'QUOTA_EXCEEDED',
            quota: { plan: 'anonymous', limit: 'rate', remaining: 0, retryAfterSeconds: 1 },
          },
          'no-store',
        ],
      );
      t.same('nothing but the bucket counted', t.store.calls, { decide: 6, settle: 0 });
    },
  },
  // ---- s3-refusals: scenarios (end) ----
  {
    name: 'Redis store: the seed openPIM policy with the same numbers',
    config: SEEDS,
    store: 'redis',
    async run(t) {
      const first = await t.send(rows(400), { apiKey: 'key-pim' });
      t.same('first', observe(first).headers, {
        'x-rate-limit-remaining': '26000',
        'x-rate-limit-reset': `${HOUR_END_S}`,
        'x-rate-limit-consumed': '4000',
        'x-rate-limit-first-in-duration': 'true',
        'ratelimit-policy': '"total";q=30000;qu="graphql-cost";w=3600',
        ratelimit: '"total";r=26000;t=2700',
      });
      await t.send(rows(2_000), { apiKey: 'key-pim' });
      await t.send(rows(600), { apiKey: 'key-pim' });
      const refused = await t.send(rows(1), { apiKey: 'key-pim' });
      t.same('refused', observe(refused).quota, {
        plan: 'openpim',
        limit: 'total',
        cost: 10,
        remaining: 0,
        retryAfterSeconds: 2_700,
      });
    },
  },
];
