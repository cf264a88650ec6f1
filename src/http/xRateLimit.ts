/**
 * The `X-Rate-Limit-*` headers of the openPIM GraphQL API convention: one limit per response, the plan's
 * cost window by default (see `selectHeaderLimit`).
 */
import type { Decision } from '../quota/index.js';
import { selectHeaderLimit } from './headerLimit.js';
import { ceilSeconds, headerCount } from './numbers.js';

/**
 * The four headers for the limit chosen by `headerLimit`, or none when the decision has no limits:
 * - `x-rate-limit-remaining`: points (or requests) left in the window, rounded down;
 * - `x-rate-limit-reset`: when the window resets, Unix epoch seconds (rounded up);
 * - `x-rate-limit-consumed`: points (or requests) consumed in the window so far, this operation included;
 * - `x-rate-limit-first-in-duration`: `true` when this operation was the first in its window.
 */
export function xRateLimitHeaders(
  decision: Decision,
  headerLimit?: string | null,
): (readonly [string, string])[] {
  const limit = selectHeaderLimit(decision.limits, headerLimit);
  if (limit === null) return [];
  return [
    ['x-rate-limit-remaining', `${headerCount(limit.remaining)}`],
    ['x-rate-limit-reset', `${ceilSeconds(limit.resetAtMs)}`],
    ['x-rate-limit-consumed', `${headerCount(limit.consumed, Math.ceil)}`],
    ['x-rate-limit-first-in-duration', limit.firstInWindow ? 'true' : 'false'],
  ];
}
