/**
 * Independent quotaFetch instances on one API key (one process each, in effect): each learns how many
 * share the key from how the bucket's remaining falls between its own answers, and keeps a reserve for the
 * others. Real token bucket (MemoryStore) on a test clock; every instance has its own seeded jitter.
 */
import { quotaFetch } from '../../src/client/index.js';
import type { Plan } from '../../src/quota/index.js';
import { FakeServer, START_MS, TestClock, post } from './harness.js';

const plan: Plan = {
  name: 'shared',
  limits: [{ name: 'bucket', kind: 'token-bucket', counts: 'cost', rate: 100, burst: 1000 }],
};

async function drive(instances: number, perInstance: number, latencyMs: number, cost = 50) {
  const clock = new TestClock();
  const server = new FakeServer(clock, { plan, costs: { Q: cost } });
  const slow = async (input: Parameters<typeof server.fetch>[0], init?: RequestInit) => {
    await clock.sleep(latencyMs);
    return server.fetch(input, init);
  };
  const run = async (i: number) => {
    let seed = i + 1;
    // A seeded generator: jitter differs between instances, and every run is the same.
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const f = quotaFetch({ fetch: slow, clock, random, requestCost: true });
    for (let k = 0; k < perInstance; k++) {
      await f('http://api.test/graphql', post('Q'));
    }
  };
  await clock.run(Promise.all(Array.from({ length: instances }, (_, i) => run(i))));
  return { server, clock };
}

describe('quotaFetch: independent instances sharing one key (token bucket of 1,000 points, 100 points/s)', () => {
  it('5 instances, no latency: after the first round, one 50-point request every 500 ms, none refused', async () => {
    const { server, clock } = await drive(5, 10, 0);
    expect(server.refusals).toBe(0);
    // The burst goes at once (20 × 50 points); each instance's second answer shows 4 others spent as much as
    // it did: each then keeps a reserve of 4 × 50 points, and the five take turns at the refill rate.
    expect(server.calls.map((c) => c.atMs - START_MS)).toEqual([
      ...Array<number>(20).fill(0),
      ...Array.from({ length: 30 }, (_, k) => 500 * (k + 1)),
    ]);
    // 2,500 points: 1,000 at once, 1,500 at 100 points/s.
    expect(clock.nowMs - START_MS).toBe(15_000);
  });

  it('10 instances, 3 ms each way: none refused, and the bucket spent at its rate to the millisecond', async () => {
    const { server, clock } = await drive(10, 30, 3);
    expect(server.refusals).toBe(0);
    expect(server.calls).toHaveLength(300);
    // 15,000 points: 1,000 at once, 14,000 at 100 points/s; plus 10 ms of latency.
    expect(clock.nowMs - START_MS).toBe(140_000 + 10);
  });

  it("the issue's simulation: 20 instances of 10-point operations, 3 ms each way: none refused, no time lost", async () => {
    const { server, clock } = await drive(20, 30, 3, 10);
    expect(server.refusals).toBe(0);
    expect(clock.nowMs - START_MS).toBe(50_000 + 10);
  });

  it('cannot help a first round that drains the bucket: an answer alone cannot show sharers (see docs/client.md)', async () => {
    const { server } = await drive(20, 2, 3);
    // 20 × 50 points is the whole burst: every first request is admitted, and no first answer tells its
    // instance about the 19 others (the first one reads 950 left, exactly as it would alone). The 19 whose
    // answer showed 50 points or more left send their second request at once, and are refused.
    expect(server.calls.slice(0, 20).map((c) => [c.atMs - START_MS, c.status])).toEqual(
      Array<number[]>(20).fill([3, 200]),
    );
    expect(server.calls.slice(20, 39).map((c) => [c.atMs - START_MS, c.status])).toEqual(
      Array<number[]>(19).fill([6, 429]),
    );
  });
});
