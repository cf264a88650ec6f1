/**
 * What the Redis store's usage history (issue 16, `usageHistory: true`) adds per decision, against the same
 * store with it off, on one private redis-server, alternated in rounds (the order swaps every round); medians
 * over rounds and the median and range of the per-round ratios on/off.
 *
 * Per decision: server CPU as `INFO commandstats` counts it (the script call, inner commands included) and as
 * the Redis process spent it (`INFO cpu`), and script calls (round trips: the history adds none). The plan is
 * redis.bench.ts's three limits; decisions name one of 5 operations, over 1,000 clients; every decision is
 * admitted. Then the bytes: a simulated hour of 200 clients (2 decisions a minute, one refused in ten, 5
 * operation names) written through the store with a test clock, and `MEMORY USAGE` of each kind of key.
 *
 * Run: `npm run bench -- usage-history`. Environment: BENCH_ROUNDS (default 5), BENCH_DECISIONS per
 * one-at-a-time run (default 3000), BENCH_SECONDS per 64-in-flight run (default 1.5).
 */
import { Redis } from 'ioredis';
import type { Plan } from '../src/quota/types.js';
import { RedisStore } from '../src/store/RedisStore.js';
import {
  CLIENTS,
  THREE,
  commandStats,
  deletePrefix,
  median,
  privateRedis,
  scriptStats,
  serverCpuMicros,
} from './redisBench.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const DECISIONS = Number(process.env['BENCH_DECISIONS'] ?? 3000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 1.5);
const IN_FLIGHT = 64;
const NAMES = ['Products', 'Search', 'Orders', 'Viewer', 'Cart'];

interface Reading {
  readonly script: number;
  readonly process: number;
  readonly calls: number;
}

async function measure(redis: Redis, store: RedisStore, parallel: number): Promise<Reading> {
  const op = (i: number) =>
    store.decide({
      client: `id:${CLIENTS[i % CLIENTS.length]!}`,
      plan: THREE,
      cost: 1 + (i % 7),
      operation: 'query',
      operationName: NAMES[i % NAMES.length]!,
    });
  for (let i = 0; i < 2_000; i++) await op(i);
  await redis.config('RESETSTAT');
  const cpuBefore = await serverCpuMicros(redis);
  let count = 0;
  if (parallel === 1) {
    while (count < DECISIONS) await op(count++);
  } else {
    const deadline = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (performance.now() < deadline) await op(count++);
      }),
    );
  }
  const cpu = (await serverCpuMicros(redis)) - cpuBefore;
  const script = scriptStats(await commandStats(redis));
  return { script: script.usec / count, process: cpu / count, calls: script.calls / count };
}

/** MEMORY USAGE of every key matching `pattern`: their number and mean bytes. */
async function bytesOf(redis: Redis, pattern: string): Promise<{ keys: number; mean: number }> {
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of found) {
      keys++;
      bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    }
  } while (cursor !== '0');
  return { keys, mean: keys === 0 ? 0 : bytes / keys };
}

/** An hour of 200 clients through a store with a test clock; the bytes each kind of history key takes. */
async function bytes(redis: Redis, prefix: string): Promise<void> {
  const clients = 200;
  const small: Plan = {
    name: 'small',
    limits: [{ kind: 'fixed-window', name: 'points', limit: 1_000, windowMs: 3_600_000 }],
  };
  let now = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const p = `${prefix}bytes:`;
  const store = new RedisStore({ client: redis, keyPrefix: p, clock: () => now, usageHistory: true });
  for (let minute = 0; minute < 60; minute++, now += 60_000) {
    const decisions = [];
    for (let c = 0; c < clients; c++)
      for (let k = 0; k < 2; k++) {
        // One decision in ten costs more than the limit: refused, with its code.
        const i = minute * clients * 2 + c * 2 + k;
        decisions.push(
          store.decide({
            client: `id:client-${c}`,
            plan: small,
            cost: i % 10 === 0 ? 5_000 : 1 + (i % 5),
            operation: 'query',
            operationName: NAMES[(c + minute + k) % NAMES.length]!,
          }),
        );
      }
    await Promise.all(decisions);
  }
  const minute = await bytesOf(redis, `${p}{id:*}:u:m:*`);
  const hour = await bytesOf(redis, `${p}{id:*}:u:h:*`);
  const totalsMinute = await bytesOf(redis, `${p}{%u}:m:*`);
  const totalsHour = await bytesOf(redis, `${p}{%u}:h:*`);
  const ranking = await bytesOf(redis, `${p}{%u}:c:*`);
  const perClientMinute =
    minute.mean + hour.mean / 60 + (totalsMinute.mean + (totalsHour.mean + ranking.mean) / 60) / clients;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `\nRedis bytes (MEMORY USAGE), ${clients} clients active for 60 minutes, 2 decisions a minute, 5 operation names:`,
  );
  console.log(`  a client's minute hash (u:m): ${fmt(minute.mean)} B (${minute.keys} keys)`);
  console.log(`  a client's hour hash (u:h, 5 names): ${fmt(hour.mean)} B (${hour.keys} keys)`);
  console.log(`  every client's minute ({%u}:m): ${fmt(totalsMinute.mean)} B (${totalsMinute.keys} keys)`);
  console.log(`  every client's hour ({%u}:h): ${fmt(totalsHour.mean)} B (${totalsHour.keys} keys)`);
  console.log(`  the hour's ranking ({%u}:c, ${clients} clients): ${fmt(ranking.mean)} B`);
  console.log(
    `  per active client-minute (its minute + 1/60 of its hour + its share of the rest): ${fmt(perClientMinute)} B`,
  );
  console.log(
    `  kept 7 days of minutes and 90 of hours, a client active all the time holds ${fmt(
      (7 * 24 * 60 * minute.mean + 90 * 24 * hour.mean) / 1024,
    )} KiB`,
  );
}

async function main(): Promise<void> {
  const { url, child } = await privateRedis();
  const redis = new Redis(url);
  const prefix = `gq-bench-usage:${process.pid}:`;
  try {
    const off = new RedisStore({ client: redis, keyPrefix: `${prefix}off:` });
    const on = new RedisStore({ client: redis, keyPrefix: `${prefix}on:`, usageHistory: true });
    const groups = [
      { label: 'one at a time', parallel: 1 },
      { label: `${IN_FLIGHT} in flight`, parallel: IN_FLIGHT },
    ];
    const readings = new Map<string, Reading[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const group of groups) {
        const order: Array<['off' | 'on', RedisStore]> = [
          ['off', off],
          ['on', on],
        ];
        if (round % 2 === 1) order.reverse();
        for (const [name, store] of order) {
          const key = `${group.label}|${name}`;
          readings.set(key, [...(readings.get(key) ?? []), await measure(redis, store, group.parallel)]);
        }
      }
    }
    console.log(`Node ${process.version}, ${new Date().toISOString()}, ${ROUNDS} rounds, medians`);
    const rows: string[][] = [['measure', 'history off', 'history on', 'on/off (median)', 'on/off range']];
    const fmt = (n: number, digits = 1) =>
      n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    for (const group of groups) {
      const a = readings.get(`${group.label}|off`)!;
      const b = readings.get(`${group.label}|on`)!;
      const figures: Array<[string, (r: Reading) => number, number]> = [
        ['server CPU per decision, commandstats (µs)', (r) => r.script, 1],
        ['Redis process CPU per decision (µs)', (r) => r.process, 1],
        ['script calls per decision', (r) => r.calls, 3],
      ];
      for (const [name, of, digits] of figures) {
        const ratios = a.map((r, i) => of(b[i]!) / of(r));
        rows.push([
          `${group.label}: ${name}`,
          fmt(median(a.map(of)), digits),
          fmt(median(b.map(of)), digits),
          `${median(ratios).toFixed(2)}×`,
          `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}×`,
        ]);
      }
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const [k, r] of rows.entries()) {
      console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
      if (k === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    await bytes(redis, prefix);
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
