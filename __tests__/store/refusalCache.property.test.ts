/**
 * The Redis store's local refusal cache never states anything Redis would not: on generated plans (every
 * limit kind, fractional token rates, operation filters) and generated sequences of operations and settles,
 * a store with the cache and a store without it, on the same clock and the same real Redis (separate key
 * prefixes), give exactly the same decisions, figures, reasons and Retry-After included, at every step.
 * Regression: a cached refusal once repeated a token bucket's `consumed` after the bucket had given a token
 * back (CI, seed 851000312).
 */
import fc from 'fast-check';
import type { Decision, OperationType, Plan } from '../../src/quota/index.js';
import { RedisStore } from '../../src/store/index.js';
import { useTestRedis } from '../helpers/redis.js';
import { T0 } from './storeContract.js';

const OPERATIONS: readonly OperationType[] = ['query', 'mutation', 'subscription'];
const operations = fc.option(fc.subarray([...OPERATIONS], { minLength: 1 }), { nil: undefined });
const counts = fc.constantFrom('cost' as const, 'requests' as const);

const limitArb = fc.oneof(
  fc.record({
    kind: fc.constant('fixed-window' as const),
    counts,
    limit: fc.integer({ min: 1, max: 20 }),
    windowMs: fc.constantFrom(1_000, 5_000),
    align: fc.constantFrom('clock' as const, 'first-request' as const),
    operations,
  }),
  fc.record({
    kind: fc.constant('token-bucket' as const),
    counts,
    rate: fc.constantFrom(0.25, 1, 3, 7),
    periodMs: fc.constantFrom(1_000, 3_000),
    burst: fc.integer({ min: 1, max: 20 }),
    operations,
  }),
  fc.record({
    kind: fc.constant('concurrency' as const),
    max: fc.integer({ min: 1, max: 3 }),
    leaseMs: fc.constantFrom(500, 2_000),
    operations,
  }),
);

const planArb = fc.array(limitArb, { minLength: 1, maxLength: 3 }).map((limits): Plan => ({
  name: 'generated',
  limits: limits.map(({ operations: ops, ...limit }, i) =>
    ops === undefined ? { ...limit, name: `l${i}` } : { ...limit, name: `l${i}`, operations: ops },
  ),
}));

const stepsArb = fc.array(
  fc.record({
    // Mostly small steps, so a remembered refusal is asked again while it is held, and just after.
    dtMs: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 1_500 })),
    cost: fc.integer({ min: 0, max: 25 }),
    operation: fc.constantFrom(...OPERATIONS),
    settle: fc.boolean(),
    /** The same operation asked again this many more times, `againMs` apart (as a flooding client). */
    again: fc.integer({ min: 0, max: 5 }),
    againMs: fc.integer({ min: 0, max: 300 }),
  }),
  { minLength: 1, maxLength: 40 },
);

/** A decision without its lease id, which is random per store. */
const comparable = (d: Decision) => ({ ...d, leaseId: d.leaseId === null ? null : 'lease' });

describe('the local refusal cache states what Redis would', () => {
  const redis = useTestRedis('refusal-cache');

  it('a store with the cache decides exactly as one without it, at every step', async () => {
    let n = 0;
    let answeredLocally = 0;
    await fc.assert(
      fc.asyncProperty(planArb, stepsArb, async (plan, steps) => {
        let now = T0;
        const run = ++n;
        const cached = new RedisStore({
          client: redis.io,
          keyPrefix: `${redis.prefix}on${run}:`,
          clock: () => now,
        });
        const direct = new RedisStore({
          client: redis.io,
          keyPrefix: `${redis.prefix}off${run}:`,
          clock: () => now,
          localRefusalClients: 0,
        });
        for (const { dtMs, cost, operation, settle, again, againMs } of steps) {
          now += dtMs;
          for (let k = 0; k <= again; k++) {
            if (k > 0) now += againMs;
            const input = { client: 'c', plan, cost, operation };
            const a = await cached.decide(input);
            const b = await direct.decide(input);
            expect(comparable(a)).toEqual(comparable(b));
            if (a.allowed && settle) {
              const refund = Math.floor(cost / 2);
              await cached.settle({ ...input, refund, leaseId: a.leaseId, decidedAtMs: a.nowMs });
              await direct.settle({ ...input, refund, leaseId: b.leaseId, decidedAtMs: b.nowMs });
            }
          }
        }
        answeredLocally += cached.answeredLocally;
      }),
      { numRuns: 150 },
    );
    // The property is about cached answers: the generated runs must have produced many of them.
    expect(answeredLocally).toBeGreaterThan(100);
  });
});
