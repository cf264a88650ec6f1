/**
 * Property tests for scoped, soft and global limits (issue 10): both stores against a reference model written
 * the obvious way (a tally per window, a map of each client's use of the global window). Any sequence of
 * clients, costs, scopes and time steps must give the same admissions and the same consumption of every
 * limit: a decision is atomic over all of them, and a refusal charges none.
 */
import fc from 'fast-check';
import type { Plan, QuotaStore } from '../../src/quota/types.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { useTestRedis } from '../helpers/redis.js';
import { T0 } from './storeContract.js';

interface Step {
  readonly who: number;
  readonly dtMs: number;
  readonly cost: number;
  readonly exportCatalogue: boolean;
}

const steps = fc.array(
  fc.record({
    who: fc.integer({ min: 0, max: 2 }),
    dtMs: fc.integer({ min: 0, max: 1_500 }),
    cost: fc.integer({ min: 0, max: 12 }),
    exportCatalogue: fc.boolean(),
  }),
  { minLength: 5, maxLength: 80, size: 'max' },
);
const params = fc.record({
  points: fc.integer({ min: 5, max: 60 }),
  softLine: fc.integer({ min: 1, max: 4 }),
  softExtra: fc.integer({ min: 0, max: 3 }),
  capacity: fc.integer({ min: 10, max: 80 }),
  tightBelow: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
});

/** A clock-aligned window: `line` reported, refusals past `ceiling`. */
class WindowModel {
  start = -1;
  used = 0;
  constructor(
    readonly windowMs: number,
    readonly ceiling: number,
  ) {}
  view(now: number): number {
    return this.start === now - (now % this.windowMs) ? this.used : 0;
  }
  admits(now: number, amount: number): boolean {
    return this.view(now) + amount <= this.ceiling;
  }
  commit(now: number, amount: number): void {
    if (amount === 0) return;
    this.used = this.view(now) + amount;
    this.start = now - (now % this.windowMs);
  }
}

class GlobalModel {
  start = -1;
  used = 0;
  clients = new Map<number, number>();
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly fairLine: number,
  ) {}
  #roll(now: number): void {
    const start = now - (now % this.windowMs);
    if (start !== this.start) {
      this.start = start;
      this.used = 0;
      this.clients = new Map();
    }
  }
  view(now: number): number {
    return this.start === now - (now % this.windowMs) ? this.used : 0;
  }
  admits(now: number, who: number, amount: number): boolean {
    const current = this.start === now - (now % this.windowMs);
    const used = current ? this.used : 0;
    if (used + amount > this.limit) return false;
    if (amount === 0 || used + amount <= this.fairLine) return true;
    const mine = current ? this.clients.get(who) : undefined;
    const clients = (current ? this.clients.size : 0) + (mine === undefined ? 1 : 0);
    return (mine ?? 0) + amount <= Math.floor(this.limit / clients);
  }
  commit(now: number, who: number, amount: number): void {
    if (amount === 0) return;
    this.#roll(now);
    this.used += amount;
    this.clients.set(who, (this.clients.get(who) ?? 0) + amount);
  }
}

function properties(title: string, makeStore: (clock: () => number) => QuotaStore, numRuns: number): void {
  describe(`${title}: scoped, soft and global limits match the reference model`, () => {
    let run = 0;

    it('admissions and every limit consumption agree; a refusal charges nothing anywhere', async () => {
      await fc.assert(
        fc.asyncProperty(params, steps, async (p, seq: Step[]) => {
          let now = T0 + 1_000_000 * ++run;
          const store = makeStore(() => now);
          const tag = `${run}-${Math.random().toString(36).slice(2)}`;
          const clients = [0, 1, 2].map((i) => `pp-${i}-${tag}`);
          const plan: Plan = {
            name: `pp-${tag}`,
            limits: [
              { kind: 'fixed-window', name: 'points', limit: p.points, windowMs: 5_000 },
              {
                kind: 'fixed-window',
                name: 'export',
                counts: 'requests',
                limit: 2,
                windowMs: 10_000,
                rootFields: ['exportCatalogue'],
              },
              {
                kind: 'fixed-window',
                name: 'soft',
                counts: 'requests',
                limit: p.softLine,
                windowMs: 5_000,
                soft: true,
                hardCeiling: p.softLine + p.softExtra,
              },
              {
                kind: 'fixed-window',
                name: `cap-${tag}`,
                limit: p.capacity,
                windowMs: 1_000,
                global: true,
                ...(p.tightBelow === undefined
                  ? {}
                  : { fairness: { tightBelow: Math.min(p.tightBelow, p.capacity) } }),
              },
            ],
          };
          const tight =
            p.tightBelow === undefined ? Math.floor(p.capacity / 2) : Math.min(p.tightBelow, p.capacity);
          const points = [0, 1, 2].map(() => new WindowModel(5_000, p.points));
          const exports = [0, 1, 2].map(() => new WindowModel(10_000, 2));
          const soft = [0, 1, 2].map(() => new WindowModel(5_000, p.softLine + p.softExtra));
          const global = new GlobalModel(p.capacity, 1_000, p.capacity - tight);
          for (const { who, dtMs, cost, exportCatalogue } of seq) {
            now += dtMs;
            const exp = exportCatalogue ? 1 : 0;
            const expected =
              points[who]!.admits(now, cost) &&
              exports[who]!.admits(now, exp) &&
              soft[who]!.admits(now, 1) &&
              global.admits(now, who, cost);
            const d = await store.decide({
              client: clients[who]!,
              plan,
              cost,
              operation: 'query',
              rootFields: exportCatalogue ? ['exportCatalogue', 'products'] : ['products'],
            });
            expect(d.allowed).toBe(expected);
            if (expected) {
              points[who]!.commit(now, cost);
              exports[who]!.commit(now, exp);
              soft[who]!.commit(now, 1);
              global.commit(now, who, cost);
            }
            expect(d.limits.map((l) => l.consumed)).toEqual([
              points[who]!.view(now),
              exports[who]!.view(now),
              soft[who]!.view(now),
              global.view(now),
            ]);
            expect(d.limits[1]!.applies).toBe(exportCatalogue);
          }
        }),
        { numRuns },
      );
    });
  });
}

properties('MemoryStore', (clock) => new MemoryStore({ clock }), 100);

describe('RedisStore', () => {
  const redis = useTestRedis('policyProperties');
  properties(
    'RedisStore',
    (clock) => new RedisStore({ client: redis.io, keyPrefix: redis.prefix, clock }),
    25,
  );
});
