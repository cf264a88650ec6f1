/**
 * What the Redis benchmarks share (quota.bench.ts, redis.bench.ts): their plans, a private `redis-server` on a
 * free port, so that `INFO commandstats` and the server's CPU count only the benchmark, and the readings taken
 * from it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { Plan } from '../src/quota/types.js';

/** One hourly window, too large to refuse: the plan compared with rate-limiter-flexible. */
export const ONE: Plan = {
  name: 'one',
  limits: [{ kind: 'fixed-window', name: 'points', limit: 1e12, windowMs: 3_600_000 }],
};
/** Two windows and a bucket, too large to refuse. */
export const THREE: Plan = {
  name: 'three',
  limits: [
    { kind: 'fixed-window', name: 'points', limit: 1e12, windowMs: 3_600_000 },
    { kind: 'token-bucket', name: 'rate', rate: 1_000_000, burst: 1_000_000 },
    { kind: 'fixed-window', name: 'daily', counts: 'requests', limit: 1e12, windowMs: 86_400_000 },
  ],
};
/** A window, a bucket and a concurrency cap, too large to refuse. */
export const THREE_WITH_SLOTS: Plan = {
  name: 'three-with-slots',
  limits: [
    { kind: 'fixed-window', name: 'points', limit: 1e12, windowMs: 3_600_000 },
    { kind: 'token-bucket', name: 'rate', rate: 1_000_000, burst: 1_000_000 },
    { kind: 'concurrency', name: 'slots', max: 1_000 },
  ],
};
/** The clients the benchmarks take turns with. */
export const CLIENTS = Array.from({ length: 1_000 }, (_, i) => `client-${i}`);

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A private redis-server so commandstats see only this benchmark; else REDIS_URL or 127.0.0.1:6379. */
export async function privateRedis(): Promise<{ url: string; child: ChildProcess | null }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, child: null };
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
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

/** calls and usec of each command since the last `CONFIG RESETSTAT`. */
export async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const info = await redis.info('commandstats');
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const m of info.matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) {
    stats.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return stats;
}

/** Script calls (EVAL and EVALSHA) since the last reset, and their usec (inner commands included). */
export function scriptStats(stats: Map<string, { calls: number; usec: number }>): {
  calls: number;
  usec: number;
} {
  let calls = 0;
  let usec = 0;
  for (const [command, s] of stats) {
    if (command === 'eval' || command === 'evalsha') {
      calls += s.calls;
      usec += s.usec;
    }
  }
  return { calls, usec };
}

/** Server CPU in µs per decision: usec of the scripts' commands (their inner commands included) over `n`. */
export function scriptCpu(stats: Map<string, { calls: number; usec: number }>, n: number): number {
  return scriptStats(stats).usec / n;
}

/**
 * The Redis process's own CPU time (user + system, µs) as `INFO cpu` reports it: everything the server did,
 * reading and parsing requests and writing replies included, which commandstats leave out.
 */
export async function serverCpuMicros(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const user = /used_cpu_user:([\d.]+)/.exec(info);
  const sys = /used_cpu_sys:([\d.]+)/.exec(info);
  return Math.round((Number(user?.[1] ?? 0) + Number(sys?.[1] ?? 0)) * 1e6);
}

/** Deletes every key under `prefix` (SCAN, never KEYS or FLUSH). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
