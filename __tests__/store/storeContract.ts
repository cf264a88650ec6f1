/**
 * The behaviour every QuotaStore must have, as a `describe` factory: the in-memory and Redis stores both run
 * it. Time is a variable the test moves; nothing sleeps.
 */
import { QuotaValidationError } from '../../src/quota/errors.js';
import type { Decision, LimitStatus, Plan, QuotaStore } from '../../src/quota/types.js';

/** 2030-01-01T00:00:00Z: a whole day, hour and minute, so clock-aligned windows start here. */
export const T0 = Date.UTC(2030, 0, 1);

export interface StoreFixture {
  readonly store: QuotaStore;
  /** Called after each test. */
  readonly cleanup?: () => Promise<void>;
}

/** A clock the test moves by hand. */
export interface ManualClock {
  now: number;
}

function status(d: Decision, name: string): LimitStatus {
  const s = d.limits.find((l) => l.name === name);
  if (s === undefined) throw new Error(`no limit ${name} in decision`);
  return s;
}

/** [remaining, consumed, resetAtMs, firstInWindow] of one limit: the four numbers headers are made of. */
function nums(d: Decision, name: string): [number, number, number, boolean] {
  const s = status(d, name);
  return [s.remaining, s.consumed, s.resetAtMs, s.firstInWindow];
}

export function describeStoreContract(
  title: string,
  makeStore: (clock: ManualClock) => Promise<StoreFixture> | StoreFixture,
): void {
  describe(`${title}: QuotaStore contract`, () => {
    const clock: ManualClock = { now: T0 };
    let fixture: StoreFixture;
    let store: QuotaStore;
    let clientCounter = 0;
    let client: string;

    beforeEach(async () => {
      clock.now = T0;
      fixture = await makeStore(clock);
      store = fixture.store;
      client = `client-${++clientCounter}-${Math.random().toString(36).slice(2)}`;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    const decide = (plan: Plan, cost: number, operation: 'query' | 'mutation' = 'query', who = client) =>
      store.decide({ client: who, plan, cost, operation });

    describe('30,000 points of query cost per window', () => {
      const plan: Plan = {
        name: 'points',
        limits: [{ kind: 'fixed-window', name: 'points', counts: 'cost', limit: 30_000, windowMs: 60_000 }],
      };

      it('reports remaining, consumed, reset and first-in-window, and refuses without consuming', async () => {
        clock.now = T0 + 1_000;
        const first = await decide(plan, 1_000);
        expect(first).toMatchObject({ allowed: true, reason: null, refusedBy: null, retryAfterSeconds: 0 });
        expect(first.nowMs).toBe(T0 + 1_000);
        expect(first.source).toBe('store');
        expect(first.leaseId).toBeNull();
        expect(first.limits).toEqual([
          {
            name: 'points',
            kind: 'fixed-window',
            counts: 'cost',
            limit: 30_000,
            remaining: 29_000,
            consumed: 1_000,
            resetAtMs: T0 + 60_000,
            windowMs: 60_000,
            firstInWindow: true,
            applies: true,
          },
        ]);
        expect(nums(await decide(plan, 1_000), 'points')).toEqual([28_000, 2_000, T0 + 60_000, false]);

        clock.now = T0 + 30_500;
        const over = await decide(plan, 28_001);
        expect(over).toMatchObject({
          allowed: false,
          reason: 'limit',
          refusedBy: 'points',
          retryAfterSeconds: 30,
        });
        expect(over.leaseId).toBeNull();
        expect(nums(over, 'points')).toEqual([28_000, 2_000, T0 + 60_000, false]);

        expect(nums(await decide(plan, 28_000), 'points')).toEqual([0, 30_000, T0 + 60_000, false]);
        const empty = await decide(plan, 1);
        expect(empty).toMatchObject({ allowed: false, reason: 'limit', retryAfterSeconds: 30 });
      });

      it('refuses a cost that can never fit as exceeds-capacity, consuming nothing', async () => {
        const d = await decide(plan, 30_001);
        expect(d).toMatchObject({
          allowed: false,
          reason: 'exceeds-capacity',
          refusedBy: 'points',
          retryAfterSeconds: 0,
        });
        expect(nums(d, 'points')).toEqual([30_000, 0, T0 + 60_000, false]);
        expect(nums(await decide(plan, 30_000), 'points')).toEqual([0, 30_000, T0 + 60_000, true]);
      });

      it('starts a fresh window on the clock boundary', async () => {
        clock.now = T0 + 59_999;
        await decide(plan, 30_000);
        expect((await decide(plan, 1)).retryAfterSeconds).toBe(1);
        clock.now = T0 + 60_000;
        expect(nums(await decide(plan, 5), 'points')).toEqual([29_995, 5, T0 + 120_000, true]);
      });

      it('a zero-cost operation passes without consuming, first in duration while nothing is consumed', async () => {
        // First in duration: nothing was consumed in the window before it, whatever it charges.
        const d = await decide(plan, 0);
        expect(d.allowed).toBe(true);
        expect(nums(d, 'points')).toEqual([30_000, 0, T0 + 60_000, true]);
        // It opened nothing: the next operation is the first to consume.
        expect(nums(await decide(plan, 5), 'points')).toEqual([29_995, 5, T0 + 60_000, true]);
        expect(nums(await decide(plan, 0), 'points')).toEqual([29_995, 5, T0 + 60_000, false]);
      });

      it('a zero-cost operation on a full cost-counting bucket is first in duration, not after a charge', async () => {
        const bucket: Plan = {
          name: 'cost-bucket',
          limits: [{ kind: 'token-bucket', name: 'b', counts: 'cost', rate: 10, burst: 10 }],
        };
        expect(nums(await decide(bucket, 0), 'b')).toEqual([10, 0, T0, true]);
        expect(nums(await decide(bucket, 3), 'b')).toEqual([7, 3, T0 + 300, true]);
        expect(nums(await decide(bucket, 0), 'b')).toEqual([7, 3, T0 + 300, false]);
      });
    });

    describe('windows starting at the first request', () => {
      const plan: Plan = {
        name: 'first',
        limits: [
          {
            kind: 'fixed-window',
            name: 'hourly',
            counts: 'requests',
            limit: 2,
            windowMs: 3_600_000,
            align: 'first-request',
          },
        ],
      };

      it('opens the window at the first request and the next one after it ends', async () => {
        clock.now = T0 + 1_234;
        expect(nums(await decide(plan, 50), 'hourly')).toEqual([1, 1, T0 + 1_234 + 3_600_000, true]);
        clock.now = T0 + 600_000;
        expect(nums(await decide(plan, 50), 'hourly')).toEqual([0, 2, T0 + 1_234 + 3_600_000, false]);
        const refused = await decide(plan, 1);
        expect(refused).toMatchObject({ allowed: false, reason: 'limit', retryAfterSeconds: 3_002 });
        clock.now = T0 + 1_234 + 3_600_000 + 5_000;
        expect(nums(await decide(plan, 1), 'hourly')).toEqual([1, 1, T0 + 1_234 + 7_205_000, true]);
      });
    });

    describe('~5,000 requests per hour with short bursts above the rate', () => {
      const plan: Plan = {
        name: 'hourly',
        limits: [{ kind: 'token-bucket', name: 'hourly', rate: 5_000, periodMs: 3_600_000, burst: 100 }],
      };

      it('admits a burst of 100, then one request every 720 ms', async () => {
        for (let i = 1; i <= 100; i++) {
          const d = await decide(plan, 999);
          expect(d.allowed).toBe(true);
          expect(status(d, 'hourly').remaining).toBe(100 - i);
        }
        const burstEnd = await decide(plan, 1);
        expect(burstEnd).toMatchObject({
          allowed: false,
          reason: 'limit',
          refusedBy: 'hourly',
          retryAfterSeconds: 1,
        });
        // Full again once 100 tokens at 720 ms each have come back.
        expect(nums(burstEnd, 'hourly')).toEqual([0, 100, T0 + 72_000, false]);
        clock.now = T0 + 719;
        expect((await decide(plan, 1)).allowed).toBe(false);
        clock.now = T0 + 720;
        expect(nums(await decide(plan, 1), 'hourly')).toEqual([0, 100, T0 + 72_720, false]);
        clock.now = T0 + 720 + 72_000;
        expect(nums(await decide(plan, 1), 'hourly')).toEqual([99, 1, T0 + 72_720 + 720, true]);
      });
    });

    describe('2,500 calls per day per organisation, at most 3 concurrent', () => {
      const plan: Plan = {
        name: 'org',
        limits: [
          { kind: 'fixed-window', name: 'daily', counts: 'requests', limit: 2_500, windowMs: 86_400_000 },
          { kind: 'concurrency', name: 'concurrent', max: 3, leaseMs: 30_000 },
        ],
      };

      it('caps in-flight operations and counts only admitted calls against the day', async () => {
        const held = [await decide(plan, 7), await decide(plan, 7), await decide(plan, 7)];
        expect(held.map((d) => d.allowed)).toEqual([true, true, true]);
        expect(new Set(held.map((d) => d.leaseId)).size).toBe(3);
        expect(nums(held[2]!, 'concurrent')).toEqual([0, 3, T0 + 30_000, false]);
        clock.now = T0 + 10_000;
        const fourth = await decide(plan, 7);
        expect(fourth).toMatchObject({
          allowed: false,
          reason: 'limit',
          refusedBy: 'concurrent',
          retryAfterSeconds: 20,
        });
        expect(nums(fourth, 'daily')).toEqual([2_497, 3, T0 + 86_400_000, false]);
        await store.settle({ client, plan, operation: 'query', refund: 0, leaseId: held[1]!.leaseId });
        const fifth = await decide(plan, 7);
        expect(fifth.allowed).toBe(true);
        expect(nums(fifth, 'concurrent')).toEqual([0, 3, T0 + 30_000, false]);
        expect(nums(fifth, 'daily')).toEqual([2_496, 4, T0 + 86_400_000, false]);
      });

      it('stops at 2,500 calls in the day', async () => {
        for (let i = 0; i < 2_500; i++) {
          const d = await decide(plan, 1);
          if (!d.allowed) throw new Error(`call ${i} refused`);
          await store.settle({ client, plan, operation: 'query', refund: 0, leaseId: d.leaseId });
        }
        clock.now = T0 + 3_600_000;
        const over = await decide(plan, 1);
        expect(over).toMatchObject({ allowed: false, refusedBy: 'daily', retryAfterSeconds: 82_800 });
        expect(nums(over, 'concurrent')).toEqual([3, 0, T0 + 3_600_000, false]);
      });
    });

    describe('20 requests per second, at most 5 concurrent, at most 250,000 per day', () => {
      const plan: Plan = {
        name: 'api',
        limits: [
          { kind: 'token-bucket', name: 'per-second', rate: 20, burst: 20 },
          { kind: 'concurrency', name: 'concurrent', max: 5 },
          { kind: 'fixed-window', name: 'daily', counts: 'requests', limit: 250_000, windowMs: 86_400_000 },
        ],
      };

      it('enforces each limit and consumes nothing when any one refuses', async () => {
        const inFlight: Decision[] = [];
        for (let i = 0; i < 5; i++) inFlight.push(await decide(plan, 3));
        const sixth = await decide(plan, 3);
        expect(sixth).toMatchObject({ allowed: false, refusedBy: 'concurrent', retryAfterSeconds: 60 });
        expect(nums(sixth, 'per-second')).toEqual([15, 5, T0 + 250, false]);
        expect(nums(sixth, 'daily')).toEqual([249_995, 5, T0 + 86_400_000, false]);
        for (const d of inFlight) {
          await store.settle({ client, plan, operation: 'query', refund: 0, leaseId: d.leaseId });
        }
        for (let i = 0; i < 15; i++) {
          const d = await decide(plan, 3);
          expect(d.allowed).toBe(true);
          await store.settle({ client, plan, operation: 'query', refund: 0, leaseId: d.leaseId });
        }
        const over = await decide(plan, 3);
        expect(over).toMatchObject({
          allowed: false,
          reason: 'limit',
          refusedBy: 'per-second',
          retryAfterSeconds: 1,
        });
        expect(nums(over, 'daily')).toEqual([249_980, 20, T0 + 86_400_000, false]);
        expect(nums(over, 'concurrent')).toEqual([5, 0, T0, false]);
        clock.now = T0 + 50;
        const next = await decide(plan, 3);
        expect(next.allowed).toBe(true);
        expect(nums(next, 'per-second')).toEqual([0, 20, T0 + 1_050, false]);
      });

      it('says retry after the slowest refusing limit', async () => {
        const mixed: Plan = {
          name: 'mixed',
          limits: [
            { kind: 'fixed-window', name: 'minute', counts: 'requests', limit: 1, windowMs: 60_000 },
            { kind: 'token-bucket', name: 'per-second', rate: 1, burst: 1 },
          ],
        };
        clock.now = T0 + 10_000;
        await decide(mixed, 1);
        const d = await decide(mixed, 1);
        expect(d).toMatchObject({
          allowed: false,
          reason: 'limit',
          refusedBy: 'minute',
          retryAfterSeconds: 50,
        });
      });
    });

    describe('tiers of sustained rate and burst, writes throttled harder than reads', () => {
      const tier1: Plan = {
        name: 'tier-1',
        limits: [
          { kind: 'token-bucket', name: 'reads', rate: 1, periodMs: 4_000, burst: 1, operations: ['query'] },
          {
            kind: 'token-bucket',
            name: 'writes',
            rate: 1,
            periodMs: 60_000,
            burst: 1,
            operations: ['mutation'],
          },
        ],
      };
      const tier2: Plan = {
        name: 'tier-2',
        limits: [
          { kind: 'token-bucket', name: 'reads', rate: 4, burst: 4, operations: ['query'] },
          { kind: 'token-bucket', name: 'writes', rate: 1, burst: 1, operations: ['mutation'] },
        ],
      };

      it('tier 1: one read per 4 s, one write per minute, each counted only by its own limit', async () => {
        const read = await decide(tier1, 1, 'query');
        expect(read.allowed).toBe(true);
        expect(read.limits.map((l) => [l.name, l.applies, l.remaining])).toEqual([
          ['reads', true, 0],
          ['writes', false, 1],
        ]);
        expect(await decide(tier1, 1, 'query')).toMatchObject({
          allowed: false,
          refusedBy: 'reads',
          retryAfterSeconds: 4,
        });
        expect((await decide(tier1, 1, 'mutation')).allowed).toBe(true);
        expect(await decide(tier1, 1, 'mutation')).toMatchObject({
          allowed: false,
          refusedBy: 'writes',
          retryAfterSeconds: 60,
        });
        clock.now = T0 + 4_000;
        expect((await decide(tier1, 1, 'query')).allowed).toBe(true);
        expect((await decide(tier1, 1, 'mutation')).allowed).toBe(false);
      });

      it('tier 2: bursts of 4 reads, then one every 250 ms', async () => {
        for (let i = 0; i < 4; i++) expect((await decide(tier2, 1)).allowed).toBe(true);
        expect(await decide(tier2, 1)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
        clock.now = T0 + 250;
        expect(nums(await decide(tier2, 1), 'reads')).toEqual([0, 4, T0 + 1_250, false]);
      });

      it('rates with a fractional step stay exact: 3 per second admits 3 per second, no more', async () => {
        const odd: Plan = { name: 'odd', limits: [{ kind: 'token-bucket', name: 'r', rate: 3, burst: 1 }] };
        let admitted = 0;
        for (let t = 0; t < 3_000; t += 37) {
          clock.now = T0 + t;
          if ((await decide(odd, 1)).allowed) admitted++;
        }
        // burst 1 plus 3/s over the 2,997 ms spanned: at most 1 + floor(2,997 × 3 / 1,000) = 9.
        expect(admitted).toBe(9);
      });
    });

    describe('token buckets counting cost', () => {
      const plan: Plan = {
        name: 'cost-bucket',
        limits: [{ kind: 'token-bucket', name: 'points', counts: 'cost', rate: 100, burst: 1_000 }],
      };

      it('spends cost as tokens, refuses what does not fit, and says when it will', async () => {
        expect(nums(await decide(plan, 700), 'points')).toEqual([300, 700, T0 + 7_000, true]);
        const d = await decide(plan, 450);
        expect(d).toMatchObject({ allowed: false, reason: 'limit', retryAfterSeconds: 2 });
        expect(nums(d, 'points')).toEqual([300, 700, T0 + 7_000, false]);
        expect(await decide(plan, 1_001)).toMatchObject({ allowed: false, reason: 'exceeds-capacity' });
        clock.now = T0 + 1_500;
        expect(nums(await decide(plan, 450), 'points')).toEqual([0, 1_000, T0 + 11_500, false]);
      });
    });

    describe('settle', () => {
      const plan: Plan = {
        name: 'refunds',
        limits: [
          { kind: 'fixed-window', name: 'points', limit: 1_000, windowMs: 60_000 },
          { kind: 'token-bucket', name: 'bucket', counts: 'cost', rate: 10, burst: 1_000 },
          { kind: 'fixed-window', name: 'requests', counts: 'requests', limit: 10, windowMs: 60_000 },
        ],
      };

      it('refunds the unspent cost to cost-counting limits only', async () => {
        const d = await decide(plan, 600);
        await store.settle({
          client,
          plan,
          operation: 'query',
          refund: 450,
          leaseId: null,
          decidedAtMs: d.nowMs,
        });
        const after = await store.peek(client, plan, 'query');
        expect(nums(after, 'points')).toEqual([850, 150, T0 + 60_000, false]);
        expect(nums(after, 'bucket')).toEqual([850, 150, T0 + 15_000, false]);
        expect(nums(after, 'requests')).toEqual([9, 1, T0 + 60_000, false]);
      });

      it('never refunds above a full bucket or below zero consumed', async () => {
        const d = await decide(plan, 100);
        await store.settle({
          client,
          plan,
          operation: 'query',
          refund: 5_000,
          leaseId: null,
          decidedAtMs: d.nowMs,
        });
        const after = await store.peek(client, plan, 'query');
        expect(nums(after, 'points')).toEqual([1_000, 0, T0 + 60_000, false]);
        expect(nums(after, 'bucket')).toEqual([1_000, 0, T0, false]);
      });

      it('does not credit a window that started after the decision', async () => {
        clock.now = T0 + 59_000;
        const d = await decide(plan, 600);
        clock.now = T0 + 61_000;
        await decide(plan, 300);
        await store.settle({
          client,
          plan,
          operation: 'query',
          refund: 500,
          leaseId: null,
          decidedAtMs: d.nowMs,
        });
        expect(nums(await store.peek(client, plan, 'query'), 'points')).toEqual([
          700,
          300,
          T0 + 120_000,
          false,
        ]);
      });

      it('does not refund fixed windows when the decision time is unknown', async () => {
        await decide(plan, 600);
        await store.settle({ client, plan, operation: 'query', refund: 500, leaseId: null });
        const after = await store.peek(client, plan, 'query');
        expect(nums(after, 'points')).toEqual([400, 600, T0 + 60_000, false]);
        expect(nums(after, 'bucket')).toEqual([900, 100, T0 + 10_000, false]);
      });
    });

    describe('concurrency leases', () => {
      const plan: Plan = {
        name: 'leases',
        limits: [{ kind: 'concurrency', name: 'slots', max: 1, leaseMs: 10_000, operations: ['mutation'] }],
      };

      it('frees a slot whose lease expired, so a crashed server cannot leak it', async () => {
        const held = await decide(plan, 1, 'mutation');
        expect(held.leaseId).toEqual(expect.any(String));
        clock.now = T0 + 4_000;
        expect(await decide(plan, 1, 'mutation')).toMatchObject({
          allowed: false,
          refusedBy: 'slots',
          retryAfterSeconds: 6,
        });
        clock.now = T0 + 10_000;
        expect(nums(await decide(plan, 1, 'mutation'), 'slots')).toEqual([0, 1, T0 + 20_000, true]);
      });

      it('uses the caller lease id, takes none for operations the limit skips', async () => {
        const d = await store.decide({ client, plan, cost: 1, operation: 'mutation', leaseId: 'req-42' });
        expect(d.leaseId).toBe('req-42');
        const q = await decide(plan, 1, 'query');
        expect(q).toMatchObject({ allowed: true, leaseId: null });
        expect(q.limits[0]).toMatchObject({ applies: false, remaining: 0, consumed: 1 });
        await store.settle({ client, plan, operation: 'mutation', refund: 0, leaseId: 'req-42' });
        expect((await decide(plan, 1, 'mutation')).allowed).toBe(true);
      });

      it('releasing an unknown lease changes nothing', async () => {
        await decide(plan, 1, 'mutation');
        await store.settle({ client, plan, operation: 'mutation', refund: 0, leaseId: 'nobody' });
        expect((await decide(plan, 1, 'mutation')).allowed).toBe(false);
      });
    });

    describe('peek', () => {
      const plan: Plan = {
        name: 'peek',
        limits: [{ kind: 'fixed-window', name: 'w', counts: 'requests', limit: 2, windowMs: 60_000 }],
      };

      it('reads usage without consuming', async () => {
        const fresh = await store.peek(client, plan, 'query');
        expect(fresh).toMatchObject({ allowed: true, leaseId: null });
        expect(nums(fresh, 'w')).toEqual([2, 0, T0 + 60_000, false]);
        await decide(plan, 1);
        await store.peek(client, plan, 'query');
        expect(nums(await store.peek(client, plan, 'query'), 'w')).toEqual([1, 1, T0 + 60_000, false]);
        await decide(plan, 1);
        expect(await store.peek(client, plan, 'query')).toMatchObject({
          allowed: false,
          reason: 'limit',
          retryAfterSeconds: 60,
        });
      });
    });

    describe('kill switch', () => {
      const plan: Plan = {
        name: 'kill',
        limits: [{ kind: 'fixed-window', name: 'w', counts: 'requests', limit: 100, windowMs: 60_000 }],
      };

      it('blocks one client for a duration, consuming nothing', async () => {
        await decide(plan, 1);
        await store.block(client, 90_000);
        clock.now = T0 + 500;
        const d = await decide(plan, 1);
        expect(d).toMatchObject({
          allowed: false,
          reason: 'blocked',
          refusedBy: null,
          retryAfterSeconds: 90,
        });
        expect(nums(d, 'w')).toEqual([99, 1, T0 + 60_000, false]);
        expect((await decide(plan, 1, 'query', `${client}-other`)).allowed).toBe(true);
        clock.now = T0 + 90_000;
        expect(nums(await decide(plan, 1), 'w')).toEqual([99, 1, T0 + 120_000, true]);
      });

      it("blocks everyone with '*' until unblocked", async () => {
        const other = `${client}-other`;
        await store.block('*', 3_600_000);
        try {
          expect(await decide(plan, 1)).toMatchObject({
            allowed: false,
            reason: 'blocked',
            retryAfterSeconds: 3_600,
          });
          expect(await decide(plan, 1, 'query', other)).toMatchObject({ allowed: false, reason: 'blocked' });
          expect(await store.peek(other, plan, 'query')).toMatchObject({ allowed: false, reason: 'blocked' });
        } finally {
          await store.unblock('*');
        }
        expect((await decide(plan, 1, 'query', other)).allowed).toBe(true);
      });

      it('unblocks a client', async () => {
        await store.block(client, 60_000);
        await store.unblock(client);
        expect((await decide(plan, 1)).allowed).toBe(true);
      });
    });

    describe('plans sharing limits', () => {
      it('keeps a limit state when the client moves to a plan with the same limit', async () => {
        const free: Plan = {
          name: 'free',
          limits: [{ kind: 'fixed-window', name: 'points', limit: 100, windowMs: 60_000 }],
        };
        const pro: Plan = {
          name: 'pro',
          limits: [
            { kind: 'token-bucket', name: 'burst', rate: 10, burst: 10 },
            { kind: 'fixed-window', name: 'points', limit: 1_000, windowMs: 60_000 },
          ],
        };
        await decide(free, 80);
        expect(nums(await decide(pro, 10), 'points')).toEqual([910, 90, T0 + 60_000, false]);
        expect(nums(await decide(free, 5), 'points')).toEqual([5, 95, T0 + 60_000, false]);
      });
    });

    describe('bad input', () => {
      const plan: Plan = {
        name: 'p',
        limits: [{ kind: 'fixed-window', name: 'w', limit: 1, windowMs: 1_000 }],
      };

      it.each([
        [
          'an empty client',
          { client: '', plan, cost: 1, operation: 'query' },
          /client must be a non-empty string/,
        ],
        [
          'a negative cost',
          { client: 'c', plan, cost: -1, operation: 'query' },
          /cost must be a non-negative integer/,
        ],
        ['a NaN cost', { client: 'c', plan, cost: NaN, operation: 'query' }, /got NaN/],
        ['an unknown operation', { client: 'c', plan, cost: 1, operation: 'batch' }, /operation must be/],
      ])('rejects %s with QUOTA_INVALID_INPUT', async (_, input, message) => {
        const error: unknown = await store.decide(input as never).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(QuotaValidationError);
        expect(error).toMatchObject({ code: 'QUOTA_INVALID_INPUT', message: expect.stringMatching(message) });
      });

      it('rejects a malformed plan with QUOTA_INVALID_PLAN', async () => {
        const bad = { name: 'bad', limits: [{ kind: 'fixed-window', name: 'w', limit: 0, windowMs: 1_000 }] };
        await expect(
          store.decide({ client, plan: bad as Plan, cost: 1, operation: 'query' }),
        ).rejects.toMatchObject({
          code: 'QUOTA_INVALID_PLAN',
          message: 'plan "bad", limits[0] "w": limit must be a positive integer, got 0',
        });
      });

      it('rejects a non-positive block duration', async () => {
        await expect(store.block(client, 0)).rejects.toMatchObject({ code: 'QUOTA_INVALID_INPUT' });
      });
    });
  });
}
