/**
 * RedisStore on a real three-master Redis Cluster (helpers/redisCluster.ts), through both cluster clients:
 * ioredis `Cluster` and node-redis `createCluster()`. The whole store contract, then what only a cluster
 * has: clients spread over every master, the cached kill switch and its bound, and a single-node client
 * pointed at a cluster refused as misconfigured rather than taken for an outage.
 */
import { Redis } from 'ioredis';
import { QuotaEngine } from '../../src/engine/index.js';
import type { Plan } from '../../src/quota/types.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { RedisUsageHistory } from '../../src/history/index.js';
import { useTestRedisCluster } from '../helpers/redisCluster.js';
import { describeStoreContract, T0 } from './storeContract.js';

const shared = useTestRedisCluster('cluster');

describeStoreContract('RedisStore (ioredis Cluster)', (clock) => ({
  store: new RedisStore({ client: shared.io, keyPrefix: `${shared.prefix}io:`, clock: () => clock.now }),
}));

describeStoreContract('RedisStore (node-redis createCluster)', (clock) => ({
  store: new RedisStore({ client: shared.node, keyPrefix: `${shared.prefix}node:`, clock: () => clock.now }),
}));

// The usage history rides on the same script calls and changes no decision, on a cluster too.
describeStoreContract('RedisStore (ioredis Cluster, usage history on)', (clock) => ({
  store: new RedisStore({
    client: shared.io,
    keyPrefix: `${shared.prefix}usage:`,
    clock: () => clock.now,
    usageHistory: true,
  }),
}));

describe('RedisStore usage history on a Redis Cluster', () => {
  it.each(['ioredis', 'node-redis'] as const)(
    "%s: each client's history in its own slot, exact; no totals or rankings; a global refusal recorded",
    async (kind) => {
      const keyPrefix = `${shared.prefix}history-${kind}:`;
      const clock = { now: Math.floor(Date.now() / 3_600_000) * 3_600_000 + 5 * 60_000 };
      const store = new RedisStore({
        client: kind === 'ioredis' ? shared.io : shared.node,
        keyPrefix,
        clock: () => clock.now,
        usageHistory: true,
      });
      const shared1: Plan = {
        name: 'shared',
        limits: [
          { kind: 'fixed-window', name: 'own', limit: 100, windowMs: 60_000 },
          { kind: 'fixed-window', name: 'everyone', limit: 10, windowMs: 60_000, global: true },
        ],
      };
      const clients = Array.from({ length: 6 }, (_, i) => `id:client-${i}`);
      // What each client should hold: operations, points charged, refusals by code.
      type Held = { o: number; c: number; r: Record<string, number> };
      const expected = new Map(clients.map((c): [string, Held] => [c, { o: 0, c: 0, r: {} }]));
      const decide = async (client: string, cost: number) => {
        const d = await store.decide({ client, plan: shared1, cost, operation: 'query', operationName: 'Q' });
        const e = expected.get(client)!;
        e.o++;
        if (d.allowed) e.c += cost;
        else {
          const code = d.reason === 'limit' ? 'QUOTA_EXCEEDED' : String(d.reason);
          e.r[code] = (e.r[code] ?? 0) + 1;
        }
        return d;
      };
      // Twice each: the shared window of 10 (and its fair share) refuses some, in the global limit's own call.
      const decisions = [];
      for (const client of [...clients, ...clients]) decisions.push(await decide(client, 1));
      expect(decisions.some((d) => d.allowed)).toBe(true);
      expect(decisions.some((d) => d.reason === 'limit')).toBe(true);
      // A refusal carried by the same client's next call only (another client's call is in another slot).
      store.recordRefusal('id:client-0', 'shared', 'Q', 'COST_LIMIT_EXCEEDED');
      expected.get('id:client-0')!.o++;
      expected.get('id:client-0')!.r['COST_LIMIT_EXCEEDED'] = 1;
      await decide('id:client-1', 0);
      expect(store.pendingUsage).toBe(1);
      await store.flushUsage();
      expect(store.pendingUsage).toBe(0);

      const history = new RedisUsageHistory(store, { clock: () => clock.now });
      const range = { fromMs: clock.now, toMs: clock.now + 60_000 };
      for (const client of clients) {
        const points = await history.clientHistory({ id: client.slice(3), anonymous: false }, range);
        const e = expected.get(client)!;
        const refused = Object.values(e.r).reduce((a, b) => a + b, 0);
        expect(points).toEqual([
          {
            timeMs: clock.now,
            durationMs: 60_000,
            operations: e.o,
            pointsCharged: e.c,
            pointsRefunded: 0,
            actualCost: e.c,
            refused,
            refusals: refused === 0 ? null : e.r,
          },
        ]);
      }
      expect(await history.totals(range)).toEqual([]);
      expect(await history.topClients(range, 'pointsCharged', 10)).toEqual([]);
      expect(await history.topOperations(range, 10)).toEqual([]);
      const last = expected.get('id:client-5')!;
      expect(await history.topOperations(range, 10, { id: 'client-5', anonymous: false })).toEqual([
        {
          operationName: 'Q',
          operations: last.o,
          pointsCharged: last.c,
          actualCost: last.c,
          maxActualCost: last.c > 0 ? 1 : 0,
        },
      ]);
    },
  );
});

describe('RedisStore on a Redis Cluster', () => {
  const plan: Plan = {
    name: 'two',
    limits: [
      { kind: 'fixed-window', name: 'points', limit: 100, windowMs: 60_000 },
      { kind: 'concurrency', name: 'slots', max: 2 },
    ],
  };
  const clients = Array.from({ length: 24 }, (_, i) => `client-${i}`);

  it.each(['ioredis', 'node-redis'] as const)(
    '%s: is in cluster mode by itself and spreads clients over all three masters',
    async (kind) => {
      const keyPrefix = `${shared.prefix}spread-${kind}:`;
      const store = new RedisStore({ client: kind === 'ioredis' ? shared.io : shared.node, keyPrefix });
      expect(store.clientKind).toBe(kind === 'ioredis' ? 'ioredis-cluster' : 'node-redis-cluster');
      for (const client of clients) {
        const d = await store.decide({ client, plan, cost: 3, operation: 'query' });
        expect(d).toMatchObject({ allowed: true, source: 'store' });
        expect(d.limits.map((l) => l.consumed)).toEqual([3, 1]);
      }
      // Each master holds some of the clients' hashes, and no master holds a key of another's slots.
      const perMaster = await Promise.all(
        shared.io.nodes('master').map(async (master) => {
          let count = 0;
          for (const client of clients) count += await master.exists(store.clientKey(client)).catch(() => 0);
          return count;
        }),
      );
      expect(perMaster).toHaveLength(3);
      expect(perMaster.every((n) => n > 0)).toBe(true);
      expect(perMaster.reduce((a, b) => a + b, 0)).toBe(clients.length);
    },
  );

  it('refuses cluster: false with a cluster client', () => {
    expect(() => new RedisStore({ client: shared.io, cluster: false })).toThrow(
      expect.objectContaining({
        code: 'QUOTA_INVALID_OPTION',
        message:
          'RedisStore: cluster must not be false with a cluster client (ioredis-cluster): a decision cannot read the global block in another hash slot',
      }),
    );
  });

  describe.each(['ioredis', 'node-redis'] as const)('%s: the kill switch', (kind) => {
    it('reaches another instance within globalBlockRefreshMs, reading the global block once per period', async () => {
      const keyPrefix = `${shared.prefix}kill-${kind}:`;
      const clock = { now: T0 };
      const sent: string[] = [];
      const client = kind === 'ioredis' ? shared.io : shared.node;
      const node = shared.node;
      const once: Plan = {
        name: 'once',
        limits: [{ kind: 'fixed-window', name: 'points', limit: 100, windowMs: 60_000 }],
      };
      const a = new RedisStore({ client, keyPrefix, clock: () => clock.now });
      // B counts its commands: cluster clients route by key, so the wrapper keeps the client's own shape.
      const counted =
        kind === 'ioredis'
          ? {
              isCluster: true,
              call: (command: string, args: string[]) => (sent.push(command), shared.io.call(command, args)),
            }
          : {
              getSlotMaster: (slot: number) => node.getSlotMaster(slot),
              sendCommand: (key: string | undefined, ro: boolean | undefined, args: string[]) => (
                sent.push(args[0]!),
                node.sendCommand(key, ro, args)
              ),
            };
      const b = new RedisStore({
        client: counted,
        keyPrefix,
        clock: () => clock.now,
        globalBlockRefreshMs: 1_000,
      });
      const decide = () => b.decide({ client: 'x', plan: once, cost: 1, operation: 'query' });
      // The self-check reads the global block along with the script's first run.
      expect((await decide()).allowed).toBe(true);
      expect(sent).toEqual(['EVALSHA', 'EVALSHA']);
      await a.block('*', 60_000);
      try {
        // Within the period B decides from its cached value: no read, and the block is not seen yet.
        clock.now = T0 + 499;
        sent.length = 0;
        expect((await decide()).allowed).toBe(true);
        expect(sent).toEqual(['EVALSHA']);
        // At the period's end the value is read again before the decision: refused.
        clock.now = T0 + 1_000;
        sent.length = 0;
        expect(await decide()).toMatchObject({ allowed: false, reason: 'blocked', retryAfterSeconds: 59 });
        expect(sent).toEqual(['GET', 'EVALSHA']);
      } finally {
        await a.unblock('*');
      }
      // A's own unblock is seen by A at once.
      expect((await a.decide({ client: 'y', plan, cost: 1, operation: 'query' })).allowed).toBe(true);
      clock.now = T0 + 2_000;
      expect((await decide()).allowed).toBe(true);
    });
  });

  it('refuses a single-node client talking to a cluster node as misconfigured, never as an outage', async () => {
    // Whichever node it is pointed at, some key of some client lives on another master: MOVED.
    for (const { host, port } of shared.cluster.nodes) {
      const single = new Redis(port, host, { maxRetriesPerRequest: 1 });
      try {
        const store = new RedisStore({ client: single, keyPrefix: `${shared.prefix}single:` });
        const errors: unknown[] = [];
        await store.ready().catch((e: unknown) => errors.push(e));
        for (const client of clients) {
          if (errors.length > 0) break;
          await store
            .decide({ client, plan, cost: 1, operation: 'query' })
            .catch((e: unknown) => errors.push(e));
        }
        expect(errors[0]).toMatchObject({
          code: 'QUOTA_INVALID_OPTION',
          message: expect.stringMatching(
            /^RedisStore: the client cannot drive the store: (MOVED \d+ [\d.:]+|CROSSSLOT .*): this server is a Redis Cluster node; pass a cluster client/,
          ),
        });
        // The engine passes it on: no failure mode, no fallback decision.
        const engine = new QuotaEngine({ store, logger: silent() });
        const failures: unknown[] = [];
        for (const client of clients) {
          await engine
            .decide({ client, plan, cost: 1, operation: 'query' })
            .catch((e: unknown) => failures.push(e));
        }
        expect(failures.length).toBeGreaterThan(0);
        expect(failures.every((e) => (e as { code?: string }).code === 'QUOTA_INVALID_OPTION')).toBe(true);
      } finally {
        single.disconnect();
      }
    }
  });
});

function silent() {
  return { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
}
