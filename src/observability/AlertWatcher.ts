import type { QuotaObserver, QuotaOperationEvent, StoreCallEvent } from './events.js';
import { invalidOption } from '../quota/index.js';

/** What an alert watches. */
export type AlertKind =
  /** Refused operations (dry-run "would refuse" included) over decided operations. */
  | 'refusals'
  /** Responses with a 5xx status over responses. */
  | 'server-errors'
  /** Store calls that failed or timed out over store calls. */
  | 'store-failures'
  /** Decisions taken by the in-memory fallback store over quota decisions. */
  | 'fallback';

/** An alert crossing its threshold (`firing`) or coming back under it (`resolved`): Alertmanager's statuses. */
export interface QuotaAlert {
  readonly kind: AlertKind;
  readonly status: 'firing' | 'resolved';
  /** The rate over the window when the alert changed, in [0, 1]; 0 when the window holds no events. */
  readonly rate: number;
  /** The configured threshold, in (0, 1]. */
  readonly threshold: number;
  /** Events of the kind counted in the window (refusals, 5xx responses...). */
  readonly count: number;
  /** Events the rate is taken over (decided operations, responses, store calls, quota decisions). */
  readonly total: number;
  readonly windowMs: number;
  /** When the alert changed, Unix epoch milliseconds (the watcher's clock). */
  readonly atMs: number;
  /** When the alert started firing, Unix epoch milliseconds (for `resolved`: the start of the episode). */
  readonly startsAtMs: number;
}

/** Rates (fractions in (0, 1]) at or above which each alert fires; a kind left out is not watched. */
export interface AlertThresholds {
  readonly refusals?: number;
  readonly serverErrors?: number;
  readonly storeFailures?: number;
  readonly fallback?: number;
}

/** Default {@link AlertWatcherOptions.windowMs}: one minute. */
export const DEFAULT_ALERT_WINDOW_MS = 60_000;
/** Default {@link AlertWatcherOptions.buckets}. */
export const DEFAULT_ALERT_BUCKETS = 12;
/** Default {@link AlertWatcherOptions.minEvents}. */
export const DEFAULT_ALERT_MIN_EVENTS = 20;

/** Options of {@link AlertWatcher}. */
export interface AlertWatcherOptions {
  /** The rates that fire each alert. At least one. */
  readonly thresholds: AlertThresholds;
  /**
   * Called when an alert fires and again when it resolves, synchronously. A throw is caught and ignored: feed
   * slow work (a webhook) to a queue or a promise, as docs/observability.md shows.
   */
  readonly onAlert: (alert: QuotaAlert) => void;
  /** The rolling window, milliseconds; a positive integer. Default {@link DEFAULT_ALERT_WINDOW_MS} (60,000). */
  readonly windowMs?: number;
  /**
   * How many buckets the window is kept in: the window rolls forward one bucket (`windowMs / buckets`) at a
   * time. Memory is this many sets of seven counters, whatever the traffic. Default
   * {@link DEFAULT_ALERT_BUCKETS} (12: five-second steps in a minute).
   */
  readonly buckets?: number;
  /**
   * The fewest events a rate is taken over before its alert may fire (one refusal in two operations is no
   * incident). Default {@link DEFAULT_ALERT_MIN_EVENTS} (20).
   */
  readonly minEvents?: number;
  /** Current time in Unix epoch milliseconds. Default `Date.now`. Inject one in tests. */
  readonly clock?: () => number;
}

// Counter slots of a bucket.
const OPERATIONS = 0;
const REFUSALS = 1;
const RESPONSES = 2;
const SERVER_ERRORS = 3;
const STORE_CALLS = 4;
const STORE_FAILURES = 5;
const QUOTA_DECISIONS = 6;
const FALLBACK_DECISIONS = 7;
const SLOTS = 8;

const WATCHED: readonly { kind: AlertKind; option: keyof AlertThresholds; count: number; total: number }[] = [
  { kind: 'refusals', option: 'refusals', count: REFUSALS, total: OPERATIONS },
  { kind: 'server-errors', option: 'serverErrors', count: SERVER_ERRORS, total: RESPONSES },
  { kind: 'store-failures', option: 'storeFailures', count: STORE_FAILURES, total: STORE_CALLS },
  { kind: 'fallback', option: 'fallback', count: FALLBACK_DECISIONS, total: QUOTA_DECISIONS },
];

interface Watch {
  readonly kind: AlertKind;
  readonly threshold: number;
  readonly count: number;
  readonly total: number;
  firingSinceMs: number | null;
}

/**
 * A rolling-window alert watcher for one process: an observer that counts refusals, 5xx responses, store
 * failures and fallback decisions in a window of fixed buckets (bounded memory), and calls `onAlert` when a
 * rate reaches its threshold and again when it drops back below. Rates are checked on each event; call
 * {@link check} on a timer to see recovery when traffic stops. Throws a `QuotaValidationError`
 * (`QUOTA_INVALID_OPTION`) on malformed options.
 */
export class AlertWatcher implements QuotaObserver {
  readonly windowMs: number;
  readonly #bucketMs: number;
  readonly #counts: Float64Array;
  readonly #epochs: Float64Array;
  readonly #buckets: number;
  readonly #watches: Watch[];
  readonly #minEvents: number;
  readonly #clock: () => number;
  readonly #onAlert: (alert: QuotaAlert) => void;

  constructor(options: AlertWatcherOptions) {
    if (typeof options !== 'object' || options === null)
      invalidOption('AlertWatcher', 'options must be an object');
    if (typeof options.onAlert !== 'function') invalidOption('AlertWatcher', 'onAlert must be a function');
    const windowMs = options.windowMs ?? DEFAULT_ALERT_WINDOW_MS;
    const buckets = options.buckets ?? DEFAULT_ALERT_BUCKETS;
    const minEvents = options.minEvents ?? DEFAULT_ALERT_MIN_EVENTS;
    for (const [name, value] of [
      ['windowMs', windowMs],
      ['buckets', buckets],
      ['minEvents', minEvents],
    ] as const) {
      if (!Number.isSafeInteger(value) || value <= 0)
        invalidOption('AlertWatcher', `${name} must be a positive integer, got ${String(value)}`);
    }
    if (windowMs % buckets !== 0)
      invalidOption('AlertWatcher', `windowMs (${windowMs}) must be a multiple of buckets (${buckets})`);
    if (options.clock !== undefined && typeof options.clock !== 'function')
      invalidOption('AlertWatcher', 'clock must be a function returning Unix epoch milliseconds');
    const thresholds = options.thresholds ?? {};
    this.#watches = [];
    for (const w of WATCHED) {
      const threshold = thresholds[w.option];
      if (threshold === undefined) continue;
      if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1))
        invalidOption('AlertWatcher', `thresholds.${w.option} must be in (0, 1], got ${String(threshold)}`);
      this.#watches.push({ kind: w.kind, threshold, count: w.count, total: w.total, firingSinceMs: null });
    }
    if (this.#watches.length === 0)
      invalidOption(
        'AlertWatcher',
        'thresholds must set at least one of refusals, serverErrors, storeFailures, fallback',
      );
    this.windowMs = windowMs;
    this.#buckets = buckets;
    this.#bucketMs = windowMs / buckets;
    this.#counts = new Float64Array(buckets * SLOTS);
    this.#epochs = new Float64Array(buckets).fill(-1);
    this.#minEvents = minEvents;
    this.#clock = options.clock ?? Date.now;
    this.#onAlert = options.onAlert;
  }

  readonly decided = (event: QuotaOperationEvent): void => {
    const at = this.#bucket();
    this.#counts[at + OPERATIONS]!++;
    if (event.result !== 'allowed') this.#counts[at + REFUSALS]!++;
    if (event.source !== 'none') {
      this.#counts[at + QUOTA_DECISIONS]!++;
      if (event.source === 'fallback') this.#counts[at + FALLBACK_DECISIONS]!++;
    }
    this.check();
  };

  readonly settled = (event: QuotaOperationEvent): void => {
    const at = this.#bucket();
    this.#counts[at + RESPONSES]!++;
    if (event.status >= 500) this.#counts[at + SERVER_ERRORS]!++;
    this.check();
  };

  readonly storeCall = (event: StoreCallEvent): void => {
    const at = this.#bucket();
    this.#counts[at + STORE_CALLS]!++;
    if (event.outcome !== 'ok') this.#counts[at + STORE_FAILURES]!++;
    this.check();
  };

  /** The alerts firing now, by kind. */
  firing(): AlertKind[] {
    return this.#watches.filter((w) => w.firingSinceMs !== null).map((w) => w.kind);
  }

  /** Re-evaluates every alert at the clock's time (call it on a timer to see recovery when traffic stops). */
  check(): void {
    const nowMs = this.#clock();
    const current = Math.floor(nowMs / this.#bucketMs);
    for (const watch of this.#watches) {
      let count = 0;
      let total = 0;
      for (let b = 0; b < this.#buckets; b++) {
        const epoch = this.#epochs[b]!;
        if (epoch <= current - this.#buckets || epoch > current) continue;
        count += this.#counts[b * SLOTS + watch.count]!;
        total += this.#counts[b * SLOTS + watch.total]!;
      }
      const rate = total === 0 ? 0 : count / total;
      const over = total >= this.#minEvents && rate >= watch.threshold;
      if (over === (watch.firingSinceMs !== null)) continue;
      const startsAtMs = watch.firingSinceMs ?? nowMs;
      watch.firingSinceMs = over ? nowMs : null;
      const alert: QuotaAlert = {
        kind: watch.kind,
        status: over ? 'firing' : 'resolved',
        rate,
        threshold: watch.threshold,
        count,
        total,
        windowMs: this.windowMs,
        atMs: nowMs,
        startsAtMs,
      };
      try {
        this.#onAlert(alert);
      } catch {
        // An alert sink that throws must not break the request that tripped it.
      }
    }
  }

  /** The offset of the current bucket's counters, cleared first when the bucket is reused for a new step. */
  #bucket(): number {
    const epoch = Math.floor(this.#clock() / this.#bucketMs);
    const b = epoch % this.#buckets;
    if (this.#epochs[b] !== epoch) {
      this.#epochs[b] = epoch;
      this.#counts.fill(0, b * SLOTS, (b + 1) * SLOTS);
    }
    return b * SLOTS;
  }
}
