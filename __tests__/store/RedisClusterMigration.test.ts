/**
 * A hash slot moved from one master to another while decisions run (issue 11), on a private three-master
 * Redis Cluster of this file's own (the slot layout changes, so never REDIS_CLUSTER_NODES'), through both
 * cluster clients. The move is Redis Cluster's own protocol, step by step: CLUSTER SETSLOT IMPORTING on the
 * target and MIGRATING on the source, MIGRATE of the slot's keys, CLUSTER SETSLOT NODE on every master. A
 * batch of decisions and lease releases starts before each step (the steps do not wait for them), so they
 * meet every state a migration has: served by the source, ASK to the target, TRYAGAIN (a call whose keys are split between the masters or
 * missing on both, retried by the client library or the store), MOVED once the slot is the target's. Which
 * call meets which state varies from run to run; what is asserted does not: every call answers, the quota is
 * admitted exactly (nothing lost, nothing counted twice), every lease is released, and the slot's keys end on
 * the target only.
 */
import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import type { Decision } from '../../src/quota/index.js';
import type { Plan } from '../../src/quota/types.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { ioredisCluster, nodeRedisCluster, startRedisCluster } from '../helpers/redisCluster.js';
import type { NodeRedisCluster, TestRedisCluster } from '../helpers/redisCluster.js';

const QUOTA = 60;
const plan: Plan = {
  name: 'migrating',
  limits: [
    { kind: 'fixed-window', name: 'points', limit: QUOTA, windowMs: 3_600_000 },
    // Never refuses; its sorted set is the client's second key (and is deleted whenever it empties).
    { kind: 'concurrency', name: 'slots', max: 1_000 },
  ],
};
/** Decisions in flight across each step; five steps and a last batch: 90 decisions for a quota of 60. */
const PER_STEP = 15;

let cluster: TestRedisCluster;
let io: Cluster;
let node: NodeRedisCluster;
/** One direct connection per master, for the migration's own commands. */
let admins: Redis[];

beforeAll(async () => {
  cluster = await startRedisCluster({ own: true });
  io = ioredisCluster(cluster.nodes);
  node = await nodeRedisCluster(cluster.nodes);
  admins = cluster.nodes.map((n) => new Redis(n.port, n.host, { maxRetriesPerRequest: 1 }));
});

afterAll(async () => {
  await node?.quit();
  io?.disconnect();
  for (const admin of admins ?? []) admin.disconnect();
  await cluster?.stop();
});

/** The master serving `slot`, by each master's own line of CLUSTER NODES. */
async function ownerOf(slot: number): Promise<Redis> {
  for (const admin of admins) {
    const nodes = (await admin.call('CLUSTER', 'NODES')) as string;
    const self = nodes.split('\n').find((line) => line.includes('myself'))!;
    const ranges = self.split(' ').slice(8);
    for (const range of ranges) {
      const [from, to] = range.split('-').map(Number) as [number, number | undefined];
      if (slot >= from && slot <= (to ?? from)) return admin;
    }
  }
  throw new Error(`no master serves slot ${slot}`);
}

describe.each(['ioredis', 'node-redis'] as const)('%s: a slot migrated under load', (kind) => {
  it('admits the quota exactly, answers every call and releases every lease', async () => {
    const store = new RedisStore({
      client: (kind === 'ioredis' ? io : node),
      keyPrefix: `gq-migration-${kind}:`,
      // Every decision goes to Redis: the refusals too.
      localRefusalClients: 0,
    });
    await store.ready();
    // Its own hash tag, so its own slot: the other block's client was moved already.
    const client = `moving-${kind}`;
    const key = store.clientKey(client);
    const slot = Number(await admins[0]!.call('CLUSTER', 'KEYSLOT', key));
    const source = await ownerOf(slot);
    const target = admins.find((a) => a !== source)!;
    const [sourceId, targetId] = (await Promise.all(
      [source, target].map((a) => a.call('CLUSTER', 'MYID')),
    )) as [string, string];
    const targetPort = cluster.nodes[admins.indexOf(target)]!.port;

    const decisions: Decision[] = [];
    const failures: unknown[] = [];
    /** PER_STEP decisions, each admitted one releasing its lease once answered; resolves when all are done. */
    const batch = () =>
      Promise.all(
        Array.from({ length: PER_STEP }, async () => {
          try {
            const d = await store.decide({ client, plan, cost: 1, operation: 'query' });
            decisions.push(d);
            if (d.leaseId !== null) {
              await store.settle({ client, plan, operation: 'query', refund: 0, leaseId: d.leaseId });
            }
          } catch (error) {
            failures.push(error);
          }
        }),
      );
    // A call refused with TRYAGAIN waits for the migration to end, so the steps never wait for the batches.
    const inFlight: Promise<unknown>[] = [];
    /** One migration step, taken while a batch is in flight. */
    const during = async (step: () => Promise<unknown>) => {
      inFlight.push(batch());
      await step();
    };

    // The client's keys exist on the source: a lease held keeps its sorted set there.
    const held = await store.decide({ client, plan, cost: 0, operation: 'query' });
    expect(held).toMatchObject({ allowed: true, leaseId: expect.any(String) });
    await during(async () => {
      await target.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', sourceId);
      await source.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', targetId);
    });
    // Migrating, keys still on the source; then the held lease released (its set may now exist nowhere).
    await during(() => store.settle({ client, plan, operation: 'query', refund: 0, leaseId: held.leaseId! }));
    await during(async () => {
      const keys = (await source.call('CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
      if (keys.length > 0) {
        await source.call('MIGRATE', '127.0.0.1', targetPort, '', 0, 5_000, 'KEYS', ...keys);
      }
    });
    await during(async () => {
      await target.call('CLUSTER', 'SETSLOT', slot, 'NODE', targetId);
      await source.call('CLUSTER', 'SETSLOT', slot, 'NODE', targetId);
      for (const other of admins.filter((a) => a !== source && a !== target)) {
        await other.call('CLUSTER', 'SETSLOT', slot, 'NODE', targetId);
      }
    });
    inFlight.push(batch());
    await Promise.all(inFlight);

    expect(failures).toEqual([]);
    expect(decisions).toHaveLength(5 * PER_STEP);
    const admitted = decisions.filter((d) => d.allowed);
    // The held lease's decision (cost 0) is not among them; every other admission charged 1.
    expect(admitted).toHaveLength(QUOTA);
    expect(decisions.filter((d) => !d.allowed).every((d) => d.refusedBy === 'points')).toBe(true);
    expect(Math.max(...admitted.map((d) => d.limits[0]!.consumed))).toBe(QUOTA);
    // Redis agrees: the window is full, no lease is left, and the slot's keys are on the target only.
    const after = await store.peek(client, plan, 'query');
    expect(after.limits.map((l) => [l.name, l.consumed])).toEqual([
      ['points', QUOTA],
      ['slots', 0],
    ]);
    expect(Number(await source.call('CLUSTER', 'COUNTKEYSINSLOT', slot))).toBe(0);
    expect(Number(await target.call('CLUSTER', 'COUNTKEYSINSLOT', slot))).toBe(1);
  });
});
