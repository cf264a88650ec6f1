import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '../src/index.js';

const root = join(__dirname, '..');

/**
 * The third-party packages that loading `modulePath` (TypeScript, through tsx's CommonJS hook, in a fresh
 * Node process) adds to the module cache, by package name, sorted.
 */
function packagesLoadedBy(modulePath: string): string[] {
  const probe = `
    const before = new Set(Object.keys(require.cache));
    require(${JSON.stringify(modulePath)});
    const names = new Set();
    for (const file of Object.keys(require.cache)) {
      if (before.has(file) || !file.includes('/node_modules/')) continue;
      const [scope, name] = file.split('/node_modules/').pop().split('/');
      names.add(scope.startsWith('@') ? scope + '/' + name : scope);
    }
    process.stdout.write(JSON.stringify([...names].sort()));
  `;
  const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', probe], { cwd: root });
  return JSON.parse(out.toString()) as string[];
}

/** Server frameworks, telemetry and Redis clients: optional peers the core must never load. */
const OPTIONAL =
  /^(@apollo\/|graphql-yoga$|@graphql-yoga\/|@envelop\/|mercurius|fastify|@fastify\/|express$|koa$|hono$|@opentelemetry\/|ioredis$|redis$|@redis\/)/;

describe('the core entry, graphql-quota', () => {
  it('loads graphql and lru-cache only: no server framework, telemetry or Redis client', () => {
    const loaded = packagesLoadedBy('./src/index.ts');
    expect(loaded).toEqual(['graphql', 'lru-cache']);
    expect(loaded.filter((name) => OPTIONAL.test(name))).toEqual([]);
  });

  it('(the probe sees a framework when one is loaded)', () => {
    expect(packagesLoadedBy('@apollo/server').filter((name) => OPTIONAL.test(name))).toContain(
      '@apollo/server',
    );
  });

  it('exports exactly its chosen run-time names, and none of the internals', () => {
    const names = Object.keys(core).sort();
    expect(names).toEqual(
      [
        // cost
        'AuditCode',
        'COST_DIRECTIVES_SDL',
        'COST_MODELS',
        'CostAnalyzer',
        'CostError',
        'CostErrorCode',
        'DEFAULT_AUDIT_DEPTH',
        'DEFAULT_COMPLEXITY_DIRECTIVE_NAME',
        'DEFAULT_COST_MODEL',
        'DEFAULT_DEPTH_COST',
        'DEFAULT_DIRECTIVE_NAMES',
        'DEFAULT_ERROR_FIELD_COUNT',
        'DEFAULT_INTROSPECTION_COST',
        'DEFAULT_LEAF_TYPE_COST',
        'DEFAULT_LIST_SIZE',
        'DEFAULT_MAX_BREAKDOWN_FIELDS',
        'DEFAULT_MAX_COST',
        'DEFAULT_MAX_DEPTH',
        'DEFAULT_MAX_LIST_SIZE',
        'DEFAULT_MUTATION_COST',
        'DEFAULT_OBJECT_TYPE_COST',
        'DEFAULT_QUERY_COST',
        'DEFAULT_SUBSCRIPTION_COST',
        'GITHUB_MAX_NODES',
        'GITHUB_MAX_PAGE_SIZE',
        'GITHUB_POINTS',
        'MAX_SUPPORTED_DEPTH',
        'analyzeCost',
        'annotateSchema',
        'auditSchema',
        'costDirectivesSDL',
        'linkedCostDirectiveNames',
        'parseDocument',
        'toPoints',
        'withCostDirectives',
        // quota
        'ALL_CLIENTS',
        'DEFAULT_FIXED_WINDOW_ALIGN',
        'DEFAULT_FIXED_WINDOW_COUNTS',
        'DEFAULT_LEASE_MS',
        'DEFAULT_MAX_CLIENTS',
        'DEFAULT_ON_STORE_FAILURE',
        'DEFAULT_REDIS_KEY_PREFIX',
        'DEFAULT_STORE_TIMEOUT_MS',
        'DEFAULT_TOKEN_BUCKET_COUNTS',
        'DEFAULT_TOKEN_BUCKET_PERIOD_MS',
        'DEFAULT_UNAVAILABLE_RETRY_AFTER_SECONDS',
        'MAX_CONCURRENCY',
        'QuotaEngine',
        'QuotaValidationError',
        'createPlanResolver',
        'definePlan',
        'planPolicies',
        // store
        'DEFAULT_GLOBAL_BLOCK_REFRESH_MS',
        'MemoryStore',
        'RedisStore',
        // http
        'CONCURRENT_REQUESTS_QUOTA_UNIT',
        'DEFAULT_COST_QUOTA_UNIT',
        'DEFAULT_IETF_RATE_LIMIT_HEADERS',
        'DEFAULT_RETRY_AFTER_HEADER',
        'DEFAULT_X_RATE_LIMIT_HEADERS',
        'quotaHeaders',
        // lifecycle
        'COST_REFUSAL_STATUS',
        'DEFAULT_ANONYMOUS_KEY',
        'DEFAULT_ANONYMOUS_PLAN',
        'DEFAULT_API_KEY_HEADER',
        'DEFAULT_COST_REQUEST_HEADER',
        'DEFAULT_COUNT_INVALID_REQUESTS',
        'DEFAULT_EXPOSE_COST',
        'DEFAULT_EXPOSE_QUOTA_HEADERS',
        'DEFAULT_MODE',
        'DEFAULT_UNKNOWN_API_KEY',
        'DEFAULT_USAGE_THRESHOLDS',
        'IncrementalData',
        'QUOTA_REFUSAL_STATUS',
        'UNKNOWN_API_KEY',
        'createQuotaLifecycle',
        'quotaHandle',
        'identifyByApiKey',
        'identifyFromContext',
        // history
        'ACTIVITY_MINUTES',
        'DEFAULT_HISTORY_MAX_CLIENTS',
        'DEFAULT_HISTORY_MAX_OPERATION_NAMES',
        'DEFAULT_HOUR_RETENTION_MS',
        'DEFAULT_MINUTE_RETENTION_MS',
        'InstanceActivity',
        'KILL_SWITCH_ORDERS',
        'MAX_RANKED_CLIENTS',
        'MemoryUsageHistory',
        'OTHER_OPERATIONS',
        'RedisUsageHistory',
        'usageHistoryObserver',
        // observability
        'AlertWatcher',
        'CLIENT_LABELLED_METRICS',
        'DECISION_LOG_MESSAGE',
        'DEFAULT_ALERT_BUCKETS',
        'DEFAULT_ALERT_MIN_EVENTS',
        'DEFAULT_ALERT_WINDOW_MS',
        'DEFAULT_COST_BUCKETS',
        'DEFAULT_MAX_CLIENT_LABELS',
        'DEFAULT_MAX_LIMIT_LABELS',
        'DEFAULT_MAX_PLAN_LABELS',
        'DEFAULT_QUOTA_FIELD',
        'DEFAULT_STORE_DURATION_BUCKETS',
        'NO_CODE_LABEL_VALUE',
        'NO_PLAN_LABEL_VALUE',
        'OTHER_LABEL_VALUE',
        'QUOTA_METRICS',
        'QUOTA_METRIC_LABELS',
        'QuotaMetrics',
        'REDACTED',
        'combineObservers',
        'decisionLog',
        'quotaResolvers',
        'quotaTypeDefs',
        'readQuota',
      ].sort(),
    );
    for (const internal of [
      'quotaPlugin',
      'serializeSfList',
      'resolvePlan',
      'mergeDecisions',
      'costExtension',
      'isFreeQuotaOperation',
      'registerPrometheusMetrics',
      'registerOpenTelemetryMetrics',
    ])
      expect(names).not.toContain(internal);
  });
});

describe('the adapter entries', () => {
  // Both adapters reach their framework through the objects it hands them: its types only, no import.
  it.each([
    ['graphql-quota/envelop', './src/envelop/index.ts'],
    ['graphql-quota/mercurius', './src/mercurius/index.ts'],
  ])('%s loads no server framework either', (_entry, path) => {
    expect(packagesLoadedBy(path)).toEqual(['graphql', 'lru-cache']);
  });
});

describe('package.json exports', () => {
  it('maps graphql-quota to the core and each adapter to its subpath, ESM and CommonJS with types', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const entry = (path: string) => ({
      import: { types: `./dist/esm/${path}.d.ts`, default: `./dist/esm/${path}.js` },
      require: { types: `./dist/cjs/${path}.d.ts`, default: `./dist/cjs/${path}.js` },
    });
    expect(pkg.exports['.']).toEqual(entry('index'));
    expect(pkg.exports['./apollo']).toEqual(entry('apollo/index'));
    // The telemetry exporters, each loading its optional peer (see __tests__/observability/imports.test.ts).
    expect(pkg.exports['./prometheus']).toEqual(entry('observability/prometheus'));
    expect(pkg.exports['./opentelemetry']).toEqual(entry('observability/opentelemetry'));
    expect(pkg.exports['./envelop']).toEqual(entry('envelop/index'));
    expect(pkg.exports['./mercurius']).toEqual(entry('mercurius/index'));
  });

  it('builds dist/ before packing, so that a pack or publish from a clean clone ships the code it points at', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      files: string[];
    };
    // npm runs `prepack` before `npm pack` and `npm publish`; dist/ is not in git.
    expect(pkg.scripts['prepack']).toBe('npm run build');
    expect(pkg.scripts['build']).toBe('node scripts/build.mjs');
    expect(pkg.files).toContain('dist');
    expect(readFileSync(join(root, '.gitignore'), 'utf8').split('\n')).toContain('dist/');
  });

  it('maps graphql-quota/client and its opt-in plugs (cost, cache, usage), with typesVersions for older resolvers', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      typesVersions: { '*': Record<string, string[]> };
    };
    for (const [subpath, file] of [
      ['client', 'client/index'],
      ['client/cost', 'client/cost'],
      ['client/cache', 'client/cache'],
      ['client/usage', 'client/usage'],
    ]) {
      expect(pkg.exports[`./${subpath}`]).toEqual({
        import: { types: `./dist/esm/${file}.d.ts`, default: `./dist/esm/${file}.js` },
        require: { types: `./dist/cjs/${file}.d.ts`, default: `./dist/cjs/${file}.js` },
      });
      expect(pkg.typesVersions['*'][subpath!]).toEqual([`./dist/esm/${file}.d.ts`]);
    }
  });
});
