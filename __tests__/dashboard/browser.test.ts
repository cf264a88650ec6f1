/**
 * The dashboard in a real browser (Debian's Chromium, headless, through playwright-core), on the demo server.
 * No timing is asserted: the page is waited for, then read.
 */
import type { Browser, Page } from 'playwright-core';
import { MemoryStore } from '../../src/store/index.js';
import type { MemoryUsageHistory } from '../../src/history/index.js';
import { startDemoServer, type DemoServer } from '../../demo/server.js';
import { TestClock } from '../apollo/harness.js';
import { launchChromium } from '../helpers/browser.js';

const TOKEN = 'browser-test-operator-token-42';
const EVIL_CLIENT = '<img src=x onerror="window.__pwned=1">';
const EVIL_OPERATION = '</td><script>window.__pwned=2</script>';

/** Every number the page shows: its key, the value it carries, and the text a reader sees. */
async function shownNumbers(page: Page): Promise<Map<string, number>> {
  const cells = await page.$$eval('[data-k]', (els) =>
    els.map((e) => [e.getAttribute('data-k')!, e.getAttribute('data-value')!, e.textContent] as const),
  );
  const numbers = new Map<string, number>();
  for (const [key, value, text] of cells) {
    // The text a reader sees is the value itself (thousands separators aside).
    expect(Number(text.replace(/,/g, ''))).toBe(Number(value));
    numbers.set(key, Number(value));
  }
  return numbers;
}

describe('dashboard in Chromium', () => {
  let demo: DemoServer;
  let browser: Browser;
  const clock = new TestClock(Date.UTC(2026, 0, 1, 0, 30));

  const graphql = (query: string, key?: string) =>
    fetch(demo.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: JSON.stringify({ query }),
    });

  beforeAll(async () => {
    demo = await startDemoServer({
      port: 0,
      store: new MemoryStore({ clock: clock.now }),
      clock: clock.now,
      operatorToken: TOKEN,
    });
    browser = await launchChromium();
    // The scripted sequence: acme-free spends its 10-token rate bucket and is refused twice; acme-pro and an
    // anonymous caller send one operation each.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await graphql('query Products { products(first: 2) { nodes { sku } } }', 'demo-free')).status,
      );
    expect(statuses).toEqual([...Array<number>(10).fill(200), 429, 429]);
    expect((await graphql('query Tree { categoryTree { code } }', 'demo-pro')).status).toBe(200);
    expect((await graphql('{ products(first: 1) { nodes { sku } } }')).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  async function signIn(page: Page, form: 'partner' | 'operator', secret: string): Promise<void> {
    await page.goto(`${demo.url}dashboard`);
    await page.fill(form === 'partner' ? '#api-key' : '#operator-token', secret);
    await page.click(`#${form}-form button`);
    await page.waitForSelector('[data-k="total.operations"]');
  }

  it('partner view: every number shown equals what the store and the history hold', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, 'partner', 'demo-free');
    const shown = await shownNumbers(page);

    const expected = new Map<string, number>();
    const state = (await demo.quota.readClientQuota({ id: 'acme-free', anonymous: false }, 'free'))!;
    for (const limit of state.limits) {
      expected.set(`limit.${limit.name}.used`, limit.used);
      expected.set(`limit.${limit.name}.limit`, limit.limit);
      expected.set(`limit.${limit.name}.remaining`, limit.remaining);
    }
    const range = { fromMs: clock.now() - 24 * 3_600_000, toMs: clock.now() + 60_000 };
    const points = await demo.history.clientHistory({ id: 'acme-free', anonymous: false }, range);
    const sum = (f: (p: (typeof points)[number]) => number) => points.reduce((n, p) => n + f(p), 0);
    expected.set(
      'total.operations',
      sum((p) => p.operations),
    );
    expected.set(
      'total.pointsNet',
      sum((p) => p.pointsCharged - p.pointsRefunded),
    );
    expected.set(
      'total.actualCost',
      sum((p) => p.actualCost),
    );
    expected.set(
      'total.refused',
      sum((p) => p.refused),
    );
    expected.set('refusals.QUOTA_EXCEEDED', 2);
    const [top] = await demo.history.topOperations(range, 10, { id: 'acme-free', anonymous: false });
    expected.set('op.0.operations', top!.operations);
    expected.set('op.0.actualCost', top!.actualCost);
    expected.set('op.0.maxActualCost', top!.maxActualCost);
    expect(shown).toEqual(expected);
    // The numbers themselves, from the sequence: 10 admitted operations of 3 points, 2 refused.
    expect(shown.get('limit.hourly.used')).toBe(30);
    expect(shown.get('limit.rate.remaining')).toBe(0);
    expect(shown.get('total.operations')).toBe(12);
    // The rate bucket is spent: the near-limit warning names it. Charts: one per limit with a line, and one
    // of operations.
    expect(await page.textContent('[data-near="rate"]')).toContain('rate: 100% used');
    expect(await page.$$eval('.uplot', (els) => els.length)).toBe(3);
    expect(await page.textContent('#who')).toBe('acme-free · plan free');
    await page.close();
  });

  it('updates live: an operation sent while the page is open shows up at the next poll', async () => {
    const page = await browser.newPage();
    await signIn(page, 'partner', 'demo-pro');
    const before = (await shownNumbers(page)).get('total.operations')!;
    expect((await graphql('query Tree { categoryTree { code } }', 'demo-pro')).status).toBe(200);
    await page.waitForSelector(`[data-k="total.operations"][data-value="${before + 1}"]`, {
      timeout: 30_000,
    });
    const state = (await demo.quota.readClientQuota({ id: 'acme-pro', anonymous: false }, 'pro'))!;
    expect((await shownNumbers(page)).get('limit.hourly.used')).toBe(state.limits[0]!.used);
    await page.close();
  }, 60_000);

  it("a partner's page never shows another client's data, and asking for it answers 403", async () => {
    const page = await browser.newPage();
    await signIn(page, 'partner', 'demo-pro');
    expect(await page.textContent('#view')).not.toContain('acme-free');
    const status = await page.evaluate(async (base) => {
      const r = await fetch(`${base}/api/partner?client=acme-free`, { headers: { 'x-api-key': 'demo-pro' } });
      return r.status;
    }, '/dashboard');
    expect(status).toBe(403);
    await page.close();
  });

  it('operator view: clients ranked by usage of their limits, numbers from the store; hostile names stay text', async () => {
    // The demo's store is a MemoryStore: its history is a MemoryUsageHistory.
    (demo.history as MemoryUsageHistory).record({
      timeMs: clock.now(),
      client: { id: EVIL_CLIENT, anonymous: false },
      plan: 'free',
      operationName: EVIL_OPERATION,
      pointsCharged: 1,
      pointsRefunded: 0,
      actualCost: 1,
      refusalCode: null,
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, 'operator', TOKEN);
    const shown = await shownNumbers(page);
    const range = { fromMs: clock.now() - 24 * 3_600_000, toMs: clock.now() + 60_000 };
    const clients = await demo.history.topClients(range, 'operations', 100);
    expect(clients).toHaveLength(4);
    for (const usage of clients) {
      const state = (await demo.quota.readClientQuota(usage.client, usage.plan))!;
      const ratio = Math.max(0, ...state.limits.map((l) => l.used / l.limit));
      const key = `client.${usage.client.id}.`;
      expect([
        shown.get(`${key}operations`),
        shown.get(`${key}pointsNet`),
        shown.get(`${key}refused`),
      ]).toEqual([usage.operations, usage.pointsCharged - usage.pointsRefunded, usage.refused]);
      expect(shown.get(`${key}percent`)).toBe(Math.round(ratio * 1000) / 10);
    }
    // Ranked by the share of a limit used: acme-free's rate bucket is spent (100 %).
    const order = await page.$$eval('tr[data-client]', (rows) =>
      rows.map((r) => String((r as unknown as { dataset: { client: string } }).dataset.client)),
    );
    expect(order[0]).toBe('acme-free');
    expect(await page.textContent('[data-near-client="acme-free"]')).toContain('100%');
    // The hostile client id and operation name are shown as text and ran nothing.
    expect(await page.textContent('#view')).toContain(EVIL_CLIENT);
    expect(await page.textContent('#view')).toContain(EVIL_OPERATION);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.$$eval('#view img, #view script', (els) => els.length)).toBe(0);
    await page.close();
  });

  it('is readable on a phone: nothing wider than the screen but the scrolling tables', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await signIn(page, 'partner', 'demo-free');
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });
});
