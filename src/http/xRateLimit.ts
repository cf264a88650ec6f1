/**
 * The `X-Rate-Limit-*` headers of the openPIM GraphQL API convention: one limit per response, the plan's
 * cost window by default (see `selectHeaderLimit`).
 */
import type { Decision } from '../quota/index.js';
import { selectHeaderLimit } from './headerLimit.js';
import { ceilSeconds, headerCount } from './numbers.js';

/**
 * The four headers for the limit chosen by `headerLimit`, or none when the decision has no limits:
 * - `x-rate-limit-remaining`: what is left, rounded down, in the limit's own unit: points for a limit that
 *   counts cost, requests for one that counts requests, free slots for a concurrency cap;
 * - `x-rate-limit-reset`: when the window resets, Unix epoch seconds (rounded up);
 * - `x-rate-limit-consumed`: consumed in the window so far, this operation included, in the same unit;
 * - `x-rate-limit-first-in-duration`: `true` when this operation was the first in its window;
 * - `x-rate-limit-exempt: true`, first, when the operation was exempt (it counted nowhere; the others then
 *   describe the client's usage, unchanged by it).
 */
export function xRateLimitHeaders(
  decision: Decision,
  headerLimit?: string | null,
): (readonly [string, string])[] {
  const limit = selectHeaderLimit(decision.limits, headerLimit, decision.allowed ? null : decision.refusedBy);
  // An exempt operation counted nowhere: the headers show where the client stands, and say why it is unchanged.
  const exempt: (readonly [string, string])[] =
    decision.exempt === true ? [['x-rate-limit-exempt', 'true']] : [];
  if (limit === null) return exempt;
  return [
    ...exempt,
    ['x-rate-limit-remaining', `${headerCount(limit.remaining)}`],
    ['x-rate-limit-reset', `${ceilSeconds(limit.resetAtMs)}`],
    ['x-rate-limit-consumed', `${headerCount(limit.consumed, Math.ceil)}`],
    ['x-rate-limit-first-in-duration', limit.firstInWindow ? 'true' : 'false'],
  ];
}
