import {
  clientOfStoreKey,
  storeKey,
  type RedisStore,
  type RedisUsageBucket,
  type RedisUsageReads,
} from '../store/index.js';
import { invalidOption } from '../quota/index.js';
import {
  HOUR_MS,
  MINUTE_MS,
  type ClientRanking,
  type ClientUsage,
  type HistoryClient,
  type OperationUsage,
  type TimeRange,
  type UsageCounts,
  type UsageHistoryReader,
  type UsagePoint,
  type UsageRetention,
} from './UsageHistory.js';
import { addCounts, addOperationTotals, rankOperations, type OperationTotals } from './counts.js';

/** Options of {@link RedisUsageHistory}. */
export interface RedisUsageHistoryReadOptions {
  /**
   * The clock, Unix epoch milliseconds: which buckets are still kept at one-minute resolution is measured
   * against it. Default `Date.now`; give the store's test clock when it has one.
   */
  readonly clock?: () => number;
}

/** How many clients {@link RedisUsageHistory.topClients} weighs for a ranking other than points charged. */
export const MAX_RANKED_CLIENTS = 1_000;

/**
 * The usage history a {@link RedisStore} writes (its `usageHistory` option), read: the same read API as
 * `MemoryUsageHistory`, so the dashboard shows it unchanged, and every server instance sharing the Redis sees
 * every instance's traffic. Reads cost one script call per client (or for the totals) and per ranking.
 *
 * What Redis holds differs from the memory history in a few documented ways (docs/dashboard.md): the actual
 * cost is the points charged minus the points refunded (an operation that cost more than its estimate counts
 * its estimate, as the quota does); `maxActualCost` is the most points charged to one run; a client's hour
 * that still has minutes kept is read minute by minute, older hours whole; `lastSeenMs` is the start of the
 * client's latest bucket read; and on a Redis Cluster `topClients`, `totals` and the every-client
 * `topOperations` answer empty (a client's own history is complete). Throws a `QuotaValidationError`
 * (`QUOTA_INVALID_OPTION`) when the store's usage history is off.
 */
export class RedisUsageHistory implements UsageHistoryReader {
  readonly retention: UsageRetention;
  readonly #reads: RedisUsageReads;
  readonly #clock: () => number;

  constructor(store: RedisStore, options: RedisUsageHistoryReadOptions = {}) {
    const reads = store.usage;
    if (reads === null)
      invalidOption('RedisUsageHistory', 'the store keeps no usage history: set its usageHistory option');
    this.#reads = reads;
    this.retention = { minuteRetentionMs: reads.minuteRetentionMs, hourRetentionMs: reads.hourRetentionMs };
    this.#clock = options.clock ?? Date.now;
  }

  /** The first hour read minute by minute: minutes before it may have expired. */
  #minutesFrom(): number {
    return Math.ceil((this.#clock() - this.retention.minuteRetentionMs) / HOUR_MS) * HOUR_MS;
  }

  clientHistory(client: HistoryClient, range: TimeRange): Promise<UsagePoint[]> {
    return this.#points(storeKey(client.id, client.anonymous), range);
  }

  totals(range: TimeRange): Promise<UsagePoint[]> {
    return this.#points(null, range);
  }

  /** Hours before the minute boundary, whole; minutes from it on; oldest first. */
  async #points(client: string | null, range: TimeRange): Promise<UsagePoint[]> {
    const boundary = this.#minutesFrom();
    const hours = this.#hours(range, boundary);
    const minutes: number[] = [];
    const first = Math.max(boundary, Math.floor(range.fromMs / MINUTE_MS) * MINUTE_MS);
    for (let m = first; m < range.toMs; m += MINUTE_MS) minutes.push(m);
    const read = await this.#reads.buckets(client, minutes, hours);
    const points: UsagePoint[] = [];
    read.hours.forEach((b, i) => b !== null && points.push(pointOf(b, hours[i]!, HOUR_MS)));
    read.minutes.forEach((b, i) => b !== null && points.push(pointOf(b, minutes[i]!, MINUTE_MS)));
    return points;
  }

  /** The hours overlapping `range`, before `before`, not yet past the hour retention. */
  #hours(range: TimeRange, before = Infinity): number[] {
    const oldest = this.#clock() - this.retention.hourRetentionMs;
    const hours: number[] = [];
    for (let h = Math.floor(range.fromMs / HOUR_MS) * HOUR_MS; h < range.toMs && h < before; h += HOUR_MS)
      if (h + HOUR_MS > oldest) hours.push(h);
    return hours;
  }

  async topClients(range: TimeRange, by: ClientRanking, limit: number): Promise<ClientUsage[]> {
    if (limit <= 0) return [];
    const scores = await this.#reads.ranking(this.#hours(range));
    // The hours' points charged choose the candidates; the numbers shown are the range's own.
    const keys = [...scores]
      .sort((a, b) => b[1] - a[1])
      .slice(0, by === 'pointsCharged' ? limit * 2 + 10 : MAX_RANKED_CLIENTS)
      .map(([key]) => key);
    const usages = await Promise.all(keys.map((key) => this.#clientUsage(key, range)));
    return usages
      .filter((u): u is ClientUsage => u !== null && u.operations > 0)
      .sort((a, b) => b[by] - a[by] || b.lastSeenMs - a.lastSeenMs)
      .slice(0, limit);
  }

  /** A client's totals over `range`: whole hours, and the minutes of the hours it cuts where still kept. */
  async #clientUsage(key: string, range: TimeRange): Promise<ClientUsage | null> {
    const client = clientOfStoreKey(key);
    if (client === null) return null;
    const boundary = this.#minutesFrom();
    const hours = this.#hours(range);
    const minutes: number[] = [];
    for (const h of hours) {
      if ((h >= range.fromMs && h + HOUR_MS <= range.toMs) || h < boundary) continue;
      for (let m = Math.max(h, range.fromMs); m < Math.min(h + HOUR_MS, range.toMs); m += MINUTE_MS)
        minutes.push(Math.floor(m / MINUTE_MS) * MINUTE_MS);
    }
    const read = await this.#reads.buckets(key, minutes, hours);
    const sum = emptyCounts();
    let plan = '';
    let lastSeenMs = 0;
    const cut = new Set(minutes.map((m) => Math.floor(m / HOUR_MS) * HOUR_MS));
    read.hours.forEach((b, i) => {
      if (b === null) return;
      const hour = hours[i]!;
      if (b.plan !== null) plan = b.plan;
      if (cut.has(hour)) return;
      add(sum, b);
      if (b.operations > 0) lastSeenMs = Math.max(lastSeenMs, hour);
    });
    read.minutes.forEach((b, i) => {
      if (b === null) return;
      add(sum, b);
      if (b.operations > 0) lastSeenMs = Math.max(lastSeenMs, minutes[i]!);
    });
    return { ...sum, client, plan, lastSeenMs };
  }

  async topOperations(range: TimeRange, limit: number, client?: HistoryClient): Promise<OperationUsage[]> {
    const key = client === undefined ? null : storeKey(client.id, client.anonymous);
    const hours = this.#hours(range);
    const read = await this.#reads.buckets(key, [], hours);
    const sums = new Map<string, OperationTotals>();
    for (const bucket of read.hours) {
      for (const [name, op] of bucket?.byOperation ?? [])
        addOperationTotals(sums, name, {
          operations: op.operations,
          pointsCharged: op.pointsCharged,
          actualCost: op.pointsCharged - op.pointsRefunded,
          maxActualCost: op.maxCharged,
        });
    }
    return rankOperations(sums, limit);
  }
}

function emptyCounts(): UsageCounts {
  return { operations: 0, pointsCharged: 0, pointsRefunded: 0, actualCost: 0, refused: 0, refusals: null };
}

function add(sum: UsageCounts, b: RedisUsageBucket): void {
  addCounts(sum, pointOf(b, 0, 0));
}

/** A stored bucket as read: the actual cost is what was charged less what was refunded. */
function pointOf(b: RedisUsageBucket, timeMs: number, durationMs: number): UsagePoint {
  let refused = 0;
  for (const n of Object.values(b.refusals ?? {})) refused += n;
  return {
    timeMs,
    durationMs,
    operations: b.operations,
    pointsCharged: b.pointsCharged,
    pointsRefunded: b.pointsRefunded,
    actualCost: b.pointsCharged - b.pointsRefunded,
    refused,
    refusals: b.refusals === null ? null : { ...b.refusals },
  };
}
