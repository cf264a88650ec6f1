/**
 * Redis decisions: graphql-quota's RedisStore against rate-limiter-flexible's RateLimiterRedis on one private
 * redis-server, alternated in rounds (the order swaps every round) so that the drift of this shared machine
 * spreads over both; medians over rounds, and the median of the per-round ratios.
 *
 * Per decision: server CPU as `INFO commandstats` counts it (the script calls, their inner commands included,
 * and the ZREM of a lease released alone: the issue 11 measure) and as the Redis process spent it (`INFO cpu`, user + system: request parsing and
 * replies included); the CPU of this process, the client (`process.cpuUsage()`: the library and its Redis
 * client); decisions per second with 64 in flight; calls (round trips). One limit side by
 * side with rate-limiter-flexible (a 1-hour fixed window, the same in both); graphql-quota's 3-limit plans
 * alone (rate-limiter-flexible has no atomic multi-limit decision). Every decision is admitted.
 *
 * Run: `npm run bench -- redis`. Environment: BENCH_ROUNDS (default 5), BENCH_SECONDS per throughput run
 * (default 1.5), BENCH_DECISIONS per one-at-a-time run (default 3000), BENCH_BATCH: more graphql-quota
 * stores for the 1-limit, 64-in-flight comparison, alternated with the others, comma-separated: `serial`
 * (`overlapBatches: false`), `overlap` (true), a number N (`maxBatch: N`), or `serial:N` / `overlap:N`.
 */
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Plan } from '../src/quota/types.js';
import { RedisStore } from '../src/store/RedisStore.js';
import type { RedisStoreOptions } from '../src/store/RedisStore.js';
import {
  CLIENTS,
  ONE,
  THREE,
  THREE_WITH_SLOTS,
  commandStats,
  deletePrefix,
  median,
  privateRedis,
  scriptStats,
  serverCpuMicros,
} from './redisBench.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 1.5);
const DECISIONS = Number(process.env['BENCH_DECISIONS'] ?? 3000);
const IN_FLIGHT = 64;

/** One decision (and, with a concurrency cap, its settle) of the i-th call. */
type Op = (i: number) => Promise<unknown>;

interface Reading {
  /** µs of the store's commands per decision (commandstats: EVALSHA, EVAL, ZREM). */
  readonly script: number;
  /** µs of the Redis process per decision (INFO cpu). */
  readonly process: number;
  /** Calls (round trips) per decision. */
  readonly calls: number;
  /** µs of this (the client's) process per decision: the library's own work, its Redis client's included. */
  readonly client: number;
  /** Decisions per second (64 in flight only). */
  readonly perSecond: number;
}

/** The ZREMs graphql-quota sent itself (not from its script), since the last reset. */
const released = { count: 0 };

async function measure(redis: Redis, op: Op, parallel: number): Promise<Reading> {
  // Warm-up: the script cached, the code paths compiled, every client's key present.
  for (let i = 0; i < 2_000; i++) await op(i);
  await redis.config('RESETSTAT');
  released.count = 0;
  const cpuBefore = await serverCpuMicros(redis);
  const clientBefore = process.cpuUsage();
  let count = 0;
  const start = performance.now();
  if (parallel === 1) {
    while (count < DECISIONS) await op(count++);
  } else {
    const deadline = start + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (performance.now() < deadline) await op(count++);
      }),
    );
  }
  const elapsed = performance.now() - start;
  const clientCpu = process.cpuUsage(clientBefore);
  const cpu = (await serverCpuMicros(redis)) - cpuBefore;
  const stats = await commandStats(redis);
  const script = scriptStats(stats);
  // A lease released alone is a plain ZREM (graphql-quota's only command besides its script here), counted
  // here; commandstats' zrem also counts the script's own, so a direct one is taken at zrem's mean usec.
  const zrem = stats.get('zrem');
  if (zrem !== undefined && zrem.calls > 0) {
    script.calls += released.count;
    script.usec += (released.count * zrem.usec) / zrem.calls;
  }
  return {
    script: script.usec / count,
    process: cpu / count,
    calls: script.calls / count,
    client: (clientCpu.user + clientCpu.system) / count,
    perSecond: (count * 1000) / elapsed,
  };
}

interface Variant {
  readonly name: string;
  readonly op: Op;
  readonly parallel: number;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const { url, child } = await privateRedis();
  const redis = new Redis(url);
  const prefix = `gq-bench-redis:${process.pid}:`;
  try {
    // graphql-quota's client: the same connection, its direct ZREMs counted (see measure).
    const client = {
      call: (command: string, args: string[]) => {
        if (command === 'ZREM') released.count++;
        return redis.call(command, args);
      },
    };
    const store = new RedisStore({ client, keyPrefix: prefix });
    const rlf = new RateLimiterRedis({
      storeClient: redis,
      points: 1e12,
      duration: 3_600,
      keyPrefix: `${prefix}rlf`,
    });
    const ours = (plan: Plan, label: string, on = store): Op => {
      const client = (i: number) => `${label}:${CLIENTS[i % CLIENTS.length]!}`;
      return async (i) => {
        const store = on;
        const d = await store.decide({ client: client(i), plan, cost: 1, operation: 'query' });
        if (d.leaseId !== null) {
          await store.settle({ client: client(i), plan, operation: 'query', refund: 0, leaseId: d.leaseId });
        }
      };
    };
    const theirs: Op = (i) => rlf.consume(CLIENTS[i % CLIENTS.length]!, 1);
    // BENCH_BATCH: graphql-quota with other batching options, side by side with the default.
    const batchings: Variant[] = (process.env['BENCH_BATCH'] ?? '')
      .split(',')
      .filter((v) => v !== '')
      .map((v) => {
        const [first, second] = v.split(':');
        const named = first === 'serial' || first === 'overlap';
        const max = Number(named ? second : first);
        const options: Partial<RedisStoreOptions> = {
          ...(named ? { overlapBatches: first === 'overlap' } : {}),
          ...(Number.isFinite(max) ? { maxBatch: max } : {}),
        };
        const other = new RedisStore({ client, keyPrefix: prefix, ...options });
        return { name: `graphql-quota ${v}`, op: ours(ONE, 'one', other), parallel: IN_FLIGHT };
      });
    // Pairs compared side by side; graphql-quota's multi-limit plans have no peer.
    const groups: Array<{ label: string; variants: Variant[] }> = [
      {
        label: '1 limit, one at a time',
        variants: [
          { name: 'graphql-quota', op: ours(ONE, 'one'), parallel: 1 },
          { name: 'rate-limiter-flexible', op: theirs, parallel: 1 },
        ],
      },
      {
        label: `1 limit, ${IN_FLIGHT} in flight`,
        variants: [
          { name: 'graphql-quota', op: ours(ONE, 'one'), parallel: IN_FLIGHT },
          ...batchings,
          { name: 'rate-limiter-flexible', op: theirs, parallel: IN_FLIGHT },
        ],
      },
      {
        label: '3 limits, one at a time',
        variants: [{ name: 'graphql-quota', op: ours(THREE, 'three'), parallel: 1 }],
      },
      {
        label: `3 limits, ${IN_FLIGHT} in flight`,
        variants: [{ name: 'graphql-quota', op: ours(THREE, 'three'), parallel: IN_FLIGHT }],
      },
      {
        label: '3 limits incl. a concurrency cap (decide + release), one at a time',
        variants: [{ name: 'graphql-quota', op: ours(THREE_WITH_SLOTS, 'slots'), parallel: 1 }],
      },
      {
        label: `3 limits incl. a concurrency cap (decide + release), ${IN_FLIGHT} in flight`,
        variants: [{ name: 'graphql-quota', op: ours(THREE_WITH_SLOTS, 'slots'), parallel: IN_FLIGHT }],
      },
    ];
    const readings = new Map<string, Reading[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const group of groups) {
        const order = round % 2 === 0 ? group.variants : [...group.variants].reverse();
        for (const v of order) {
          const key = `${group.label}|${v.name}`;
          readings.set(key, [...(readings.get(key) ?? []), await measure(redis, v.op, v.parallel)]);
        }
      }
    }
    console.log(
      `Node ${process.version}, ${new Date().toISOString()}, ${ROUNDS} rounds, medians, load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`,
    );
    const rows: string[][] = [
      ['measure', 'graphql-quota', 'rate-limiter-flexible', 'ratio (median of rounds)', 'ratio range'],
    ];
    const fmt = (n: number, digits = 1) =>
      n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    for (const group of groups) {
      for (const ourVariant of group.variants.filter((v) => v.name !== 'rate-limiter-flexible')) {
        const label =
          ourVariant.name === 'graphql-quota' ? group.label : `${group.label}, ${ourVariant.name}`;
        const a = readings.get(`${group.label}|${ourVariant.name}`)!;
        const b = readings.get(`${group.label}|rate-limiter-flexible`);
        const figures: Array<[string, (r: Reading) => number, number]> = [
          ['server CPU per decision, commandstats (µs)', (r) => r.script, 1],
          ['Redis process CPU per decision (µs)', (r) => r.process, 1],
          ['client process CPU per decision (µs)', (r) => r.client, 1],
          ['calls (round trips) per decision', (r) => r.calls, 3],
        ];
        if (group.label.includes('in flight')) figures.unshift(['decisions/s', (r) => r.perSecond, 0]);
        for (const [name, of, digits] of figures) {
          const ratios = b === undefined ? [] : a.map((r, i) => of(r) / of(b[i]!));
          rows.push([
            `${label}: ${name}`,
            fmt(median(a.map(of)), digits),
            b === undefined ? '' : fmt(median(b.map(of)), digits),
            ratios.length === 0 ? '' : `${median(ratios).toFixed(2)}×`,
            ratios.length === 0 ? '' : `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}×`,
          ]);
        }
      }
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const [k, r] of rows.entries()) {
      console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
      if (k === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    }
  } finally {
    await deletePrefix(redis, prefix);
    redis.disconnect();
    child?.kill();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
