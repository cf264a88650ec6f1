import { LRUCache } from 'lru-cache';
import { invalidOption } from '../quota/index.js';
import { historyOperationName } from '../store/index.js';
import {
  DEFAULT_HISTORY_MAX_CLIENTS,
  DEFAULT_HISTORY_MAX_OPERATION_NAMES,
  DEFAULT_HOUR_RETENTION_MS,
  DEFAULT_MINUTE_RETENTION_MS,
  HOUR_MS,
  MINUTE_MS,
  OTHER_OPERATIONS,
  type ClientRanking,
  type ClientUsage,
  type HistoryClient,
  type OperationUsage,
  type TimeRange,
  type UsageCounts,
  type UsageHistory,
  type UsagePoint,
  type UsageRecord,
  type UsageRetention,
} from './UsageHistory.js';
import { addCounts, addOperationTotals, rankOperations, type OperationTotals } from './counts.js';

/** Options of {@link MemoryUsageHistory}. */
export interface MemoryUsageHistoryOptions {
  /** One-minute buckets are kept this long, in milliseconds, then rolled up into hours. Default 7 days. */
  readonly minuteRetentionMs?: number;
  /** Hourly buckets and operation totals are kept this long, in milliseconds. Default 90 days. */
  readonly hourRetentionMs?: number;
  /** The most clients kept; the least recently active is dropped first. Default 1,000. */
  readonly maxClients?: number;
  /** Distinct operation names kept per client and hour; others count as `(other)`. Default 50. */
  readonly maxOperationNames?: number;
  /** The clock, Unix epoch milliseconds (retention is measured against it). Default `Date.now`. */
  readonly clock?: () => number;
}

/** A bucket: the counts, mutable (one object per client-minute; see the docs for its size). */
class Bucket implements UsageCounts {
  operations = 0;
  pointsCharged = 0;
  pointsRefunded = 0;
  actualCost = 0;
  refused = 0;
  refusals: Record<string, number> | null = null;

  add(counts: UsageCounts): void {
    addCounts(this, counts);
  }

  record(record: UsageRecord): void {
    this.operations += 1;
    this.pointsCharged += record.pointsCharged;
    this.pointsRefunded += record.pointsRefunded;
    this.actualCost += record.actualCost;
    if (record.refusalCode !== null) {
      this.refused += 1;
      this.refuse(record.refusalCode, 1);
    }
  }

  refuse(code: string, n: number): void {
    const refusals = (this.refusals ??= {});
    refusals[code] = (refusals[code] ?? 0) + n;
  }

  point(timeMs: number, durationMs: number): UsagePoint {
    return {
      timeMs,
      durationMs,
      operations: this.operations,
      pointsCharged: this.pointsCharged,
      pointsRefunded: this.pointsRefunded,
      actualCost: this.actualCost,
      refused: this.refused,
      refusals: this.refusals === null ? null : { ...this.refusals },
    };
  }
}

/** One client's history. Maps are in insertion order, which is time order but for rare late records. */
class ClientHistory {
  plan = '';
  lastSeenMs = 0;
  readonly minutes = new Map<number, Bucket>();
  readonly hours = new Map<number, Bucket>();
  readonly operations = new Map<number, Map<string, OperationTotals>>();
  constructor(readonly client: HistoryClient) {}
}

const KEY_SEPARATOR = '\u0000';
const keyOf = (client: HistoryClient): string =>
  `${client.anonymous ? 'a' : 'i'}${KEY_SEPARATOR}${client.id}`;
/** Anonymous operations in the operation totals (a Map key cannot be null and no GraphQL name is empty). */
const ANONYMOUS_OPERATION = '';

function positiveInteger(owner: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) invalidOption(owner, `${name} must be a positive integer`);
  return value;
}

/**
 * A usage history in this process's memory: per client, one-minute buckets for `minuteRetentionMs` (7
 * days), rolled up into hourly buckets kept for `hourRetentionMs` (90 days), plus per-hour operation totals;
 * at most `maxClients` clients (least recently active dropped first). Every server instance keeps its own:
 * with several instances, each page shows its own instance's traffic. Throws a `QuotaValidationError`
 * (`QUOTA_INVALID_OPTION`) on a malformed option.
 */
export class MemoryUsageHistory implements UsageHistory {
  readonly retention: UsageRetention;
  readonly #clients: LRUCache<string, ClientHistory>;
  readonly #totals = new ClientHistory({ id: '', anonymous: false });
  readonly #maxOperationNames: number;
  readonly #clock: () => number;

  constructor(options: MemoryUsageHistoryOptions = {}) {
    const owner = 'MemoryUsageHistory';
    const minuteRetentionMs = positiveInteger(
      owner,
      'minuteRetentionMs',
      options.minuteRetentionMs,
      DEFAULT_MINUTE_RETENTION_MS,
    );
    const hourRetentionMs = positiveInteger(
      owner,
      'hourRetentionMs',
      options.hourRetentionMs,
      DEFAULT_HOUR_RETENTION_MS,
    );
    if (hourRetentionMs < minuteRetentionMs)
      invalidOption(owner, 'hourRetentionMs must be at least minuteRetentionMs');
    this.retention = { minuteRetentionMs, hourRetentionMs };
    this.#clients = new LRUCache({
      max: positiveInteger(owner, 'maxClients', options.maxClients, DEFAULT_HISTORY_MAX_CLIENTS),
    });
    this.#maxOperationNames = positiveInteger(
      owner,
      'maxOperationNames',
      options.maxOperationNames,
      DEFAULT_HISTORY_MAX_OPERATION_NAMES,
    );
    this.#clock = options.clock ?? Date.now;
  }

  record(record: UsageRecord): void {
    const key = keyOf(record.client);
    let history = this.#clients.get(key);
    if (history === undefined) this.#clients.set(key, (history = new ClientHistory(record.client)));
    history.plan = record.plan;
    history.lastSeenMs = Math.max(history.lastSeenMs, record.timeMs);
    const minute = Math.floor(record.timeMs / MINUTE_MS) * MINUTE_MS;
    this.#bucket(history, minute).record(record);
    this.#bucket(this.#totals, minute).record(record);
    this.#countOperation(history, record);
  }

  /** The minute's bucket, made (after expiring what has aged out) when it is the first record in it. */
  #bucket(history: ClientHistory, minute: number): Bucket {
    let bucket = history.minutes.get(minute);
    if (bucket === undefined) {
      this.#expire(history, this.#clock());
      history.minutes.set(minute, (bucket = new Bucket()));
    }
    return bucket;
  }

  #countOperation(history: ClientHistory, record: UsageRecord): void {
    const hour = Math.floor(record.timeMs / HOUR_MS) * HOUR_MS;
    let names = history.operations.get(hour);
    if (names === undefined) history.operations.set(hour, (names = new Map<string, OperationTotals>()));
    let name = historyOperationName(record.operationName) ?? ANONYMOUS_OPERATION;
    let totals = names.get(name);
    if (totals === undefined) {
      if (names.size >= this.#maxOperationNames) name = OTHER_OPERATIONS;
      totals = names.get(name);
      if (totals === undefined)
        names.set(name, (totals = { operations: 0, pointsCharged: 0, actualCost: 0, maxActualCost: 0 }));
    }
    totals.operations += 1;
    totals.pointsCharged += record.pointsCharged;
    totals.actualCost += record.actualCost;
    totals.maxActualCost = Math.max(totals.maxActualCost, record.actualCost);
  }

  /** Rolls minutes older than the minute retention into hours; drops hours older than the hour retention. */
  #expire(history: ClientHistory, nowMs: number): void {
    const minuteCutoff = nowMs - this.retention.minuteRetentionMs;
    const hourCutoff = nowMs - this.retention.hourRetentionMs;
    // Minutes are in time order (but for a rare late record, which then expires at a later pass): stop at
    // the first one to keep, so a new minute costs what it expires, not a walk over 7 days of minutes.
    for (const [minute, bucket] of history.minutes) {
      if (minute >= minuteCutoff) break;
      history.minutes.delete(minute);
      const hour = Math.floor(minute / HOUR_MS) * HOUR_MS;
      let hourly = history.hours.get(hour);
      if (hourly === undefined) history.hours.set(hour, (hourly = new Bucket()));
      hourly.add(bucket);
    }
    for (const hour of history.hours.keys()) {
      if (hour + HOUR_MS > hourCutoff) break;
      history.hours.delete(hour);
    }
    for (const hour of history.operations.keys()) {
      if (hour + HOUR_MS > hourCutoff) break;
      history.operations.delete(hour);
    }
  }

  clientHistory(client: HistoryClient, range: TimeRange): Promise<UsagePoint[]> {
    const history = this.#clients.peek(keyOf(client));
    return Promise.resolve(history === undefined ? [] : pointsOf(history, range));
  }

  totals(range: TimeRange): Promise<UsagePoint[]> {
    return Promise.resolve(pointsOf(this.#totals, range));
  }

  topClients(range: TimeRange, by: ClientRanking, limit: number): Promise<ClientUsage[]> {
    const ranked: ClientUsage[] = [];
    for (const history of this.#clients.values()) {
      const sum = new Bucket();
      for (const point of pointsOf(history, range)) sum.add(point);
      if (sum.operations === 0) continue;
      const { timeMs: _time, durationMs: _duration, ...counts } = sum.point(0, 0);
      ranked.push({ ...counts, client: history.client, plan: history.plan, lastSeenMs: history.lastSeenMs });
    }
    ranked.sort((a, b) => b[by] - a[by] || b.lastSeenMs - a.lastSeenMs);
    return Promise.resolve(ranked.slice(0, Math.max(0, limit)));
  }

  topOperations(range: TimeRange, limit: number, client?: HistoryClient): Promise<OperationUsage[]> {
    const histories =
      client === undefined ? [...this.#clients.values()] : [this.#clients.peek(keyOf(client))];
    const sums = new Map<string, OperationTotals>();
    for (const history of histories) {
      if (history === undefined) continue;
      for (const [hour, names] of history.operations) {
        if (hour + HOUR_MS <= range.fromMs || hour >= range.toMs) continue;
        for (const [name, totals] of names) addOperationTotals(sums, name, totals);
      }
    }
    return Promise.resolve(rankOperations(sums, limit));
  }
}

/** A history's buckets over a range, oldest first: hours (rolled up) before minutes. */
function pointsOf(history: ClientHistory, range: TimeRange): UsagePoint[] {
  const points: UsagePoint[] = [];
  for (const [hour, bucket] of history.hours)
    if (hour + HOUR_MS > range.fromMs && hour < range.toMs) points.push(bucket.point(hour, HOUR_MS));
  for (const [minute, bucket] of history.minutes)
    if (minute >= range.fromMs - (range.fromMs % MINUTE_MS) && minute < range.toMs)
      points.push(bucket.point(minute, MINUTE_MS));
  return points.sort((a, b) => a.timeMs - b.timeMs);
}
