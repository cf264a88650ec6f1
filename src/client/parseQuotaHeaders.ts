/**
 * Reads what a response says about the client's quota, whichever format it uses, into one `QuotaState`.
 * Malformed values are ignored field by field (a malformed IETF field as a whole, as draft-11 section 7
 * requires); unknown fields and parameters are ignored; nothing here throws.
 */
import { CONCURRENT_REQUESTS_QUOTA_UNIT } from '../http/index.js';
import { parseSfList, type SfItem, type SfValue } from './structuredFields.js';
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
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : null);
const int = (x: SfValue | undefined): number | null => (Number.isInteger(x) ? num(x) : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);

/** One header's value, case-insensitively; several values joined with ", " as RFC 9110 section 5.3 allows. */
export function headerValue(headers: HeadersLike, name: string): string | null {
  let v: unknown;
  if (typeof headers.get === 'function') v = (headers as { get(n: string): unknown }).get(name);
  else for (const k in headers) if (k.toLowerCase() === name) v = (headers as Obj)[k];
  if (Array.isArray(v)) v = v.join(', ');
  return typeof v === 'string' ? v : typeof v === 'number' ? `${v}` : null;
}

/** A whole non-negative number of the header (`^\d+$` after trimming), else null. */
function count(headers: HeadersLike, name: string): number | null {
  const v = headerValue(headers, name)?.trim();
  return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : null;
}

/** Milliseconds of `Retry-After` from now: delay-seconds (a fraction is tolerated) or an HTTP-date. */
function retryAfter(headers: HeadersLike, nowMs: number, serverNowMs: number | null): number | null {
  const v = headerValue(headers, 'retry-after')?.trim();
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  // HTTP-dates start with a day name (RFC 9110 section 5.6.7); Date.parse alone would take "-5" as a year.
  const at = /^[a-z]{3}/i.test(v) ? Date.parse(v) : NaN;
  return Number.isNaN(at) ? null : Math.max(0, at - (serverNowMs ?? nowMs));
}

/**
 * The quota refusals in one GraphQL result's `errors`: those whose `extensions.code` is one of
 * {@link QUOTA_ERROR_CODES} (or whose message is Shopify's bare `Throttled`), with graphql-quota's
 * `extensions.quota`. Never throws.
 */
export function resultRefusals(result: unknown): QuotaRefusal[] {
  const out: QuotaRefusal[] = [];
  const errors = isObj(result) ? result['errors'] : null;
  if (!Array.isArray(errors)) return out;
  const cost = isObj(result) && isObj(result['extensions']) ? result['extensions']['cost'] : null;
  for (const error of errors as unknown[]) {
    if (!isObj(error)) continue;
    const ext = isObj(error['extensions']) ? error['extensions'] : {};
    // Shopify's older responses carry only the message.
    const code = str(ext['code']) ?? (error['message'] === 'Throttled' ? 'THROTTLED' : null);
    if (code === null || !QUOTA_ERROR_CODES.includes(code)) continue;
    const quota = isObj(ext['quota']) ? ext['quota'] : {};
    out.push({
      code,
      limit: str(quota['limit']),
      retryAfterSeconds: num(quota['retryAfterSeconds']),
      cost: num(quota['cost']) ?? num(ext['cost']) ?? (isObj(cost) ? num(cost['requestedQueryCost']) : null),
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

function ietfItems(headers: HeadersLike, name: string): SfItem[] {
  const v = headerValue(headers, name);
  return (v === null ? null : parseSfList(v))?.filter((i) => i.isString) ?? [];
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
  const date = Date.parse(headerValue(headers, 'date') ?? '');
  const serverNow = Number.isNaN(date) ? null : date;
  // An absolute server time as a time on the client's clock.
  const local = (ms: number) => (serverNow === null ? ms : now + ms - serverNow);
  const limits: Mutable<QuotaLimit>[] = [];
  const byName = (name: string) => limits.find((l) => l.name === name);
  const add = (l: Mutable<QuotaLimit>) => (limits.push(l), l);

  // RateLimit-Policy first (q, qu, w), then RateLimit (r, t): the same item names describe the same policy.
  for (const policy of [true, false]) {
    for (const { value, params } of ietfItems(headers, policy ? 'ratelimit-policy' : 'ratelimit')) {
      const name = value as string;
      const main = int(params.get(policy ? 'q' : 'r'));
      // A duplicate policy item is ignored; a RateLimit item without a valid `r` too.
      if (main === null || (policy && byName(name))) continue;
      const l = byName(name) ?? add(limit(name, 'ietf', 'requests'));
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

  // X-Rate-Limit-* (graphql-quota, openPIM) and x-ratelimit-* (GitHub): counts and an epoch-seconds reset.
  const legacy = (prefix: string, name: string, source: QuotaSource, used: string) => {
    const l = limit(
      name,
      source,
      source === 'github' ? (name === 'graphql' ? 'points' : 'requests') : 'graphql-cost',
    );
    const read = (suffix: string) => count(headers, prefix + suffix);
    l.limit = read('limit');
    l.remaining = read('remaining');
    l.used = read(used);
    const reset = read('reset');
    if (reset !== null) l.resetAtMs = local(reset * 1000);
    return l;
  };
  const x = legacy('x-rate-limit-', 'x-rate-limit', 'x-rate-limit', 'consumed');
  const first = headerValue(headers, 'x-rate-limit-first-in-duration')?.trim().toLowerCase();
  if (first === 'true' || first === 'false') x.firstInWindow = first === 'true';
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
      same.sources = [...same.sources, 'x-rate-limit'];
      same.used = x.used;
      same.firstInWindow = x.firstInWindow;
      same.resetAtMs ??= x.resetAtMs;
    } else add(x);
  }
  // GitHub's GraphQL API counts points, its REST resources requests.
  const gh = legacy(
    'x-ratelimit-',
    headerValue(headers, 'x-ratelimit-resource')?.trim() || 'github',
    'github',
    'used',
  );
  if (gh.limit !== null || gh.remaining !== null) add(gh);

  let requestedCost: number | null = null;
  let actualCost: number | null = null;
  const refusals: QuotaRefusal[] = [];
  const results: unknown[] = Array.isArray(options.body) ? options.body : [options.body];
  for (const result of results) {
    if (!isObj(result)) continue;
    const cost = isObj(result['extensions']) ? result['extensions']['cost'] : null;
    if (isObj(cost)) {
      requestedCost = num(cost['requestedQueryCost']) ?? requestedCost;
      actualCost = num(cost['actualQueryCost']) ?? actualCost;
      const ts = cost['throttleStatus'];
      const max = isObj(ts) ? num(ts['maximumAvailable']) : null;
      const available = isObj(ts) ? num(ts['currentlyAvailable']) : null;
      if (isObj(ts) && (max !== null || available !== null)) {
        const name = str(ts['limit']) ?? 'cost';
        let l = byName(name);
        if (!l) limits.push((l = limit(name, 'cost-extension', 'graphql-cost')));
        else if (!l.sources.includes('cost-extension')) l.sources = [...l.sources, 'cost-extension'];
        l.limit ??= max;
        if (available !== null && (l.remaining === null || available < l.remaining)) l.remaining = available;
        l.restorePerSecond = num(ts['restoreRate']) || l.restorePerSecond;
        const at = Date.parse(str(ts['resetAt']) ?? '');
        if (!Number.isNaN(at)) l.resetAtMs ??= local(at);
        else if (l.restorePerSecond && max !== null && available !== null)
          l.resetAtMs ??= now + ((max - available) / l.restorePerSecond) * 1000;
      }
    }
    refusals.push(...resultRefusals(result));
  }

  return {
    observedAtMs: now,
    limits,
    retryAfterMs: retryAfter(headers, now, serverNow),
    requestedCost,
    actualCost,
    refusals,
  };
}
