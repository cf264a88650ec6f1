/**
 * The IETF `RateLimit-Policy` and `RateLimit` response fields, as specified by
 * draft-ietf-httpapi-ratelimit-headers-11 (23 May 2026), sections 3 and 4:
 * https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/11/
 * Both are Structured Field Lists (RFC 9651) of String Items named after the policy, one per limit:
 *
 *     RateLimit-Policy: "hourly";q=1000;qu="graphql-cost";w=3600;pk=:...:, "burst";q=10;w=1;pk=:...:
 *     RateLimit: "hourly";r=954;t=1800;pk=:...:, "burst";r=9;t=1;pk=:...:
 */
import type { Decision, LimitStatus } from '../quota/index.js';
import { ceilSeconds, headerCount } from './numbers.js';
import { serializeSfByteSequence, serializeSfInteger, serializeSfString } from './structuredFields.js';

/** The quota unit advertised for cost-counting limits (`qu`). */
export const DEFAULT_COST_QUOTA_UNIT = 'graphql-cost';

/** The registered quota unit for concurrency limits (draft-11 section 3.1.2). */
export const CONCURRENT_REQUESTS_QUOTA_UNIT = 'concurrent-requests';

export interface IetfRateLimitOptions {
  /**
   * The `pk` (partition key) Byte Sequence added to every item; see `partitionKey()`. Default: none.
   */
  readonly partitionKey?: Uint8Array | null;
  /**
   * The `qu` value for limits that count cost points. The draft's registry knows only `requests`,
   * `content-bytes` and `concurrent-requests`, none of which is GraphQL cost, so a descriptive
   * unregistered unit is sent; `null` omits `qu`, which a client then reads as "requests".
   * Default {@link DEFAULT_COST_QUOTA_UNIT} (`"graphql-cost"`).
   */
  readonly costQuotaUnit?: string | null;
}

function quotaUnit(limit: LimitStatus, costUnit: string | null): string | null {
  if (limit.kind === 'concurrency') return CONCURRENT_REQUESTS_QUOTA_UNIT;
  // `requests` is the default unit, so it is left implicit: draft-11 spells it "requests" in section
  // 3.1.2 but "request" in its registry table, and omitting it means the default either way.
  return limit.counts === 'cost' ? costUnit : null;
}

/** Limit names seen, serialised: a response names the same few limits every time. Bounded, then cleared. */
const NAME_MEMORY = 1_000;
const serializedNames = new Map<string, string>();

function sfName(name: string): string {
  let out = serializedNames.get(name);
  if (out === undefined) {
    out = serializeSfString(name);
    if (serializedNames.size >= NAME_MEMORY) serializedNames.clear();
    serializedNames.set(name, out);
  }
  return out;
}

/** The `;pk=:...:` parameter, serialised once per field rather than once per item. */
function pkParam(options: IetfRateLimitOptions): string {
  return options.partitionKey ? `;pk=${serializeSfByteSequence(options.partitionKey)}` : '';
}

/**
 * The `RateLimit-Policy` value for a plan's limits: `q` is the window limit, the bucket's burst or the
 * concurrency maximum; `w` the window in whole seconds (a bucket's time to refill its burst; absent for
 * concurrency, which has no window). Returns null when there are no limits (the field must be non-empty).
 */
export function rateLimitPolicyValue(
  limits: readonly LimitStatus[],
  options: IetfRateLimitOptions = {},
): string | null {
  if (limits.length === 0) return null;
  const costUnit = options.costQuotaUnit === undefined ? DEFAULT_COST_QUOTA_UNIT : options.costQuotaUnit;
  const pk = pkParam(options);
  let out = '';
  for (const limit of limits) {
    if (out !== '') out += ', ';
    out += `${sfName(limit.name)};q=${serializeSfInteger(headerCount(limit.limit))}`;
    const unit = quotaUnit(limit, costUnit);
    if (unit !== null) out += `;qu=${serializeSfString(unit)}`;
    // `w` must be a positive integer: a sub-second window is advertised as one second.
    if (limit.kind !== 'concurrency')
      out += `;w=${serializeSfInteger(Math.max(1, ceilSeconds(limit.windowMs)))}`;
    out += pk;
  }
  return out;
}

/**
 * The `RateLimit` value after a decision: `r` is what is left (whole units, rounded down), `t` the seconds
 * until the window resets or the bucket is full (rounded up; absent for concurrency). For the limit that
 * refused an operation, `t` is the decision's `retryAfterSeconds`, because the draft (section 6) wants a
 * `Retry-After` no earlier than the end of the effective window. Only limits that apply to the operation
 * are listed. Returns null when none does.
 */
export function rateLimitValue(decision: Decision, options: IetfRateLimitOptions = {}): string | null {
  let pk: string | null = null;
  let out = '';
  for (const limit of decision.limits) {
    if (!limit.applies) continue;
    pk ??= pkParam(options);
    if (out !== '') out += ', ';
    out += `${sfName(limit.name)};r=${serializeSfInteger(headerCount(limit.remaining))}`;
    if (limit.kind !== 'concurrency') {
      const refusedHere = decision.reason === 'limit' && decision.refusedBy === limit.name;
      const t = refusedHere ? decision.retryAfterSeconds : ceilSeconds(limit.resetAtMs - decision.nowMs);
      out += `;t=${serializeSfInteger(headerCount(t))}`;
    }
    out += pk;
  }
  return out === '' ? null : out;
}
