/**
 * Many clients hammering one API key through several server processes on one Redis, past its quota: the
 * points admitted (each response's estimate minus its refund) add up to the quota exactly. Zero overspend
 * (never more than the quota, however many decisions race), zero lost refunds (a refund lost would leave
 * Redis full before the clients had spent it all). The load keeps going after the quota is spent, where
 * racing decisions are most dangerous; then a mop-up of 10-point operations spends the last points.
 *
 * The servers run with `onStoreFailure: 'deny'`: past the load the machine sustains, a decision Redis cannot
 * make within the store timeout is refused (503) rather than taken by a per-process fallback store, which
 * would admit a quota of its own per process (by design, and not what is measured here).
 */
import { Redis } from 'ioredis';
import type { StoreFailureMode } from '../../src/engine/index.js';
import type { Plan } from '../../src/quota/index.js';
import { RedisStore } from '../../src/store/index.js';
import { startPrivateRedis } from '../../__tests__/helpers/redis-private.js';
import { startServerProcess, type ServerProcess } from '../../__tests__/helpers/serverProcess.js';
import { drive, percentile, tallyStatuses, type Shot } from './driver.js';

export interface HammerOptions {
  /** Server processes sharing the Redis. */
  readonly servers: number;
  /** Concurrent clients in all, spread over the servers. */
  readonly lanes: number;
  /**
   * How long the hammering lasts at least, ms; it goes on past that until the quota has been refused once,
   * however slow the machine: bounded by work (three times the requests the quota can admit), not by time.
   */
  readonly durationMs: number;
  /** The key's quota, in points: a multiple of 10. */
  readonly quota: number;
  /** Default `'deny'` (see above). */
  readonly onStoreFailure?: StoreFailureMode;
  /** The plugin's `storeTimeoutMs`. Default 1,000: the load is meant to saturate the machine. */
  readonly storeTimeoutMs?: number;
}

export interface HammerReport {
  readonly servers: number;
  readonly lanes: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly statuses: Record<number, number>;
  readonly failures: readonly string[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** When the quota was first refused, ms into the run; null if it never was. */
  readonly exhaustedAtMs: number | null;
  /** Points the admitted operations were charged (estimate minus refund), as their responses report them. */
  readonly admittedPoints: number;
  /** Of which refunded after the responses: points the estimates held back for a while. */
  readonly refundedPoints: number;
  readonly quota: number;
  /** What Redis holds at the end. */
  readonly inRedis: number;
  /** Admitted operations per server: every server took part. */
  readonly admittedPerServer: readonly number[];
}

const CLIENT = 'hammered';
const DAY_MS = 86_400_000;

/** 30 points kept; 100 estimated of which 50 come back; 10 kept. */
const MIX = [
  '{ rows(first: 3) { id } }',
  '{ rows(first: 10, skip: 1995) { id } }',
  '{ rows(first: 1) { id } }',
];

export async function runHammer(options: HammerOptions): Promise<HammerReport> {
  const plan: Plan = {
    name: 'hammer',
    limits: [
      {
        name: 'points',
        kind: 'fixed-window',
        limit: options.quota,
        windowMs: DAY_MS,
        align: 'first-request',
      },
    ],
  };
  const redis = await startPrivateRedis();
  const servers: ServerProcess[] = [];
  try {
    const config = {
      schema: 'e2e' as const,
      // No local refusal cache: a refusal repeated in one process would outlive another process's refund
      // (RedisStore's documented trade-off), and this run proves every refunded point is admitted again.
      store: { kind: 'redis' as const, url: redis.url, keyPrefix: 'hammer:', localRefusalClients: 0 },
      plans: [
        plan,
        {
          name: 'anonymous',
          limits: [{ name: 'h', kind: 'fixed-window' as const, limit: 1, windowMs: 60_000 }],
        },
      ],
      defaultPlan: 'hammer',
      onStoreFailure: options.onStoreFailure ?? 'deny',
      storeTimeoutMs: options.storeTimeoutMs ?? 1_000,
    };
    servers.push(
      ...(await Promise.all(Array.from({ length: options.servers }, () => startServerProcess(config)))),
    );
    const urls = servers.map((s) => s.url);

    let exhaustedAtMs: number | null = null;
    const run = await drive({
      urls,
      lanes: options.lanes,
      // Every admitted operation keeps at least 10 points: the quota is refused within quota / 10 admissions.
      count: (options.quota / 10) * 3,
      request: (lane, seq) => ({ query: MIX[(lane + seq) % MIX.length]!, bearer: CLIENT }),
      onShot: (shot) => {
        if (shot.status === 429 && exhaustedAtMs === null) exhaustedAtMs = shot.atMs;
      },
      stopWhen: (shot) => exhaustedAtMs !== null && shot.atMs >= options.durationMs,
    });
    // The last points, one 10-point operation at a time, until the quota refuses.
    const mopUp = await drive({
      urls,
      lanes: 1,
      count: options.quota / 10,
      request: () => ({ query: MIX[2]!, bearer: CLIENT }),
      stopWhen: (shot) => shot.status === 429,
    });
    const shots: Shot[] = [...run.shots, ...mopUp.shots];

    let admittedPoints = 0;
    let refundedPoints = 0;
    const admittedPerServer = urls.map(() => 0);
    for (const shot of shots) {
      if (shot.status !== 200) continue;
      const requested = shot.requested ?? 0;
      const kept = Math.min(requested, shot.actual ?? requested);
      admittedPoints += kept;
      refundedPoints += requested - kept;
      admittedPerServer[urls.indexOf(shot.url)]! += 1;
    }
    const io = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const peek = await new RedisStore({ client: io, keyPrefix: 'hammer:' }).peek(
      `id:${CLIENT}`,
      plan,
      'query',
    );
    io.disconnect();
    const ms = run.shots.map((s) => s.ms);
    return {
      servers: options.servers,
      lanes: options.lanes,
      requests: run.shots.length,
      requestsPerSecond: (run.shots.length * 1000) / run.elapsedMs,
      statuses: tallyStatuses(shots),
      failures: shots.filter((s) => s.status === 0).map((s) => s.failure ?? ''),
      p50Ms: percentile(ms, 50),
      p99Ms: percentile(ms, 99),
      exhaustedAtMs,
      admittedPoints,
      refundedPoints,
      quota: options.quota,
      inRedis: peek.limits[0]!.consumed,
      admittedPerServer,
    };
  } finally {
    await Promise.all(servers.map((s) => s.kill()));
    await redis.stop();
  }
}
