import { Writable } from 'node:stream';
import { MemoryStore } from '../../src/store/index.js';
import { DEMO_SERVERS, startDemoServer, type DemoServer } from '../../demo/server.js';
import { TestClock } from '../apollo/harness.js';

/** The demo server (demo/server.ts) on the demo PIM schema, over HTTP: the same answers on every server. */
describe.each(DEMO_SERVERS)('demo server on %s', (server) => {
  let demo: DemoServer;
  const clock = new TestClock(Date.UTC(2026, 0, 1, 0, 30)); // the hourly window resets in 1800 s

  /** The demo's stdout log (decision records and alerts), one parsed JSON line each. */
  const logLines: Record<string, unknown>[] = [];
  const log = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });

  beforeAll(async () => {
    demo = await startDemoServer({
      server,
      port: 0,
      metricsPort: 0,
      log,
      store: new MemoryStore({ clock: clock.now }),
      clock: clock.now,
    });
  });
  afterAll(async () => {
    await demo.stop();
  });

  const send = (query: string, headers: Record<string, string> = {}) =>
    fetch(demo.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });

  it('prices with the demo schema annotations and refunds the unreturned list items', async () => {
    // categoryTree has @listSize(assumedSize: 10): estimate 10 Category objects; the catalogue has 6 roots.
    const first = await send('{ categoryTree { code } }', { 'x-api-key': 'demo-pro', 'x-quota-cost': '1' });
    expect(first.status).toBe(200);
    const body = (await first.json()) as { data: { categoryTree: unknown[] }; extensions: { cost: unknown } };
    expect(body.data.categoryTree).toHaveLength(6);
    expect(body.extensions.cost).toEqual({
      requestedQueryCost: 10,
      actualQueryCost: 6,
      throttleStatus: {
        limit: 'hourly',
        maximumAvailable: 20_000,
        currentlyAvailable: 19_990,
        restoreRate: null,
        resetAt: '2026-01-01T01:00:00.000Z',
      },
    });
    // products(first: 3) { nodes }: the connection (1) and 3 products (3).
    const second = await send('{ products(first: 3) { nodes { sku } } }', { 'x-api-key': 'demo-pro' });
    expect(second.headers.get('x-rate-limit-remaining')).toBe(`${20_000 - 6 - 4}`);
    expect(second.headers.get('ratelimit')).toMatch(
      /^"hourly";r=19990;t=1800;pk=:[A-Za-z0-9+/]{22}==:, "rate";r=48;t=1;pk=/,
    );
  });

  it('gives a request without a known key the anonymous plan, whatever it claims', async () => {
    const response = await send('{ products(first: 1) { nodes { sku } } }', {
      'x-api-key': 'acme-enterprise',
    });
    expect(response.headers.get('ratelimit-policy')).toMatch(/^"hourly";q=200;qu="graphql-cost";w=3600;pk=/);
  });

  it('refuses an operation over the demo maximum with 400 COST_LIMIT_EXCEEDED', async () => {
    const response = await send(
      '{ products(first: 100) { nodes { variants(first: 100) { nodes { sku } } } } }',
      {
        'x-api-key': 'demo-enterprise',
      },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      errors: { extensions: { code: string; cost: number; maxCost: number } }[];
    };
    // 1 connection + 100 × (1 product + 1 variant connection + 100 variants) = 10,201 points.
    expect(body.errors[0]!.extensions).toMatchObject({
      code: 'COST_LIMIT_EXCEEDED',
      cost: 10_201,
      maxCost: 5_000,
    });
  });

  it('knows an anonymous caller by the same address on the GraphQL port and on the metrics port', async () => {
    // Over IPv4 to a listener that may be dual-stack: the GraphQL port may see ::ffff:127.0.0.1.
    const url = new URL(demo.url);
    url.hostname = '127.0.0.1';
    const ask = (query: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
    expect((await ask('{ categoryTree { code } }')).status).toBe(200);
    const field = (await (await ask('{ quota { plan limits { name used } } }')).json()) as {
      data: { quota: { plan: string; limits: { name: string; used: number }[] } };
    };
    expect(field.data.quota.plan).toBe('anonymous');
    expect(field.data.quota.limits.some((l) => l.used > 0)).toBe(true);
    const route = (await (await fetch(`${demo.metricsUrl}quota`)).json()) as {
      plan: string;
      limits: { name: string; used: number }[];
    };
    expect(route.plan).toBe('anonymous');
    expect(route.limits.map(({ name, used }) => ({ name, used }))).toEqual(field.data.quota.limits);
  });

  it('serves its metrics, logs every decision, and answers the free quota field and GET /quota', async () => {
    const before = await send('{ categoryTree { code } }', { 'x-api-key': 'demo-free' });
    const consumed = Number(before.headers.get('x-rate-limit-consumed'));
    // The free field: no quota header (nothing counted), and the caller's own state.
    const mine = await send('{ quota { plan cost limits { name used } } }', { 'x-api-key': 'demo-free' });
    expect(mine.status).toBe(200);
    expect(mine.headers.get('x-rate-limit-consumed')).toBeNull();
    const body = (await mine.json()) as {
      data: { quota: { plan: string; cost: number; limits: { name: string; used: number }[] } };
    };
    expect(body.data.quota.plan).toBe('free');
    expect(body.data.quota.cost).toBe(0);
    expect(body.data.quota.limits.map((l) => l.name)).toEqual(['hourly', 'rate', 'inflight']);
    // The next operation finds the window where the one before it left it: the read charged nothing.
    const after = await send('{ categoryTree { code } }', { 'x-api-key': 'demo-free' });
    expect(Number(after.headers.get('x-rate-limit-consumed'))).toBe(body.data.quota.limits[0]!.used + 10);
    expect(body.data.quota.limits[0]!.used).toBe(consumed - 4);

    // The same state over plain HTTP, for the caller of the request only.
    const route = await fetch(`${demo.metricsUrl}quota`, { headers: { 'x-api-key': 'demo-free' } });
    expect(route.status).toBe(200);
    const state = (await route.json()) as { plan: string; limits: { name: string; used: number }[] };
    expect(state.plan).toBe('free');
    expect(state.limits[0]!.used).toBe(body.data.quota.limits[0]!.used + 6);

    const metrics = await fetch(`${demo.metricsUrl}metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await metrics.text();
    expect(text).toMatch(
      /^graphql_quota_decisions_total\{result="allowed",code="none",operation_type="query",plan="free"\} \d+$/m,
    );
    expect(text).toContain('# TYPE graphql_quota_cost_estimated histogram');
    expect(text).not.toContain('acme-free');
    expect((await fetch(`${demo.metricsUrl}nothing`)).status).toBe(404);

    // One JSON record per operation on the log, the free read included, without query text.
    const records = logLines.filter(
      (l) => l['msg'] === 'graphql-quota decision' && l['client'] === 'acme-free',
    );
    expect(
      records.slice(-3).map((r) => [r['estimatedCost'], r['actualCost'], r['result'], r['status']]),
    ).toEqual([
      [10, 6, 'allowed', 200],
      [0, null, 'allowed', 200],
      [10, 6, 'allowed', 200],
    ]);
    expect(JSON.stringify(records)).not.toContain('categoryTree');
  });
});
