/**
 * Redis dies, comes back, then stalls, under sustained load: a server process (plugin + RedisStore) on a
 * private redis-server that this scenario kills (SIGKILL: connections drop, state is lost), restarts on the
 * same port, and pauses (`CLIENT PAUSE ... ALL`: every command is held, then run late). Every response and
 * every decision is recorded, so the proof can check each guarantee per request:
 * - no 500, no failed request; during the fault only what the failure mode answers (200, or 503 for deny);
 * - no request waits longer than the store timeout plus a margin: its time in the server (Apollo's request
 *   pipeline, the plugin's decide and settle) is measured there, and the client's too;
 * - the failure mode is logged;
 * - decisions are back on Redis shortly after it is;
 * - nothing is charged twice: what Redis holds at the end is exactly what the requests it decided were
 *   charged (estimate minus refund), so no decision it did not take (a fallback's, a late one) reached it.
 */
import { Redis } from 'ioredis';
import type { StoreFailureMode } from '../../src/engine/index.js';
import type { Plan } from '../../src/quota/index.js';
import { RedisStore } from '../../src/store/index.js';
import { startPrivateRedis } from '../../__tests__/helpers/redis-private.js';
import type { DecisionRecord } from '../../__tests__/helpers/serverApp.js';
import { startServerProcess } from '../../__tests__/helpers/serverProcess.js';
import { drive, percentile, tallyStatuses, type Shot } from './driver.js';

const DAY_MS = 86_400_000;

/** Two windows nobody reaches: one counts points, one counts requests, from the first request on. */
export const LEDGER_PLAN: Plan = {
  name: 'ledger',
  limits: [
    { name: 'points', kind: 'fixed-window', limit: 1_000_000_000, windowMs: DAY_MS, align: 'first-request' },
    {
      name: 'calls',
      kind: 'fixed-window',
      counts: 'requests',
      limit: 1_000_000_000,
      windowMs: DAY_MS,
      align: 'first-request',
    },
  ],
};
const ANONYMOUS: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 1, windowMs: 3_600_000 }],
};
const CLIENT = 'ledger-client';

export interface OutageOptions {
  readonly mode: StoreFailureMode;
  /** Healthy load before the kill, ms. */
  readonly warmMs: number;
  /** How long Redis stays dead, ms. */
  readonly downMs: number;
  /** Healthy load between the restart and the pause, ms. */
  readonly recoverMs: number;
  /** How long Redis holds every command, ms. */
  readonly pauseMs: number;
  /** Healthy load after the pause, ms. */
  readonly tailMs: number;
  /** The plugin's `storeTimeoutMs`. Default: the plugin's default (200). */
  readonly storeTimeoutMs?: number;
  /** Concurrent clients. */
  readonly lanes: number;
  /**
   * ioredis options that fail commands at once while disconnected. Default false: ioredis's defaults, which
   * queue commands while disconnected and send them after reconnecting (late).
   */
  readonly failFast?: boolean;
}

export interface OutageReport {
  readonly mode: StoreFailureMode;
  readonly requests: number;
  readonly statuses: Record<number, number>;
  /** Error codes of non-200 responses, with counts. */
  readonly codes: Record<string, number>;
  /** Requests that failed without an HTTP status (connection errors, no answer within 30 s). */
  readonly failures: readonly string[];
  /** Client-observed: request sent to whole body read, ms. */
  readonly maxMs: number;
  readonly p99Ms: number;
  /** Server-side: Apollo's `requestDidStart` to the end of `willSendResponse`, ms. */
  readonly maxServerMs: number;
  /** The longest the server's event loop ran late (the machine did not run it), ms. */
  readonly maxLoopDelayMs: number;
  /** Requests answered during the fault windows (dead or paused). */
  readonly duringFault: number;
  readonly bySource: Readonly<Record<string, number>>;
  /** Warnings the plugin logged, and the first one. */
  readonly warnings: number;
  readonly firstWarning: string | null;
  /** Milliseconds from Redis answering again to the first decision taken by Redis; null if none. */
  readonly backAfterRestartMs: number | null;
  readonly backAfterPauseMs: number | null;
  /** Since the restart: points and calls the requests decided by Redis were charged, and what Redis holds. */
  readonly charged: { points: number; calls: number };
  readonly inRedis: { points: number; calls: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The request of lane `lane`, number `seq`: alternately 30 points kept, and 100 points of which 50 come back. */
function request(lane: number, seq: number) {
  const operationName = `L${lane}S${seq}`;
  const query =
    seq % 2 === 0
      ? `query ${operationName} { rows(first: 3) { id } }`
      : `query ${operationName} { rows(first: 10, skip: 1995) { id } }`;
  return { query, operationName, bearer: CLIENT };
}

/** Runs the scenario; every process and the private Redis are stopped before it resolves or rejects. */
export async function runOutage(options: OutageOptions): Promise<OutageReport> {
  const redis = await startPrivateRedis();
  const prefix = `outage:${options.mode}:`;
  const server = await startServerProcess({
    schema: 'e2e',
    store: { kind: 'redis', url: redis.url, keyPrefix: prefix, failFast: options.failFast ?? false },
    plans: [LEDGER_PLAN, ANONYMOUS],
    defaultPlan: 'ledger',
    onStoreFailure: options.mode,
    recordDecisions: true,
    ...(options.storeTimeoutMs !== undefined ? { storeTimeoutMs: options.storeTimeoutMs } : {}),
  }).catch(async (error: unknown) => {
    await redis.stop();
    throw error;
  });
  try {
    const times = { killedAt: 0, downSince: 0, restartedAt: 0, pausedAt: 0, pauseEndAt: 0 };
    const faults = (async () => {
      await sleep(options.warmMs);
      times.killedAt = Date.now();
      await redis.kill();
      times.downSince = Date.now();
      await sleep(options.downMs);
      await redis.restart();
      times.restartedAt = Date.now();
      await sleep(options.recoverMs);
      times.pausedAt = Date.now();
      await redis.pause(options.pauseMs);
      times.pauseEndAt = times.pausedAt + options.pauseMs;
    })();
    const first = await drive({
      urls: [server.url],
      lanes: options.lanes,
      durationMs: options.warmMs + options.downMs + options.recoverMs + options.pauseMs + options.tailMs,
      request,
    });
    await faults;
    // On a loaded machine the faults run late against the load's fixed length: the load goes on until tailMs
    // after the pause really ended (other lane numbers, so operation names stay unique), so that the
    // decisions after it are seen whatever the machine's speed.
    const tailLeftMs = times.pauseEndAt + options.tailMs - Date.now();
    const tail =
      tailLeftMs > 0
        ? await drive({
            urls: [server.url],
            lanes: options.lanes,
            durationMs: tailLeftMs,
            request: (lane, seq) => request(lane + options.lanes, seq),
          })
        : { shots: [] };
    const run = { shots: [...first.shots, ...tail.shots] };

    const stats = await server.stats({ decisions: true });
    const decisions = new Map<string, DecisionRecord>();
    for (const d of stats.decisions ?? []) if (d.operationName !== null) decisions.set(d.operationName, d);

    // While Redis is dead no decision can come from it: one taken after the middle of the outage was taken by
    // the restarted Redis (possibly a little before the restart was noticed here), one before by the old one.
    const newRedisSince = times.downSince + options.downMs / 2;
    const charged = { points: 0, calls: 0 };
    let backAfterRestart = Infinity;
    let backAfterPause = Infinity;
    for (const d of decisions.values()) {
      if (d.source !== 'store') continue;
      if (d.atMs >= newRedisSince)
        backAfterRestart = Math.min(backAfterRestart, Math.max(0, d.atMs - times.restartedAt));
      if (d.atMs >= times.pauseEndAt) backAfterPause = Math.min(backAfterPause, d.atMs - times.pauseEndAt);
    }
    for (const shot of run.shots) {
      const decision = shot.operationName === null ? undefined : decisions.get(shot.operationName);
      if (shot.status !== 200 || decision === undefined || decision.source !== 'store') continue;
      if (decision.atMs < newRedisSince) continue; // charged to the Redis that was killed
      charged.points += Math.min(shot.requested ?? 0, shot.actual ?? shot.requested ?? 0);
      charged.calls += 1;
    }

    const io = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const peek = await new RedisStore({ client: io, keyPrefix: prefix }).peek(
      `id:${CLIENT}`,
      LEDGER_PLAN,
      'query',
    );
    io.disconnect();
    const inRedis = {
      points: peek.limits.find((l) => l.name === 'points')!.consumed,
      calls: peek.limits.find((l) => l.name === 'calls')!.consumed,
    };

    const codes: Record<string, number> = {};
    for (const shot of run.shots) {
      if (shot.status === 200) continue;
      for (const code of shot.codes) codes[code] = (codes[code] ?? 0) + 1;
    }
    const inFault = (s: Shot) => {
      const end = s.sentAtEpochMs + s.ms;
      return (
        (end >= times.killedAt && s.sentAtEpochMs <= times.restartedAt) ||
        (end >= times.pausedAt && s.sentAtEpochMs <= times.pauseEndAt)
      );
    };
    const warning = stats.logs.lines.find((l) => l.startsWith('warn:'));
    return {
      mode: options.mode,
      requests: run.shots.length,
      statuses: tallyStatuses(run.shots),
      codes,
      failures: run.shots.filter((s) => s.status === 0).map((s) => s.failure ?? ''),
      maxMs: Math.max(...run.shots.map((s) => s.ms)),
      maxServerMs: Math.max(...(stats.served ?? []).map((s) => s.ms)),
      maxLoopDelayMs: stats.loopDelayMaxMs,
      p99Ms: percentile(
        run.shots.map((s) => s.ms),
        99,
      ),
      duringFault: run.shots.filter(inFault).length,
      bySource: stats.bySource,
      warnings: stats.logs.warn,
      firstWarning: warning ?? null,
      backAfterRestartMs: Number.isFinite(backAfterRestart) ? backAfterRestart : null,
      backAfterPauseMs: Number.isFinite(backAfterPause) ? backAfterPause : null,
      charged,
      inRedis,
    };
  } finally {
    await server.kill();
    await redis.stop();
  }
}
