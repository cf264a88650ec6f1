/**
 * The method the server benchmarks share (plugin.bench.ts, adapters.bench.ts): each variant is a server in a
 * child process (real HTTP on 127.0.0.1) and autocannon in this process is the load. Variants alternate in
 * rounds (the order rotates every round), so drift of this shared machine spreads over all of them. Server
 * CPU is the child's `process.cpuUsage()` (user + system) over the measured window, read over IPC, divided
 * by the requests it answered. Medians over rounds, and ratios to a baseline variant. Environment:
 * BENCH_ROUNDS (default 3), BENCH_SECONDS per run (default 5), BENCH_CONNECTIONS (default 8), BENCH_QUERIES
 * (default `typical,small`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Plan } from '../src/quota/index.js';
import type { ServerConfig } from '../__tests__/helpers/serverApp.js';
import type { ServerProcess } from '../__tests__/helpers/serverProcess.js';

export const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
export const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
export const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 8);
const WARMUP_SECONDS = 2;

/** A plan shaped like the demo's `pro` (an hourly cost window, a request rate, a concurrency cap), too large to refuse. */
export const BENCH_PLAN: Plan = {
  name: 'bench',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 1_000_000_000_000, windowMs: 3_600_000 },
    { name: 'rate', kind: 'token-bucket', rate: 1_000_000, burst: 1_000_000 },
    { name: 'inflight', kind: 'concurrency', max: 1_000 },
  ],
};

export interface Query {
  readonly name: string;
  readonly body: string;
}

export const QUERIES: readonly Query[] = [
  {
    name: 'typical',
    // bench/fixtures/typical.graphql: a storefront category page, 24 product cards (estimate 1,567 points).
    body: JSON.stringify({
      query: readFileSync(join(__dirname, 'fixtures', 'typical.graphql'), 'utf8'),
      variables: { categoryId: 'Category:3', channel: 'Channel:1', currency: 'EUR', first: 24 },
    }),
  },
  {
    name: 'small',
    body: JSON.stringify({ query: '{ product(sku: "OUT-00001") { id sku name stockStatus } }' }),
  },
].filter((q) => (process.env['BENCH_QUERIES'] ?? 'typical,small').split(',').includes(q.name));

export interface Variant {
  readonly name: string;
  readonly config: ServerConfig;
  server?: ServerProcess;
}

interface Sample {
  readonly rps: number;
  readonly cpuUsPerRequest: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The quota adapter's config on the demo schema, with its defaults (cost on request, a keyed-hash `pk`). */
export function quotaConfig(server: ServerConfig['server'], store: ServerConfig['store']): ServerConfig {
  return {
    ...(server !== undefined ? { server } : {}),
    schema: 'demo',
    variant: 'quota',
    ...(store !== undefined ? { store } : {}),
    plans: [BENCH_PLAN, { name: 'anonymous', limits: BENCH_PLAN.limits }],
    defaultPlan: 'bench',
    exposeCost: 'on-request',
    partitionKey: 'random',
  };
}

async function load(server: ServerProcess, query: Query, seconds: number): Promise<Sample> {
  const before = await server.stats();
  const result = await autocannon({
    url: server.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench-client' },
    body: query.body,
    connections: CONNECTIONS,
    duration: seconds,
  });
  const after = await server.stats();
  const ok = result['2xx'];
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${server.url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  const cpuUs = after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);
  return {
    rps: ok / seconds,
    cpuUsPerRequest: cpuUs / ok,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

/**
 * Loads every variant with `query`, alternating in rounds, and prints a table: req/s, CPU µs per request,
 * both as ratios to the variant named `baseline`, latency, and whether each `targets` ratio is met.
 */
export async function compare(
  query: Query,
  variants: readonly Variant[],
  baseline: string,
  targets: Readonly<Record<string, number>>,
): Promise<void> {
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
  for (const v of variants) await load(v.server!, query, WARMUP_SECONDS);
  for (let round = 0; round < ROUNDS; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    for (const v of order) samples.get(v.name)!.push(await load(v.server!, query, SECONDS));
  }

  const bare = samples.get(baseline)!;
  const bareCpu = median(bare.map((s) => s.cpuUsPerRequest));
  const bareRps = median(bare.map((s) => s.rps));
  console.log(`\nquery: ${query.name}`);
  const rows = [
    ['variant', 'req/s', 'CPU µs/req', 'CPU vs bare', 'req/s vs bare', 'p50 ms', 'p99 ms', 'target'],
  ];
  for (const v of variants) {
    const s = samples.get(v.name)!;
    const cpu = median(s.map((x) => x.cpuUsPerRequest));
    const rps = median(s.map((x) => x.rps));
    const ratio = cpu / bareCpu;
    const target = targets[v.name];
    rows.push([
      v.name,
      fmt(rps),
      fmt(cpu),
      `${fmt(ratio, 2)}x`,
      `${fmt(rps / bareRps, 2)}x`,
      fmt(median(s.map((x) => x.p50Ms)), 1),
      fmt(median(s.map((x) => x.p99Ms)), 1),
      target === undefined ? '' : `<= ${fmt(target, 2)}x: ${ratio <= target ? 'met' : 'NOT met'}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** The line each server benchmark opens with. */
export function describeMethod(variants: number): string {
  return (
    `Node ${process.version}; ${ROUNDS} rounds x ${variants} variants x ${SECONDS} s per query, ` +
    `${CONNECTIONS} connections (autocannon); server CPU = child process.cpuUsage() / requests answered.`
  );
}
