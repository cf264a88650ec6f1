/**
 * The Yoga and Mercurius adapters' server CPU per request without sockets or a load generator, so that a busy
 * machine blurs it less than `adapters.bench.ts`: each variant is a server on the demo schema in a child
 * process of its own (no JIT state shared between variants), driven one request at a time through the
 * server's own in-process entry, which runs its whole HTTP request path but the socket: Yoga's `fetch` (a
 * Fetch API `Request` in, a `Response` out, its body read), Fastify's `inject` for Mercurius. A child warms
 * up, then measures `process.cpuUsage()` (user + system, every thread: GC and compiler included) over the
 * requests, and counts the garbage collections they caused. Variants of a server alternate in rounds, order
 * rotating; medians over rounds, and ratios to the bare server. Run with `npm run bench -- adapters-inprocess`.
 *
 * Variants: bare Yoga 5; Yoga with `useQuota` (MemoryStore); Yoga with `@envelop/rate-limiter` plus
 * graphql-armor's cost limit (the peer stack of adapters.bench.ts); bare Mercurius 16; Mercurius with
 * `mercuriusQuota` (MemoryStore). The adapters' options are adapters.bench.ts's (`quotaConfig`): the bench
 * plan, `extensions.cost` on request, a keyed-hash `pk`, the client named by the `Authorization` bearer token.
 *
 * Environment: BENCH_ROUNDS (default 5), BENCH_REQUESTS per round (default 3,000), BENCH_WARMUP requests
 * (default 3,000), BENCH_QUERIES (default `typical,small`), BENCH_SERVERS (default `yoga,mercurius`),
 * BENCH_BASELINE: the directory of another checkout of graphql-quota (its `node_modules` a symlink to this
 * one's) to add its adapters as variants, for an A/B against an older commit. BENCH_PROFILE=<dir>: each
 * child writes a V8 CPU profile of its measured requests there. BENCH_CALLGRIND: a child run under
 * callgrind counts the instructions of its measured requests only (see bench/inProcess.ts; docs/benchmarks.md
 * has the command).
 */
import { join } from 'node:path';
import { alternate, childOrMain, gcRate, measureRequests, median, runChild } from './inProcess.js';
import { BENCH_PLAN, QUERIES, quotaConfig } from './serverBench.js';
import { createDemoSchema } from '../demo/schema.js';
import type * as Envelop from '../src/envelop/index.js';
import type * as Mercurius from '../src/mercurius/index.js';
import type * as Stores from '../src/store/index.js';
import type { MemoryStore } from '../src/store/index.js';
import { appContext, type AppContext, type ServerConfig } from '../__tests__/helpers/serverApp.js';
import type { QuotaOptions } from '../src/lifecycle/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 3_000);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 3_000);
const BASELINE = process.env['BENCH_BASELINE'];
const PROFILE = process.env['BENCH_PROFILE'];

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer bench-client' };

/** One request, run to the end of its response body; throws unless it is a 200. */
type Send = () => Promise<void>;

/** The adapter's options, as adapters.bench.ts's servers have them (serverApp.ts's `quotaOptions`). */
function quotaOptions(store: unknown): QuotaOptions<AppContext> {
  const config = quotaConfig(undefined, { kind: 'memory' });
  return {
    store: store as MemoryStore,
    plans: config.plans!,
    planFor: () => BENCH_PLAN.name,
    defaultPlan: BENCH_PLAN.name,
    exposeCost: config.exposeCost!,
    logger: silent,
  };
}

/** The adapters of this checkout, or of BENCH_BASELINE's. */
async function adapters(baseline: boolean) {
  const root = baseline ? BASELINE! : join(__dirname, '..');
  const envelop = (await import(join(root, 'src/envelop/index.ts'))) as typeof Envelop;
  const mercurius = (await import(join(root, 'src/mercurius/index.ts'))) as typeof Mercurius;
  const store = (await import(join(root, 'src/store/index.ts'))) as typeof Stores;
  return { envelop, mercurius, MemoryStore: store.MemoryStore };
}

const CONFIG: ServerConfig = { schema: 'demo' };

async function yogaServer(variant: string, body: string): Promise<{ send: Send; stop: () => Promise<void> }> {
  const { createYoga } = await import('graphql-yoga');
  const plugins: unknown[] = [];
  if (variant === 'Yoga + rate-limiter + armor cost') {
    const { useRateLimiter } = await import('@envelop/rate-limiter');
    const { costLimitPlugin } = await import('@escape.tech/graphql-armor-cost-limit');
    plugins.push(
      useRateLimiter({
        identifyFn: (context) => (context as AppContext).quotaClient ?? 'anonymous',
        configByField: [{ type: 'Query', field: '*', max: 1_000_000_000, window: '1h' }],
      }),
      costLimitPlugin({ maxCost: 1_000_000_000 }),
    );
  } else if (variant !== 'bare Yoga') {
    const own = await adapters(variant.endsWith('@ BENCH_BASELINE'));
    plugins.push(own.envelop.useQuota<AppContext>(quotaOptions(new own.MemoryStore())));
  }
  const yoga = createYoga<object, AppContext>({
    schema: createDemoSchema(),
    plugins: plugins as never,
    graphqlEndpoint: '/',
    landingPage: false,
    graphiql: false,
    logging: false,
    batching: false,
    context: ({ request }) =>
      appContext(CONFIG, request.headers.get('authorization') ?? undefined, '127.0.0.1'),
  });
  const send: Send = async () => {
    const response = await yoga.fetch('http://127.0.0.1/', { method: 'POST', headers: HEADERS, body });
    await response.text();
    if (response.status !== 200) throw new Error(`status ${response.status}`);
  };
  return { send, stop: async () => void (await yoga.dispose()) };
}

async function mercuriusServer(
  variant: string,
  body: string,
): Promise<{ send: Send; stop: () => Promise<void> }> {
  const { default: Fastify } = await import('fastify');
  const { default: mercurius } = await import('mercurius');
  const app = Fastify({ logger: false });
  await app.register(mercurius, {
    schema: createDemoSchema(),
    path: '/',
    graphiql: false,
    context: (request) => appContext(CONFIG, request.headers.authorization, request.socket.remoteAddress),
  });
  if (variant !== 'bare Mercurius') {
    const own = await adapters(variant.endsWith('@ BENCH_BASELINE'));
    await app.register(own.mercurius.mercuriusQuota(quotaOptions(new own.MemoryStore()) as never));
  }
  await app.ready();
  const send: Send = async () => {
    const response = await app.inject({ method: 'POST', url: '/', headers: HEADERS, payload: body });
    if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}: ${response.body}`);
  };
  return { send, stop: () => app.close() };
}

/** Child: one variant, one query; prints its measure as JSON. */
async function child(variant: string, queryName: string): Promise<void> {
  const body = QUERIES.find((q) => q.name === queryName)!.body;
  const server = variant.includes('Yoga')
    ? await yogaServer(variant, body)
    : await mercuriusServer(variant, body);
  const profile =
    PROFILE === undefined
      ? undefined
      : join(PROFILE, `${variant.replace(/\W+/g, '-')}-${queryName}.cpuprofile`);
  const sample = await measureRequests(server.send, WARMUP, REQUESTS, profile);
  await server.stop();
  process.stdout.write(JSON.stringify(sample) + '\n');
}

/** Targets of the adapters' issue: server CPU per request as a multiple of the bare server's. */
const TARGETS: Readonly<Record<string, number>> = {
  'Yoga + useQuota, MemoryStore': 1.1,
  'Mercurius + quota, MemoryStore': 1.1,
};

function main(): void {
  const servers = (process.env['BENCH_SERVERS'] ?? 'yoga,mercurius').split(',');
  const groups: string[][] = [];
  if (servers.includes('yoga'))
    groups.push(['bare Yoga', 'Yoga + useQuota, MemoryStore', 'Yoga + rate-limiter + armor cost']);
  if (servers.includes('mercurius')) groups.push(['bare Mercurius', 'Mercurius + quota, MemoryStore']);
  if (BASELINE !== undefined)
    for (const group of groups) group.push(`${group[1]!.split(',')[0]} @ BENCH_BASELINE`);
  const queries = (process.env['BENCH_QUERIES'] ?? 'typical,small').split(',');
  console.log(
    `Node ${process.version}; ${ROUNDS} rounds, a child process per variant and round, ${WARMUP} warm-up + ` +
      `${REQUESTS} measured requests (Yoga's fetch, Fastify's inject); CPU = process.cpuUsage().`,
  );
  if (BASELINE !== undefined) console.log(`baseline: ${BASELINE}`);
  for (const variants of groups) {
    for (const query of queries) {
      const samples = alternate(variants, ROUNDS, (variant) => runChild(__filename, [variant, query]));
      const bare = median(samples.get(variants[0]!)!.map((s) => s.cpuUs));
      console.log(`\nquery: ${query}`);
      console.log(
        'variant                                CPU µs/req  CPU vs bare  GCs per 1,000 req (minor/major)' +
          '  rounds (µs)                  target',
      );
      for (const [variant, s] of samples) {
        const cpu = median(s.map((x) => x.cpuUs));
        const ratio = cpu / bare;
        const target = TARGETS[variant];
        console.log(
          `${variant.padEnd(37)}  ${cpu.toFixed(1).padStart(10)}  ${ratio.toFixed(2).padStart(10)}x  ` +
            `${gcRate(s, REQUESTS).padStart(31)}  ${s
              .map((x) => x.cpuUs.toFixed(0))
              .join(' ')
              .padEnd(27)}` +
            (target === undefined
              ? ''
              : `  <= ${target.toFixed(2)}x: ${ratio <= target ? 'met' : 'NOT met'}`),
        );
      }
    }
  }
}

childOrMain(child, main);
