/**
 * Ten thousand and more distinct API keys against one server on the in-memory store, for a while: the store
 * never tracks more clients than its bound (`maxClients`, least recently used evicted), the heap levels off,
 * no request fails, latency stays level. Sampled every `sampleMs`.
 */
import type { Plan } from '../../src/quota/index.js';
import { startServerProcess } from '../../__tests__/helpers/serverProcess.js';
import { drive, percentile, type Shot } from './driver.js';

export interface ManyClientsOptions {
  /** Distinct API keys, used round-robin. */
  readonly clients: number;
  /** The MemoryStore's `maxClients`. */
  readonly maxClients: number;
  /**
   * How long the run lasts at least, ms; it goes on past that until every key has been used once, however
   * slow the machine: bounded by work (ten requests per key), not by time.
   */
  readonly durationMs: number;
  readonly lanes: number;
  /** How often the server is sampled, ms. */
  readonly sampleMs: number;
}

export interface ClientsSample {
  readonly atMs: number;
  /** Requests answered since the previous sample. */
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly heapUsedMB: number;
  readonly rssMB: number;
  readonly storeSize: number;
}

export interface ManyClientsReport {
  readonly clients: number;
  readonly maxClients: number;
  readonly requests: number;
  /** How long the load ran, ms. */
  readonly elapsedMs: number;
  readonly requestsPerSecond: number;
  readonly statuses: Record<number, number>;
  /** Responses with a status other than 200 and 429, or none at all (first few). */
  readonly errors: readonly string[];
  readonly samples: readonly ClientsSample[];
  /** The most clients the store tracked at any sample. */
  readonly maxStoreSize: number;
  /** Heap after a full garbage collection, a third into the run and at the end, MB. */
  readonly heapAfterWarmupMB: number;
  readonly heapAtEndMB: number;
}

/** The demo's `free` plan shape: an hourly cost window, a request rate, a concurrency cap. */
const PER_CLIENT: Plan = {
  name: 'per-client',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 1_000, windowMs: 3_600_000 },
    { name: 'rate', kind: 'token-bucket', rate: 5, burst: 10 },
    { name: 'inflight', kind: 'concurrency', max: 4 },
  ],
};
const QUERY =
  '{ products(first: 3) { nodes { sku fromPrice(channel: "Channel:1", currency: EUR) { amount } } } }';
const MB = 1024 * 1024;

export async function runManyClients(options: ManyClientsOptions): Promise<ManyClientsReport> {
  const server = await startServerProcess(
    {
      schema: 'demo',
      store: { kind: 'memory', maxClients: options.maxClients },
      plans: [
        PER_CLIENT,
        { name: 'anonymous', limits: [{ name: 'h', kind: 'fixed-window', limit: 1, windowMs: 60_000 }] },
      ],
      defaultPlan: 'per-client',
      exposeCost: 'never',
    },
    { nodeFlags: ['--expose-gc'] },
  );
  try {
    let window: number[] = [];
    const errors: string[] = [];
    const samples: ClientsSample[] = [];
    const statusCount: Record<number, number> = {};
    let requests = 0;
    const onShot = (shot: Shot) => {
      requests += 1;
      window.push(shot.ms);
      statusCount[shot.status] = (statusCount[shot.status] ?? 0) + 1;
      if (shot.status !== 200 && shot.status !== 429 && errors.length < 10) {
        errors.push(`${shot.status} ${shot.codes.join(',')} ${shot.failure ?? ''}`);
      }
    };
    let running = true;
    let heapAfterWarmupMB = NaN;
    // A third into the run the store has filled (or cycled) and the heap has had time to settle.
    const warmSample = Math.max(1, Math.floor(options.durationMs / 3 / options.sampleMs));
    const started = performance.now();
    const sampler = (async () => {
      while (running) {
        await new Promise((r) => setTimeout(r, options.sampleMs));
        const warm = samples.length + 1 === warmSample;
        const stats = await server.stats({ gc: warm });
        if (warm) heapAfterWarmupMB = stats.memory.heapUsed / MB;
        samples.push({
          atMs: performance.now() - started,
          requests: window.length,
          p50Ms: percentile(window, 50),
          p99Ms: percentile(window, 99),
          heapUsedMB: stats.memory.heapUsed / MB,
          rssMB: stats.memory.rss / MB,
          storeSize: stats.storeSize ?? 0,
        });
        window = [];
      }
    })();
    const run = await drive({
      urls: [server.url],
      lanes: options.lanes,
      count: options.clients * 10,
      keep: false,
      onShot,
      stopWhen: (shot) => requests >= options.clients && shot.atMs >= options.durationMs,
      // Consecutive requests of a lane go to keys far apart, so every key comes round once per cycle.
      request: (lane, seq) => ({
        query: QUERY,
        bearer: `client-${(seq * options.lanes + lane) % options.clients}`,
      }),
    });
    running = false;
    await sampler;
    const end = await server.stats({ gc: true });
    return {
      clients: options.clients,
      maxClients: options.maxClients,
      requests,
      elapsedMs: run.elapsedMs,
      requestsPerSecond: (requests * 1000) / run.elapsedMs,
      statuses: statusCount,
      errors,
      samples,
      maxStoreSize: Math.max(end.storeSize ?? 0, ...samples.map((s) => s.storeSize)),
      heapAfterWarmupMB,
      heapAtEndMB: end.memory.heapUsed / MB,
    };
  } finally {
    await server.kill();
  }
}
