/**
 * What the Yoga and Mercurius adapters cost a server: requests per second and server CPU time per request of
 * GraphQL Yoga 5 bare, with `useQuota` (MemoryStore; RedisStore on a private redis-server), and with the stack
 * a Yoga user would pick instead (`@envelop/rate-limiter` on every Query field plus graphql-armor's cost
 * limit, limits nobody reaches); and of Mercurius 16 bare and with `mercuriusQuota` (MemoryStore,
 * RedisStore). Each server group alternates its variants in one run; ratios are to the group's bare server.
 * Run with `npm run bench -- adapters`. The method (alternating rounds, child-process CPU) is serverBench.ts's.
 */
import { startPrivateRedis, type PrivateRedis } from '../__tests__/helpers/redis-private.js';
import { startServerProcess, stopServerProcesses } from '../__tests__/helpers/serverProcess.js';
import { QUERIES, compare, describeMethod, quotaConfig, type Variant } from './serverBench.js';

/** Targets of the adapters' issue: server CPU per request as a multiple of the bare server's. */
const TARGETS: Readonly<Record<string, number>> = {
  'Yoga + useQuota, MemoryStore': 1.1,
  'Mercurius + quota, MemoryStore': 1.1,
};

async function main(): Promise<void> {
  let redis: PrivateRedis | null = null;
  try {
    redis = await startPrivateRedis();
    const onRedis = (server: 'yoga' | 'mercurius') =>
      quotaConfig(server, { kind: 'redis', url: redis!.url, keyPrefix: `bench-${server}:` });
    // Yoga's own options alike in every variant (no @defer plugin, which the bare server would not have).
    const yoga = (v: Variant): Variant => ({ ...v, config: { ...v.config, yogaDeferStream: false } });
    const groups: { baseline: string; variants: Variant[] }[] = [
      {
        baseline: 'bare Yoga',
        variants: (
          [
            { name: 'bare Yoga', config: { server: 'yoga', schema: 'demo', variant: 'bare' } },
            { name: 'Yoga + useQuota, MemoryStore', config: quotaConfig('yoga', { kind: 'memory' }) },
            { name: 'Yoga + useQuota, RedisStore', config: onRedis('yoga') },
            {
              name: 'Yoga + rate-limiter + armor cost',
              config: { server: 'yoga', schema: 'demo', variant: 'peer', defaultPlan: 'bench' },
            },
          ] satisfies Variant[]
        ).map(yoga),
      },
      {
        baseline: 'bare Mercurius',
        variants: [
          { name: 'bare Mercurius', config: { server: 'mercurius', schema: 'demo', variant: 'bare' } },
          { name: 'Mercurius + quota, MemoryStore', config: quotaConfig('mercurius', { kind: 'memory' }) },
          { name: 'Mercurius + quota, RedisStore', config: onRedis('mercurius') },
        ],
      },
    ];
    for (const group of groups) {
      for (const v of group.variants) v.server = await startServerProcess(v.config);
      console.log(`\n${group.baseline.replace('bare ', '')}: ${describeMethod(group.variants.length)}`);
      for (const query of QUERIES) await compare(query, group.variants, group.baseline, TARGETS);
      await Promise.all(group.variants.map((v) => v.server!.stop()));
    }
  } finally {
    await stopServerProcesses();
    await redis?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
