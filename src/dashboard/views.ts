/**
 * What the dashboard's two views show, as plain JSON: the numbers are computed here, from the store (`peek`,
 * through the lifecycle) and the usage history; the page only draws them.
 */
import type { Limit, Plan } from '../quota/index.js';
import type { KillSwitchEvent, QuotaLimitState, QuotaState } from '../observability/index.js';
import {
  MINUTE_MS,
  type ActivityPoint,
  type ClientUsage,
  type HistoryClient,
  type InstanceActivity,
  type OperationUsage,
  type UsageHistoryReader,
  type UsagePoint,
} from '../history/index.js';
import type { DashboardQuota } from './options.js';

/** The range a view covers (whole minutes, the current one included) and the time it is read at. */
export interface ViewRange {
  readonly fromMs: number;
  readonly toMs: number;
  readonly nowMs: number;
}

/** What the views read of the quota (nothing that depends on the server's context type). */
type ViewQuota = Pick<DashboardQuota, 'mode' | 'engine' | 'readClientQuota'>;

/** A limit as a view shows it: the store's state and whether it is near its limit. */
export interface LimitView extends QuotaLimitState {
  /** `used / limit`, 0 to 1 (or more, for a bucket in debt). */
  readonly ratio: number;
  /** True when `ratio` is at least the dashboard's `nearLimitRatio`. */
  readonly near: boolean;
}

/** Dense per-minute series over the view's range: `timeMs[i]` is the minute of every other array's `[i]`. */
export interface UsageSeries {
  readonly timeMs: number[];
  readonly operations: number[];
  readonly pointsCharged: number[];
  readonly actualCost: number[];
  readonly refused: number[];
}

/** A limit's usage over time, recomputed from the history, against its limit line. */
export interface LimitSeries {
  readonly name: string;
  readonly limit: number;
  readonly counts: string;
  /** Usage at the end of each minute of {@link UsageSeries.timeMs}. */
  readonly used: number[];
}

export interface Totals {
  readonly operations: number;
  readonly pointsCharged: number;
  readonly pointsRefunded: number;
  readonly actualCost: number;
  readonly refused: number;
}

/** The partner view: one client's own quota and history. */
export interface PartnerView {
  readonly client: { readonly id: string; readonly plan: string };
  readonly mode: string;
  readonly nowMs: number;
  readonly fromMs: number;
  readonly available: boolean;
  readonly blocked: boolean;
  readonly limits: LimitView[];
  readonly series: UsageSeries;
  readonly limitSeries: LimitSeries[];
  readonly refusals: Record<string, number>;
  readonly totals: Totals;
  readonly topOperations: OperationUsage[];
}

/** A client row of the operator view. */
export interface ClientRow extends ClientUsage {
  readonly blocked: boolean;
  readonly available: boolean;
  readonly limits: LimitView[];
  /** The highest `ratio` of its limits. */
  readonly ratio: number;
  readonly near: boolean;
}

/** The operator view: every client, the refusal rate, the store's health, the kill switch. */
export interface OperatorView {
  readonly mode: string;
  readonly nowMs: number;
  readonly fromMs: number;
  readonly store: {
    readonly name: string;
    readonly onStoreFailure: string;
    readonly timeoutMs: number;
    readonly lastCall: {
      readonly outcome: string;
      readonly durationMs: number;
      readonly timeMs: number;
    } | null;
  };
  readonly clients: ClientRow[];
  readonly series: UsageSeries;
  readonly activity: { readonly [K in keyof ActivityPoint]: number[] } | null;
  readonly refusals: Record<string, number>;
  readonly totals: Totals;
  readonly topOperations: OperationUsage[];
  readonly orders: readonly KillSwitchEvent[];
}

export function limitViews(state: QuotaState, nearLimitRatio: number): LimitView[] {
  return state.limits.map((limit) => {
    const ratio = limit.limit > 0 ? limit.used / limit.limit : 0;
    return { ...limit, ratio, near: ratio >= nearLimitRatio };
  });
}

/** Dense minutes from `fromMs` to `toMs`; an hourly point (older than the minute retention) lands on its hour. */
export function denseSeries(points: readonly UsagePoint[], fromMs: number, toMs: number): UsageSeries {
  const start = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS;
  const n = Math.max(0, Math.ceil((toMs - start) / MINUTE_MS));
  const series: UsageSeries = {
    timeMs: Array.from({ length: n }, (_, i) => start + i * MINUTE_MS),
    operations: new Array<number>(n).fill(0),
    pointsCharged: new Array<number>(n).fill(0),
    actualCost: new Array<number>(n).fill(0),
    refused: new Array<number>(n).fill(0),
  };
  for (const point of points) {
    const i = Math.floor((Math.max(point.timeMs, start) - start) / MINUTE_MS);
    if (i < 0 || i >= n) continue;
    series.operations[i]! += point.operations;
    series.pointsCharged[i]! += point.pointsCharged - point.pointsRefunded;
    series.actualCost[i]! += point.actualCost;
    series.refused[i]! += point.refused;
  }
  return series;
}

/**
 * A limit's usage at the end of each minute, replayed from the history: a fixed window sums what it counts
 * (net points, or admitted operations) since its window began (clock-aligned); a token bucket drains at its
 * rate per minute. Concurrency limits have no series (slots are not history). Every operation type counts.
 */
export function limitSeries(plan: Plan, series: UsageSeries): LimitSeries[] {
  const out: LimitSeries[] = [];
  for (const limit of plan.limits) {
    if (limit.kind === 'concurrency') continue;
    const counts = limit.counts ?? (limit.kind === 'fixed-window' ? 'cost' : 'requests');
    const quantity = (i: number) =>
      counts === 'cost' ? series.pointsCharged[i]! : series.operations[i]! - series.refused[i]!;
    out.push({
      name: limit.name,
      limit: capacityOf(limit),
      counts,
      used: replay(limit, series.timeMs, quantity),
    });
  }
  return out;
}

function capacityOf(limit: Exclude<Limit, { kind: 'concurrency' }>): number {
  return limit.kind === 'fixed-window' ? limit.limit : limit.burst;
}

function replay(
  limit: Exclude<Limit, { kind: 'concurrency' }>,
  timeMs: readonly number[],
  quantity: (i: number) => number,
): number[] {
  const used = new Array<number>(timeMs.length);
  let level = 0;
  let window = Number.NaN;
  for (let i = 0; i < timeMs.length; i++) {
    if (limit.kind === 'fixed-window') {
      const current = Math.floor(timeMs[i]! / limit.windowMs);
      if (current !== window) [window, level] = [current, 0];
      level += quantity(i);
    } else {
      const drained = (limit.rate * MINUTE_MS) / (limit.periodMs ?? 1000);
      level = Math.min(limit.burst, Math.max(0, level - drained) + quantity(i));
    }
    used[i] = level;
  }
  return used;
}

function totalsOf(points: readonly UsagePoint[]): { totals: Totals; refusals: Record<string, number> } {
  const totals = { operations: 0, pointsCharged: 0, pointsRefunded: 0, actualCost: 0, refused: 0 };
  const refusals: Record<string, number> = {};
  for (const p of points) {
    totals.operations += p.operations;
    totals.pointsCharged += p.pointsCharged;
    totals.pointsRefunded += p.pointsRefunded;
    totals.actualCost += p.actualCost;
    totals.refused += p.refused;
    for (const [code, n] of Object.entries(p.refusals ?? {})) refusals[code] = (refusals[code] ?? 0) + n;
  }
  return { totals, refusals };
}

export async function partnerView(
  quota: ViewQuota,
  history: UsageHistoryReader,
  client: HistoryClient & { readonly plan: Plan },
  state: QuotaState,
  range: ViewRange,
  nearLimitRatio: number,
): Promise<PartnerView> {
  const points = await history.clientHistory(client, range);
  const series = denseSeries(points, range.fromMs, range.toMs);
  return {
    client: { id: client.id, plan: state.plan },
    mode: quota.mode,
    nowMs: range.nowMs,
    fromMs: range.fromMs,
    available: state.available,
    blocked: state.blocked,
    limits: limitViews(state, nearLimitRatio),
    series,
    limitSeries: limitSeries(client.plan, series),
    ...totalsOf(points),
    topOperations: await history.topOperations(range, 10, client),
  };
}

/** How many of the busiest clients the operator view peeks at (one store read each). */
export const OPERATOR_CLIENTS = 50;

export async function operatorView(
  quota: ViewQuota,
  history: UsageHistoryReader,
  activity: InstanceActivity | null,
  range: ViewRange,
  nearLimitRatio: number,
): Promise<OperatorView> {
  const busiest = await history.topClients(range, 'pointsCharged', OPERATOR_CLIENTS);
  const clients = await Promise.all(
    busiest.map(async (usage): Promise<ClientRow> => {
      const state = await quota.readClientQuota(usage.client, usage.plan);
      const limits = state === null ? [] : limitViews(state, nearLimitRatio);
      const ratio = Math.max(0, ...limits.map((l) => l.ratio));
      return {
        ...usage,
        blocked: state?.blocked ?? false,
        available: state?.available ?? false,
        limits,
        ratio,
        near: ratio >= nearLimitRatio,
      };
    }),
  );
  clients.sort((a, b) => b.ratio - a.ratio || b.pointsCharged - a.pointsCharged);
  const points = await history.totals(range);
  const series = denseSeries(points, range.fromMs, range.toMs);
  const last = activity?.lastStoreCall() ?? null;
  const engine = quota.engine;
  return {
    mode: quota.mode,
    nowMs: range.nowMs,
    fromMs: range.fromMs,
    store: {
      name: engine.store.constructor.name,
      onStoreFailure: engine.onStoreFailure,
      timeoutMs: engine.timeoutMs,
      lastCall:
        last === null
          ? null
          : { outcome: last.event.outcome, durationMs: last.event.durationMs, timeMs: last.timeMs },
    },
    clients,
    series,
    activity: activity === null ? null : activityColumns(activity.minutes(range.fromMs), series.timeMs),
    ...totalsOf(points),
    topOperations: await history.topOperations(range, 10),
    orders: activity?.orders() ?? [],
  };
}

/** The instance's activity on the view's minute grid (zeros where nothing happened). */
function activityColumns(
  points: readonly ActivityPoint[],
  timeMs: readonly number[],
): { [K in keyof ActivityPoint]: number[] } {
  const byMinute = new Map(points.map((p) => [p.timeMs, p]));
  const column = <K extends keyof ActivityPoint>(key: K) => timeMs.map((t) => byMinute.get(t)?.[key] ?? 0);
  return {
    timeMs: [...timeMs],
    storeCalls: column('storeCalls'),
    storeErrors: column('storeErrors'),
    storeTimeouts: column('storeTimeouts'),
    storeDurationMs: column('storeDurationMs'),
    fallbackDecisions: column('fallbackDecisions'),
    failureModeDecisions: column('failureModeDecisions'),
    dryRunRefusals: column('dryRunRefusals'),
  };
}
