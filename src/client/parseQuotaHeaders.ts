/**
 * Reads what a response says about the client's quota, whichever format it uses, into one `QuotaState`.
 * Malformed values are ignored field by field (a malformed IETF field as a whole, as draft-11 section 7
 * requires); unknown fields and parameters are ignored; nothing here throws.
 */
import { CONCURRENT_REQUESTS_QUOTA_UNIT } from '../http/index.js';
import { parseSfList, type SfValue } from './structuredFields.js';
import type { HeadersLike, QuotaLimit, QuotaRefusal, QuotaSource, QuotaState } from './types.js';

/** The `errors[].extensions.code` values that mean a quota or cost refusal (or a throttle). */
export const QUOTA_ERROR_CODES: readonly string[] = [
  'QUOTA_EXCEEDED',
  'QUOTA_CAPACITY_EXCEEDED',
  'CLIENT_BLOCKED',
  'QUOTA_STORE_UNAVAILABLE',
  'COST_LIMIT_EXCEEDED',
  'THROTTLED',
  'MAX_COST_EXCEEDED',
];

export interface ParseQuotaOptions {
  /** The parsed JSON body (one result or a batch's array), for `extensions.cost` and refusal codes. */
  readonly body?: unknown;
  /** The client's clock, epoch ms. Default `Date.now()`. */
  readonly nowMs?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null;
/** `x[key]` when `x` is an object, else undefined: one step into a JSON body that may have any shape. */
const at = (x: unknown, key: string): unknown => (isObj(x) ? x[key] : undefined);
const num = (x: unknown): number | null => (Number.isFinite(x) && (x as number) >= 0 ? (x as number) : null);
const int = (x: SfValue | undefined): number | null => (Number.isInteger(x) ? num(x) : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);

/** One header's value, case-insensitively; several values joined with ", " as RFC 9110 section 5.3 allows. */
export function headerValue(headers: HeadersLike, name: string): string | null {
  let v: unknown;
  if (typeof headers.get === 'function') v = (headers as { get(n: string): unknown }).get(name);
  else for (const k in headers) if (k.toLowerCase() === name) v = (headers as Obj)[k];
  if (Array.isArray(v)) v = v.join(', ');
  return typeof v === 'string' || typeof v === 'number' ? `${v}` : null;
}

/**
 * The quota refusals in one GraphQL result's `errors`: those whose `extensions.code` is one of
 * {@link QUOTA_ERROR_CODES} (or whose message is Shopify's bare `Throttled`), with graphql-quota's
 * `extensions.quota`. Never throws.
 */
export function resultRefusals(result: unknown): QuotaRefusal[] {
  const out: QuotaRefusal[] = [];
  const errors = at(result, 'errors');
  if (Array.isArray(errors))
    for (const error of errors) {
      const ext = at(error, 'extensions');
      // Shopify's older responses carry only the message.
      const code = str(at(ext, 'code')) ?? (at(error, 'message') === 'Throttled' ? 'THROTTLED' : '');
      if (!QUOTA_ERROR_CODES.includes(code)) continue;
      const quota = at(ext, 'quota');
      out.push({
        code,
        limit: str(at(quota, 'limit')),
        retryAfterSeconds: num(at(quota, 'retryAfterSeconds')),
        cost:
          num(at(quota, 'cost')) ??
          num(at(ext, 'cost')) ??
          num(at(at(at(result, 'extensions'), 'cost'), 'requestedQueryCost')),
      });
    }
  return out;
}

function limit(name: string, source: QuotaSource, unit: string): Mutable<QuotaLimit> {
  return {
    name,
    sources: [source],
    unit,
    limit: null,
    remaining: null,
    used: null,
    windowSeconds: null,
    resetAtMs: null,
    restorePerSecond: null,
    partitionKey: null,
    firstInWindow: null,
  };
}

/**
 * Parses every quota format a response carries:
 * - IETF `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-11, several policies):
 *   `q` → `limit`, `qu` → `unit` (default `requests`), `w` → `windowSeconds`, `r` → `remaining`,
 *   `t` → `resetAtMs`, `pk` → `partitionKey`; items are matched by policy name;
 * - graphql-quota's `X-Rate-Limit-Remaining/-Reset/-Consumed/-First-In-Duration` (openPIM): merged into the
 *   IETF policy with the same remaining count when there is one (graphql-quota sends both), else a limit
 *   named `x-rate-limit`; `limit` is remaining + consumed;
 * - GitHub's `x-ratelimit-limit/-remaining/-used/-reset/-resource`: a limit named after the resource;
 * - `Retry-After`, delay-seconds or HTTP-date;
 * - with `options.body`: `extensions.cost` (requested and actual cost, and `throttleStatus`, merged into the
 *   policy of the same name, else a limit named `cost` as Shopify sends it) and the quota codes of
 *   `errors[].extensions.code` (see {@link QUOTA_ERROR_CODES}), with graphql-quota's `extensions.quota`.
 *
 * Absolute times in headers (`X-Rate-Limit-Reset`, `x-ratelimit-reset`, HTTP-dates, `resetAt`) are read
 * against the response's `Date` header when present, so a skewed client clock does not shift them.
 */
export function parseQuotaHeaders(headers: HeadersLike, options: ParseQuotaOptions = {}): QuotaState {
  const now = options.nowMs ?? Date.now();
  // A header's value, trimmed; '' when absent.
  const value = (name: string) => headerValue(headers, name)?.trim() ?? '';
  // How far the server's clock (the `Date` header) is ahead of the client's: 0 when not sent or malformed.
  const skew = Date.parse(value('date')) - now || 0;
  // An absolute server time as a time on the client's clock.
  const local = (ms: number) => ms - skew;
  const limits: Mutable<QuotaLimit>[] = [];
  const byName = (name: string) => limits.find((l) => l.name === name);
  const add = (l: Mutable<QuotaLimit>) => (limits.push(l), l);
  // Each limit's `sources` is its own array (see `limit`): extended in place.
  const addSource = (l: QuotaLimit, source: QuotaSource) =>
    l.sources.includes(source) || (l.sources as QuotaSource[]).push(source);

  // RateLimit-Policy first (q, qu, w), then RateLimit (r, t): the same item names describe the same policy.
  // A malformed field is ignored as a whole; only items named by a String count.
  for (const policy of [true, false]) {
    for (const [name, isString, params] of parseSfList(value(policy ? 'ratelimit-policy' : 'ratelimit')) ??
      []) {
      const main = int(params.get(policy ? 'q' : 'r'));
      // A duplicate policy item is ignored; a RateLimit item without a valid `r` too.
      if (!isString || main === null || (policy && byName(name as string))) continue;
      const l = byName(name as string) ?? add(limit(name as string, 'ietf', 'requests'));
      const pk = params.get('pk');
      if (isObj(pk)) l.partitionKey = pk.bytes;
      const time = int(params.get(policy ? 'w' : 't'));
      if (policy) {
        const qu = params.get('qu');
        if (typeof qu === 'string') l.unit = qu;
        l.limit = main;
        if (time) l.windowSeconds = time;
      } else {
        l.remaining = main;
        if (time !== null) l.resetAtMs = now + time * 1000;
      }
    }
  }

  // X-Rate-Limit-* (graphql-quota, openPIM) and x-ratelimit-* (GitHub): whole counts (at most 15 digits)
  // and an epoch-seconds reset.
  const legacy = (prefix: string, name: string, source: QuotaSource, used: string, unit: string) => {
    const l = limit(name, source, unit);
    const read = (suffix: string) => {
      const v = value(prefix + suffix);
      return /^\d{1,15}$/.test(v) ? +v : null;
    };
    l.limit = read('limit');
    l.remaining = read('remaining');
    l.used = read(used);
    const reset = read('reset');
    if (reset !== null) l.resetAtMs = local(reset * 1000);
    return l;
  };
  const x = legacy('x-rate-limit-', 'x-rate-limit', 'x-rate-limit', 'consumed', 'graphql-cost');
  const first = value('x-rate-limit-first-in-duration').toLowerCase();
  x.firstInWindow = first === 'true' || (first === 'false' ? false : null);
  if (x.remaining !== null && x.used !== null) x.limit = x.remaining + x.used;
  if (x.remaining !== null || x.used !== null || x.resetAtMs !== null) {
    // graphql-quota sends both formats: X-Rate-Limit-* describes one of the IETF policies.
    const same = limits.find(
      (l) =>
        l.remaining === x.remaining &&
        l.unit !== CONCURRENT_REQUESTS_QUOTA_UNIT &&
        (x.limit ?? l.limit) === l.limit,
    );
    if (same) {
      addSource(same, 'x-rate-limit');
      same.used = x.used;
      same.firstInWindow = x.firstInWindow;
      same.resetAtMs ??= x.resetAtMs;
    } else add(x);
  }
  // GitHub's GraphQL API counts points, its REST resources requests.
  const resource = value('x-ratelimit-resource') || 'github';
  const gh = legacy(
    'x-ratelimit-',
    resource,
    'github',
    'used',
    resource === 'graphql' ? 'points' : 'requests',
  );
  if (gh.limit !== null || gh.remaining !== null) add(gh);

  let requestedCost: number | null = null;
  let actualCost: number | null = null;
  const refusals: QuotaRefusal[] = [];
  for (const result of Array.isArray(options.body) ? (options.body as unknown[]) : [options.body]) {
    const cost = at(at(result, 'extensions'), 'cost');
    requestedCost = num(at(cost, 'requestedQueryCost')) ?? requestedCost;
    actualCost = num(at(cost, 'actualQueryCost')) ?? actualCost;
    const ts = at(cost, 'throttleStatus');
    const max = num(at(ts, 'maximumAvailable'));
    const available = num(at(ts, 'currentlyAvailable'));
    if (max !== null || available !== null) {
      const name = str(at(ts, 'limit')) ?? 'cost';
      const l = byName(name) ?? add(limit(name, 'cost-extension', 'graphql-cost'));
      addSource(l, 'cost-extension');
      l.limit ??= max;
      if (available !== null && (l.remaining === null || available < l.remaining)) l.remaining = available;
      l.restorePerSecond = num(at(ts, 'restoreRate')) || l.restorePerSecond;
      const resetAt = Date.parse(str(at(ts, 'resetAt'))!);
      if (!isNaN(resetAt)) l.resetAtMs ??= local(resetAt);
      else if (l.restorePerSecond && max !== null && available !== null)
        l.resetAtMs ??= now + ((max - available) / l.restorePerSecond) * 1000;
    }
    refusals.push(...resultRefusals(result));
  }

  // Retry-After: delay-seconds (a fraction is tolerated) or an HTTP-date. HTTP-dates start with a day name
  // (RFC 9110 section 5.6.7); Date.parse alone would take "-5" as a year.
  const retryAfter = value('retry-after');
  const retryMs = /^\d+(\.\d+)?$/.test(retryAfter)
    ? Math.ceil(+retryAfter * 1000)
    : /^[a-z]{3}/i.test(retryAfter)
      ? local(Date.parse(retryAfter)) - now
      : NaN;
  return {
    observedAtMs: now,
    limits,
    retryAfterMs: isNaN(retryMs) ? null : Math.max(0, retryMs),
    requestedCost,
    actualCost,
    refusals,
  };
}
