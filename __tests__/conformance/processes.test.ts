/**
 * Conformance, two processes sharing one Redis: for every server, two child processes (serverWorker.ts)
 * with the server's adapter and a RedisStore on one Redis under one key prefix, driven at the same time.
 * They must enforce one quota and one concurrency cap between them, with the same numbers on every server.
 */
import type { Redis } from 'ioredis';
import type { Plan } from '../../src/quota/index.js';
import { deleteKeys, ioredisClient, startRedis, uniquePrefix, type TestRedis } from '../helpers/redis.js';
import { SERVER_KINDS, type ServerKind } from '../helpers/serverApp.js';
import { errorCodes, gql } from '../helpers/serverClient.js';
import { startServerProcess, stopServerProcesses } from '../helpers/serverProcess.js';

/** 700 points an hour from the first request: ten operations of 70 points. */
const POINTS: Plan = {
  name: 'points',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 700, windowMs: 3_600_000, align: 'first-request' }],
};
/** At most 2 operations in flight, whichever process runs them. */
const SLOTS: Plan = { name: 'slots', limits: [{ name: 'inflight', kind: 'concurrency', max: 2 }] };
const ANONYMOUS: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 1, windowMs: 60_000 }],
};

let redis: TestRedis;
let io: Redis;
const prefixes: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  io = ioredisClient(redis.url);
});
afterAll(async () => {
  await stopServerProcesses();
  for (const prefix of prefixes) await deleteKeys(io, prefix);
  io.disconnect();
  await redis.stop();
});

const servers = (process.env['CONFORMANCE_SERVERS']?.split(',') ?? SERVER_KINDS) as ServerKind[];

describe.each(servers)('%s: two processes on one Redis', (server) => {
  it('admit one quota and hold one concurrency cap between them', async () => {
    const prefix = uniquePrefix(`conformance-processes-${server}`);
    prefixes.push(prefix);
    const config = {
      server,
      schema: 'e2e' as const,
      store: { kind: 'redis' as const, url: redis.url, keyPrefix: prefix },
      plans: [POINTS, SLOTS, ANONYMOUS],
      planOf: { 'points-client': 'points', 'slots-client': 'slots' },
      // What is proved is the sharing, not the failure mode: on a loaded machine a Redis answer can take
      // longer than the default 200 ms, and a fallback decision (per process) would then pass for a shared one.
      storeTimeoutMs: 10_000,
      onStoreFailure: 'deny' as const,
    };
    const [a, b] = await Promise.all([startServerProcess(config), startServerProcess(config)]);

    // 8 operations of 70 points to each process at once: 10 fit in 700, whichever process serves them.
    const sent = [a, b].flatMap((s) =>
      Array.from({ length: 8 }, () => gql(s.url, '{ rows(first: 7) { id } }', { bearer: 'points-client' })),
    );
    const statuses = (await Promise.all(sent)).map((r) => r.status);
    expect([statuses.filter((s) => s === 200).length, statuses.filter((s) => s === 429).length]).toEqual([
      10, 6,
    ]);
    const last = await gql(b.url, '{ ping }', { bearer: 'points-client' });
    expect([
      last.status,
      last.headers['x-rate-limit-remaining'],
      last.headers['x-rate-limit-consumed'],
    ]).toEqual([200, '0', '700']);

    // One operation held in each process: a third, to either, is refused until one ends.
    const held = [a, b].map((s) => gql(s.url, '{ hold }', { bearer: 'slots-client' }));
    await Promise.all([a.arrived(1), b.arrived(1)]);
    const third = await gql(a.url, '{ ping }', { bearer: 'slots-client' });
    expect([third.status, errorCodes(third), third.headers['ratelimit']]).toEqual([
      429,
      ['QUOTA_EXCEEDED'],
      '"inflight";r=0',
    ]);
    await Promise.all([a.release(), b.release()]);
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    // Both slots were released, each by the process that held it.
    const again = await gql(b.url, '{ ping }', { bearer: 'slots-client' });
    expect([again.status, again.headers['ratelimit']]).toEqual([200, '"inflight";r=1']);
    await Promise.all([a.stop(), b.stop()]);
  }, 60_000);
});
