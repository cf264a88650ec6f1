/**
 * The demo process (`npm start`) stopped by a signal runs its `stop()`: the refusals still pending in the
 * process (a cost-analysis refusal no script call carried) are flushed into the Redis usage history before it
 * exits (real child process, real Redis, a key prefix of this test's own, deleted afterwards).
 */
import { startDemoProcess } from '../helpers/demoProcess.js';
import { deleteKeys, ioredisClient, startRedis, uniquePrefix, type TestRedis } from '../helpers/redis.js';
import { RedisUsageHistory } from '../../src/history/index.js';
import { RedisStore } from '../../src/store/index.js';

describe('demo process: SIGTERM stops it cleanly', () => {
  const prefix = uniquePrefix('demo-signals');
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    const io = ioredisClient(redis.url);
    await deleteKeys(io, prefix);
    await io.quit();
    await redis?.stop();
  });

  it('flushes the pending COST_LIMIT_EXCEEDED refusal into the Redis usage history', async () => {
    const demo = await startDemoProcess({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix });
    const response = await fetch(demo.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'demo-pro' },
      body: JSON.stringify({
        query: '{ products(first: 100) { nodes { variants(first: 100) { nodes { sku } } } } }',
      }),
    });
    expect(response.status).toBe(400);
    await demo.stop(); // SIGTERM, resolved at the process's exit

    const io = ioredisClient(redis.url);
    const history = new RedisUsageHistory(
      new RedisStore({ client: io, keyPrefix: prefix, usageHistory: true }),
    );
    const range = { fromMs: Date.now() - 3_600_000, toMs: Date.now() + 60_000 };
    const points = await history.clientHistory({ id: 'acme-pro', anonymous: false }, range);
    io.disconnect();
    expect(points.map((p) => [p.operations, p.refused, p.refusals])).toEqual([
      [1, 1, { COST_LIMIT_EXCEEDED: 1 }],
    ]);
  }, 120_000);
});
