/**
 * graphql-quota/client/usage: an opt-in alert when a limit's usage crosses a fraction of it, kept out of
 * graphql-quota/client so that clients that do not watch their usage do not ship it.
 * `quotaFetch({ onState: usageAlerts({ onUsage: (e) => console.warn(e.limit.name, e.usedFraction) }) })`.
 */
import type { QuotaLimit, QuotaState } from './types.js';

/** Default {@link UsageAlertsOptions.thresholds}: one alert at 80 % of a limit. */
export const DEFAULT_CLIENT_USAGE_THRESHOLDS: readonly number[] = [0.8];

export interface UsageEvent {
  /** The limit, as the response described it. */
  readonly limit: QuotaLimit;
  /** The threshold crossed, a fraction of the limit (0.8 for 80 %). */
  readonly threshold: number;
  /** `1 - remaining / limit` now. */
  readonly usedFraction: number;
}

export interface UsageAlertsOptions {
  /** Fractions of a limit whose crossing calls `onUsage`, each in (0, 1]. Default {@link DEFAULT_CLIENT_USAGE_THRESHOLDS}. */
  readonly thresholds?: readonly number[];
  /** Called when a limit's usage goes from under a threshold to at or over it. */
  readonly onUsage: (event: UsageEvent) => void;
}

/**
 * An `onState` hook for `quotaFetch` (or for states you read yourself with `parseQuotaHeaders`) that calls
 * `onUsage` each time a limit's usage, `1 - remaining / limit`, goes from under a threshold to at or over
 * it; once per crossing: it must fall under the threshold again (a window resets, a bucket refills) to be
 * called again. Limits are told apart by name; a limit whose `limit` or `remaining` is unknown is skipped.
 * One hook per `quotaFetch`: it remembers each limit's last usage. Throws `TypeError` for a threshold
 * outside (0, 1]. To keep an `onState` of your own, call both: `onState: (s, r) => (alerts(s), mine(s, r))`.
 */
export function usageAlerts(options: UsageAlertsOptions): (state: QuotaState) => void {
  const { thresholds = DEFAULT_CLIENT_USAGE_THRESHOLDS, onUsage } = options;
  for (const t of thresholds)
    if (!(t > 0 && t <= 1)) throw new TypeError(`usageAlerts: thresholds must be in (0, 1], got ${t}`);
  const usage = new Map<string, number>();
  return (state) => {
    for (const l of state.limits) {
      if (!l.limit || l.remaining === null) continue;
      const used = 1 - l.remaining / l.limit;
      const before = usage.get(l.name) ?? 0;
      usage.set(l.name, used);
      for (const threshold of thresholds)
        if (before < threshold && used >= threshold) onUsage({ limit: l, threshold, usedFraction: used });
    }
  };
}
