/**
 * The conformance harness: one table of scenarios (scenarios.ts) run against every server of
 * `SERVER_KINDS`, each started on 127.0.0.1 and a free port and driven over real HTTP. A scenario states
 * what it observes with `t.same(step, observed, expected)`: the expected value is the same for every server.
 * Where a server cannot match, exceptions.ts documents the difference and its reason; `same` then asserts
 * the documented observation instead, and that it really differs (an exception that no longer applies fails).
 */
import type { QuotaStore } from '../../src/quota/index.js';
import { MemoryStore, RedisStore } from '../../src/store/index.js';
import { CountingStore, FailingStore } from '../helpers/stores.js';
import type { SharedTestRedis } from '../helpers/redis.js';
import { ManualClock, startApp, type App, type ServerConfig, type ServerKind } from '../helpers/serverApp.js';
import {
  errorCodes,
  gql,
  post,
  quotaHeaders,
  type GqlOptions,
  type GqlResponse,
} from '../helpers/serverClient.js';
import { T0 } from '../helpers/seedPlans.js';
import { EXCEPTIONS, type ConformanceException } from './exceptions.js';
import { QuotaMetrics, decisionLog } from '../../src/observability/index.js';

/** The store a scenario runs on. `'failing'` refuses every call, as a Redis that is down. */
export type StoreKind = 'memory' | 'redis' | 'failing';

export interface Scenario {
  /** Unique: exceptions name it. */
  readonly name: string;
  /** The server's configuration (the server kind is the suite's). */
  readonly config: Omit<ServerConfig, 'server'>;
  /** Default `'memory'`. */
  readonly store?: StoreKind;
  run(t: ScenarioContext): Promise<void>;
}

export interface ScenarioContext {
  readonly server: ServerKind;
  readonly app: App;
  readonly url: string;
  /** The quota clock (starts at `T0`). */
  readonly clock: ManualClock;
  /** The store, counting decisions and settles. */
  readonly store: CountingStore;
  /** POSTs one operation. */
  send(query: string, options?: GqlOptions): Promise<GqlResponse>;
  /** POSTs a raw body (a batch). */
  post(body: string, options?: GqlOptions): Promise<GqlResponse>;
  /**
   * Asserts an observation that must be the same on every server; a documented exception for this server,
   * scenario and step replaces `expected` (and must differ from it). Returns true when the server matched
   * `expected`, false when it gave its documented exception: a scenario whose next steps need a feature the
   * server lacks ends there, explicitly.
   */
  same(step: string, observed: unknown, expected: unknown): boolean;
  /** The quota's metrics, with `config.observability` (else they see nothing). */
  readonly metrics: QuotaMetrics;
  /** The decision log's records, in order, with `config.observability`: every operation (`sampleRate` 1). */
  readonly logRecords: readonly Record<string, unknown>[];
}

/** What a response shows of the quota: status, error codes, the quota headers, `extensions.quota`. */
export function observe(response: GqlResponse): {
  status: number;
  codes: string[];
  headers: Record<string, string>;
  quota: unknown;
} {
  return {
    status: response.status,
    codes: errorCodes(response),
    headers: quotaHeaders(response),
    quota: response.body?.errors?.[0]?.extensions?.quota,
  };
}

/** A store behind a counter (so a scenario can wait for a settle), on the scenario's quota clock. */
function storeFor(kind: StoreKind, clock: ManualClock, redis: SharedTestRedis): QuotaStore {
  switch (kind) {
    case 'memory':
      return new MemoryStore({ clock: clock.now });
    case 'redis':
      return new RedisStore({
        client: redis.io,
        keyPrefix: `${redis.prefix}${Math.random().toString(36).slice(2)}:`,
        clock: clock.now,
      });
    case 'failing':
      return new FailingStore();
  }
}

/** Exceptions used in this run, so that the suite can check that none of the table is stale. */
export const usedExceptions = new Set<ConformanceException>();

/** Runs one scenario on one server, its quota clock at `T0` (2030-01-01T00:15:00Z). */
export async function runScenario(
  server: ServerKind,
  scenario: Scenario,
  redis: SharedTestRedis,
): Promise<void> {
  const clock = new ManualClock(T0);
  const store = new CountingStore(storeFor(scenario.store ?? 'memory', clock, redis));
  const metrics = new QuotaMetrics({ clock: clock.now });
  const logRecords: Record<string, unknown>[] = [];
  const log = decisionLog({
    logger: { info: (record) => void logRecords.push({ ...record }) },
    sampleRate: 1,
  });
  const app = await startApp(
    { ...scenario.config, server },
    { store, clock: clock.now, observers: [metrics, log] },
  );
  const t: ScenarioContext = {
    server,
    app,
    url: app.url,
    clock,
    store,
    metrics,
    logRecords,
    send: (query, options) => gql(app.url, query, options),
    post: (body, options) => post(app.url, body, options),
    same(step, observed, expected) {
      const exception = EXCEPTIONS.find(
        (e) => e.servers.includes(server) && e.scenario === scenario.name && e.step === step,
      );
      if (exception === undefined) {
        expect({ step, observed }).toEqual({ step, observed: expected });
        return true;
      }
      usedExceptions.add(exception);
      expect({ step, observed }).toEqual({ step, observed: exception.observed });
      // A documented difference that is no longer a difference must leave the table.
      expect({ step, stale: exception.observed }).not.toEqual({ step, stale: expected });
      return false;
    },
  };
  try {
    await scenario.run(t);
  } finally {
    await app.stop();
  }
}
