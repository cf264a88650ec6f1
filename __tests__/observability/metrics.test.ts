import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
} from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { QuotaMetrics, QUOTA_METRICS, OTHER_LABEL_VALUE } from '../../src/observability/index.js';
import { registerOpenTelemetryMetrics } from '../../src/observability/opentelemetry.js';
import { registerPrometheusMetrics } from '../../src/observability/prometheus.js';
import { FREE, PRO, Script, scriptedSequence } from './events.js';

/** A pull reader: the test collects when it wants, as a Prometheus exporter or a periodic reader would. */
class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Point {
  readonly attributes: Record<string, unknown>;
  readonly value: unknown;
}

async function otelPoints(reader: TestReader): Promise<Map<string, Point[]>> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  const byName = new Map<string, Point[]>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const points = (metric.dataPoints as { attributes: Record<string, unknown>; value: unknown }[]).map(
        (p) => ({
          attributes: p.attributes,
          value:
            metric.dataPointType === DataPointType.HISTOGRAM
              ? {
                  count: (p.value as HistogramMetricData['dataPoints'][number]['value']).count,
                  sum: (p.value as HistogramMetricData['dataPoints'][number]['value']).sum,
                  counts: (p.value as HistogramMetricData['dataPoints'][number]['value']).buckets.counts,
                }
              : p.value,
        }),
      );
      byName.set(metric.descriptor.name, points);
    }
  }
  return byName;
}

function setup(options: ConstructorParameters<typeof QuotaMetrics>[0] = {}) {
  const script = new Script({});
  const metrics = new QuotaMetrics({ clock: script.clock, ...options });
  (script as { observer: unknown }).observer = metrics;
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  registerOpenTelemetryMetrics(metrics, { meter: provider.getMeter('graphql-quota') });
  const registry = new Registry();
  registerPrometheusMetrics(metrics, { registry });
  return { script, metrics, reader, registry };
}

/** The cumulative bucket counts of a value list, for the cost buckets (0, 1, 2, 5, ... 100,000, +Inf). */
function costBuckets(...values: number[]): number[] {
  const bounds = QUOTA_METRICS.costEstimated.buckets;
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (const v of values) {
    const i = bounds.findIndex((b) => v <= b);
    counts[i === -1 ? bounds.length : i]!++;
  }
  return counts;
}

describe('metrics catalogue after a scripted sequence (allowed, refunded, refused, store down)', () => {
  it('reads exact values through the OpenTelemetry SDK', async () => {
    const { script, reader } = setup();
    await scriptedSequence(script);
    const points = await otelPoints(reader);

    expect(new Set(points.keys())).toEqual(new Set(Object.values(QUOTA_METRICS).map((m) => m.name)));
    const q = (type: string, plan: string) => ({
      'graphql.operation.type': type,
      'graphql_quota.plan': plan,
    });
    expect(points.get('graphql_quota.decisions')).toEqual(
      expect.arrayContaining([
        {
          attributes: {
            'graphql_quota.result': 'allowed',
            'graphql_quota.code': 'none',
            ...q('query', 'free'),
          },
          value: 1,
        },
        {
          attributes: {
            'graphql_quota.result': 'allowed',
            'graphql_quota.code': 'none',
            ...q('mutation', 'free'),
          },
          value: 1,
        },
        {
          attributes: {
            'graphql_quota.result': 'refused',
            'graphql_quota.code': 'QUOTA_EXCEEDED',
            ...q('query', 'free'),
          },
          value: 1,
        },
        {
          attributes: {
            'graphql_quota.result': 'allowed',
            'graphql_quota.code': 'none',
            ...q('query', 'pro'),
          },
          value: 1,
        },
        {
          attributes: {
            'graphql_quota.result': 'refused',
            'graphql_quota.code': 'COST_LIMIT_EXCEEDED',
            ...q('query', 'pro'),
          },
          value: 1,
        },
      ]),
    );
    expect(points.get('graphql_quota.decisions')).toHaveLength(5);
    expect(points.get('graphql_quota.refusals')).toEqual([
      {
        attributes: {
          'http.response.status_code': 429,
          'graphql_quota.code': 'QUOTA_EXCEEDED',
          'graphql_quota.plan': 'free',
        },
        value: 1,
      },
      {
        attributes: {
          'http.response.status_code': 400,
          'graphql_quota.code': 'COST_LIMIT_EXCEEDED',
          'graphql_quota.plan': 'pro',
        },
        value: 1,
      },
    ]);
    expect(points.get('graphql_quota.cost.estimated')).toEqual([
      { attributes: q('query', 'free'), value: { count: 2, sum: 70, counts: costBuckets(40, 30) } },
      { attributes: q('mutation', 'free'), value: { count: 1, sum: 70, counts: costBuckets(70) } },
      { attributes: q('query', 'pro'), value: { count: 2, sum: 9_003, counts: costBuckets(3, 9_000) } },
    ]);
    expect(points.get('graphql_quota.cost.actual')).toEqual([
      { attributes: q('query', 'free'), value: { count: 1, sum: 10, counts: costBuckets(10) } },
      { attributes: q('mutation', 'free'), value: { count: 1, sum: 70, counts: costBuckets(70) } },
      { attributes: q('query', 'pro'), value: { count: 1, sum: 3, counts: costBuckets(3) } },
    ]);
    expect(points.get('graphql_quota.cost.delta')).toEqual([
      { attributes: q('query', 'free'), value: { count: 1, sum: 30, counts: costBuckets(30) } },
      { attributes: q('mutation', 'free'), value: { count: 1, sum: 0, counts: costBuckets(0) } },
      { attributes: q('query', 'pro'), value: { count: 1, sum: 0, counts: costBuckets(0) } },
    ]);
    const store = points.get('graphql_quota.store.duration')!;
    expect(store.map((p) => [p.attributes, (p.value as { count: number }).count])).toEqual([
      [{ 'graphql_quota.store.operation': 'decide', 'graphql_quota.store.outcome': 'ok' }, 3],
      [{ 'graphql_quota.store.operation': 'settle', 'graphql_quota.store.outcome': 'ok' }, 1],
      [{ 'graphql_quota.store.operation': 'decide', 'graphql_quota.store.outcome': 'timeout' }, 1],
    ]);
    expect((store[0]!.value as { sum: number }).sum).toBeCloseTo(0.0015, 12);
    expect((store[2]!.value as { sum: number }).sum).toBe(0.2);
    expect(points.get('graphql_quota.store.failures')).toEqual([
      {
        attributes: {
          'graphql_quota.store.operation': 'decide',
          'error.type': 'timeout',
          'graphql_quota.failure_mode': 'fallback',
        },
        value: 1,
      },
    ]);
    expect(points.get('graphql_quota.fallback.decisions')).toEqual([
      { attributes: { 'graphql_quota.plan': 'pro' }, value: 1 },
    ]);
    expect(points.get('graphql_quota.fallback.active')).toEqual([{ attributes: {}, value: 1 }]);
    // Two leases taken and both released: nothing in flight.
    expect(points.get('graphql_quota.slots.in_flight')).toEqual([
      { attributes: { 'graphql_quota.plan': 'free' }, value: 0 },
    ]);
    expect(points.get('graphql_quota.threshold.crossings')).toEqual([
      {
        attributes: {
          'graphql_quota.plan': 'free',
          'graphql_quota.limit': 'hourly',
          'graphql_quota.threshold': '0.8',
        },
        value: 1,
      },
    ]);
    expect(points.get('graphql_quota.kill_switch.changes')).toEqual([
      {
        attributes: {
          'graphql_quota.kill_switch.action': 'block',
          'graphql_quota.kill_switch.scope': 'everyone',
        },
        value: 1,
      },
    ]);
    expect(points.get('graphql_quota.kill_switch.everyone')).toEqual([{ attributes: {}, value: 1 }]);

    // A minute later the block has expired; a successful store call ends the fallback.
    script.nowMs += 60_000;
    script.observer.storeCall!({ method: 'decide', outcome: 'ok', durationMs: 1, failureMode: 'fallback' });
    const later = await otelPoints(reader);
    expect(later.get('graphql_quota.kill_switch.everyone')).toEqual([{ attributes: {}, value: 0 }]);
    expect(later.get('graphql_quota.fallback.active')).toEqual([{ attributes: {}, value: 0 }]);
  });

  it('reads the same values through the prom-client registry, in Prometheus text', async () => {
    const { script, registry } = setup();
    await scriptedSequence(script);
    const text = await registry.metrics();
    const lines = text.split('\n');
    const has = (line: string) => expect(lines).toContain(line);

    has('# TYPE graphql_quota_decisions_total counter');
    has('graphql_quota_decisions_total{result="allowed",code="none",operation_type="query",plan="free"} 1');
    has(
      'graphql_quota_decisions_total{result="allowed",code="none",operation_type="mutation",plan="free"} 1',
    );
    has(
      'graphql_quota_decisions_total{result="refused",code="QUOTA_EXCEEDED",operation_type="query",plan="free"} 1',
    );
    has('graphql_quota_decisions_total{result="allowed",code="none",operation_type="query",plan="pro"} 1');
    has(
      'graphql_quota_decisions_total{result="refused",code="COST_LIMIT_EXCEEDED",operation_type="query",plan="pro"} 1',
    );
    has('graphql_quota_refusals_total{status="429",code="QUOTA_EXCEEDED",plan="free"} 1');
    has('graphql_quota_refusals_total{status="400",code="COST_LIMIT_EXCEEDED",plan="pro"} 1');

    has('# TYPE graphql_quota_cost_estimated histogram');
    has('graphql_quota_cost_estimated_bucket{operation_type="query",plan="free",le="20"} 0');
    has('graphql_quota_cost_estimated_bucket{operation_type="query",plan="free",le="50"} 2');
    has('graphql_quota_cost_estimated_bucket{operation_type="query",plan="free",le="+Inf"} 2');
    has('graphql_quota_cost_estimated_sum{operation_type="query",plan="free"} 70');
    has('graphql_quota_cost_estimated_count{operation_type="query",plan="free"} 2');
    has('graphql_quota_cost_estimated_bucket{operation_type="query",plan="pro",le="5"} 1');
    has('graphql_quota_cost_estimated_bucket{operation_type="query",plan="pro",le="5000"} 1');
    has('graphql_quota_cost_estimated_bucket{operation_type="query",plan="pro",le="10000"} 2');
    has('graphql_quota_cost_estimated_sum{operation_type="query",plan="pro"} 9003');
    has('graphql_quota_cost_actual_sum{operation_type="query",plan="free"} 10');
    has('graphql_quota_cost_actual_count{operation_type="mutation",plan="free"} 1');
    has('graphql_quota_cost_delta_sum{operation_type="query",plan="free"} 30');
    has('graphql_quota_cost_delta_bucket{operation_type="mutation",plan="free",le="0"} 1');

    has('# TYPE graphql_quota_store_duration_seconds histogram');
    has('graphql_quota_store_duration_seconds_count{operation="decide",outcome="ok"} 3');
    has('graphql_quota_store_duration_seconds_bucket{operation="decide",outcome="ok",le="0.0005"} 2');
    has('graphql_quota_store_duration_seconds_bucket{operation="decide",outcome="ok",le="0.001"} 3');
    has('graphql_quota_store_duration_seconds_bucket{operation="decide",outcome="timeout",le="0.1"} 0');
    has('graphql_quota_store_duration_seconds_bucket{operation="decide",outcome="timeout",le="0.2"} 1');
    has('graphql_quota_store_duration_seconds_sum{operation="decide",outcome="timeout"} 0.2');
    has('graphql_quota_store_failures_total{operation="decide",failure="timeout",failure_mode="fallback"} 1');
    has('graphql_quota_fallback_decisions_total{plan="pro"} 1');
    has('# TYPE graphql_quota_fallback_active gauge');
    has('graphql_quota_fallback_active 1');
    has('graphql_quota_slots_in_flight{plan="free"} 0');
    has('graphql_quota_threshold_crossings_total{plan="free",limit="hourly",threshold="0.8"} 1');
    has('graphql_quota_kill_switch_changes_total{action="block",scope="everyone"} 1');
    has('graphql_quota_kill_switch_everyone 1');

    // Every metric of the catalogue is there, with its help text.
    for (const m of Object.values(QUOTA_METRICS)) has(`# HELP ${m.prometheusName} ${m.description}`);
    // No client id anywhere by default.
    expect(text).not.toMatch(/alice|bob/);
  });

  it('counts a slot in flight until its operation settles', async () => {
    const { script, registry } = setup();
    const decision = await script.engine.decide({ client: 'c', plan: FREE, cost: 1, operation: 'query' });
    const event = {
      timeMs: script.nowMs,
      client: { id: 'c', anonymous: false, plan: 'free' },
      operationName: null,
      operationType: 'query' as const,
      query: null,
      documentHash: null,
      variables: null,
      estimatedCost: 1,
      result: 'allowed' as const,
      code: null,
      status: 200,
      source: decision.source,
      decision,
      actualCost: null,
      durationMs: null,
    };
    script.observer.decided!(event);
    expect(await registry.metrics()).toContain('graphql_quota_slots_in_flight{plan="free"} 1');
    script.observer.settled!(event);
    expect(await registry.metrics()).toContain('graphql_quota_slots_in_flight{plan="free"} 0');
  });
});

describe('cardinality', () => {
  async function traffic(script: Script, clients: number, prefix: string): Promise<void> {
    for (let i = 0; i < clients; i++) {
      const plan = i % 2 === 0 ? FREE : PRO;
      await script.run({ client: `${prefix}-${i}`, plan, cost: 5, actual: 2 });
      script.observer.storeCall!({
        method: 'decide',
        outcome: 'ok',
        durationMs: 0.2,
        failureMode: 'fallback',
      });
      script.observer.thresholdCrossed!({
        client: { id: `${prefix}-${i}`, anonymous: false, plan: plan.name },
        limit: 'hourly',
        threshold: 0.8,
      });
    }
  }

  async function seriesCounts(
    reader: TestReader,
    registry: Registry,
  ): Promise<{ otel: number; prometheus: number }> {
    const otel = [...(await otelPoints(reader)).values()].reduce((n, p) => n + p.length, 0);
    const prometheus = (await registry.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0);
    return { otel, prometheus };
  }

  it('10,000 distinct clients leave the number of series unchanged (no client label by default)', async () => {
    const { script, metrics, reader, registry } = setup();
    await traffic(script, 4, 'warm');
    const before = await seriesCounts(reader, registry);
    const internal = metrics.seriesCount();
    await traffic(script, 10_000, 'client');
    expect(await seriesCounts(reader, registry)).toEqual(before);
    expect(metrics.seriesCount()).toBe(internal);
    expect(before.prometheus).toBeGreaterThan(0);
    // The traffic was counted all the same.
    expect(await registry.metrics()).toContain(
      'graphql_quota_decisions_total{result="allowed",code="none",operation_type="query",plan="free"} 5002',
    );
  });

  it('the opt-in client label makes series per client, capped at maxClients (the rest share "_other")', async () => {
    const { script, registry } = setup({ clientLabel: { maxClients: 50 } });
    await traffic(script, 200, 'client');
    const json = await registry.getMetricsAsJSON();
    const decisions = json.find((m) => m.name === 'graphql_quota_decisions_total')!;
    expect(decisions.values).toHaveLength(52);
    const other = decisions.values.filter((v) => v.labels['client'] === OTHER_LABEL_VALUE);
    // 150 clients past the cap, split across the two plans.
    expect(other.map((v) => [v.labels['plan'], v.value])).toEqual([
      ['free', 75],
      ['pro', 75],
    ]);
    expect(decisions.values.find((v) => v.labels['client'] === 'client-7')!.value).toBe(1);
  });

  it('plan names past maxPlans share the "_other" label value', async () => {
    const { script, registry } = setup({ maxPlans: 2 });
    for (let i = 0; i < 5; i++) {
      await script.run({ client: `c${i}`, plan: { name: `custom-${i}`, limits: PRO.limits }, cost: 1 });
    }
    const text = await registry.metrics();
    expect(text).toContain(
      'graphql_quota_decisions_total{result="allowed",code="none",operation_type="query",plan="custom-0"} 1',
    );
    expect(text).toContain(
      'graphql_quota_decisions_total{result="allowed",code="none",operation_type="query",plan="custom-1"} 1',
    );
    expect(text).toContain(
      'graphql_quota_decisions_total{result="allowed",code="none",operation_type="query",plan="_other"} 3',
    );
  });
});

describe('options', () => {
  it('rejects malformed options with QUOTA_INVALID_OPTION', () => {
    expect(() => new QuotaMetrics({ maxPlans: 0 })).toThrow(
      expect.objectContaining({ code: 'QUOTA_INVALID_OPTION' }),
    );
    expect(() => new QuotaMetrics({ clientLabel: { maxClients: 1.5 } })).toThrow(
      /clientLabel.maxClients must be a positive integer/,
    );
    expect(() => new QuotaMetrics({ clientLabel: 'yes' as unknown as boolean })).toThrow(
      /clientLabel must be a boolean/,
    );
    expect(() => registerPrometheusMetrics({} as QuotaMetrics)).toThrow(/metrics must be a QuotaMetrics/);
  });
});
