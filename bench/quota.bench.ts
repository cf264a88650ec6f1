/**
 * Quota engine against rate-limiter-flexible: decisions per second in memory and in Redis, Redis round trips
 * and server CPU per decision (INFO commandstats deltas on a private redis-server when one can be started),
 * and memory per tracked client (heap, with --expose-gc, which bench/run.ts passes; MEMORY USAGE in Redis).
 * Run: `npm run bench -- quota`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Plan } from '../src/quota/types.js';
import { MemoryStore } from '../src/store/MemoryStore.js';
import { RedisStore } from '../src/store/RedisStore.js';

const T0 = Date.UTC(2030, 0, 1);
const ONE: Plan = {
  name: 'one',
  limits: [{ kind: 'fixed-window', name: 'points', limit: 1e9, windowMs: 3_600_000 }],
};
const THREE: Plan = {
  name: 'three',
  limits: [
    { kind: 'fixed-window', name: 'points', limit: 1e9, windowMs: 3_600_000 },
    { kind: 'token-bucket', name: 'rate', rate: 1_000_000, burst: 1_000_000 },
    { kind: 'fixed-window', name: 'daily', counts: 'requests', limit: 1e9, windowMs: 86_400_000 },
  ],
};
const THREE_WITH_SLOTS: Plan = {
  name: 'three-with-slots',
  limits: [
    { kind: 'fixed-window', name: 'points', limit: 1e9, windowMs: 3_600_000 },
    { kind: 'token-bucket', name: 'rate', rate: 1_000_000, burst: 1_000_000 },
    { kind: 'concurrency', name: 'slots', max: 100 },
  ],
};
const CLIENTS = Array.from({ length: 1_000 }, (_, i) => `client-${i}`);

const rows: string[][] = [];
function row(...cells: string[]): void {
  rows.push(cells);
}
function printTable(): void {
  const header = ['measure', 'graphql-quota', 'rate-limiter-flexible', 'ratio'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Runs `op` in sequence for about `ms` and returns operations per second (after a warm-up). */
async function rate(op: (i: number) => Promise<unknown>, ms = 1_500): Promise<number> {
  for (let i = 0; i < 20_000; i++) await op(i);
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 1_000; i++) await op(count++);
  }
  return (count * 1000) / (performance.now() - start);
}

/** Runs `op` with `parallel` calls in flight for about `ms`; returns operations per second. */
async function parallelRate(
  op: (i: number) => Promise<unknown>,
  parallel: number,
  ms = 1_500,
): Promise<number> {
  let count = 0;
  const deadline = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < deadline) await op(count++);
    }),
  );
  return (count * 1000) / (performance.now() - start);
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc (npm run bench -- quota does)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function memoryPerClient(n: number): Promise<void> {
  const keys = Array.from({ length: n }, (_, i) => `user-${String(i).padStart(8, '0')}`);
  let before = heapUsed();
  const store = new MemoryStore({ maxClients: n, clock: () => T0 });
  for (const client of keys) store.decideNow({ client, plan: ONE, cost: 1, operation: 'query' });
  const ours = (heapUsed() - before) / n;
  if (store.size !== n) throw new Error('not every client tracked');

  before = heapUsed();
  const limiter = new RateLimiterMemory({ points: 1e9, duration: 3_600 });
  for (const client of keys) await limiter.consume(client, 1);
  const theirs = (heapUsed() - before) / n;
  row(
    `memory per client, 1 limit (bytes, ${fmt(n)} clients)`,
    fmt(ours),
    fmt(theirs),
    `${(ours / theirs).toFixed(2)}×`,
  );
  // Both must stay reachable until measured.
  if (store.size < 0 || limiter.points < 0) console.log('unreachable');
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A private redis-server so commandstats see only this benchmark; else REDIS_URL or 127.0.0.1:6379. */
async function privateRedis(): Promise<{ url: string; child: ChildProcess | null }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, child: null };
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const started = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('spawn', () => resolve(true));
  });
  if (!started) return { url: 'redis://127.0.0.1:6379', child: null };
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return { url: `redis://127.0.0.1:${port}`, child };
    } catch {
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill();
  return { url: 'redis://127.0.0.1:6379', child: null };
}

/** calls and usec of each command since the last reset. */
async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const info = await redis.info('commandstats');
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const m of info.matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) {
    stats.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return stats;
}

/** Server CPU in µs per decision: usec of the scripts' commands (their inner commands included) over `n`. */
function scriptCpu(stats: Map<string, { calls: number; usec: number }>, n: number): number {
  return (
    [...stats.entries()]
      .filter(([c]) => c === 'eval' || c === 'evalsha')
      .reduce((a, [, s]) => a + s.usec, 0) / n
  );
}

async function redisFigures(): Promise<void> {
  const { url, child } = await privateRedis();
  const redis = new Redis(url);
  const prefix = `gq-bench:${process.pid}:`;
  try {
    // Counts what the store sends: each call is one round trip.
    let sent = 0;
    const counting = { call: (command: string, args: string[]) => (sent++, redis.call(command, args)) };
    const ours = new RedisStore({ client: counting, keyPrefix: prefix });
    const rlf = new RateLimiterRedis({
      storeClient: redis,
      points: 1e9,
      duration: 3_600,
      keyPrefix: `${prefix}rlf`,
    });
    const n = 5_000;
    const plans: Array<[string, Plan]> = [
      ['1 limit', ONE],
      ['3 limits', THREE],
      ['3 limits incl. concurrency', THREE_WITH_SLOTS],
    ];
    for (const [label, plan] of plans) {
      const client = (i: number) => `${label}:${CLIENTS[i % CLIENTS.length]!}`;
      await ours.decide({ client: client(0), plan, cost: 1, operation: 'query' });
      await redis.config('RESETSTAT');
      sent = 0;
      for (let i = 0; i < n; i++) {
        const d = await ours.decide({ client: client(i), plan, cost: 1, operation: 'query' });
        if (d.leaseId !== null)
          await ours.settle({ client: client(i), plan, operation: 'query', refund: 0, leaseId: d.leaseId });
      }
      const stats = await commandStats(redis);
      const settles = plan === THREE_WITH_SLOTS ? n : 0;
      const cpu = (scriptCpu(stats, n + settles) * (n + settles)) / n;
      if (plan === ONE) {
        await rlf.consume('warm', 1);
        await redis.config('RESETSTAT');
        for (let i = 0; i < n; i++) await rlf.consume(CLIENTS[i % CLIENTS.length]!, 1);
        const theirs = await commandStats(redis);
        const theirCalls = [...theirs.entries()]
          .filter(([c]) => c === 'eval' || c === 'evalsha')
          .reduce((a, [, s]) => a + s.calls, 0);
        const theirCpu = scriptCpu(theirs, n);
        row(
          'Redis round trips per decision, 1 limit',
          fmt((sent - settles) / n, 2),
          fmt(theirCalls / n, 2),
          '',
        );
        row(
          'Redis server CPU per decision, 1 limit (µs)',
          fmt(cpu, 1),
          fmt(theirCpu, 1),
          `${(cpu / theirCpu).toFixed(2)}×`,
        );
      } else {
        row(`Redis round trips per decision, ${label}`, fmt((sent - settles) / n, 2), '', '');
        row(`Redis server CPU per decision, ${label} (µs)`, fmt(cpu, 1), '', '');
      }
      const bytes = Number(await redis.memory('USAGE', ours.clientKey(client(1))));
      const sets = plan === THREE_WITH_SLOTS ? ' (hash; the lease set was released)' : '';
      row(
        `Redis bytes per client, ${label}${sets}`,
        fmt(bytes),
        plan === ONE ? fmt(Number(await redis.memory('USAGE', `${prefix}rlf:client-1`))) : '',
        '',
      );
    }

    const ourRedis = await parallelRate(
      (i) => ours.decide({ client: CLIENTS[i % CLIENTS.length]!, plan: ONE, cost: 1, operation: 'query' }),
      64,
    );
    const theirRedis = await parallelRate((i) => rlf.consume(CLIENTS[i % CLIENTS.length]!, 1), 64);
    row(
      'Redis decisions/s, 1 limit, 64 in flight',
      fmt(ourRedis),
      fmt(theirRedis),
      `${(ourRedis / theirRedis).toFixed(2)}×`,
    );
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    child?.kill();
  }
}

async function main(): Promise<void> {
  const store = new MemoryStore({ maxClients: 10_000, clock: () => T0 });
  const one = await rate((i) =>
    store.decide({ client: CLIENTS[i % CLIENTS.length]!, plan: ONE, cost: 1, operation: 'query' }),
  );
  const three = await rate((i) =>
    store.decide({ client: CLIENTS[i % CLIENTS.length]!, plan: THREE, cost: 1, operation: 'query' }),
  );
  const limiter = new RateLimiterMemory({ points: 1e9, duration: 3_600 });
  const theirs = await rate((i) => limiter.consume(CLIENTS[i % CLIENTS.length]!, 1));
  const limiters = [
    limiter,
    new RateLimiterMemory({ points: 1e9, duration: 1 }),
    new RateLimiterMemory({ points: 1e9, duration: 86_400 }),
  ];
  const theirsThree = await rate(async (i) => {
    for (const l of limiters) await l.consume(CLIENTS[i % CLIENTS.length]!, 1);
  });
  row('memory decisions/s, 1 limit', fmt(one), fmt(theirs), `${(one / theirs).toFixed(2)}×`);
  row(
    'memory decisions/s, 3 limits (theirs: 3 limiters, not atomic)',
    fmt(three),
    fmt(theirsThree),
    `${(three / theirsThree).toFixed(2)}×`,
  );
  await memoryPerClient(100_000);
  await redisFigures();
  console.log(`Node ${process.version}, ${new Date().toISOString()}`);
  printTable();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
