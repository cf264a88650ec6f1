/**
 * The plugin's server CPU per request without sockets or a load generator, so that a busy machine blurs it
 * less than `plugin.bench.ts`: each variant is an Apollo Server 5 (demo schema) in a child process of its
 * own (no JIT state shared between variants), driven by `executeHTTPGraphQLRequest` one request at a time.
 * A child warms up, then measures `process.cpuUsage()` (user + system, every thread: GC and compiler
 * included) over the requests, and counts the garbage collections they caused (`PerformanceObserver`,
 * 'gc'). Variants alternate in rounds, order rotating; medians over rounds, and ratios to bare Apollo.
 * Run with `npm run bench -- plugin-inprocess`.
 *
 * Environment: BENCH_ROUNDS (default 5), BENCH_REQUESTS per round (default 4,000), BENCH_WARMUP requests
 * (default 3,000), BENCH_QUERIES (default `typical,small`), BENCH_BASELINE: the directory of another
 * checkout of graphql-quota (its `node_modules` a symlink to this one's, so both load one `graphql`) to add
 * its plugin as a variant, for an A/B against an older commit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { quotaPlugin } from '../src/apollo/index.js';
import type { Plan } from '../src/quota/index.js';
import { MemoryStore } from '../src/store/index.js';
import { createDemoSchema } from '../demo/schema.js';
import { UNLIMITED, complexityPlugin, type AppContext } from '../__tests__/helpers/serverApp.js';
import { alternate, childOrMain, gcRate, measureRequests, median, runChild } from './inProcess.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 4_000);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 3_000);
const BASELINE = process.env['BENCH_BASELINE'];

/** As in plugin.bench.ts: the demo's `pro` shape, too large to refuse. */
const BENCH_PLAN: Plan = {
  name: 'bench',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 1_000_000_000_000, windowMs: 3_600_000 },
    { name: 'rate', kind: 'token-bucket', rate: 1_000_000, burst: 1_000_000 },
    { name: 'inflight', kind: 'concurrency', max: 1_000 },
  ],
};

const QUERIES: Readonly<Record<string, unknown>> = {
  typical: {
    query: readFileSync(join(__dirname, 'fixtures', 'typical.graphql'), 'utf8'),
    variables: { categoryId: 'Category:3', channel: 'Channel:1', currency: 'EUR', first: 24 },
  },
  small: { query: '{ product(sku: "OUT-00001") { id sku name stockStatus } }' },
};

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The plugin's defaults (extensions.cost on request, a keyed-hash `pk`), the client named by the context. */
const quotaOptions = (store: unknown) => ({
  store,
  plans: [BENCH_PLAN, UNLIMITED],
  defaultPlan: 'bench',
  exposeCost: 'on-request' as const,
  logger: silent,
});

async function pluginsOf(variant: string): Promise<ApolloServerPlugin<AppContext>[]> {
  if (variant === 'bare Apollo') return [];
  if (variant === 'graphql-query-complexity') return [complexityPlugin(createDemoSchema(), 1_000_000_000)];
  if (variant === 'quota, MemoryStore')
    return [quotaPlugin<AppContext>(quotaOptions(new MemoryStore()) as never)];
  // The baseline checkout's own plugin and store (its options may differ in type, not in these fields).
  const apollo = (await import(join(BASELINE!, 'src/apollo/index.ts'))) as {
    quotaPlugin: typeof quotaPlugin;
  };
  const store = (await import(join(BASELINE!, 'src/store/index.ts'))) as { MemoryStore: typeof MemoryStore };
  return [apollo.quotaPlugin<AppContext>(quotaOptions(new store.MemoryStore()) as never)];
}

/** Child: one variant, one query; prints its measure as JSON. */
async function child(variant: string, queryName: string): Promise<void> {
  const server = new ApolloServer<AppContext>({
    schema: createDemoSchema(),
    plugins: await pluginsOf(variant),
    logger: silent,
  });
  await server.start();
  const body = QUERIES[queryName];
  const one = async () => {
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: 'POST',
        headers: new HeaderMap([['content-type', 'application/json']]),
        search: '',
        body,
      },
      context: () => Promise.resolve({ quotaClient: 'bench-client' }),
    });
    if (response.status !== undefined && response.status !== 200)
      throw new Error(`status ${response.status}`);
  };
  const sample = await measureRequests(one, WARMUP, REQUESTS);
  await server.stop();
  process.stdout.write(JSON.stringify(sample) + '\n');
}

function main(): void {
  const variants = ['bare Apollo', 'quota, MemoryStore', 'graphql-query-complexity'];
  if (BASELINE !== undefined) variants.push('quota @ BENCH_BASELINE');
  const queries = (process.env['BENCH_QUERIES'] ?? 'typical,small').split(',');
  console.log(
    `Node ${process.version}; ${ROUNDS} rounds x ${variants.length} variants, a child process each, ` +
      `${WARMUP} warm-up + ${REQUESTS} measured requests (executeHTTPGraphQLRequest); CPU = process.cpuUsage().`,
  );
  if (BASELINE !== undefined) console.log(`baseline: ${BASELINE}`);
  for (const query of queries) {
    const samples = alternate(variants, ROUNDS, (variant) => runChild(__filename, [variant, query]));
    const bare = median(samples.get('bare Apollo')!.map((s) => s.cpuUs));
    console.log(`\nquery: ${query}`);
    console.log(
      'variant                     CPU µs/req  CPU vs bare  GCs per 1,000 req (minor/major)  rounds (µs)',
    );
    for (const [variant, s] of samples) {
      const cpu = median(s.map((x) => x.cpuUs));
      const gc = gcRate(s, REQUESTS);
      console.log(
        `${variant.padEnd(26)}  ${cpu.toFixed(1).padStart(10)}  ${(cpu / bare).toFixed(2).padStart(10)}x  ` +
          `${gc.padStart(31)}  ${s.map((x) => x.cpuUs.toFixed(0)).join(' ')}`,
      );
    }
  }
}

childOrMain(child, main);
