import { MemoryStore } from '../../src/store/index.js';
import { DEMO_SERVERS, startDemoServer, type DemoServer } from '../../demo/server.js';
import { TestClock } from '../apollo/harness.js';

/** The demo server (demo/server.ts) on the demo PIM schema, over HTTP: the same answers on every server. */
describe.each(DEMO_SERVERS)('demo server on %s', (server) => {
  let demo: DemoServer;
  const clock = new TestClock(Date.UTC(2026, 0, 1, 0, 30)); // the hourly window resets in 1800 s

  beforeAll(async () => {
    demo = await startDemoServer({
      server,
      port: 0,
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
});
