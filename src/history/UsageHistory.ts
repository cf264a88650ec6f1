/**
 * Usage history: per client and per minute, what was charged, what operations really cost, how many
 * operations ran and which were refused, why. The vocabulary of the history stores and of their readers (the
 * dashboard, or any report). The cost terms are IBM's and Apollo's (`cost.estimated`, `cost.actual`).
 */

/** Who a history belongs to: a client as the request lifecycle resolved it. */
export interface HistoryClient {
  /** The client id `identify` returned, or the anonymous key. */
  readonly id: string;
  readonly anonymous: boolean;
}

/** One operation, as a history store records it (the lifecycle's settled operation, reduced). */
export interface UsageRecord {
  /** When the operation was decided, Unix epoch milliseconds: it is counted in that minute. */
  readonly timeMs: number;
  readonly client: HistoryClient;
  /** The client's plan name. */
  readonly plan: string;
  /** The operation's name; null for an anonymous operation. */
  readonly operationName: string | null;
  /** Points charged to the client's limits at the decision (the estimate); 0 when nothing was charged. */
  readonly pointsCharged: number;
  /** Points given back at settlement (estimate minus actual, never negative); 0 when none. */
  readonly pointsRefunded: number;
  /** The actual cost in points (`cost.actual`); the estimate when unknown; 0 for a refused operation. */
  readonly actualCost: number;
  /** The refusal code (`QUOTA_EXCEEDED`...) when the operation was refused; null when it ran. */
  readonly refusalCode: string | null;
}

/** The numbers of one history bucket (a minute, or an hour once minutes have been rolled up). */
export interface UsageCounts {
  /** Operations decided (admitted or refused). */
  operations: number;
  /** Points charged at decisions, before refunds. */
  pointsCharged: number;
  /** Points refunded at settlements. */
  pointsRefunded: number;
  /** Actual cost of the operations, in points. */
  actualCost: number;
  /** Refused operations. */
  refused: number;
  /** Refused operations by refusal code; null when none. */
  refusals: Record<string, number> | null;
}

/** One bucket of a history, as read. */
export interface UsagePoint extends Readonly<UsageCounts> {
  /** The bucket's start, Unix epoch milliseconds (a whole minute or hour). */
  readonly timeMs: number;
  /** The bucket's length: 60,000 (a minute) or 3,600,000 (an hour, for data older than the minute retention). */
  readonly durationMs: number;
}

/** A client's totals over a time range, for rankings. */
export interface ClientUsage extends Readonly<UsageCounts> {
  readonly client: HistoryClient;
  /** The plan of its latest recorded operation. */
  readonly plan: string;
  /** When its latest operation was decided, Unix epoch milliseconds. */
  readonly lastSeenMs: number;
}

/** An operation's totals over a time range (hourly resolution). */
export interface OperationUsage {
  /** The operation's name; null for anonymous operations. */
  readonly operationName: string | null;
  readonly operations: number;
  readonly pointsCharged: number;
  readonly actualCost: number;
  /** The costliest single run, actual cost in points. */
  readonly maxActualCost: number;
}

/** A time range, Unix epoch milliseconds: `fromMs` included, `toMs` excluded. */
export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** What {@link UsageHistoryReader.topClients} ranks by. */
export type ClientRanking = 'pointsCharged' | 'actualCost' | 'operations' | 'refused';

/** Reads a usage history. Asynchronous, so that a shared store (Redis) can implement it. */
export interface UsageHistoryReader {
  /** The client's buckets over `range`, oldest first; buckets without any operation are absent. */
  clientHistory(client: HistoryClient, range: TimeRange): Promise<UsagePoint[]>;
  /** The `limit` clients with the most `by` over `range`, most first (ties: most recently seen first). */
  topClients(range: TimeRange, by: ClientRanking, limit: number): Promise<ClientUsage[]>;
  /**
   * The `limit` operations with the highest actual cost over `range` (of one client, or of all), costliest
   * first. Operation totals are kept per hour: `range` is widened to whole hours.
   */
  topOperations(range: TimeRange, limit: number, client?: HistoryClient): Promise<OperationUsage[]>;
  /** Every client's operations summed per bucket over `range`, oldest first. */
  totals(range: TimeRange): Promise<UsagePoint[]>;
}

/** A usage history: written once per operation, read by the dashboard. */
export interface UsageHistory extends UsageHistoryReader {
  /** Records one operation. Synchronous and cheap: called on the request path; never throws on a record. */
  record(record: UsageRecord): void;
  /** The retention in force. */
  readonly retention: UsageRetention;
}

/** How long a history keeps what. */
export interface UsageRetention {
  /** How long one-minute buckets are kept, in milliseconds; older minutes are rolled up into hours. */
  readonly minuteRetentionMs: number;
  /** How long hourly buckets (and operation totals) are kept, in milliseconds. */
  readonly hourRetentionMs: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

// The defaults both history stores share (the store layer's, so that the Redis store's script uses them too).
export {
  DEFAULT_HISTORY_MAX_OPERATION_NAMES,
  DEFAULT_HOUR_RETENTION_MS,
  DEFAULT_MINUTE_RETENTION_MS,
  OTHER_OPERATIONS,
} from '../store/index.js';
/** Default number of clients a {@link MemoryUsageHistory} keeps (least recently active dropped first). */
export const DEFAULT_HISTORY_MAX_CLIENTS = 1_000;
