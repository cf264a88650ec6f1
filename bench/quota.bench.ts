/**
 * Quota engine against rate-limiter-flexible: decisions per second in memory, memory per tracked client
 * (heap, with --expose-gc, which bench/run.ts passes; MEMORY USAGE in Redis), the local refusal cache under a
 * flooding client, and the kill switch on a real Redis Cluster. Redis server CPU and decisions per second are
 * measured by redis.bench.ts (`npm run bench -- redis`). Run: `npm run bench -- quota`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Plan } from '../src/quota/types.js';
import { MemoryStore } from '../src/store/MemoryStore.js';
import { DEFAULT_GLOBAL_BLOCK_REFRESH_MS, RedisStore } from '../src/store/RedisStore.js';
import {
  CLIENTS,
  ONE,
  THREE,
  THREE_WITH_SLOTS,
  commandStats,
  deletePrefix,
  privateRedis,
  scriptStats,
} from './redisBench.js';

const T0 = Date.UTC(2030, 0, 1);
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

/** Redis bytes per client (MEMORY USAGE of its hash), and the flooding client. */
async function redisFigures(): Promise<void> {
  const { url, child } = await privateRedis();
  const redis = new Redis(url);
  const prefix = `gq-bench:${process.pid}:`;
  try {
    const ours = new RedisStore({ client: redis, keyPrefix: prefix });
    const rlf = new RateLimiterRedis({
      storeClient: redis,
      points: 1e9,
      duration: 3_600,
      keyPrefix: `${prefix}rlf`,
    });
    const plans: Array<[string, Plan]> = [
      ['1 limit', ONE],
      ['3 limits', THREE],
      ['3 limits incl. concurrency', THREE_WITH_SLOTS],
    ];
    for (const [label, plan] of plans) {
      const client = `${label}:${CLIENTS[1]!}`;
      const d = await ours.decide({ client, plan, cost: 1, operation: 'query' });
      if (d.leaseId !== null)
        await ours.settle({ client, plan, operation: 'query', refund: 0, leaseId: d.leaseId });
      if (plan === ONE) await rlf.consume(CLIENTS[1]!, 1);
      const bytes = Number(await redis.memory('USAGE', ours.clientKey(client)));
      const sets = plan === THREE_WITH_SLOTS ? ' (hash; the lease set was released)' : '';
      row(
        `Redis bytes per client, ${label}${sets}`,
        fmt(bytes),
        plan === ONE ? fmt(Number(await redis.memory('USAGE', `${prefix}rlf:${CLIENTS[1]!}`))) : '',
        '',
      );
    }
    await floodFigures(redis, prefix);
  } finally {
    await deletePrefix(redis, prefix);
    redis.disconnect();
    child?.kill();
  }
}

/**
 * One client flooding a plan of 100 requests an hour with 100,000 decisions, 64 in flight: how many of its
 * refusals are answered in-process, without a Redis call. rate-limiter-flexible with `inMemoryBlockOnConsumed`
 * (its in-memory block) alongside. Both admit exactly 100.
 */
async function floodFigures(redis: Redis, prefix: string): Promise<void> {
  const flood: Plan = {
    name: 'flood',
    limits: [{ kind: 'fixed-window', name: 'hourly', counts: 'requests', limit: 100, windowMs: 3_600_000 }],
  };
  const n = 100_000;
  let sent = 0;
  const counting = { call: (command: string, args: string[]) => (sent++, redis.call(command, args)) };
  const ours = new RedisStore({ client: counting, keyPrefix: `${prefix}flood:` });
  await ours.ready();
  sent = 0;
  let admitted = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < n) {
        if ((await ours.decide({ client: 'flooder', plan: flood, cost: 1, operation: 'query' })).allowed)
          admitted++;
      }
    }),
  );
  const ourLocal = ours.answeredLocally / (n - admitted);
  const rlf = new RateLimiterRedis({
    storeClient: redis,
    points: 100,
    duration: 3_600,
    inMemoryBlockOnConsumed: 100,
    inMemoryBlockDuration: 3_600,
    keyPrefix: `${prefix}rlf-flood`,
  });
  await redis.config('RESETSTAT');
  let theirAdmitted = 0;
  next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < n) {
        await rlf.consume('flooder', 1).then(
          () => theirAdmitted++,
          () => undefined,
        );
      }
    }),
  );
  const theirCalls = scriptStats(await commandStats(redis)).calls;
  const theirLocal = 1 - (theirCalls - theirAdmitted) / (n - theirAdmitted);
  if (admitted !== 100 || theirAdmitted !== 100)
    throw new Error(`admitted ${admitted} / ${theirAdmitted}, not 100`);
  row(
    `flooding client: refusals answered without Redis (${fmt(n)} decisions, 100 admitted)`,
    `${(ourLocal * 100).toFixed(2)} %`,
    `${(theirLocal * 100).toFixed(2)} %`,
    `${(ourLocal / theirLocal).toFixed(3)}×`,
  );
  // Script calls: graphql-quota's first calls carry several in-flight decisions each (a batch).
  row(
    'flooding client: Redis script calls',
    fmt(sent),
    fmt(theirCalls),
    `${(sent / theirCalls).toFixed(3)}×`,
  );
}

/** Three ports P free with P + 10000 (the cluster bus) free too. */
async function clusterPorts(): Promise<number[]> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  const ports: number[] = [];
  while (ports.length < 3) {
    const p = 20_000 + Math.floor(Math.random() * 25_000);
    if (!ports.includes(p) && (await free(p)) && (await free(p + 10_000))) ports.push(p);
  }
  return ports;
}

/**
 * The kill switch on a real three-master Redis Cluster (scripts/redis-cluster.sh, private ports): three
 * instances, each on its own ioredis Cluster client, deciding 8 at a time; one calls block('*'). Measured: how
 * long after block('*') resolved another instance still admitted a decision it started, worst of 5 trials,
 * against the documented bound (globalBlockRefreshMs, default 1,000 ms).
 */
async function clusterKillSwitch(): Promise<void> {
  const script = join(__dirname, '../scripts/redis-cluster.sh');
  const dir = mkdtempSync(join(tmpdir(), 'gq-bench-cluster-'));
  const started = spawnSync(script, ['start', dir, ...(await clusterPorts()).map(String)], {
    encoding: 'utf8',
  });
  if (started.status !== 0) {
    console.log(`(no Redis Cluster for the kill-switch figure: ${started.stderr.trim()})`);
    return;
  }
  const nodes = started.stdout
    .trim()
    .split(',')
    .map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) }));
  const clients = [0, 1, 2].map(() => new Cluster(nodes));
  try {
    const prefix = `gq-bench-kill:${process.pid}:`;
    const stores = clients.map((client) => new RedisStore({ client, keyPrefix: prefix }));
    let worst = 0;
    for (let trial = 0; trial < 5; trial++) {
      let blockedAt = Infinity;
      let stop = false;
      const lateAdmissions = [0, 0, 0];
      const loops = stores.flatMap((store, i) =>
        Array.from({ length: 8 }, async (_, lane) => {
          for (let k = 0; !stop; k++) {
            const at = performance.now();
            const d = await store.decide({
              client: `c${i}-${lane}-${k % 50}`,
              plan: ONE,
              cost: 1,
              operation: 'query',
            });
            if (d.allowed && at > blockedAt) lateAdmissions[i] = Math.max(lateAdmissions[i]!, at - blockedAt);
          }
        }),
      );
      // A random phase against the instances' refresh periods.
      await new Promise((r) => setTimeout(r, 1_200 + Math.random() * 1_000));
      await stores[0]!.block('*', 60_000);
      blockedAt = performance.now();
      await new Promise((r) => setTimeout(r, 1_500));
      stop = true;
      await Promise.all(loops);
      await stores[0]!.unblock('*');
      worst = Math.max(worst, lateAdmissions[1]!, lateAdmissions[2]!);
    }
    row(
      `Redis Cluster kill switch: latest admission after block('*'), worst of 5 (ms; bound ${DEFAULT_GLOBAL_BLOCK_REFRESH_MS})`,
      fmt(worst),
      '',
      `${(worst / DEFAULT_GLOBAL_BLOCK_REFRESH_MS).toFixed(2)}× of the bound`,
    );
  } finally {
    for (const c of clients) c.disconnect();
    spawnSync(script, ['stop', dir]);
    rmSync(dir, { recursive: true, force: true });
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
  await clusterKillSwitch();
  console.log(`Node ${process.version}, ${new Date().toISOString()}`);
  printTable();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
