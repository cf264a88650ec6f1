/**
 * Two server processes, each an Apollo standalone server on its own port with the plugin and a RedisStore
 * on one Redis, then on one three-master Redis Cluster (one server on ioredis `Cluster`, the other on
 * node-redis `createCluster()`), same key prefix, driven at the same time: they enforce one quota between
 * them. Real time and Redis TIME, as in production.
 */
import type { Plan } from '../../src/quota/index.js';
import { useTestRedis } from '../helpers/redis.js';
import { useTestRedisCluster } from '../helpers/redisCluster.js';
import type { ServerConfig, StoreConfig } from '../helpers/serverApp.js';
import { errorCodes, gql } from '../helpers/serverClient.js';
import { startServerProcess, stopServerProcesses, type ServerProcess } from '../helpers/serverProcess.js';

/** 10,000 points an hour from the first request (no hour boundary can fall inside the test). */
const POINTS: Plan = {
  name: 'points',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 10_000, windowMs: 3_600_000, align: 'first-request' },
  ],
};
/** At most 4 operations in flight, whichever server runs them. */
const SLOTS: Plan = { name: 'slots', limits: [{ name: 'inflight', kind: 'concurrency', max: 4 }] };
const ANONYMOUS: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 1, windowMs: 60_000 }],
};

const shared = useTestRedis('e2e-processes');
const cluster = useTestRedisCluster('e2e-processes');

afterAll(async () => {
  await stopServerProcesses();
});

/**
 * Two server processes sharing one store, started before the block's tests and stopped after them.
 * `stores` gives each its store (the same Redis or cluster, the same key prefix).
 */
function twoServers(stores: () => [StoreConfig, StoreConfig]): { readonly list: ServerProcess[] } {
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    const config = (store: StoreConfig): ServerConfig => ({
      schema: 'e2e',
      store,
      plans: [POINTS, SLOTS, ANONYMOUS],
      planOf: { 'points-client': 'points', 'slots-client': 'slots' },
      recordDecisions: true,
      // What is proved here is one quota shared, not the timeout: on a machine busy enough to delay an event
      // loop past the default 200 ms, a decision would be taken by the fallback store (in-process) instead.
      storeTimeoutMs: 10_000,
    });
    servers.push(...(await Promise.all(stores().map((store) => startServerProcess(config(store))))));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  return { list: servers };
}

/** Sends `count` operations to `url`, `parallel` at a time; resolves with every response's status. */
async function drive(url: string, query: string, bearer: string, count: number, parallel: number) {
  const statuses: number[] = [];
  let left = count;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (left > 0) {
        left -= 1;
        statuses.push((await gql(url, query, { bearer })).status);
      }
    }),
  );
  return statuses;
}

const tally = (statuses: readonly number[]) =>
  Object.fromEntries([...new Set(statuses)].sort().map((s) => [s, statuses.filter((x) => x === s).length]));

describe.each([
  [
    'one Redis',
    (): [StoreConfig, StoreConfig] => {
      const store: StoreConfig = { kind: 'redis', url: shared.server.url, keyPrefix: shared.prefix };
      return [store, store];
    },
  ],
  [
    'one Redis Cluster, through ioredis Cluster and node-redis createCluster',
    (): [StoreConfig, StoreConfig] => {
      const nodes = cluster.cluster.spec;
      return [
        { kind: 'redis-cluster', nodes, client: 'ioredis', keyPrefix: cluster.prefix },
        { kind: 'redis-cluster', nodes, client: 'node-redis', keyPrefix: cluster.prefix },
      ];
    },
  ],
])('two server processes on %s', (_, stores) => {
  const started = twoServers(stores);

  it('admit exactly one quota between them: 142 operations of 70 points in 10,000, whoever serves them', async () => {
    const [a, b] = await Promise.all(
      started.list.map((s) => drive(s.url, '{ rows(first: 7) { id } }', 'points-client', 200, 12)),
    );
    const all = [...a!, ...b!];
    expect(tally(all)).toEqual({ 200: 142, 429: 258 });
    // Each server admitted some: the quota really was shared, not served by one of them.
    expect(a!.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(b!.filter((s) => s === 200).length).toBeGreaterThan(0);

    const last = await gql(started.list[1]!.url, '{ rows(first: 1) { id } }', { bearer: 'points-client' });
    expect(last.status).toBe(200); // 60 points were left: 10 more fit, from either server
    expect(last.headers['x-rate-limit-remaining']).toBe('50');
    expect(last.headers['x-rate-limit-consumed']).toBe('9950');
    const decided = await Promise.all(started.list.map((s) => s.stats()));
    expect(decided.map((s) => s.bySource)).toEqual([
      { store: expect.any(Number) },
      { store: expect.any(Number) },
    ]);
    expect(decided.reduce((n, s) => n + s.decided, 0)).toBe(401);
  });

  it('hold one concurrency cap between them: 4 operations in flight across both, the rest refused', async () => {
    // Three operations to each server; they park in the `hold` resolver once admitted.
    const sent = started.list.flatMap((s, server) =>
      [0, 1, 2].map(() => gql(s.url, '{ hold }', { bearer: 'slots-client' }).then((r) => ({ server, r }))),
    );
    // The two refusals answer at once; the four admitted ones wait for the release.
    const refusals = await new Promise<{ server: number; r: Awaited<ReturnType<typeof gql>> }[]>(
      (resolve) => {
        const done: { server: number; r: Awaited<ReturnType<typeof gql>> }[] = [];
        for (const p of sent) {
          void p.then((x) => {
            done.push(x);
            if (done.length === 2) resolve(done);
          });
        }
      },
    );
    expect(refusals.map(({ r }) => [r.status, errorCodes(r), r.headers['ratelimit']])).toEqual([
      [429, ['QUOTA_EXCEEDED'], '"inflight";r=0'],
      [429, ['QUOTA_EXCEEDED'], '"inflight";r=0'],
    ]);
    // Each server runs the operations it did not refuse: 4 in all.
    await Promise.all(
      started.list.map((s, i) => s.arrived(3 - refusals.filter((x) => x.server === i).length)),
    );
    const holding = await Promise.all(started.list.map((s) => s.stats()));
    expect(holding[0]!.holding + holding[1]!.holding).toBe(4);

    await Promise.all(started.list.map((s) => s.release()));
    expect(tally((await Promise.all(sent)).map(({ r }) => r.status))).toEqual({ 200: 4, 429: 2 });
    // Every slot was released, whichever server held it.
    const again = await gql(started.list[0]!.url, '{ ping }', { bearer: 'slots-client' });
    expect(again.headers['ratelimit']).toBe('"inflight";r=3');
  });
});
