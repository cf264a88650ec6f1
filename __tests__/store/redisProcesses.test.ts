import { fork } from 'node:child_process';
import { join } from 'node:path';
import { useTestRedis } from '../helpers/redis.js';
import { useTestRedisCluster } from '../helpers/redisCluster.js';
import type { WorkerClient } from '../helpers/redisWorker.js';
import { T0 } from './storeContract.js';

const redis = useTestRedis('processes');
const cluster = useTestRedisCluster('processes');

function worker(
  kind: WorkerClient,
  scenario: string,
  count: number,
  keyPrefix: string,
  client = 'shared',
): Promise<number> {
  const target = kind.endsWith('cluster') ? cluster.cluster.spec : redis.server.url;
  return new Promise((resolve, reject) => {
    const child = fork(
      join(__dirname, '../helpers/redisWorker.ts'),
      [kind, target, keyPrefix, scenario, String(count), String(T0), client],
      { execArgv: ['--import', 'tsx'] },
    );
    let admitted = -1;
    child.on('message', (m: { admitted: number }) => (admitted = m.admitted));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 && admitted >= 0 ? resolve(admitted) : reject(new Error(`worker exited with ${code}`)),
    );
  });
}

const SCENARIOS: Array<[string, string, number]> = [
  ['points', 'a 1,000-point window at cost 7', 142],
  ['bucket', 'a bucket of burst 50', 50],
  ['slots', '10 concurrency slots', 10],
  ['all', 'three limits at once: 600-point bucket binds at cost 9', 66],
];

describe('RedisStore under 4 processes × 150 parallel decisions at one client', () => {
  it.each(SCENARIOS)('one Redis: %s: %s admits exactly %i', async (scenario, _, expected) => {
    const keyPrefix = `${redis.prefix}${scenario}:`;
    const admitted = await Promise.all([1, 2, 3, 4].map(() => worker('ioredis', scenario, 150, keyPrefix)));
    expect(admitted.reduce((a, b) => a + b, 0)).toBe(expected);
  });

  // Two processes on each cluster client library, all four on one quota.
  it.each(SCENARIOS)(
    'Redis Cluster, ioredis Cluster and node-redis createCluster: %s: %s admits exactly %i',
    async (scenario, _, expected) => {
      const keyPrefix = `${cluster.prefix}${scenario}:`;
      const kinds: WorkerClient[] = [
        'ioredis-cluster',
        'node-redis-cluster',
        'ioredis-cluster',
        'node-redis-cluster',
      ];
      const admitted = await Promise.all(kinds.map((kind) => worker(kind, scenario, 150, keyPrefix)));
      expect(admitted.reduce((a, b) => a + b, 0)).toBe(expected);
    },
  );
});

describe('RedisStore under 3 processes × 150 parallel decisions, one client each', () => {
  it('a global 1,000-point window at cost 7 admits exactly 142 across the three clients', async () => {
    const keyPrefix = `${redis.prefix}global:`;
    const admitted = await Promise.all(
      ['east', 'west', 'north'].map((client) => worker('ioredis', 'global', 150, keyPrefix, client)),
    );
    expect(admitted.reduce((a, b) => a + b, 0)).toBe(142);
  }, 60_000);
});
