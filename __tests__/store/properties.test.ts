/**
 * Property tests: both stores against a reference model written the obvious way (token counts, per-window
 * tallies) in exact integer arithmetic. Any sequence of costs and time steps must give the same admissions.
 */
import fc from 'fast-check';
import type { Plan, QuotaStore } from '../../src/quota/types.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { useTestRedis } from '../helpers/redis.js';
import { T0 } from './storeContract.js';

interface Step {
  readonly dtMs: number;
  readonly cost: number;
}

const steps = fc.array(
  fc.record({ dtMs: fc.integer({ min: 0, max: 3_000 }), cost: fc.integer({ min: 0, max: 12 }) }),
  {
    minLength: 5,
    maxLength: 80,
    size: 'max',
  },
);
const bucketParams = fc.record({
  rate: fc.integer({ min: 1, max: 20 }),
  periodMs: fc.constantFrom(1_000, 4_000, 7_000, 60_000),
  burst: fc.integer({ min: 1, max: 15 }),
});
const windowParams = fc.record({
  limit: fc.integer({ min: 1, max: 40 }),
  windowMs: fc.constantFrom(1_000, 5_000, 10_000),
  align: fc.constantFrom('clock' as const, 'first-request' as const),
});

/** Tokens kept ×periodMs so refilling `rate` per `periodMs` is whole numbers. */
function bucketModel(rate: number, periodMs: number, burst: number) {
  const full = burst * periodMs;
  let tokens = full;
  let last = T0;
  return (now: number, cost: number): boolean => {
    tokens = Math.min(full, tokens + (now - last) * rate);
    last = now;
    if (cost * periodMs > tokens) return false;
    tokens -= cost * periodMs;
    return true;
  };
}

function windowModel(limit: number, windowMs: number, align: 'clock' | 'first-request') {
  let start = -Infinity;
  let used = 0;
  return (now: number, cost: number, commit: boolean): boolean => {
    let s = start;
    let u = used;
    if (align === 'clock' ? now - (now % windowMs) !== s : now >= s + windowMs) {
      s = align === 'clock' ? now - (now % windowMs) : now;
      u = 0;
    }
    const ok = u + cost <= limit;
    if (ok && commit && cost > 0) {
      start = s;
      used = u + cost;
    }
    return ok;
  };
}

type MakeStore = (clock: () => number) => QuotaStore;

function properties(title: string, makeStore: MakeStore, numRuns: number): void {
  describe(`${title}: admissions match the reference model`, () => {
    let n = 0;
    const client = () => `prop-${++n}-${Math.random().toString(36).slice(2)}`;

    it('token bucket: admits exactly what a token count admits, so at most burst + rate × interval', async () => {
      await fc.assert(
        fc.asyncProperty(bucketParams, steps, async ({ rate, periodMs, burst }, seq: Step[]) => {
          let now = T0;
          const store = makeStore(() => now);
          const who = client();
          const plan: Plan = {
            name: 'b',
            limits: [{ kind: 'token-bucket', name: 'b', counts: 'cost', rate, periodMs, burst }],
          };
          const model = bucketModel(rate, periodMs, burst);
          const admitted: Array<[number, number]> = [];
          for (const { dtMs, cost } of seq) {
            now += dtMs;
            const d = await store.decide({ client: who, plan, cost, operation: 'query' });
            expect(d.allowed).toBe(model(now, cost));
            if (d.allowed) admitted.push([now, cost]);
          }
          let worst = -Infinity;
          for (let i = 0; i < admitted.length; i++) {
            let sum = 0;
            for (let j = i; j < admitted.length; j++) {
              sum += admitted[j]![1];
              const excess = sum * periodMs - (burst * periodMs + (admitted[j]![0] - admitted[i]![0]) * rate);
              if (excess > worst) worst = excess;
            }
          }
          expect(worst).toBeLessThanOrEqual(0);
        }),
        { numRuns },
      );
    });

    it('fixed window: never admits more than its limit in a window; refused calls change nothing', async () => {
      await fc.assert(
        fc.asyncProperty(windowParams, steps, async ({ limit, windowMs, align }, seq: Step[]) => {
          let now = T0;
          const store = makeStore(() => now);
          const who = client();
          const plan: Plan = {
            name: 'w',
            limits: [{ kind: 'fixed-window', name: 'w', limit, windowMs, align }],
          };
          const model = windowModel(limit, windowMs, align);
          for (const { dtMs, cost } of seq) {
            now += dtMs;
            const before = await store.peek(who, plan, 'query');
            const d = await store.decide({ client: who, plan, cost, operation: 'query' });
            expect(d.allowed).toBe(model(now, cost, true));
            expect(d.limits[0]!.consumed).toBeLessThanOrEqual(limit);
            if (!d.allowed) expect(await store.peek(who, plan, 'query')).toEqual(before);
          }
        }),
        { numRuns },
      );
    });

    it('two limits: admitted only when both admit, and a refusal by one consumes nothing in the other', async () => {
      await fc.assert(
        fc.asyncProperty(bucketParams, windowParams, steps, async (b, w, seq: Step[]) => {
          let now = T0;
          const store = makeStore(() => now);
          const who = client();
          const plan: Plan = {
            name: 'both',
            limits: [
              { kind: 'token-bucket', name: 'b', counts: 'cost', ...b },
              { kind: 'fixed-window', name: 'w', ...w },
            ],
          };
          const bucket = bucketModel(b.rate, b.periodMs, b.burst);
          const window = windowModel(w.limit, w.windowMs, w.align);
          for (const { dtMs, cost } of seq) {
            now += dtMs;
            // The bucket model is only charged when the window admits; the window only when both do.
            const expected = window(now, cost, false) && bucket(now, cost);
            if (expected) window(now, cost, true);
            expect((await store.decide({ client: who, plan, cost, operation: 'query' })).allowed).toBe(
              expected,
            );
          }
        }),
        { numRuns },
      );
    });
  });
}

properties('MemoryStore', (clock) => new MemoryStore({ clock }), 100);

describe('RedisStore', () => {
  const redis = useTestRedis('properties');
  properties(
    'RedisStore',
    (clock) => new RedisStore({ client: redis.io, keyPrefix: redis.prefix, clock }),
    25,
  );
});
