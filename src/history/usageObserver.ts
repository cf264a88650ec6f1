import type {
  KillSwitchEvent,
  QuotaObserver,
  QuotaOperationEvent,
  StoreCallEvent,
} from '../observability/index.js';
import { MINUTE_MS, type UsageHistory, type UsageRecord } from './UsageHistory.js';

/**
 * The record of a settled operation: what its decision charged, what was refunded, what it really cost, and
 * its refusal code. Nothing was charged when the operation was refused or admitted by the failure mode. The
 * actual cost is the analyzer's when known, else the estimate; a refused operation cost nothing.
 */
export function usageRecordOf(event: QuotaOperationEvent): UsageRecord | null {
  if (event.client === null) return null;
  const { decision } = event;
  const estimated = event.estimatedCost ?? 0;
  const charged = decision !== null && decision.allowed && decision.source !== 'failure-mode' ? estimated : 0;
  const refused = event.result === 'refused';
  const actual = refused ? 0 : (event.actualCost ?? estimated);
  return {
    timeMs: event.timeMs,
    client: { id: event.client.id, anonymous: event.client.anonymous },
    plan: event.client.plan,
    operationName: event.operationName,
    pointsCharged: charged,
    pointsRefunded: charged > 0 && event.actualCost !== null ? Math.max(0, charged - event.actualCost) : 0,
    actualCost: actual,
    refusalCode: refused ? event.code : null,
  };
}

/** One minute of this instance's own activity: store calls, fallback use, refusals a dry run let through. */
export interface ActivityPoint {
  /** The minute's start, Unix epoch milliseconds. */
  readonly timeMs: number;
  /** Calls from the engine to its store. */
  readonly storeCalls: number;
  /** Store calls that failed (threw or rejected). */
  readonly storeErrors: number;
  /** Store calls not answered within the engine's timeout. */
  readonly storeTimeouts: number;
  /** Summed duration of the store calls, milliseconds. */
  readonly storeDurationMs: number;
  /** Decisions taken by the in-memory fallback store. */
  readonly fallbackDecisions: number;
  /** Decisions taken by the failure mode (`allow`/`deny`): no store answered. */
  readonly failureModeDecisions: number;
  /** Operations a dry run let through that enforcement would have refused. */
  readonly dryRunRefusals: number;
}

type MutableActivity = { -readonly [K in keyof ActivityPoint]: ActivityPoint[K] };

/** How many minutes of activity an {@link InstanceActivity} keeps: 24 hours. */
export const ACTIVITY_MINUTES = 1_440;
/** How many kill-switch orders an {@link InstanceActivity} remembers. */
export const KILL_SWITCH_ORDERS = 50;

/**
 * This server instance's activity per minute, for the last 24 hours: store calls and failures, fallback and
 * failure-mode decisions, dry-run refusals, and the last 50 kill-switch orders given here. Fixed memory
 * (at most 1,440 minutes). Store health is an instance's own view: each instance has its own connection.
 */
export class InstanceActivity {
  readonly #minutes = new Map<number, MutableActivity>();
  readonly #orders: KillSwitchEvent[] = [];
  #lastStoreCall: StoreCallEvent | null = null;
  #lastStoreCallMs = 0;
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  #minute(timeMs: number): MutableActivity {
    const minute = Math.floor(timeMs / MINUTE_MS) * MINUTE_MS;
    let point = this.#minutes.get(minute);
    if (point === undefined) {
      const cutoff = minute - ACTIVITY_MINUTES * MINUTE_MS;
      for (const old of this.#minutes.keys()) if (old <= cutoff) this.#minutes.delete(old);
      point = {
        timeMs: minute,
        storeCalls: 0,
        storeErrors: 0,
        storeTimeouts: 0,
        storeDurationMs: 0,
        fallbackDecisions: 0,
        failureModeDecisions: 0,
        dryRunRefusals: 0,
      };
      this.#minutes.set(minute, point);
    }
    return point;
  }

  storeCall(event: StoreCallEvent): void {
    const now = this.#clock();
    const point = this.#minute(now);
    point.storeCalls += 1;
    point.storeDurationMs += event.durationMs;
    if (event.outcome === 'error') point.storeErrors += 1;
    else if (event.outcome === 'timeout') point.storeTimeouts += 1;
    this.#lastStoreCall = event;
    this.#lastStoreCallMs = now;
  }

  decided(event: QuotaOperationEvent): void {
    if (event.source !== 'fallback' && event.source !== 'failure-mode' && event.result !== 'dry-run-refused')
      return;
    const point = this.#minute(event.timeMs);
    if (event.source === 'fallback') point.fallbackDecisions += 1;
    else if (event.source === 'failure-mode') point.failureModeDecisions += 1;
    if (event.result === 'dry-run-refused') point.dryRunRefusals += 1;
  }

  killSwitch(event: KillSwitchEvent): void {
    this.#orders.push(event);
    if (this.#orders.length > KILL_SWITCH_ORDERS) this.#orders.shift();
  }

  /** The minutes of the last 24 hours at or after `fromMs` with any activity, oldest first. */
  minutes(fromMs: number): ActivityPoint[] {
    return [...this.#minutes.values()].filter((p) => p.timeMs >= fromMs).sort((a, b) => a.timeMs - b.timeMs);
  }

  /** The kill-switch orders given through this instance, oldest first (at most 50). */
  orders(): readonly KillSwitchEvent[] {
    return [...this.#orders];
  }

  /** The engine's latest store call and when it ended (Unix epoch milliseconds); null before the first. */
  lastStoreCall(): { readonly event: StoreCallEvent; readonly timeMs: number } | null {
    return this.#lastStoreCall === null
      ? null
      : { event: this.#lastStoreCall, timeMs: this.#lastStoreCallMs };
  }
}

/**
 * The lifecycle observer that keeps a usage history (and, when given, this instance's activity): pass it in
 * the lifecycle's `observers`. It records each operation once, when it is settled; it never throws and
 * allocates one record per operation. `history` null: the activity alone, as with a `RedisStore` that keeps
 * the usage history itself (its `usageHistory` option, read with `RedisUsageHistory`).
 */
export function usageHistoryObserver(
  history: UsageHistory | null,
  activity?: InstanceActivity,
): QuotaObserver {
  const settled =
    history === null
      ? undefined
      : (event: QuotaOperationEvent): void => {
          const record = usageRecordOf(event);
          if (record !== null) history.record(record);
        };
  if (activity === undefined) return settled === undefined ? {} : { settled };
  return {
    ...(settled === undefined ? {} : { settled }),
    decided: (event) => activity.decided(event),
    storeCall: (event) => activity.storeCall(event),
    killSwitch: (event) => activity.killSwitch(event),
  };
}
