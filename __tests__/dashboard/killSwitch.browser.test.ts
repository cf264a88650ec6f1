/**
 * The kill switch clicked on the page of one server process blocks the client on a second process sharing
 * the same Redis (real server, a key prefix of this test's own, deleted afterwards).
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { startDemoProcess, type DemoProcess } from '../helpers/demoProcess.js';
import { deleteKeys, ioredisClient, startRedis, uniquePrefix, type TestRedis } from '../helpers/redis.js';

const TOKEN = 'kill-switch-browser-token-0042';

describe('kill switch across server processes sharing Redis, clicked in Chromium', () => {
  const prefix = uniquePrefix('dashboard-kill-switch');
  let redis: TestRedis;
  let first: DemoProcess;
  let second: DemoProcess;
  let browser: Browser;

  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, DASHBOARD_OPERATOR_TOKEN: TOKEN };
    [first, second, browser] = await Promise.all([
      startDemoProcess(env),
      startDemoProcess(env),
      launchChromium(),
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([first?.stop(), second?.stop()]);
    const io = ioredisClient(redis.url);
    await deleteKeys(io, prefix);
    await io.quit();
    await redis?.stop();
  });

  const graphql = (url: string, key: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query: '{ products(first: 1) { nodes { sku } } }' }),
    });

  it('blocks the client on the other process, with a confirmation step; unblocking restores it', async () => {
    // The client is seen by the first process (its history lists it) and admitted by both.
    expect((await graphql(first.url, 'demo-free')).status).toBe(200);
    expect((await graphql(second.url, 'demo-free')).status).toBe(200);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${first.url}dashboard`);
    await page.fill('#operator-token', TOKEN);
    await page.click('#operator-form button');
    await page.click('tr[data-client="acme-free"] button[data-action="block"]');
    // The confirmation step: nothing is blocked until the id is typed and confirmed.
    await page.waitForSelector('#confirm-go');
    expect((await graphql(second.url, 'demo-free')).status).toBe(200);
    await page.fill('#confirm-input', 'acme-free');
    await page.fill('#confirm-minutes', '10');
    await page.click('#confirm-go');
    await page.waitForSelector('tr[data-client="acme-free"] button[data-action="unblock"]');

    const refused = await graphql(second.url, 'demo-free');
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('CLIENT_BLOCKED');
    expect((await graphql(second.url, 'demo-pro')).status).toBe(200);

    await page.click('tr[data-client="acme-free"] button[data-action="unblock"]');
    await page.fill('#confirm-input', 'acme-free');
    await page.click('#confirm-go');
    await page.waitForSelector('tr[data-client="acme-free"] button[data-action="block"]');
    expect((await graphql(second.url, 'demo-free')).status).toBe(200);
    await page.close();
  }, 120_000);
});
