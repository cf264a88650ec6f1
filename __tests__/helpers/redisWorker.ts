/**
 * A child process for the multi-process Redis test: fires `count` decisions at once at one client and reports
 * how many were admitted. Run with `node --import tsx`; arguments: url, keyPrefix, scenario, count, nowMs and,
 * optionally, the client (default 'shared').
 */
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/store/RedisStore.js';
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

async function main(): Promise<void> {
  const [url, keyPrefix, scenario, count, nowMs, client = 'shared'] = process.argv.slice(2);
  const setup = WORKER_PLANS[scenario!]!;
  const redis = new Redis(url!);
  const store = new RedisStore({ client: redis, keyPrefix: keyPrefix!, clock: () => Number(nowMs) });
  const decisions = await Promise.all(
    Array.from({ length: Number(count) }, () =>
      store.decide({ client, plan: setup.plan, cost: setup.cost, operation: 'query' }),
    ),
  );
  process.send!({ admitted: decisions.filter((d) => d.allowed).length });
  redis.disconnect();
}

void main();
