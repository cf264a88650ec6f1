/**
 * A scripted sequence of operations, decided by a real QuotaEngine over a MemoryStore, turned into the
 * observability events the lifecycle emits. The metrics, log and alert tests all read the same sequence.
 */
import { QuotaEngine } from '../../src/engine/index.js';
import type { Decision, OperationType, Plan, QuotaStore } from '../../src/quota/index.js';
import { MemoryStore } from '../../src/store/index.js';
import type { QuotaObserver, QuotaOperationEvent } from '../../src/observability/index.js';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export const FREE: Plan = {
  name: 'free',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: 3_600_000 },
    { name: 'inflight', kind: 'concurrency', max: 2 },
  ],
};

export const PRO: Plan = {
  name: 'pro',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 10_000, windowMs: 3_600_000 }],
};

export interface OperationSpec {
  readonly client: string;
  readonly plan: Plan;
  readonly type?: OperationType;
  readonly name?: string | null;
  readonly cost: number;
  readonly actual?: number | null;
  readonly durationMs?: number;
  readonly query?: string | null;
  readonly variables?: Record<string, unknown> | null;
}

/** A store that fails every call, as Redis down does. */
export class DownStore implements QuotaStore {
  decide(): Promise<Decision> {
    return Promise.reject(new Error('ECONNREFUSED'));
  }
  settle(): Promise<void> {
    return Promise.reject(new Error('ECONNREFUSED'));
  }
  peek(): Promise<Decision> {
    return Promise.reject(new Error('ECONNREFUSED'));
  }
  block(): Promise<void> {
    return Promise.reject(new Error('ECONNREFUSED'));
  }
  unblock(): Promise<void> {
    return Promise.reject(new Error('ECONNREFUSED'));
  }
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Drives operations through real engines and emits what the lifecycle would. */
export class Script {
  nowMs = T0;
  readonly clock = () => this.nowMs;
  readonly engine: QuotaEngine;
  readonly downEngine: QuotaEngine;

  constructor(readonly observer: QuotaObserver) {
    this.engine = new QuotaEngine({
      store: new MemoryStore({ clock: this.clock }),
      clock: this.clock,
      logger: silent,
    });
    this.downEngine = new QuotaEngine({
      store: new DownStore(),
      clock: this.clock,
      logger: silent,
      onStoreFailure: 'fallback',
    });
  }

  /** Decides, emits `decided`, executes (actual cost), emits `settled`. Returns the event. */
  async run(spec: OperationSpec, engine: QuotaEngine = this.engine): Promise<QuotaOperationEvent> {
    const type = spec.type ?? 'query';
    const decision = await engine.decide({
      client: spec.client,
      plan: spec.plan,
      cost: spec.cost,
      operation: type,
    });
    const refused = !decision.allowed;
    const code = refused ? (decision.reason === 'blocked' ? 'CLIENT_BLOCKED' : 'QUOTA_EXCEEDED') : null;
    const status = refused ? (code === 'CLIENT_BLOCKED' ? 403 : 429) : 200;
    const event: QuotaOperationEvent = {
      timeMs: this.nowMs,
      client: { id: spec.client, anonymous: false, plan: spec.plan.name },
      operationName: spec.name === undefined ? 'Op' : spec.name,
      operationType: type,
      query: spec.query ?? null,
      documentHash: null,
      variables: spec.variables ?? null,
      estimatedCost: spec.cost,
      result: refused ? 'refused' : 'allowed',
      code,
      status,
      source: decision.source,
      decision,
      actualCost: null,
      durationMs: null,
    };
    this.observer.decided?.(event);
    if (!refused) {
      event.actualCost = spec.actual === undefined ? spec.cost : spec.actual;
      await engine.settle({
        client: spec.client,
        plan: spec.plan,
        operation: type,
        refund: event.actualCost === null ? 0 : spec.cost - event.actualCost,
        leaseId: decision.leaseId,
        decidedAtMs: decision.nowMs,
      });
    }
    event.durationMs = spec.durationMs ?? 12;
    this.observer.settled?.(event);
    return event;
  }

  /** An operation refused by cost analysis before any quota decision. */
  costRefusal(spec: OperationSpec): QuotaOperationEvent {
    const event: QuotaOperationEvent = {
      timeMs: this.nowMs,
      client: { id: spec.client, anonymous: false, plan: spec.plan.name },
      operationName: spec.name ?? 'Huge',
      operationType: spec.type ?? 'query',
      query: spec.query ?? null,
      documentHash: null,
      variables: null,
      estimatedCost: spec.cost,
      result: 'refused',
      code: 'COST_LIMIT_EXCEEDED',
      status: 400,
      source: 'none',
      decision: null,
      actualCost: null,
      durationMs: null,
    };
    this.observer.decided?.(event);
    event.durationMs = 1;
    this.observer.settled?.(event);
    return event;
  }
}

/**
 * The sequence of the proof: allowed (with a refund), allowed mutation, refused, allowed from the fallback
 * while the store is down, refused by cost analysis; one threshold crossing; the kill switch on everyone.
 */
export async function scriptedSequence(script: Script): Promise<void> {
  const o = script.observer;
  // 1. Allowed, estimate 40, actual 10: 30 refunded. Concurrency lease taken and released.
  await script.run({ client: 'alice', plan: FREE, cost: 40, actual: 10 });
  o.storeCall?.({ method: 'decide', outcome: 'ok', durationMs: 0.4, failureMode: 'fallback' });
  o.storeCall?.({ method: 'settle', outcome: 'ok', durationMs: 0.3, failureMode: 'fallback' });
  // 2. Allowed mutation, exact estimate: 80 of 100 used, which crosses the 80 % threshold.
  await script.run({ client: 'alice', plan: FREE, type: 'mutation', name: 'Save', cost: 70 });
  o.storeCall?.({ method: 'decide', outcome: 'ok', durationMs: 0.6, failureMode: 'fallback' });
  o.thresholdCrossed?.({
    client: { id: 'alice', anonymous: false, plan: 'free' },
    limit: 'hourly',
    threshold: 0.8,
  });
  // 3. Refused: 30 more would exceed the 20 left.
  await script.run({ client: 'alice', plan: FREE, cost: 30 });
  o.storeCall?.({ method: 'decide', outcome: 'ok', durationMs: 0.5, failureMode: 'fallback' });
  // 4. Store down: the call times out at 200 ms and the fallback store decides.
  o.storeCall?.({ method: 'decide', outcome: 'timeout', durationMs: 200, failureMode: 'fallback' });
  await script.run({ client: 'bob', plan: PRO, cost: 3 }, script.downEngine);
  // 5. Refused by cost analysis: no quota decision.
  script.costRefusal({ client: 'bob', plan: PRO, cost: 9_000 });
  // 6. The kill switch: everyone blocked for a minute.
  o.killSwitch?.({
    action: 'block',
    scope: 'everyone',
    durationMs: 60_000,
    timeMs: script.nowMs,
    recorded: true,
  });
}
