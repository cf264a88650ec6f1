/**
 * What observability adds to each decision: the request lifecycle (identify → price → decide → settle, with
 * a MemoryStore and the demo schema's small query) run bare, then with observers: the metrics catalogue
 * alone (`QuotaMetrics`, read by the Prometheus exporter at scrape time), the metrics with the OpenTelemetry
 * SDK exporter (whose histograms record on the request path), and every observer (metrics, a decision log
 * writing every record to a logger that drops it, the alert watcher). Run with
 * `npm run bench -- observability`.
 *
 * Method: each variant runs in a process of its own, as a server has one lifecycle (in one process,
 * variants sharing the same functions slowed each other by several µs through V8's inline caches, which no
 * deployment sees). Variants alternate in rounds (the order rotates every round) so drift of this shared
 * machine spreads over all of them; each run is a warm-up, then OPS operations awaited one after the other.
 * Time is the process's CPU time (`process.cpuUsage()`, user + system), not wall time: on a shared machine a
 * process waits for a core much of the time. Per round, each variant's CPU time per operation minus (and
 * divided by) the bare lifecycle's in the same round; the figures are medians over rounds. Environment:
 * BENCH_ROUNDS (default 7), BENCH_OPS (default 20,000).
 * Target (issue 14): at most 1 µs added per decision by the metrics.
 */
import { spawnSync } from 'node:child_process';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { execute, parse } from 'graphql';
import { Registry } from 'prom-client';
import { createDemoSchema } from '../demo/schema.js';
import { createQuotaLifecycle, NO_HEADERS, type QuotaLifecycle } from '../src/lifecycle/index.js';
import { AlertWatcher, QuotaMetrics, decisionLog, type QuotaObserver } from '../src/observability/index.js';
import { registerOpenTelemetryMetrics } from '../src/observability/opentelemetry.js';
import { registerPrometheusMetrics } from '../src/observability/prometheus.js';
import type { Plan } from '../src/quota/index.js';
import { MemoryStore } from '../src/store/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const OPS = Number(process.env['BENCH_OPS'] ?? 20_000);
const TARGET_NS = 1_000;

/** The demo's `pro` plan shape (a cost window, a request rate, a concurrency cap), too large to refuse. */
const PLAN: Plan = {
  name: 'bench',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 1_000_000_000_000, windowMs: 3_600_000 },
    { name: 'rate', kind: 'token-bucket', rate: 1_000_000, burst: 1_000_000 },
    { name: 'inflight', kind: 'concurrency', max: 1_000 },
  ],
};

const schema = createDemoSchema();
const query = '{ product(sku: "OUT-00001") { id sku name stockStatus } }';
const document = parse(query);

class PullReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Variant {
  readonly name: string;
  readonly observers: () => QuotaObserver[];
  readonly samples: number[];
}

function lifecycleWith(observers: QuotaObserver[]): QuotaLifecycle<object> {
  return createQuotaLifecycle<object>({
    store: new MemoryStore(),
    plans: [PLAN, { name: 'anonymous', limits: PLAN.limits }],
    anonymousPlan: 'anonymous',
    identify: () => 'bench-client',
    partitionKeySecret: false,
    observers,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
}

function metricsWithPrometheus(): QuotaMetrics {
  const metrics = new QuotaMetrics();
  registerPrometheusMetrics(metrics, { registry: new Registry() });
  return metrics;
}

function metricsWithOpenTelemetry(): QuotaMetrics {
  const metrics = new QuotaMetrics();
  const provider = new MeterProvider({ readers: [new PullReader()] });
  registerOpenTelemetryMetrics(metrics, { meter: provider.getMeter('graphql-quota') });
  return metrics;
}

async function run(
  lifecycle: QuotaLifecycle<object>,
  ops: number,
  data: Record<string, unknown>,
): Promise<number> {
  const request = { headers: NO_HEADERS, context: {} };
  // CPU time, not wall time: on this shared machine a process waits for a core much of the time.
  const start = process.cpuUsage();
  for (let i = 0; i < ops; i++) {
    const operation = lifecycle.startOperation({
      schema,
      document,
      operationName: null,
      variables: {},
      request,
      query,
      documentHash: null,
    });
    const admission = await operation.admit();
    if (!admission.allowed) throw new Error(`refused: ${admission.code}`);
    await operation.settle({ data }, 200);
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / ops;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const VARIANTS: readonly Variant[] = [
  { name: 'bare lifecycle (no observer)', observers: () => [], samples: [] },
  {
    name: '+ metrics (QuotaMetrics; Prometheus reads at scrape)',
    observers: () => [metricsWithPrometheus()],
    samples: [],
  },
  {
    name: '+ metrics with the OpenTelemetry SDK exporter',
    observers: () => [metricsWithOpenTelemetry()],
    samples: [],
  },
  {
    name: '+ metrics, decision log (every record), alerts',
    observers: () => [
      metricsWithPrometheus(),
      decisionLog({ logger: { info() {} } }),
      new AlertWatcher({
        thresholds: { refusals: 0.5, serverErrors: 0.1, storeFailures: 0.1, fallback: 0.1 },
        onAlert() {},
      }),
    ],
    samples: [],
  },
];

/** In a child process: one variant, warmed up, then measured; prints its CPU ns per operation. */
async function child(index: number): Promise<void> {
  const lifecycle = lifecycleWith(VARIANTS[index]!.observers());
  const data = (await execute({ schema, document })).data as Record<string, unknown>;
  await run(lifecycle, OPS, data);
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(`${await run(lifecycle, OPS, data)}\n`);
}

function measure(index: number): number {
  const result = spawnSync(process.execPath, [...process.execArgv, __filename, String(index)], {
    encoding: 'utf8',
    env: process.env,
  });
  if (result.status !== 0) throw new Error(`variant ${index} failed: ${result.stderr}`);
  return Number(result.stdout.trim());
}

function main(): void {
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < VARIANTS.length; k++) {
      const index = (round + k) % VARIANTS.length;
      VARIANTS[index]!.samples.push(measure(index));
    }
  }
  const bare = VARIANTS[0]!;
  console.log(
    `observability overhead per decision (lifecycle admit + settle, MemoryStore, demo small query; ` +
      `${ROUNDS} rounds, a process per variant per round, ${OPS} ops each; medians)`,
  );
  console.log(
    `${'variant'.padEnd(58)} ${'CPU ns/op'.padStart(9)} ${'added ns'.padStart(9)} ${'ratio'.padStart(7)}`,
  );
  for (const v of VARIANTS) {
    const added = median(v.samples.map((s, i) => s - bare.samples[i]!));
    const ratio = median(v.samples.map((s, i) => s / bare.samples[i]!));
    const verdict =
      v === bare || !v.name.startsWith('+ metrics (')
        ? ''
        : `  (target <= ${TARGET_NS} ns: ${added <= TARGET_NS ? 'met' : 'NOT met'})`;
    console.log(
      `${v.name.padEnd(58)} ${median(v.samples).toFixed(0).padStart(9)} ${(v === bare ? '-' : added.toFixed(0)).padStart(9)} ${ratio.toFixed(3).padStart(6)}x${verdict}`,
    );
  }
}

const variantArgument = process.argv[2];
if (variantArgument === undefined) main();
else
  child(Number(variantArgument)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
