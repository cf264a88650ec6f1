/**
 * What the plugin costs a server: requests per second and server CPU time per request of Apollo Server 5
 * bare, with quotaPlugin (MemoryStore; RedisStore on a private redis-server), and with graphql-query-complexity
 * wired as its users wire it into Apollo (`getComplexity` in `didResolveOperation`, the form its README gives
 * for computing complexity outside validation, since Apollo's `validationRules` cannot see the variables).
 * Run with `npm run bench -- plugin`. The method (alternating rounds, child-process CPU) is serverBench.ts's.
 */
import { startPrivateRedis, type PrivateRedis } from '../__tests__/helpers/redis-private.js';
import { startServerProcess, stopServerProcesses } from '../__tests__/helpers/serverProcess.js';
import { QUERIES, compare, describeMethod, quotaConfig, type Variant } from './serverBench.js';

/** Targets of the plugin's issue: server CPU per request as a multiple of bare Apollo's. */
const TARGETS: Readonly<Record<string, number>> = { 'quota, MemoryStore': 1.05, 'quota, RedisStore': 1.15 };

async function main(): Promise<void> {
  let redis: PrivateRedis | null = null;
  try {
    redis = await startPrivateRedis();
    const variants: Variant[] = [
      { name: 'bare Apollo', config: { schema: 'demo', variant: 'bare' } },
      { name: 'quota, MemoryStore', config: quotaConfig(undefined, { kind: 'memory' }) },
      {
        name: 'quota, RedisStore',
        config: quotaConfig(undefined, { kind: 'redis', url: redis.url, keyPrefix: 'bench:' }),
      },
      { name: 'graphql-query-complexity', config: { schema: 'demo', variant: 'complexity' } },
    ];
    for (const v of variants) v.server = await startServerProcess(v.config);
    console.log(describeMethod(variants.length));
    for (const query of QUERIES) await compare(query, variants, 'bare Apollo', TARGETS);
  } finally {
    await stopServerProcesses();
    await redis?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
