/**
 * Observability through a real Apollo Server: the lifecycle and the engine emit, and metrics (prom-client and
 * the OpenTelemetry SDK), the decision log and the alert watcher read exact values. The `quota` field costs
 * nothing.
 */
import { createHash } from 'node:crypto';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { buildSchema } from 'graphql';
import { Registry } from 'prom-client';
import {
  AlertWatcher,
  QuotaMetrics,
  decisionLog,
  quotaResolvers,
  quotaTypeDefs,
  type DecisionLogRecord,
  type QuotaAlert,
} from '../../src/observability/index.js';
import { registerOpenTelemetryMetrics } from '../../src/observability/opentelemetry.js';
import { registerPrometheusMetrics } from '../../src/observability/prometheus.js';
import type { Decision, Plan, QuotaStore } from '../../src/quota/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { FREE, T0, TEST_SDL, post, quotaHeadersOf, startHarness, testSchema } from '../apollo/harness.js';

/** A MemoryStore that can be taken down, as Redis can. */
class SwitchableStore implements QuotaStore {
  down = false;
  constructor(readonly inner: MemoryStore) {}
  #guard<T>(run: () => Promise<T>): Promise<T> {
    return this.down ? Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')) : run();
  }
  decide(...args: Parameters<QuotaStore['decide']>): Promise<Decision> {
    return this.#guard(() => this.inner.decide(...args));
  }
  settle(...args: Parameters<QuotaStore['settle']>): Promise<void> {
    return this.#guard(() => this.inner.settle(...args));
  }
  peek(...args: Parameters<QuotaStore['peek']>): Promise<Decision> {
    return this.#guard(() => this.inner.peek(...args));
  }
  block(...args: Parameters<QuotaStore['block']>): Promise<void> {
    return this.#guard(() => this.inner.block(...args));
  }
  unblock(...args: Parameters<QuotaStore['unblock']>): Promise<void> {
    return this.#guard(() => this.inner.unblock(...args));
  }
}

class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The test schema plus the quota field, its resolver reading the caller the plugin identified. */
function schemaWithQuotaField() {
  const { schema: base, data } = testSchema();
  const schema = buildSchema(`${TEST_SDL}\n${quotaTypeDefs()}`);
  for (const [name, field] of Object.entries(base.getQueryType()!.getFields()))
    schema.getQueryType()!.getFields()[name]!.resolve = field.resolve!;
  schema.getMutationType()!.getFields()['touch']!.resolve = () => true;
  return { schema, data };
}

async function observedServer(
  options: { mode?: 'enforce' | 'dry-run'; plans?: Plan[]; freeQuotaField?: boolean } = {},
) {
  const { schema, data } = schemaWithQuotaField();
  const metrics = new QuotaMetrics({ clock: () => T0 });
  const registry = new Registry();
  registerPrometheusMetrics(metrics, { registry });
  const reader = new TestReader();
  registerOpenTelemetryMetrics(metrics, { meter: new MeterProvider({ readers: [reader] }).getMeter('t') });
  const records: DecisionLogRecord[] = [];
  const alerts: QuotaAlert[] = [];
  const alertWatcher = new AlertWatcher({
    thresholds: { refusals: 0.3, storeFailures: 0.2 },
    minEvents: 3,
    clock: () => T0,
    onAlert: (a) => alerts.push(a),
  });
  let store: SwitchableStore | null = null;
  const harness = await startHarness(
    {
      store: (store = new SwitchableStore(new MemoryStore({ clock: () => T0 }))),
      clock: () => T0,
      maxCost: 500,
      // Step 5 is refused by cost analysis with no quota decision (counting it would end the fallback).
      countInvalidRequests: false,
      ...(options.mode !== undefined ? { mode: options.mode } : {}),
      ...(options.plans !== undefined ? { plans: options.plans } : {}),
      observers: [metrics, decisionLog({ logger: { info: (r) => records.push(r) } }), alertWatcher],
      ...(options.freeQuotaField === false ? {} : { freeQuotaField: 'quota' }),
    },
    { schema },
  );
  const resolvers = quotaResolvers({ peeker: harness.quota.engine, caller: harness.quota.callerOf });
  schema.getQueryType()!.getFields()['quota']!.resolve = resolvers.Query['quota'] as never;
  data.productCount = 4;
  const as = (client: string, query: string) =>
    post(harness.server, { query }, { context: { quotaClient: client } });
  return { ...harness, store: store, metrics, registry, reader, records, alerts, as };
}

describe('observability through Apollo Server', () => {
  it('a scripted sequence: exact metrics (prom-client and OpenTelemetry), log records and alerts', async () => {
    const h = await observedServer();
    try {
      // 1. Allowed: estimate 10, 4 products returned, actual 4, 6 refunded.
      expect((await h.as('alice', '{ products(first: 10) { id } }')).status).toBe(200);
      // 2. Allowed mutation: 15, exact.
      expect((await h.as('alice', 'mutation Touch { touch }')).status).toBe(200);
      // 3. Refused: 90 > 100 - 4 - 15 = 81 left.
      expect((await h.as('alice', 'query Big { products(first: 90) { id } }')).status).toBe(429);
      // 4. Store down: the fallback decides.
      h.store.down = true;
      expect((await h.as('bob', '{ product(id: "p1") { id } }')).status).toBe(200);
      h.store.down = false;
      // 5. Over maxCost: refused by cost analysis, no quota decision.
      expect((await h.as('carol', 'query Huge { products(first: 1000) { id } }')).status).toBe(400);

      const text = await h.registry.metrics();
      const lines = text.split('\n');
      const has = (line: string) => expect(lines).toContain(line);
      has('graphql_quota_decisions_total{result="allowed",code="none",operation_type="query",plan="free"} 2');
      has(
        'graphql_quota_decisions_total{result="allowed",code="none",operation_type="mutation",plan="free"} 1',
      );
      has(
        'graphql_quota_decisions_total{result="refused",code="QUOTA_EXCEEDED",operation_type="query",plan="free"} 1',
      );
      has(
        'graphql_quota_decisions_total{result="refused",code="COST_LIMIT_EXCEEDED",operation_type="query",plan="free"} 1',
      );
      expect(lines.filter((l) => l.startsWith('graphql_quota_decisions_total{'))).toHaveLength(4);
      has('graphql_quota_refusals_total{status="429",code="QUOTA_EXCEEDED",plan="free"} 1');
      has('graphql_quota_refusals_total{status="400",code="COST_LIMIT_EXCEEDED",plan="free"} 1');
      has('graphql_quota_cost_estimated_count{operation_type="query",plan="free"} 4');
      has('graphql_quota_cost_estimated_sum{operation_type="query",plan="free"} 1101');
      has('graphql_quota_cost_estimated_sum{operation_type="mutation",plan="free"} 15');
      // Actual: 4 (alice) and 1 (bob, decided by the fallback); the refused did not run.
      has('graphql_quota_cost_actual_count{operation_type="query",plan="free"} 2');
      has('graphql_quota_cost_actual_sum{operation_type="query",plan="free"} 5');
      has('graphql_quota_cost_actual_sum{operation_type="mutation",plan="free"} 15');
      has('graphql_quota_cost_delta_sum{operation_type="query",plan="free"} 6');
      has('graphql_quota_cost_delta_bucket{operation_type="query",plan="free",le="5"} 1');
      has('graphql_quota_cost_delta_bucket{operation_type="query",plan="free",le="10"} 2');
      // Store calls: three decides and one settle (the refund) answered; one decide failed.
      has('graphql_quota_store_duration_seconds_count{operation="decide",outcome="ok"} 3');
      has('graphql_quota_store_duration_seconds_count{operation="settle",outcome="ok"} 1');
      has('graphql_quota_store_duration_seconds_count{operation="decide",outcome="error"} 1');
      has('graphql_quota_store_failures_total{operation="decide",failure="error",failure_mode="fallback"} 1');
      has('graphql_quota_fallback_decisions_total{plan="free"} 1');
      has('graphql_quota_fallback_active 1');
      expect(text).not.toMatch(/alice|bob|carol/);

      // The same through the OpenTelemetry SDK.
      const { resourceMetrics } = await h.reader.collect();
      const otel = new Map(resourceMetrics.scopeMetrics[0]!.metrics.map((m) => [m.descriptor.name, m]));
      const decisions = otel.get('graphql_quota.decisions')!.dataPoints.map((p) => [p.attributes, p.value]);
      expect(decisions).toEqual([
        [
          {
            'graphql_quota.result': 'allowed',
            'graphql_quota.code': 'none',
            'graphql.operation.type': 'query',
            'graphql_quota.plan': 'free',
          },
          2,
        ],
        [
          {
            'graphql_quota.result': 'allowed',
            'graphql_quota.code': 'none',
            'graphql.operation.type': 'mutation',
            'graphql_quota.plan': 'free',
          },
          1,
        ],
        [
          {
            'graphql_quota.result': 'refused',
            'graphql_quota.code': 'QUOTA_EXCEEDED',
            'graphql.operation.type': 'query',
            'graphql_quota.plan': 'free',
          },
          1,
        ],
        [
          {
            'graphql_quota.result': 'refused',
            'graphql_quota.code': 'COST_LIMIT_EXCEEDED',
            'graphql.operation.type': 'query',
            'graphql_quota.plan': 'free',
          },
          1,
        ],
      ]);
      const estimated = otel
        .get('graphql_quota.cost.estimated')!
        .dataPoints.map((p) => [
          p.attributes,
          (p.value as { sum: number; count: number }).sum,
          (p.value as { count: number }).count,
        ]);
      expect(estimated).toEqual([
        [{ 'graphql.operation.type': 'query', 'graphql_quota.plan': 'free' }, 1101, 4],
        [{ 'graphql.operation.type': 'mutation', 'graphql_quota.plan': 'free' }, 15, 1],
      ]);
      expect(otel.get('graphql_quota.store.failures')!.dataPoints.map((p) => p.value)).toEqual([1]);

      // One log record per operation, in order, field by field (durations are measured: only their type).
      const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
      const allowed = {
        decidedAt: new Date(T0).toISOString(),
        anonymous: false,
        plan: 'free',
        operationName: null,
        operationType: 'query',
        result: 'allowed',
        code: null,
        status: 200,
        source: 'store',
        refusedBy: null,
      };
      expect(h.records.map(({ durationMs, ...r }) => [r, typeof durationMs])).toEqual(
        [
          {
            ...allowed,
            client: 'alice',
            documentHash: sha256('{ products(first: 10) { id } }'),
            estimatedCost: 10,
            actualCost: 4,
          },
          {
            ...allowed,
            client: 'alice',
            operationName: 'Touch',
            operationType: 'mutation',
            documentHash: sha256('mutation Touch { touch }'),
            estimatedCost: 15,
            actualCost: 15,
          },
          {
            ...allowed,
            client: 'alice',
            operationName: 'Big',
            documentHash: sha256('query Big { products(first: 90) { id } }'),
            estimatedCost: 90,
            actualCost: null,
            result: 'refused',
            code: 'QUOTA_EXCEEDED',
            status: 429,
            refusedBy: 'hourly',
          },
          {
            ...allowed,
            client: 'bob',
            documentHash: sha256('{ product(id: "p1") { id } }'),
            estimatedCost: 1,
            actualCost: 1,
            source: 'fallback',
          },
          {
            ...allowed,
            client: 'carol',
            operationName: 'Huge',
            documentHash: sha256('query Huge { products(first: 1000) { id } }'),
            estimatedCost: 1000,
            actualCost: null,
            result: 'refused',
            code: 'COST_LIMIT_EXCEEDED',
            status: 400,
            source: 'none',
          },
        ].map((record) => [record, 'number']),
      );

      // Alerts: refusals 1 of 3 (33 % ≥ 30 %) fire, 1 of 4 resolve, 2 of 5 fire again; the failed decide
      // is 1 store call of 5 (20 %).
      expect(h.alerts.map((a) => [a.kind, a.status, a.count, a.total])).toEqual([
        ['refusals', 'firing', 1, 3],
        ['store-failures', 'firing', 1, 5],
        ['refusals', 'resolved', 1, 4],
        ['refusals', 'firing', 2, 5],
      ]);
    } finally {
      await h.server.stop();
    }
  });

  it('the kill switch and slots show in the gauges', async () => {
    const plans: Plan[] = [
      { name: 'free', limits: [...FREE.limits, { name: 'inflight', kind: 'concurrency', max: 2 }] },
      { name: 'anonymous', limits: FREE.limits },
    ];
    const h = await observedServer({ plans });
    try {
      await h.as('alice', '{ product(id: "p1") { id } }');
      expect(await h.registry.metrics()).toContain('graphql_quota_slots_in_flight{plan="free"} 0');
      await h.quota.blockEveryone(60_000);
      const text = await h.registry.metrics();
      expect(text).toContain('graphql_quota_kill_switch_changes_total{action="block",scope="everyone"} 1');
      expect(text).toContain('graphql_quota_kill_switch_everyone 1');
      const refused = await h.as('alice', '{ product(id: "p1") { id } }');
      expect(refused.status).toBe(403);
      await h.quota.unblockEveryone();
      const after = await h.registry.metrics();
      expect(after).toContain('graphql_quota_kill_switch_changes_total{action="unblock",scope="everyone"} 1');
      expect(after).toContain('graphql_quota_kill_switch_everyone 0');
      expect(after).toContain(
        'graphql_quota_refusals_total{status="403",code="CLIENT_BLOCKED",plan="free"} 1',
      );
    } finally {
      await h.server.stop();
    }
  });

  it('a dry run counts what it would have refused, and lets it through', async () => {
    const h = await observedServer({ mode: 'dry-run' });
    try {
      const response = await h.as('alice', '{ products(first: 1000) { id } }');
      expect(response.status).toBe(200);
      const text = await h.registry.metrics();
      expect(text).toContain(
        'graphql_quota_decisions_total{result="dry-run-refused",code="QUOTA_CAPACITY_EXCEEDED",operation_type="query",plan="free"} 1',
      );
      expect(h.records.map((r) => [r.result, r.code, r.status])).toEqual([
        ['dry-run-refused', 'QUOTA_CAPACITY_EXCEEDED', 200],
      ]);
    } finally {
      await h.server.stop();
    }
  });
});

describe('the quota field costs nothing', () => {
  const plans: Plan[] = [
    {
      name: 'free',
      limits: [
        { name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: 3_600_000 },
        { name: 'rate', kind: 'token-bucket', rate: 1, periodMs: 60_000, burst: 5 },
      ],
    },
    { name: 'anonymous', limits: FREE.limits },
  ];

  it("X-Rate-Limit-Consumed is unchanged by it, no token is taken, and it reports the caller's own state", async () => {
    const h = await observedServer({ plans });
    try {
      const first = await h.as('alice', '{ products(first: 7) { id } }');
      // 4 products returned: 7 charged, 3 refunded.
      expect(quotaHeadersOf(first)['x-rate-limit-consumed']).toBe('7');
      const second = await h.as('alice', '{ products(first: 7) { id } }');
      expect(quotaHeadersOf(second)['x-rate-limit-consumed']).toBe('11');

      const mine =
        '{ quota { plan cost available blocked limits { name kind counts limit remaining used windowSeconds appliesTo } } }';
      for (let i = 0; i < 10; i++) {
        const response = await h.as('alice', mine);
        expect(response.status).toBe(200);
        // Not decided: no quota header at all (nothing was counted to report).
        expect(quotaHeadersOf(response)).toEqual({});
        expect(response.body).toEqual({
          data: {
            quota: {
              plan: 'free',
              cost: 0,
              available: true,
              blocked: false,
              limits: [
                {
                  name: 'hourly',
                  kind: 'fixed-window',
                  counts: 'cost',
                  limit: 100,
                  remaining: 92,
                  used: 8,
                  windowSeconds: 3600,
                  appliesTo: ['query', 'mutation', 'subscription'],
                },
                {
                  name: 'rate',
                  kind: 'token-bucket',
                  counts: 'requests',
                  limit: 5,
                  remaining: 3,
                  used: 2,
                  windowSeconds: 300,
                  appliesTo: ['query', 'mutation', 'subscription'],
                },
              ],
            },
          },
        });
      }
      // Ten reads later, the next charged operation finds the state the quota field reported.
      const third = await h.as('alice', '{ products(first: 7) { id } }');
      expect(quotaHeadersOf(third)['x-rate-limit-consumed']).toBe('15');
      // Another client reads its own state, not alice's.
      const bob = await h.as('bob', '{ quota { limits { name used } } }');
      expect(bob.body.data.quota.limits).toEqual([
        { name: 'hourly', used: 0 },
        { name: 'rate', used: 0 },
      ]);
      // Metrics: the free reads are decisions of cost 0, nothing else.
      const text = await h.registry.metrics();
      expect(text).toContain(
        'graphql_quota_cost_estimated_bucket{operation_type="query",plan="free",le="0"} 11',
      );
      expect(text).toContain('graphql_quota_store_duration_seconds_count{operation="decide",outcome="ok"} 3');
    } finally {
      await h.server.stop();
    }
  });

  it('without freeQuotaField the same read is an ordinary operation: it counts a request', async () => {
    const h = await observedServer({ plans, freeQuotaField: false });
    try {
      const read = await h.as('alice', '{ quota { limits { name used } } }');
      // Cost 0 (its types weigh nothing), but decided: the token bucket counts the request.
      expect(quotaHeadersOf(read)['x-rate-limit-consumed']).toBe('0');
      expect(read.body.data.quota.limits).toEqual([
        { name: 'hourly', used: 0 },
        { name: 'rate', used: 1 },
      ]);
    } finally {
      await h.server.stop();
    }
  });

  it('the quota field beside another field is charged that field only', async () => {
    const h = await observedServer({ plans });
    try {
      const mixed = await h.as('alice', '{ product(id: "p1") { id } quota { plan limits { used } } }');
      expect(quotaHeadersOf(mixed)['x-rate-limit-consumed']).toBe('1');
      // The read happened within the charged operation: it sees that operation's charge.
      expect(mixed.body.data.quota.limits).toEqual([{ used: 1 }, { used: 1 }]);
    } finally {
      await h.server.stop();
    }
  });

  it('plugin.readQuota: the same state for a plain HTTP route, from the request alone', async () => {
    const h = await observedServer({ plans });
    try {
      await h.as('alice', '{ products(first: 7) { id } }');
      const state = await h.quota.readQuota({
        headers: { get: () => undefined },
        context: { quotaClient: 'alice' },
      });
      expect(state.limits.map((l) => [l.name, l.used, l.remaining])).toEqual([
        ['hourly', 4, 96],
        ['rate', 1, 4],
      ]);
      const anonymous = await h.quota.readQuota({ headers: { get: () => undefined }, context: {} });
      expect(anonymous.plan).toBe('anonymous');
      expect(anonymous.limits.map((l) => l.used)).toEqual([0]);
    } finally {
      await h.server.stop();
    }
  });
});
