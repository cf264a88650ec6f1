import { getEventListeners } from 'node:events';
import {
  QuotaWaitError,
  parseQuotaHeaders,
  quotaFetch,
  type RetryEvent,
  type ThrottleEvent,
} from '../../src/client/index.js';
import { responseCache } from '../../src/client/cache.js';
import { usageAlerts, type UsageEvent } from '../../src/client/usage.js';
import type { Plan } from '../../src/quota/index.js';
import { FakeServer, START_MS, TestClock, flush, json, post, scripted } from './harness.js';

const URL_ = 'http://api.test/graphql';
const half = () => 0.5;

const refused = (retryAfterSeconds: number | null, code = 'QUOTA_EXCEEDED') => ({
  errors: [{ message: 'no', extensions: { code, quota: { limit: 'rate', retryAfterSeconds, cost: 1 } } }],
});

describe('quotaFetch: retries', () => {
  it('retries a 429 no earlier than Retry-After, plus a jitter below baseDelayMs', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [
      json(refused(2), 429, { 'retry-after': '2' }),
      json({ data: { ok: 1 } }),
    ]);
    const retries: RetryEvent[] = [];
    const f = quotaFetch({ fetch: server.fetch, clock, random: half, onRetry: (e) => retries.push(e) });
    const response = await clock.run(f(URL_, post('Q')));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { ok: 1 } });
    expect(server.calls.map((c) => c.atMs - START_MS)).toEqual([0, 2125]);
    expect(retries).toEqual([{ attempt: 1, delayMs: 2125, status: 429, error: null, operations: 1 }]);
  });

  it('reads an HTTP-date Retry-After against the Date header', async () => {
    const clock = new TestClock();
    const date = new Date(START_MS - 60_000); // the server's clock is a minute behind
    const server = scripted(clock, [
      json(refused(null), 429, {
        date: date.toUTCString(),
        'retry-after': new Date(date.getTime() + 3000).toUTCString(),
      }),
      json({ data: {} }),
    ]);
    const f = quotaFetch({ fetch: server.fetch, clock, random: () => 0 });
    await clock.run(f(URL_, post('Q')));
    expect(server.calls.map((c) => c.atMs - START_MS)).toEqual([0, 3000]);
  });

  it('backs off exponentially with full jitter when no Retry-After is sent, at most maxRetries times', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [json({ errors: [{ message: 'busy' }] }, 503)]);
    const rolls = [0.9, 0.5, 0.25, 0.99];
    const f = quotaFetch({
      fetch: server.fetch,
      clock,
      random: () => rolls.shift()!,
      baseDelayMs: 100,
      maxDelayMs: 300,
    });
    const response = await clock.run(f(URL_, post('Q')));
    expect(response.status).toBe(503);
    // Delays: 0.9 × 100, 0.5 × 200, 0.25 × min(300, 400).
    expect(server.calls.map((c) => c.atMs - START_MS)).toEqual([0, 90, 190, 265]);
  });

  it('gives a 429 back when Retry-After is longer than maxWaitMs', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [json(refused(3600), 429, { 'retry-after': '3600' })]);
    const f = quotaFetch({ fetch: server.fetch, clock, random: half });
    expect((await clock.run(f(URL_, post('Q')))).status).toBe(429);
    expect(server.calls).toHaveLength(1);
  });

  it.each([
    ['QUOTA_CAPACITY_EXCEEDED', 400],
    ['COST_LIMIT_EXCEEDED', 400],
    ['CLIENT_BLOCKED', 403],
  ])('never retries %s (%i): no wait cures it', async (code, status) => {
    const clock = new TestClock();
    const server = scripted(clock, [
      json(
        refused(code === 'CLIENT_BLOCKED' ? 600 : null, code),
        status,
        code === 'CLIENT_BLOCKED' ? { 'retry-after': '600' } : {},
      ),
    ]);
    const f = quotaFetch({ fetch: server.fetch, clock, random: half });
    expect((await clock.run(f(URL_, post('Q')))).status).toBe(status);
    expect(server.calls).toHaveLength(1);
  });

  it('never retries a mutation unless retryMutations is set', async () => {
    for (const retryMutations of [false, true]) {
      const clock = new TestClock();
      const server = scripted(clock, [json(refused(1), 429, { 'retry-after': '1' }), json({ data: {} })]);
      const f = quotaFetch({ fetch: server.fetch, clock, random: half, retryMutations });
      const response = await clock.run(f(URL_, post('M', 'mutation M { save }')));
      expect([response.status, server.calls.length]).toEqual(retryMutations ? [200, 2] : [429, 1]);
    }
  });

  it('retries a network error of a query with backoff, never one of a mutation or an unreadable body', async () => {
    const clock = new TestClock();
    let n = 0;
    const fetch = (_: unknown, init?: RequestInit) => {
      n++;
      if (n === 1) return Promise.reject(new TypeError('fetch failed'));
      return Promise.resolve(
        new Response(JSON.stringify({ data: init?.body ? 1 : 0 }), {
          headers: { 'content-type': 'application/json' },
        }),
      );
    };
    const f = quotaFetch({ fetch, clock, random: half });
    expect((await clock.run(f(URL_, post('Q')))).status).toBe(200);
    expect(n).toBe(2);
    n = 0;
    await expect(clock.run(f(URL_, post('M', 'mutation M { a }')))).rejects.toThrow('fetch failed');
    n = 0;
    await expect(clock.run(f(URL_, { method: 'POST', body: new Blob(['{}']) }))).rejects.toThrow(
      'fetch failed',
    );
  });

  it('retries a Shopify THROTTLED answered with HTTP 200 after the bucket refills for the cost', async () => {
    const clock = new TestClock();
    const throttled = {
      errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }],
      extensions: {
        cost: {
          requestedQueryCost: 70,
          actualQueryCost: null,
          throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 66, restoreRate: 50 },
        },
      },
    };
    const server = scripted(clock, [json(throttled, 200), json({ data: { ok: 1 } })]);
    const f = quotaFetch({ fetch: server.fetch, clock, random: () => 0 });
    expect(await (await clock.run(f(URL_, post('Q')))).json()).toEqual({ data: { ok: 1 } });
    // (70 − 66) / 50 s = 80 ms, not 60 ms read as milliseconds, nor an immediate retry.
    expect(server.calls.map((c) => c.atMs - START_MS)).toEqual([0, 80]);
  });

  it('waits for the GitHub reset after a 403 with x-ratelimit-remaining: 0', async () => {
    const clock = new TestClock();
    const reset = Math.floor(START_MS / 1000) + 30;
    const server = scripted(clock, [
      json({ message: 'API rate limit exceeded' }, 403, {
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': `${reset}`,
      }),
      json({ data: {} }, 200, {
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': '59',
        'x-ratelimit-reset': `${reset + 3600}`,
      }),
    ]);
    const f = quotaFetch({ fetch: server.fetch, clock, random: () => 0 });
    expect((await clock.run(f(URL_, post('Q')))).status).toBe(200);
    expect(server.calls.map((c) => c.atMs - START_MS)).toEqual([0, 30_000]);
  });
});

describe('quotaFetch: batches', () => {
  const batch = (...ops: [string, string][]): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ops.map(([operationName, query]) => ({ operationName, query }))),
  });

  it('re-sends only the refused queries of a batch and puts their results back in place', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [
      json([{ data: { a: 1 } }, refused(1), refused(1)], 429, { 'retry-after': '1' }),
      json([{ data: { b: 2 } }]),
    ]);
    const f = quotaFetch({ fetch: server.fetch, clock, random: () => 0 });
    const response = await clock.run(
      f(URL_, batch(['A', 'query A { a }'], ['B', 'query B { b }'], ['M', 'mutation M { m }'])),
    );
    // The second call carries B alone: A ran, and M is a mutation.
    expect(
      server.calls.map((c) => [c.atMs - START_MS, JSON.parse(c.init.body as string) as unknown]),
    ).toEqual([
      [
        0,
        [
          { operationName: 'A', query: 'query A { a }' },
          { operationName: 'B', query: 'query B { b }' },
          { operationName: 'M', query: 'mutation M { m }' },
        ],
      ],
      [1000, [{ operationName: 'B', query: 'query B { b }' }]],
    ]);
    // M is still refused, but A and B ran: 200, as the server answers a partly refused batch (M's result
    // carries its refusal), so a caller that retries on 429 cannot run A or B again.
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ data: { a: 1 } }, { data: { b: 2 } }, refused(1)]);
  });

  it('answers 200 once every operation of a batch has run', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [
      json([{ data: { a: 1 } }, refused(1)], 429, { 'retry-after': '1' }),
      json([{ data: { b: 2 } }]),
    ]);
    const f = quotaFetch({ fetch: server.fetch, clock, random: () => 0 });
    const response = await clock.run(f(URL_, batch(['A', 'query A { a }'], ['B', 'query B { b }'])));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ data: { a: 1 } }, { data: { b: 2 } }]);
  });

  it('honours a partly refused batch answered 200: only the refused operation is re-sent, after its retry time', async () => {
    const clock = new TestClock();
    // A graphql-quota server: A ran, B refused in its own result, the batch 200 with the refusal's Retry-After.
    const server = scripted(clock, [
      json([{ data: { a: 1 } }, refused(2)], 200, { 'retry-after': '2' }),
      json([{ data: { b: 2 } }]),
    ]);
    const retries: RetryEvent[] = [];
    const f = quotaFetch({ fetch: server.fetch, clock, random: () => 0, onRetry: (e) => retries.push(e) });
    const response = await clock.run(f(URL_, batch(['A', 'query A { a }'], ['B', 'query B { b }'])));
    expect(
      server.calls.map((c) => [c.atMs - START_MS, JSON.parse(c.init.body as string) as unknown]),
    ).toEqual([
      [
        0,
        [
          { operationName: 'A', query: 'query A { a }' },
          { operationName: 'B', query: 'query B { b }' },
        ],
      ],
      [2000, [{ operationName: 'B', query: 'query B { b }' }]],
    ]);
    expect(retries).toEqual([{ attempt: 1, delayMs: 2000, status: 200, error: null, operations: 1 }]);
    expect([response.status, await response.json()]).toEqual([200, [{ data: { a: 1 } }, { data: { b: 2 } }]]);
  });

  it('keeps the refusal status of a batch whose every operation is still refused', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [json([refused(1), refused(1)], 429, { 'retry-after': '1' })]);
    const f = quotaFetch({ fetch: server.fetch, clock, random: () => 0, maxRetries: 1 });
    const response = await clock.run(f(URL_, batch(['A', 'query A { a }'], ['B', 'query B { b }'])));
    expect(server.calls).toHaveLength(2);
    expect([response.status, await response.json()]).toEqual([429, [refused(1), refused(1)]]);
  });

  it('does not re-send a batch whose answer cannot be matched to its operations', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [json({ errors: [{ message: 'busy' }] }, 503)]);
    const f = quotaFetch({ fetch: server.fetch, clock, random: () => 0 });
    expect((await clock.run(f(URL_, batch(['A', '{ a }'])))).status).toBe(503);
    expect(server.calls).toHaveLength(1);
  });
});

describe('quotaFetch: AbortSignal', () => {
  it('leaves no abort listener on the signal once its requests are answered', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [json(refused(1), 429, { 'retry-after': '1' }), json({ data: {} })]);
    const f = quotaFetch({ fetch: server.fetch, clock, maxConcurrency: 1 });
    const controller = new AbortController();
    await clock.run(Promise.all([1, 2, 3].map(() => f(URL_, { ...post('Q'), signal: controller.signal }))));
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
  });

  it('rejects at once with the abort reason while waiting for Retry-After, and sends nothing more', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [json(refused(30), 429, { 'retry-after': '30' }), json({ data: {} })]);
    const f = quotaFetch({ fetch: server.fetch, clock, random: half });
    const controller = new AbortController();
    const pending = f(URL_, { ...post('Q'), signal: controller.signal });
    const outcome = pending.then(
      () => 'resolved',
      (e: Error) => e.name,
    );
    await flush();
    controller.abort();
    expect(await outcome).toBe('AbortError');
    expect(server.calls).toHaveLength(1);
  });

  it('rejects while pacing holds the request, and frees nothing it did not take', async () => {
    const clock = new TestClock();
    const plan: Plan = {
      name: 'p',
      limits: [{ name: 'win', kind: 'fixed-window', limit: 2, windowMs: 10_000, counts: 'requests' }],
    };
    const server = new FakeServer(clock, { plan });
    const f = quotaFetch({ fetch: server.fetch, clock });
    await clock.run(f(URL_, post('Q')));
    await clock.run(f(URL_, post('Q')));
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    await expect(clock.run(f(URL_, { ...post('Q'), signal: controller.signal }))).rejects.toThrow(
      'user left',
    );
    expect(server.calls).toHaveLength(2);
  });
});

describe('quotaFetch: pacing against a real token bucket (1,000 points, 100 points/s)', () => {
  const plan: Plan = {
    name: 'shared',
    limits: [{ name: 'bucket', kind: 'token-bucket', counts: 'cost', rate: 100, burst: 1000 }],
  };

  async function drive(workers: number, perWorker: number, options: Parameters<typeof quotaFetch>[0]) {
    const clock = new TestClock();
    const server = new FakeServer(clock, { plan, costs: { Q: 50 } });
    const throttles: ThrottleEvent[] = [];
    const f = quotaFetch({
      fetch: server.fetch,
      clock,
      random: half,
      onThrottle: (e) => throttles.push(e),
      ...options,
    });
    const worker = async () => {
      for (let i = 0; i < perWorker; i++) await f(URL_, post('Q'));
    };
    await clock.run(Promise.all(Array.from({ length: workers }, worker)));
    return { server, clock, throttles };
  }

  it('refuses nothing after the first response, and spends the bucket at its rate (restore rate from extensions.cost)', async () => {
    const { server, clock, throttles } = await drive(20, 10, { requestCost: true });
    expect(server.refusals).toBe(0);
    // 200 operations of 50 points = 10,000 points: 1,000 at once, then 9,000 at 100/s = 90 s.
    expect(clock.nowMs - START_MS).toBe(90_000);
    expect(throttles.every((t) => t.reason === 'quota' && t.limit === 'bucket')).toBe(true);
  });

  it('with IETF headers alone (no restore rate) and a cost hint, waits for the bucket to be full: no refusal', async () => {
    const { server, clock } = await drive(20, 10, { estimateCost: () => 50 });
    expect(server.refusals).toBe(0);
    // Whole-second `t` can only make it later, never earlier: within 10 % of the ideal 90 s.
    expect(clock.nowMs - START_MS).toBeGreaterThanOrEqual(90_000);
    expect(clock.nowMs - START_MS).toBeLessThanOrEqual(99_000);
  });

  it('with no cost known, learns it from the first refusal (extensions.quota.cost): one refusal in all', async () => {
    const { server } = await drive(20, 10, {});
    expect(server.refusals).toBe(1);
  });

  it('without pacing, the same load is refused and recovers through Retry-After only', async () => {
    const { server } = await drive(20, 10, { pacing: false, maxRetries: 100 });
    expect(server.refusals).toBeGreaterThan(100);
  });

  it('uses the cost estimate given, before any response taught it', async () => {
    const clock = new TestClock();
    const server = new FakeServer(clock, { plan, costs: { Q: 400 } });
    const f = quotaFetch({
      fetch: server.fetch,
      clock,
      estimateCost: (op) => (op.operationName === 'Q' ? 400 : null),
    });
    for (let i = 0; i < 4; i++) await clock.run(f(URL_, post('Q')));
    expect(server.refusals).toBe(0);
    // 1,000 − 800 = 200 left after two: the third waits for the bucket to be full (t = 8 s); the fourth
    // then finds 600 left and goes at once.
    expect(server.calls.map((c) => c.atMs - START_MS)).toEqual([0, 0, 8000, 8000]);
  });

  it('after a refusal by the bucket, expects only the refused cost at Retry-After, not a full bucket', async () => {
    const clock = new TestClock();
    const server = new FakeServer(clock, { plan, costs: { Q: 300 } });
    // Someone else (same key) drained the bucket.
    await server.store.decide({ client: 'c', plan, cost: 1000, operation: 'query' });
    const f = quotaFetch({ fetch: server.fetch, clock, random: () => 0 });
    await clock.run(Promise.all([f(URL_, post('Q')), f(URL_, post('Q'))]));
    // The first is refused; its t (3 s) is the time a retry can succeed, not the time the bucket is full.
    // It is retried at 3 s; the second, which waited for the first answer, does not go at 3 s too (the
    // bucket then holds 300 points, not 1,000) but when the bucket is full again, 10 s later.
    expect(server.calls.map((c) => [c.atMs - START_MS, c.status])).toEqual([
      [0, 429],
      [3000, 200],
      [13_000, 200],
    ]);
  });

  it('throws QuotaWaitError, sending nothing, when the wait is longer than maxWaitMs', async () => {
    const clock = new TestClock();
    const hourly: Plan = {
      name: 'h',
      limits: [{ name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: 3_600_000 }],
    };
    const server = new FakeServer(clock, { plan: hourly, costs: { Q: 60 } });
    const f = quotaFetch({ fetch: server.fetch, clock, estimateCost: () => 60 });
    await clock.run(f(URL_, post('Q')));
    const error = await clock.run(f(URL_, post('Q'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaWaitError);
    expect(error).toMatchObject({ limit: 'hourly', waitMs: 3_600_000 - (START_MS % 3_600_000) });
    expect(server.calls).toHaveLength(1);
  });
});

describe('quotaFetch: client-side caps', () => {
  /** A fetch that takes `ms` of the test clock per request and counts the most in flight at once. */
  function slow(clock: TestClock, ms: number, headers: Record<string, string> = {}) {
    const seen = { inflight: 0, most: 0 };
    const fetch = async () => {
      seen.most = Math.max(seen.most, ++seen.inflight);
      await clock.sleep(ms);
      seen.inflight--;
      return new Response('{"data":{}}', { headers: { 'content-type': 'application/json', ...headers } });
    };
    return { fetch, seen };
  }

  it('holds at most maxConcurrency requests in flight', async () => {
    const clock = new TestClock();
    const { fetch, seen } = slow(clock, 100);
    const f = quotaFetch({ fetch, clock, maxConcurrency: 3 });
    await clock.run(Promise.all(Array.from({ length: 10 }, () => f(URL_, post('Q')))));
    expect(seen.most).toBe(3);
    // Ten requests of 100 ms, three at a time: four rounds.
    expect(clock.nowMs - START_MS).toBe(400);
  });

  it('sends at most maxRequestsPerSecond, evenly spaced', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [json({ data: {} })]);
    const f = quotaFetch({ fetch: server.fetch, clock, maxRequestsPerSecond: 4 });
    await clock.run(Promise.all(Array.from({ length: 5 }, () => f(URL_, post('Q')))));
    expect(server.calls.map((c) => c.atMs - START_MS)).toEqual([0, 250, 500, 750, 1000]);
  });

  it('caps its own concurrency at a concurrent-requests policy', async () => {
    const clock = new TestClock();
    const { fetch, seen } = slow(clock, 50, {
      'ratelimit-policy': '"inflight";q=2;qu="concurrent-requests"',
    });
    const f = quotaFetch({ fetch, clock });
    await clock.run(Promise.all(Array.from({ length: 6 }, () => f(URL_, post('Q')))));
    expect(seen.most).toBe(2);
  });
});

describe('quotaFetch: cache', () => {
  const get = (q: string) => `${URL_}?query=${encodeURIComponent(q)}`;

  it('serves GET queries from cache within the TTL, bounded in entries', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [json({ data: { n: 1 } })]);
    const f = quotaFetch({
      fetch: server.fetch,
      clock,
      cache: responseCache({ maxEntries: 2, ttlMs: 1000 }),
    });
    const a = await clock.run(f(get('{ a }')));
    expect(await a.json()).toEqual({ data: { n: 1 } });
    expect(await (await clock.run(f(get('{ a }')))).json()).toEqual({ data: { n: 1 } });
    expect(server.calls).toHaveLength(1);
    await clock.run(f(get('{ b }')));
    await clock.run(f(get('{ c }'))); // evicts { a }
    await clock.run(f(get('{ a }')));
    expect(server.calls).toHaveLength(4);
    clock.nowMs += 1000;
    await clock.run(f(get('{ a }')));
    expect(server.calls).toHaveLength(5);
  });

  it('caches persisted-query POSTs, never plain POSTs, mutations or errors', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [json({ data: { n: 1 } })]);
    const f = quotaFetch({
      fetch: server.fetch,
      clock,
      cache: responseCache({ maxEntries: 10, ttlMs: 1000 }),
    });
    const persisted: RequestInit = {
      method: 'POST',
      body: JSON.stringify({
        query: '{ a }',
        extensions: { persistedQuery: { version: 1, sha256Hash: 'x' } },
      }),
    };
    await clock.run(f(URL_, persisted));
    await clock.run(f(URL_, persisted));
    await clock.run(f(URL_, post('Q')));
    await clock.run(f(URL_, post('Q')));
    expect(server.calls).toHaveLength(3);
    const errors = scripted(clock, [json({ errors: [{ message: 'x' }] })]);
    const g = quotaFetch({
      fetch: errors.fetch,
      clock,
      cache: responseCache({ maxEntries: 10, ttlMs: 1000 }),
    });
    await clock.run(g(get('{ a }')));
    await clock.run(g(get('{ a }')));
    expect(errors.calls).toHaveLength(2);
  });

  it('keeps 100 responses by default, and none with maxEntries 0', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [json({ data: { n: 1 } })]);
    const f = quotaFetch({ fetch: server.fetch, clock, cache: responseCache({ ttlMs: 1000 }) });
    for (let i = 0; i <= 100; i++) await clock.run(f(get(`{ a${i} }`)));
    await clock.run(f(get('{ a100 }')));
    await clock.run(f(get('{ a1 }')));
    expect(server.calls).toHaveLength(101);
    await clock.run(f(get('{ a0 }'))); // dropped when { a100 } came in
    expect(server.calls).toHaveLength(102);
    const none = quotaFetch({
      fetch: server.fetch,
      clock,
      cache: responseCache({ ttlMs: 1000, maxEntries: 0 }),
    });
    await clock.run(none(get('{ b }')));
    await clock.run(none(get('{ b }')));
    expect(server.calls).toHaveLength(104);
  });

  it.each([
    [{ ttlMs: -1 }, 'ttlMs must be a non-negative number, got -1'],
    [{ ttlMs: Number.NaN }, 'ttlMs must be a non-negative number, got NaN'],
    [{ ttlMs: 1, maxEntries: -1 }, 'maxEntries must be a non-negative integer, got -1'],
    [{ ttlMs: 1, maxEntries: 1.5 }, 'maxEntries must be a non-negative integer, got 1.5'],
  ])('validates its options eagerly: %p', (options, message) => {
    expect(() => responseCache(options)).toThrow(new TypeError(`responseCache: ${message}`));
  });
});

describe('quotaFetch: hooks and options', () => {
  it('usageAlerts (graphql-quota/client/usage) as onState calls onUsage once when usage crosses a threshold', async () => {
    const clock = new TestClock();
    const plan: Plan = {
      name: 'p',
      limits: [{ name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: 3_600_000 }],
    };
    const server = new FakeServer(clock, { plan, costs: { Q: 30 } });
    const events: UsageEvent[] = [];
    const f = quotaFetch({
      fetch: server.fetch,
      clock,
      onState: usageAlerts({ thresholds: [0.5, 0.9], onUsage: (e) => events.push(e) }),
    });
    for (let i = 0; i < 3; i++) await clock.run(f(URL_, post('Q')));
    expect(events.map((e) => [e.limit.name, e.threshold, e.usedFraction])).toEqual([
      ['hourly', 0.5, 0.6],
      ['hourly', 0.9, 0.9],
    ]);
    // The window resets: usage falls under both thresholds, and crossing 0.5 again calls onUsage again.
    clock.nowMs += 3_600_000;
    for (let i = 0; i < 2; i++) await clock.run(f(URL_, post('Q')));
    expect(events.map((e) => e.threshold)).toEqual([0.5, 0.9, 0.5]);
  });

  it('usageAlerts defaults to one threshold at 0.8 and validates its thresholds', () => {
    const events: UsageEvent[] = [];
    const alerts = usageAlerts({ onUsage: (e) => events.push(e) });
    const state = (remaining: number | null) =>
      parseQuotaHeaders({
        'x-rate-limit-remaining': `${remaining}`,
        'x-rate-limit-consumed': `${100 - remaining!}`,
      });
    // 79 % used, then 75 %: under 0.8; then 80 %: one call; 90 % stays over it: no other call.
    for (const remaining of [21, 25, 20, 10]) alerts(state(remaining));
    expect(events.map((e) => [e.limit.name, e.threshold, e.usedFraction])).toEqual([
      ['x-rate-limit', 0.8, 0.8],
    ]);
    expect(() => usageAlerts({ thresholds: [1.5], onUsage: () => undefined })).toThrow(
      new TypeError('usageAlerts: thresholds must be in (0, 1], got 1.5'),
    );
  });

  it('adds x-quota-cost with requestCost, keeping the headers of the init or of a Request', async () => {
    const clock = new TestClock();
    const server = scripted(clock, [json({ data: {} })]);
    const f = quotaFetch({ fetch: server.fetch, clock, requestCost: true });
    await clock.run(f(URL_, post('Q')));
    await clock.run(f(new Request(URL_, { method: 'POST', headers: { 'x-api-key': 'k' }, body: '{}' })));
    expect(server.calls.map((c) => [...new Headers(c.init.headers)])).toEqual([
      [
        ['content-type', 'application/json'],
        ['x-quota-cost', '1'],
      ],
      [
        ['content-type', 'text/plain;charset=UTF-8'],
        ['x-api-key', 'k'],
        ['x-quota-cost', '1'],
      ],
    ]);
  });

  it.each([
    [{ maxRetries: -1 }, 'maxRetries must be a non-negative integer'],
    [{ maxRetries: 1.5 }, 'maxRetries must be a non-negative integer'],
    [{ baseDelayMs: Number.NaN }, 'baseDelayMs must be a non-negative number'],
  ])('validates options eagerly: %p', (options, message) => {
    expect(() => quotaFetch(options)).toThrow(
      new TypeError(
        `quotaFetch: ${message}${message.endsWith(']') ? ', got 0' : message.includes('Retries') ? `, got ${String(Object.values(options)[0])}` : message.includes('baseDelay') ? ', got NaN' : ', got -1'}`,
      ),
    );
  });
});
