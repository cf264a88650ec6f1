/**
 * A child process for the multi-process Redis test: fires `count` decisions at once at one client and reports
 * how many were admitted. Run with `node --import tsx`; arguments: client kind (`ioredis`, `node-redis`,
 * `ioredis-cluster`, `node-redis-cluster`), target (a URL, or cluster nodes `host:port,...`), keyPrefix,
 * scenario, count, nowMs
 * and, optionally, the quota client (default 'shared').
 */
import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';
import { RedisStore } from '../../src/store/RedisStore.js';
import type { RedisClientLike } from '../../src/store/redisClient.js';
import type { Plan } from '../../src/quota/types.js';

export const WORKER_PLANS: Readonly<Record<string, { plan: Plan; cost: number }>> = {
  points: {
    plan: {
      name: 'points',
      limits: [{ kind: 'fixed-window', name: 'points', limit: 1_000, windowMs: 3_600_000 }],
    },
    cost: 7,
  },
  bucket: {
    plan: {
      name: 'bucket',
      limits: [{ kind: 'token-bucket', name: 'rate', rate: 1, periodMs: 3_600_000, burst: 50 }],
    },
    cost: 1,
  },
  slots: { plan: { name: 'slots', limits: [{ kind: 'concurrency', name: 'slots', max: 10 }] }, cost: 1 },
  all: {
    plan: {
      name: 'all',
      limits: [
        { kind: 'fixed-window', name: 'points', limit: 1_000, windowMs: 3_600_000 },
        { kind: 'token-bucket', name: 'rate', counts: 'cost', rate: 1, periodMs: 3_600_000, burst: 600 },
        { kind: 'concurrency', name: 'slots', max: 1_000 },
      ],
    },
    cost: 9,
  },
  global: {
    plan: {
      name: 'global',
      limits: [
        { kind: 'fixed-window', name: 'own', limit: 10_000, windowMs: 3_600_000 },
        {
          kind: 'fixed-window',
          name: 'everyone',
          limit: 1_000,
          windowMs: 3_600_000,
          global: true,
          fairness: false,
        },
      ],
    },
    cost: 7,
  },
};

/** The kinds of client a worker can drive the store with. */
export type WorkerClient = 'ioredis' | 'node-redis' | 'ioredis-cluster' | 'node-redis-cluster';

async function connect(
  kind: WorkerClient,
  target: string,
): Promise<{ client: RedisClientLike; close: () => unknown }> {
  const nodes = target.split(',').map((n) => {
    const at = n.lastIndexOf(':');
    return { host: n.slice(0, at), port: Number(n.slice(at + 1)) };
  });
  switch (kind) {
    case 'ioredis': {
      const redis = new Redis(target);
      return { client: redis, close: () => redis.disconnect() };
    }
    case 'ioredis-cluster': {
      const cluster = new Cluster(nodes);
      return { client: cluster, close: () => cluster.disconnect() };
    }
    case 'node-redis': {
      const client = await createClient({ url: target }).connect();
      return { client, close: () => client.quit() };
    }
    case 'node-redis-cluster': {
      const cluster = await createCluster({
        rootNodes: nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })),
      }).connect();
      return { client: cluster, close: () => cluster.quit() };
    }
  }
}

async function main(): Promise<void> {
  const [kind, target, keyPrefix, scenario, count, nowMs, quotaClient = 'shared'] = process.argv.slice(2);
  const setup = WORKER_PLANS[scenario!]!;
  const { client, close } = await connect(kind as WorkerClient, target!);
  const store = new RedisStore({ client, keyPrefix: keyPrefix!, clock: () => Number(nowMs) });
  await store.ready();
  const decisions = await Promise.all(
    Array.from({ length: Number(count) }, () =>
      store.decide({ client: quotaClient, plan: setup.plan, cost: setup.cost, operation: 'query' }),
    ),
  );
  process.send!({ admitted: decisions.filter((d) => d.allowed).length });
  await close();
}

void main();
