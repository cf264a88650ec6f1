import type { Decision } from '../quota/index.js';
import { rateLimitPolicyValue, rateLimitValue, type IetfRateLimitOptions } from './ietfRateLimit.js';
import { headerCount } from './numbers.js';
import { xRateLimitHeaders } from './xRateLimit.js';

/** Whether `X-Rate-Limit-*` headers are sent by default. */
export const DEFAULT_X_RATE_LIMIT_HEADERS = true;
/** Whether the IETF `RateLimit` and `RateLimit-Policy` fields are sent by default. */
export const DEFAULT_IETF_RATE_LIMIT_HEADERS = true;
/** Whether refusals carry `Retry-After` by default. */
export const DEFAULT_RETRY_AFTER_HEADER = true;

/** A response header as a lower-case name and its value. */
export type HeaderField = readonly [name: string, value: string];

export interface QuotaHeaderOptions extends IetfRateLimitOptions {
  /** Send `X-Rate-Limit-Remaining`, `-Reset`, `-Consumed` and `-First-In-Duration`. Default `true`. */
  readonly xRateLimit?: boolean;
  /** Send the IETF `RateLimit-Policy` and `RateLimit` fields (one item per limit). Default `true`. */
  readonly ietf?: boolean;
  /** Send `Retry-After` (whole seconds) on a refusal that waiting can cure. Default `true`. */
  readonly retryAfter?: boolean;
  /**
   * The name of the limit the single-limit `X-Rate-Limit-*` headers describe. When absent, or when the
   * client's plan has no limit of that name: the plan's first cost-counting fixed window, else its first
   * limit. Default: none.
   */
  readonly headerLimit?: string | null;
}

/**
 * `Retry-After` in whole seconds for a refused decision, or null: none when the operation was admitted,
 * and none when waiting cannot help (`exceeds-capacity`, or no wait known).
 */
export function retryAfterValue(decision: Decision): string | null {
  if (decision.allowed || decision.reason === 'exceeds-capacity') return null;
  const seconds = headerCount(decision.retryAfterSeconds, Math.ceil);
  return seconds > 0 ? `${seconds}` : null;
}

/**
 * Every quota header for a decision (merge the decisions of a batch first with `mergeDecisions`), in a
 * stable order: `x-rate-limit-*`, `ratelimit-policy`, `ratelimit`, `retry-after`. Names are lower-case
 * (as HTTP/2 requires and Apollo's `HeaderMap` stores them).
 *
 * @param policy The `RateLimit-Policy` value of `decision.limits` with these options, when the caller
 *   already has it (it depends on nothing else, so a server can serialise it once per plan and client);
 *   computed when absent.
 */
export function quotaHeaders(
  decision: Decision,
  options: QuotaHeaderOptions = {},
  policy?: string | null,
): HeaderField[] {
  const fields: HeaderField[] = [];
  if (options.xRateLimit ?? DEFAULT_X_RATE_LIMIT_HEADERS) {
    for (const field of xRateLimitHeaders(decision, options.headerLimit)) fields.push(field);
  }
  if (options.ietf ?? DEFAULT_IETF_RATE_LIMIT_HEADERS) {
    const policyValue = policy === undefined ? rateLimitPolicyValue(decision.limits, options) : policy;
    if (policyValue !== null) fields.push(['ratelimit-policy', policyValue]);
    const current = rateLimitValue(decision, options);
    if (current !== null) fields.push(['ratelimit', current]);
  }
  if (options.retryAfter ?? DEFAULT_RETRY_AFTER_HEADER) {
    const retryAfter = retryAfterValue(decision);
    if (retryAfter !== null) fields.push(['retry-after', retryAfter]);
  }
  return fields;
}
