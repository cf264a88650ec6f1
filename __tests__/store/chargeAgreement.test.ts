/**
 * "What a limit charges" is one TypeScript function, `limitCharge` (and its inverse `limitRefund`). On
 * generated plans (every limit kind, what it counts, operation filters) and generated sequences of
 * operations, both stores, the Redis one through its Lua script on a real server, move each limit by exactly
 * what that function says: an admitted operation adds its charge to every limit that applies and nothing to
 * the others, a refusal changes nothing, a charge above a limit's size is refused as exceeding capacity, and a
 * settle gives back exactly the refund (never below zero) and frees the slot.
 */
import fc from 'fast-check';
import { limitCharge, limitRefund } from '../../src/quota/index.js';
import type { LimitStatus, OperationType, Plan, QuotaStore } from '../../src/quota/index.js';
import { MemoryStore, RedisStore } from '../../src/store/index.js';
import { useTestRedis } from '../helpers/redis.js';
import { T0 } from './storeContract.js';

const OPERATIONS: readonly OperationType[] = ['query', 'mutation', 'subscription'];

const operationsFilter = fc.option(fc.subarray([...OPERATIONS], { minLength: 1 }), { nil: undefined });
const counts = fc.constantFrom('cost' as const, 'requests' as const);

const limitArb = fc.oneof(
  fc.record({
    kind: fc.constant('fixed-window' as const),
    counts,
    limit: fc.integer({ min: 1, max: 30 }),
    windowMs: fc.constantFrom(1_000, 10_000, 60_000),
    align: fc.constantFrom('clock' as const, 'first-request' as const),
    operations: operationsFilter,
  }),
  fc.record({
    kind: fc.constant('token-bucket' as const),
    counts,
    rate: fc.integer({ min: 1, max: 10 }),
    periodMs: fc.constantFrom(1_000, 3_000, 60_000),
    burst: fc.integer({ min: 1, max: 30 }),
    operations: operationsFilter,
  }),
  fc.record({
    kind: fc.constant('concurrency' as const),
    max: fc.integer({ min: 1, max: 4 }),
    leaseMs: fc.constantFrom(2_000, 60_000),
    operations: operationsFilter,
  }),
);

const planArb = fc.array(limitArb, { minLength: 1, maxLength: 4 }).map((limits): Plan => ({
  name: 'generated',
  // exactOptionalPropertyTypes: an absent filter is left out, not set to undefined.
  limits: limits.map(({ operations, ...limit }, i) =>
    operations === undefined ? { ...limit, name: `l${i}` } : { ...limit, name: `l${i}`, operations },
  ),
}));

const stepsArb = fc.array(
  fc.record({
    dtMs: fc.integer({ min: 0, max: 4_000 }),
    cost: fc.integer({ min: 0, max: 35 }),
    operation: fc.constantFrom(...OPERATIONS),
    /** Settle right after: the share of the cost refunded (0..1), and whether the lease is released. */
    refundShare: fc.double({ min: 0, max: 1, noNaN: true }),
    release: fc.boolean(),
  }),
  { minLength: 1, maxLength: 25 },
);

const consumed = (limits: readonly LimitStatus[]) => limits.map((l) => l.consumed);

function agreement(title: string, makeStore: (clock: () => number) => QuotaStore, numRuns: number): void {
  it(`${title}: every limit moves by exactly limitCharge / limitRefund`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(planArb, stepsArb, async (plan, steps) => {
        let now = T0;
        const store = makeStore(() => now);
        const client = `charge-${++n}-${Math.random().toString(36).slice(2)}`;
        for (const { dtMs, cost, operation, refundShare, release } of steps) {
          now += dtMs;
          const before = await store.peek(client, plan, operation);
          const decision = await store.decide({ client, plan, cost, operation });
          const charges = decision.limits.map((l) => (l.applies ? limitCharge(l, cost) : 0));
          const tooBig = decision.limits.findIndex((l, i) => charges[i]! > l.limit);
          if (tooBig >= 0) {
            expect(decision.reason).toBe('exceeds-capacity');
            expect(decision.refusedBy).toBe(decision.limits[tooBig]!.name);
          }
          if (!decision.allowed) {
            expect(consumed(decision.limits)).toEqual(consumed(before.limits));
            expect(await store.peek(client, plan, operation)).toEqual(before);
            continue;
          }
          expect(consumed(decision.limits)).toEqual(consumed(before.limits).map((c, i) => c + charges[i]!));
          const refund = Math.floor(cost * refundShare);
          await store.settle({
            client,
            plan,
            operation,
            refund,
            leaseId: release ? decision.leaseId : null,
            decidedAtMs: decision.nowMs,
          });
          const settled = await store.peek(client, plan, operation);
          expect(consumed(settled.limits)).toEqual(
            decision.limits.map((l) => {
              if (l.kind === 'concurrency') return release && l.applies ? l.consumed - 1 : l.consumed;
              return Math.max(0, l.consumed - (l.applies ? limitRefund(l, refund) : 0));
            }),
          );
        }
      }),
      { numRuns },
    );
  });
}

describe('the charge of a limit, in both stores', () => {
  agreement('MemoryStore', (clock) => new MemoryStore({ clock }), 100);

  describe('RedisStore (the Lua script, real Redis)', () => {
    const redis = useTestRedis('charge-agreement');
    agreement(
      'RedisStore',
      (clock) => new RedisStore({ client: redis.io, keyPrefix: redis.prefix, clock }),
      100,
    );
  });
});
