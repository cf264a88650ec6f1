/**
 * The limits the seed policies need beyond per-client windows, buckets and caps (issue 10): limits scoped to
 * an operation name or a root field, soft limits with an optional hard ceiling, exemptions, and global limits
 * shared by every client with a fair share. Exact numbers, on both stores (Redis through its script, on a real
 * server under a key prefix). Time is a variable the test moves.
 */
import { QuotaValidationError } from '../../src/quota/errors.js';
import type { DecideInput, Decision, LimitStatus, Plan, QuotaStore } from '../../src/quota/types.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { useTestRedis } from '../helpers/redis.js';
import { useTestRedisCluster } from '../helpers/redisCluster.js';
import { T0 } from './storeContract.js';

const HOUR = 3_600_000;

function status(d: Decision, name: string): LimitStatus {
  const s = d.limits.find((l) => l.name === name);
  if (s === undefined) throw new Error(`no limit ${name}`);
  return s;
}

/** [allowed, refusedBy, retryAfterSeconds] */
function verdict(d: Decision): [boolean, string | null, number] {
  return [d.allowed, d.refusedBy, d.retryAfterSeconds];
}

/** [applies, consumed, remaining] of one limit */
function usage(d: Decision, name: string): [boolean, number, number] {
  const s = status(d, name);
  return [s.applies, s.consumed, s.remaining];
}

function describePolicyLimits(title: string, makeStore: (clock: () => number) => QuotaStore): void {
  describe(`${title}: policy limits`, () => {
    let now = T0;
    let store: QuotaStore;
    let n = 0;
    let client: string;
    beforeEach(() => {
      now = T0;
      store = makeStore(() => now);
      client = `c${++n}-${Math.random().toString(36).slice(2)}`;
    });
    const decide = (plan: Plan, cost: number, extra: Partial<DecideInput> = {}, who = client) =>
      store.decide({ client: who, plan, cost, operation: 'query', ...extra });

    describe('scoped limits', () => {
      const plan: Plan = {
        name: 'scoped',
        limits: [
          { kind: 'fixed-window', name: 'points', limit: 1_000, windowMs: HOUR },
          {
            kind: 'fixed-window',
            name: 'export',
            counts: 'requests',
            limit: 1,
            windowMs: HOUR,
            rootFields: ['exportCatalogue'],
          },
          {
            kind: 'fixed-window',
            name: 'poll',
            counts: 'requests',
            limit: 1,
            windowMs: HOUR,
            operationNames: ['SyncContacts'],
          },
          {
            kind: 'token-bucket',
            name: 'writes',
            rate: 1,
            periodMs: 60_000,
            burst: 1,
            operations: ['mutation'],
            rootFields: ['importProducts'],
          },
        ],
      };

      it('a root-field limit counts only operations selecting that field, once per operation', async () => {
        const other = await decide(plan, 10, { rootFields: ['products'] });
        expect(verdict(other)).toEqual([true, null, 0]);
        expect(usage(other, 'export')).toEqual([false, 0, 1]);
        const first = await decide(plan, 50, { rootFields: ['products', 'exportCatalogue'] });
        expect(verdict(first)).toEqual([true, null, 0]);
        expect(usage(first, 'export')).toEqual([true, 1, 0]);
        expect(usage(first, 'points')).toEqual([true, 60, 940]);
        now += 60_000;
        const again = await decide(plan, 50, { rootFields: ['exportCatalogue'] });
        expect(verdict(again)).toEqual([false, 'export', 3_540]);
        // Atomic over every scope: the refused operation charged no limit.
        expect(usage(await decide(plan, 5, { rootFields: ['products'] }), 'points')).toEqual([true, 65, 935]);
        now = T0 + HOUR;
        expect(verdict(await decide(plan, 50, { rootFields: ['exportCatalogue'] }))).toEqual([true, null, 0]);
      });

      it('an operation-name limit counts only that named operation; unnamed ones never match', async () => {
        expect(verdict(await decide(plan, 1, { operationName: 'SyncContacts' }))).toEqual([true, null, 0]);
        expect(verdict(await decide(plan, 1, { operationName: 'SyncContacts' }))).toEqual([
          false,
          'poll',
          3_600,
        ]);
        expect(usage(await decide(plan, 1, { operationName: 'Other' }), 'poll')).toEqual([false, 1, 0]);
        expect(usage(await decide(plan, 1, { operationName: null }), 'poll')).toEqual([false, 1, 0]);
        expect(usage(await decide(plan, 1), 'poll')).toEqual([false, 1, 0]);
      });

      it('type and root field together: only mutations selecting the field', async () => {
        expect(usage(await decide(plan, 1, { rootFields: ['importProducts'] }), 'writes')[0]).toBe(false);
        const write = { operation: 'mutation' as const, rootFields: ['importProducts'] };
        expect(verdict(await decide(plan, 1, write))).toEqual([true, null, 0]);
        expect(verdict(await decide(plan, 1, write))).toEqual([false, 'writes', 60]);
        expect(verdict(await decide(plan, 1, { operation: 'mutation', rootFields: ['other'] }))).toEqual([
          true,
          null,
          0,
        ]);
      });

      it('peek and settle take the same scope: a refund goes back to the limits that were charged', async () => {
        const d = await decide(plan, 100, { rootFields: ['exportCatalogue'] });
        await store.settle({
          client,
          plan,
          operation: 'query',
          rootFields: ['exportCatalogue'],
          refund: 40,
          leaseId: null,
          decidedAtMs: d.nowMs,
        });
        const p = await store.peek(client, plan, { operation: 'query', rootFields: ['exportCatalogue'] });
        expect(usage(p, 'points')).toEqual([true, 60, 940]);
        expect(usage(p, 'export')).toEqual([true, 1, 0]);
        expect(p.allowed).toBe(false);
        expect((await store.peek(client, plan, 'query')).allowed).toBe(true);
      });
    });

    describe('soft limits', () => {
      it('a soft window counts past its line and never refuses; headers read 0 left', async () => {
        const plan: Plan = {
          name: 'soft',
          limits: [
            {
              kind: 'fixed-window',
              name: 'hourly',
              counts: 'requests',
              limit: 5,
              windowMs: HOUR,
              soft: true,
            },
          ],
        };
        let d: Decision | undefined;
        for (let i = 0; i < 8; i++) {
          d = await decide(plan, 1);
          expect(d.allowed).toBe(true);
        }
        expect(status(d!, 'hourly')).toMatchObject({ consumed: 8, remaining: 0, limit: 5, soft: true });
      });

      it('with a hard ceiling at 120 % it refuses past the ceiling, charging nothing', async () => {
        const plan: Plan = {
          name: 'ceiling',
          limits: [
            {
              kind: 'fixed-window',
              name: 'hourly',
              counts: 'requests',
              limit: 5,
              windowMs: HOUR,
              soft: true,
              hardCeiling: 6,
            },
          ],
        };
        for (let i = 0; i < 6; i++) expect((await decide(plan, 1)).allowed).toBe(true);
        const refused = await decide(plan, 1);
        expect(verdict(refused)).toEqual([false, 'hourly', 3_600]);
        expect(usage(refused, 'hourly')).toEqual([true, 6, 0]);
      });

      it('a soft bucket with a ceiling admits up to the ceiling at once, then at the rate', async () => {
        const plan: Plan = {
          name: 'sb',
          limits: [{ kind: 'token-bucket', name: 'rate', rate: 1, burst: 2, soft: true, hardCeiling: 3 }],
        };
        for (let i = 0; i < 3; i++) expect((await decide(plan, 1)).allowed).toBe(true);
        const refused = await decide(plan, 1);
        expect(verdict(refused)).toEqual([false, 'rate', 1]);
        expect(usage(refused, 'rate')).toEqual([true, 3, 0]);
        now += 1_000;
        expect(usage(await decide(plan, 1), 'rate')).toEqual([true, 3, 0]);
      });

      it('a soft concurrency cap of 3 admits up to its ceiling of 4 in flight', async () => {
        const plan: Plan = {
          name: 'sc',
          limits: [{ kind: 'concurrency', name: 'slots', max: 3, soft: true, hardCeiling: 4 }],
        };
        const leases: (string | null)[] = [];
        for (let i = 0; i < 4; i++) {
          const d = await decide(plan, 1);
          expect(d.allowed).toBe(true);
          leases.push(d.leaseId);
        }
        const refused = await decide(plan, 1);
        expect(verdict(refused)[0]).toBe(false);
        expect(usage(refused, 'slots')).toEqual([true, 4, 0]);
        await store.settle({ client, plan, operation: 'query', refund: 0, leaseId: leases[0]! });
        expect(usage(await decide(plan, 1), 'slots')).toEqual([true, 4, 0]);
      });
    });

    describe('exemptions', () => {
      const plan: Plan = {
        name: 'exempt',
        limits: [
          { kind: 'fixed-window', name: 'daily', counts: 'requests', limit: 2, windowMs: 24 * HOUR },
          { kind: 'concurrency', name: 'slots', max: 1 },
        ],
        exempt: [{ operations: ['mutation'], rootFields: ['pushDataSource'] }],
      };
      const push = { operation: 'mutation' as const, rootFields: ['pushDataSource'] };

      it('an exempt operation is admitted, counts nowhere, takes no slot, and says so', async () => {
        const held = await decide(plan, 1);
        expect(held.exempt).toBeUndefined();
        for (let i = 0; i < 5; i++) {
          const d = await decide(plan, 500, push);
          expect(d).toMatchObject({ allowed: true, exempt: true, leaseId: null });
          expect(d.limits.map((l) => [l.name, l.applies, l.consumed])).toEqual([
            ['daily', false, 1],
            ['slots', false, 1],
          ]);
        }
        expect((await store.peek(client, plan, push)).exempt).toBe(true);
        expect(usage(await store.peek(client, plan, 'query'), 'daily')).toEqual([true, 1, 1]);
      });

      it('an exempt operation is admitted even when every limit is exhausted', async () => {
        await decide(plan, 1);
        now += 1;
        expect((await decide(plan, 1)).allowed).toBe(false);
        expect((await decide(plan, 1, push)).allowed).toBe(true);
      });
    });

    describe('global limits with a fair share', () => {
      const plan: Plan = {
        name: 'global',
        limits: [
          { kind: 'fixed-window', name: 'own', limit: 1_000, windowMs: HOUR },
          { kind: 'fixed-window', name: 'capacity', limit: 100, windowMs: 1_000, global: true },
        ],
      };
      let tag = '';
      beforeEach(() => {
        // A fresh window per test: the global window is shared by every client of the store.
        now = T0 + 10_000 * n;
        tag = `${n}-${Math.random().toString(36).slice(2)}`;
      });
      const who = (c: string) => `${c}-${tag}`;

      it('one window for every client; past half of it, no client takes more than its share', async () => {
        const a1 = await decide(plan, 60, {}, who('a'));
        expect(verdict(a1)).toEqual([true, null, 0]);
        expect(status(a1, 'capacity')).toMatchObject({ consumed: 60, remaining: 40, global: true });
        expect(usage(await decide(plan, 10, {}, who('a')), 'capacity')).toEqual([true, 70, 30]);
        // b is the second client: its share is 100 / 2 = 50.
        expect(usage(await decide(plan, 10, {}, who('b')), 'capacity')).toEqual([true, 80, 20]);
        // a has used 70, more than its share of 50: refused while the window is tight, charged nothing.
        const refused = await decide(plan, 1, {}, who('a'));
        expect(verdict(refused)).toEqual([false, 'capacity', 1]);
        expect(usage(refused, 'capacity')).toEqual([true, 80, 0]);
        expect(usage(refused, 'own')).toEqual([true, 70, 930]);
        expect(usage(await decide(plan, 20, {}, who('b')), 'capacity')).toEqual([true, 100, 0]);
        // c is within its share but the window is full.
        expect(verdict(await decide(plan, 1, {}, who('c')))).toEqual([false, 'capacity', 1]);
        now += 1_000;
        expect(usage(await decide(plan, 60, {}, who('a')), 'capacity')).toEqual([true, 60, 40]);
      });

      it('a client alone may use the whole window; without fairness the window is first come, first served', async () => {
        for (let i = 0; i < 10; i++) expect((await decide(plan, 10, {}, who('solo'))).allowed).toBe(true);
        expect(verdict(await decide(plan, 1, {}, who('solo')))).toEqual([false, 'capacity', 1]);
        const open: Plan = {
          name: 'open',
          limits: [
            {
              kind: 'fixed-window',
              name: 'open-cap',
              limit: 100,
              windowMs: 1_000,
              global: true,
              fairness: false,
            },
          ],
        };
        expect((await decide(open, 90, {}, who('x'))).allowed).toBe(true);
        expect(usage(await decide(open, 10, {}, who('y')), 'open-cap')).toEqual([true, 100, 0]);
      });

      it('a refund gives back at most what the client put in, within the window it was charged to', async () => {
        const d = await decide(plan, 50, {}, who('a'));
        await decide(plan, 10, {}, who('b'));
        await store.settle({
          client: who('a'),
          plan,
          operation: 'query',
          refund: 30,
          leaseId: null,
          decidedAtMs: d.nowMs,
        });
        // 30 of 100 used; b (10 used, share 50) may take 20 before the window is tight, 40 within its share.
        expect(usage(await store.peek(who('b'), plan, 'query'), 'capacity')).toEqual([true, 30, 40]);
        // a gave back 30 of its 50; a refund of more than it put in gives back only what it put in.
        await store.settle({
          client: who('a'),
          plan,
          operation: 'query',
          refund: 1_000,
          leaseId: null,
          decidedAtMs: d.nowMs,
        });
        expect(usage(await store.peek(who('b'), plan, 'query'), 'capacity')).toEqual([true, 10, 40]);
      });
    });

    describe('plan validation', () => {
      it.each<[string, Plan['limits'][number] | Plan, RegExp]>([
        [
          'a global first-request window',
          { kind: 'fixed-window', name: 'g', limit: 1, windowMs: 1, global: true, align: 'first-request' },
          /clock-aligned/,
        ],
        [
          'fairness on a client limit',
          { kind: 'fixed-window', name: 'g', limit: 1, windowMs: 1, fairness: false },
          /global limits only/,
        ],
        [
          'a global bucket',
          { kind: 'token-bucket', name: 'g', rate: 1, burst: 1, global: true } as never,
          /only a fixed-window limit can be global/,
        ],
        [
          'hardCeiling without soft',
          { kind: 'fixed-window', name: 'h', limit: 5, windowMs: 1, hardCeiling: 6 },
          /needs soft: true/,
        ],
        [
          'hardCeiling below the line',
          { kind: 'fixed-window', name: 'h', limit: 5, windowMs: 1, soft: true, hardCeiling: 4 },
          /at least the limit's line \(5\)/,
        ],
        [
          'a soft cap beyond MAX_CONCURRENCY',
          { kind: 'concurrency', name: 'c', max: 10, soft: true, hardCeiling: 1001 },
          /at most 1000/,
        ],
        [
          'an empty rootFields',
          { kind: 'fixed-window', name: 'r', limit: 1, windowMs: 1, rootFields: [] },
          /rootFields must be a non-empty array/,
        ],
        [
          'tightBelow above the limit',
          {
            kind: 'fixed-window',
            name: 'g',
            limit: 10,
            windowMs: 1,
            global: true,
            fairness: { tightBelow: 11 },
          },
          /tightBelow must be an integer from 0 to the limit \(10\)/,
        ],
        ['an empty exemption', { name: 'p', limits: [], exempt: [{}] }, /would exempt everything/],
      ])('rejects %s with QUOTA_INVALID_PLAN', async (_, limitOrPlan, message) => {
        const plan: Plan = 'limits' in limitOrPlan ? limitOrPlan : { name: 'bad', limits: [limitOrPlan] };
        const error = await decide(plan, 1).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(QuotaValidationError);
        expect(error).toMatchObject({ code: 'QUOTA_INVALID_PLAN', message: expect.stringMatching(message) });
      });

      it('rejects a malformed rootFields input with QUOTA_INVALID_INPUT', async () => {
        const plan: Plan = {
          name: 'p',
          limits: [{ kind: 'fixed-window', name: 'w', limit: 1, windowMs: 1 }],
        };
        await expect(decide(plan, 1, { rootFields: 'exportCatalogue' as never })).rejects.toMatchObject({
          code: 'QUOTA_INVALID_INPUT',
          message: 'decide: rootFields must be an array of strings when given, got "exportCatalogue"',
        });
      });
    });
  });
}

describePolicyLimits('MemoryStore', (clock) => new MemoryStore({ clock }));

describe('RedisStore', () => {
  const redis = useTestRedis('policyLimits');
  describePolicyLimits(
    'RedisStore',
    (clock) => new RedisStore({ client: redis.io, keyPrefix: redis.prefix, clock }),
  );
});

describe('RedisStore in cluster mode (a single Redis: every step of the cross-slot protocol, on one server)', () => {
  const redis = useTestRedis('policyLimitsClusterMode');
  describePolicyLimits(
    'RedisStore (cluster mode)',
    (clock) => new RedisStore({ client: redis.io, keyPrefix: redis.prefix, cluster: true, clock }),
  );
});

describe('RedisStore on a real Redis Cluster: a global limit in its own slot', () => {
  const cluster = useTestRedisCluster('policyLimits');
  describePolicyLimits(
    'RedisStore (ioredis Cluster)',
    (clock) => new RedisStore({ client: cluster.io, keyPrefix: cluster.prefix, clock }),
  );

  it('the bound: three servers racing 450 decisions never exceed it, and what is left charged is exactly what was admitted', async () => {
    const keyPrefix = `${cluster.prefix}race:`;
    const stores = [0, 1, 2].map(() => new RedisStore({ client: cluster.io, keyPrefix, clock: () => T0 }));
    const plan: Plan = {
      name: 'race',
      limits: [
        // Each client's own limit refuses some operations after the global one charged them: those charges
        // must all be given back.
        { kind: 'fixed-window', name: 'own', limit: 350, windowMs: HOUR },
        {
          kind: 'fixed-window',
          name: 'everyone',
          limit: 1_000,
          windowMs: HOUR,
          global: true,
          fairness: false,
        },
      ],
    };
    const clients = ['east', 'west', 'north', 'south'];
    const decisions = await Promise.all(
      Array.from({ length: 450 }, (_, i) =>
        stores[i % 3]!.decide({ client: clients[i % 4]!, plan, cost: 7, operation: 'query' }),
      ),
    );
    const admitted = decisions.filter((d) => d.allowed).length;
    // 4 clients × floor(350 / 7) = 200 by their own limits, 142 by the global one: the global one binds.
    expect(admitted).toBeLessThanOrEqual(142);
    const after = await stores[0]!.peek('east', plan, 'query');
    expect(after.limits[1]!.consumed).toBe(7 * admitted);
    // Give-backs can only make it fall short while they are in flight; with nothing in flight, a new client
    // gets exactly the room left.
    const rest = Math.floor((1_000 - 7 * admitted) / 7);
    for (let i = 0; i < rest; i++) {
      expect(
        (await stores[1]!.decide({ client: `late-${i}`, plan, cost: 7, operation: 'query' })).allowed,
      ).toBe(true);
    }
    expect((await stores[2]!.decide({ client: 'last', plan, cost: 7, operation: 'query' })).allowed).toBe(
      false,
    );
  });
});
