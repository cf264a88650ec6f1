import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { MemoryStore, RedisStore } from '../../src/store/index.js';
import { QuotaValidationError } from '../../src/quota/index.js';
import {
  createDashboardHandler,
  dashboardAssets,
  escapeHtml,
  type OperatorView,
  type PartnerView,
} from '../../src/dashboard/index.js';
import { MemoryUsageHistory } from '../../src/history/index.js';
import { UPLOT_CSS, UPLOT_JS, UPLOT_VERSION } from '../../src/dashboard/vendor/uplot.js';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { TestClock } from '../apollo/harness.js';
import { deleteKeys, ioredisClient, startRedis, uniquePrefix, type TestRedis } from '../helpers/redis.js';

const TOKEN = 'test-operator-token-0123456789';

// The same views over both history stores: the demo's MemoryUsageHistory beside a MemoryStore, and the Redis
// store's own history (RedisUsageHistory) beside a RedisStore whose script writes it.
describe.each(['MemoryStore', 'RedisStore'] as const)('dashboard handler in the demo, %s', (storeName) => {
  let demo: DemoServer;
  // Redis keys expire on Redis's own clock: the test clock starts half an hour into the current hour.
  const start = storeName === 'RedisStore' ? Math.floor(Date.now() / 3_600_000) * 3_600_000 + 1_800_000 : 0;
  const clock = new TestClock(start || Date.UTC(2026, 0, 1, 0, 30));
  let store: MemoryStore | RedisStore;
  let redis: { server: TestRedis; io: Redis; prefix: string } | null = null;

  beforeAll(async () => {
    if (storeName === 'RedisStore') {
      const server = await startRedis();
      redis = { server, io: ioredisClient(server.url), prefix: uniquePrefix('dashboard') };
      store = new RedisStore({
        client: redis.io,
        keyPrefix: redis.prefix,
        clock: clock.now,
        usageHistory: true,
      });
    } else store = new MemoryStore({ clock: clock.now });
    demo = await startDemoServer({ port: 0, store, clock: clock.now, operatorToken: TOKEN });
  });
  afterAll(async () => {
    await demo.stop();
    if (redis !== null) {
      await deleteKeys(redis.io, redis.prefix);
      redis.io.disconnect();
      await redis.server.stop();
    }
  });

  const graphql = (query: string, key: string) =>
    fetch(demo.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query }),
    });
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${demo.url}dashboard${path}`, { headers });
  const operator = { authorization: `Bearer ${TOKEN}` };
  const order = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${demo.url}dashboard/api/kill-switch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...operator, ...headers },
      body: JSON.stringify(body),
    });

  it('serves the page with a strict Content-Security-Policy, and its assets, gzipped, within 100 KB', async () => {
    const page = await get('');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain('src="/dashboard/assets/uplot.js"');
    for (const name of ['uplot.js', 'uplot.css', 'app.js', 'app.css']) {
      const response = await get(`/assets/${name}`, { 'accept-encoding': 'gzip' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-encoding')).toBe('gzip');
      expect(Buffer.from(await response.arrayBuffer()).toString()).toBe(
        gunzipSync(dashboardAssets().get(name)!.gzip).toString(),
      );
    }
    // The bytes on the wire: the page (HTML is small; counted raw) and the gzipped assets.
    const wire =
      [...dashboardAssets().values()].reduce((n, a) => n + a.gzip.length, 0) + Buffer.byteLength(html);
    expect(wire).toBeLessThanOrEqual(100 * 1024);
    expect(gunzipSync(dashboardAssets().get('uplot.js')!.gzip).toString()).toBe(UPLOT_JS);
  });

  it('ships the installed uplot, as scripts/vendor-uplot.mjs copied it', () => {
    const pkg = JSON.parse(readFileSync('node_modules/uplot/package.json', 'utf8')) as { version: string };
    expect(UPLOT_VERSION).toBe(pkg.version);
    expect(UPLOT_JS).toBe(readFileSync('node_modules/uplot/dist/uPlot.iife.min.js', 'utf8'));
    expect(UPLOT_CSS).toBe(readFileSync('node_modules/uplot/dist/uPlot.min.css', 'utf8'));
  });

  it("partner view: the caller's own limits as the store holds them, and the history's numbers", async () => {
    expect((await graphql('{ categoryTree { code } }', 'demo-pro')).status).toBe(200); // 10 estimated, 6 actual
    expect((await graphql('{ products(first: 3) { nodes { sku } } }', 'demo-pro')).status).toBe(200); // 4
    expect((await graphql('{ products(first: 2) { nodes { sku } } }', 'demo-free')).status).toBe(200);

    const response = await get('/api/partner?hours=1', { 'x-api-key': 'demo-pro' });
    expect(response.status).toBe(200);
    const view = (await response.json()) as PartnerView;
    expect(view.client).toEqual({ id: 'acme-pro', plan: 'pro' });
    const peek = await store.peek('id:acme-pro', proPlan(), 'query');
    expect(view.limits.map((l) => [l.name, l.used, l.remaining, l.limit])).toEqual(
      peek.limits.map((l) => [l.name, Math.ceil(l.consumed), Math.floor(l.remaining), l.limit]),
    );
    expect(view.limits[0]).toMatchObject({
      name: 'hourly',
      used: 10,
      remaining: 19_990,
      resetAt: new Date(clock.now() + 1_800_000).toISOString(),
    });
    expect(view.totals).toEqual({
      operations: 2,
      pointsCharged: 14,
      pointsRefunded: 4,
      actualCost: 10,
      refused: 0,
    });
    expect(view.topOperations.map((o) => o.actualCost)).toEqual([10]);
    if (redis !== null) {
      // What Redis holds: the client's minute and hour, written by the decisions' and the refund's script
      // calls (both operations are anonymous: the hour's name is empty).
      const minute = Math.floor(clock.now() / 60_000);
      const hour = Math.floor(clock.now() / 3_600_000);
      const key = `${redis.prefix}{id:acme-pro}:u:`;
      expect(await redis.io.hgetall(`${key}m:${minute}`)).toEqual({ o: '2', c: '14', f: '4' });
      expect(await redis.io.hgetall(`${key}h:${hour}`)).toEqual({
        'o:': '2',
        'c:': '14',
        'f:': '4',
        'x:': '10',
        n: '1',
        p: 'pro',
      });
    }
    // Per limit against its line: the hourly window used 10 points by the current minute.
    const hourly = view.limitSeries.find((s) => s.name === 'hourly')!;
    expect(hourly.limit).toBe(20_000);
    expect(hourly.used.at(-1)).toBe(10);
    expect(view.series.timeMs).toHaveLength(60);
  });

  it('a partner sees only their own data: 401 without a known key, 403 when naming another client', async () => {
    expect((await get('/api/partner')).status).toBe(401);
    expect((await get('/api/partner', { 'x-api-key': 'not-a-key' })).status).toBe(401);
    const other = await get('/api/partner?client=acme-free', { 'x-api-key': 'demo-pro' });
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ error: 'a partner sees only their own data' });
    expect((await get('/api/partner?client=acme-pro', { 'x-api-key': 'demo-pro' })).status).toBe(200);
    // Neither can a partner reach the operator's routes with their key.
    expect((await get('/api/operator', { 'x-api-key': 'demo-pro' })).status).toBe(401);
    expect((await get('/api/partner?hours=999', { 'x-api-key': 'demo-pro' })).status).toBe(400);
  });

  it('operator view: clients ranked by the share of their limits they used, from the store', async () => {
    expect((await get('/api/operator')).status).toBe(401);
    expect((await get('/api/operator', { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    const view = (await (await get('/api/operator?hours=1', operator)).json()) as OperatorView;
    expect(view.mode).toBe('enforce');
    expect(view.store).toMatchObject({ name: storeName, onStoreFailure: 'fallback' });
    // acme-free used 3 of 1,000 points (0.3 %) but 2 of its 10-token rate bucket; acme-pro 10 of 20,000.
    const rows = view.clients.map((c) => [c.client.id, c.limits.map((l) => l.used)]);
    expect(rows).toEqual([
      [
        'acme-free',
        (await demo.quota.readClientQuota({ id: 'acme-free', anonymous: false }, 'free'))!.limits.map(
          (l) => l.used,
        ),
      ],
      [
        'acme-pro',
        (await demo.quota.readClientQuota({ id: 'acme-pro', anonymous: false }, 'pro'))!.limits.map(
          (l) => l.used,
        ),
      ],
    ]);
    expect(view.clients[0]!.ratio).toBeGreaterThan(view.clients[1]!.ratio);
    expect(view.totals.operations).toBe(3);
  });

  it('counts a refusal no store decision saw (cost analysis) once, by its code', async () => {
    const before = (await (
      await get('/api/partner?hours=1', { 'x-api-key': 'demo-pro' })
    ).json()) as PartnerView;
    const tooCostly = await graphql(
      '{ products(first: 100) { nodes { variants(first: 100) { nodes { sku } } } } }',
      'demo-pro',
    );
    expect(tooCostly.status).toBe(400);
    // With Redis the refusal rides on the client's next script call (or any, on a single Redis).
    expect((await graphql('{ products(first: 1) { nodes { sku } } }', 'demo-pro')).status).toBe(200);
    const view = (await (
      await get('/api/partner?hours=1', { 'x-api-key': 'demo-pro' })
    ).json()) as PartnerView;
    expect(view.refusals).toEqual({ ...before.refusals, COST_LIMIT_EXCEEDED: 1 });
    expect(view.totals.operations).toBe(before.totals.operations + 2);
    expect(view.totals.refused).toBe(before.totals.refused + 1);
  });

  it('kill switch: refuses cross-site and non-JSON requests, requires the token and a confirmation', async () => {
    const block = {
      action: 'block',
      scope: 'client',
      client: 'acme-free',
      durationMinutes: 5,
      confirm: 'acme-free',
    };
    expect((await order(block, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await order(block, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await order(block, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await order(block, { origin: 'null' })).status).toBe(403);
    const form = await fetch(`${demo.url}dashboard/api/kill-switch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...operator },
      body: 'action=block&scope=everyone&confirm=everyone',
    });
    expect(form.status).toBe(415);
    expect((await order(block, { authorization: 'Bearer nope-nope-nope-nope' })).status).toBe(401);
    expect((await order({ ...block, confirm: 'acme-pro' })).status).toBe(400);
    expect((await order({ ...block, durationMinutes: 0 })).status).toBe(400);
    expect((await fetch(`${demo.url}dashboard/api/kill-switch`, { headers: operator })).status).toBe(405);
    // Nothing above blocked anyone.
    expect((await graphql('{ products(first: 1) { nodes { sku } } }', 'demo-free')).status).toBe(200);

    const host = new URL(demo.url).host;
    const done = await order(block, { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({
      action: 'block',
      scope: 'client',
      client: 'acme-free',
      durationMs: 300_000,
      recorded: true,
    });
    const refused = await graphql('{ products(first: 1) { nodes { sku } } }', 'demo-free');
    expect(refused.status).toBe(403);
    expect(
      ((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    ).toBe('CLIENT_BLOCKED');
    expect((await graphql('{ products(first: 1) { nodes { sku } } }', 'demo-pro')).status).toBe(200);
    const view = (await (await get('/api/operator?hours=1', operator)).json()) as OperatorView;
    expect(view.clients.find((c) => c.client.id === 'acme-free')!.blocked).toBe(true);

    expect(
      (await order({ action: 'unblock', scope: 'client', client: 'acme-free', confirm: 'acme-free' })).status,
    ).toBe(200);
    expect((await graphql('{ products(first: 1) { nodes { sku } } }', 'demo-free')).status).toBe(200);
    expect((await order({ action: 'block', scope: 'everyone', confirm: 'acme-free' })).status).toBe(400);
  });
});

function proPlan() {
  return {
    name: 'pro',
    limits: [
      { name: 'hourly', kind: 'fixed-window' as const, limit: 20_000, windowMs: 3_600_000 },
      { name: 'rate', kind: 'token-bucket' as const, rate: 20, burst: 50 },
      { name: 'inflight', kind: 'concurrency' as const, max: 16 },
    ],
  };
}

describe('dashboard handler options and mounting', () => {
  const history = new MemoryUsageHistory();
  const quota = {
    engine: {} as never,
    mode: 'enforce' as const,
    identifyRequest: () => Promise.reject(new Error('unused')),
    readClientQuota: () => Promise.resolve(null),
    block: () => Promise.resolve(true),
    unblock: () => Promise.resolve(true),
    blockAnonymous: () => Promise.resolve(true),
    unblockAnonymous: () => Promise.resolve(true),
    blockEveryone: () => Promise.resolve(true),
    unblockEveryone: () => Promise.resolve(true),
  };

  it('rejects malformed options with QUOTA_INVALID_OPTION', () => {
    for (const options of [
      { quota, history, operatorToken: 'short' },
      { quota, history, basePath: 'dashboard' },
      { quota, history, basePath: '/a"b' },
      { quota, history, refreshMs: 10 },
      { quota, history, nearLimitRatio: 2 },
      { quota: {} as never, history },
    ])
      expect(() => createDashboardHandler(options)).toThrow(QuotaValidationError);
  });

  it('hands requests outside its path to next, and answers 404 for the operator routes without a token', async () => {
    const handler = createDashboardHandler({ quota, history, basePath: '/ops/usage' });
    const server: Server = createServer((req, res) =>
      handler(req, res, () => {
        res.statusCode = 418;
        res.end('next');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/graphql`)).status).toBe(418);
      expect((await fetch(`${base}/ops/usagex`)).status).toBe(418);
      expect((await fetch(`${base}/ops/usage`)).status).toBe(200);
      expect((await fetch(`${base}/ops/usage/api/operator`)).status).toBe(404);
      expect((await fetch(`${base}/ops/usage/assets/nope.js`)).status).toBe(404);
      const html = await (await fetch(`${base}/ops/usage/`)).text();
      expect(html).toContain('data-operator="off"');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('escapes text for HTML', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')">&`)).toBe(
      '&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;',
    );
  });
});
