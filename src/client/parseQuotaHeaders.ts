/**
 * Reads what a response says about the client's quota, whichever format it uses, into one `QuotaState`.
 * Malformed values are ignored field by field (a malformed IETF field as a whole, as draft-11 section 7
 * requires); unknown fields and parameters are ignored; nothing here throws.
 */
import { CONCURRENT_REQUESTS_QUOTA_UNIT } from '../http/ietfRateLimit.js';
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

  for (const item of ietfItems(headers, 'ratelimit-policy')) {
    const q = int(item.params.get('q'));
    if (q === null || byName(item.value as string)) continue;
    const qu = item.params.get('qu');
    const l = limit(item.value as string, 'ietf', typeof qu === 'string' ? qu : 'requests');
    l.limit = q;
    const w = int(item.params.get('w'));
    if (w) l.windowSeconds = w;
    const pk = item.params.get('pk');
    if (isObj(pk)) l.partitionKey = pk.bytes;
    limits.push(l);
  }
  for (const item of ietfItems(headers, 'ratelimit')) {
    const r = int(item.params.get('r'));
    if (r === null) continue;
    const name = item.value as string;
    let l = byName(name);
    if (!l) limits.push((l = limit(name, 'ietf', 'requests')));
    l.remaining = r;
    const t = int(item.params.get('t'));
    if (t !== null) l.resetAtMs = now + t * 1000;
    const pk = item.params.get('pk');
    if (isObj(pk)) l.partitionKey = pk.bytes;
  }

  const x = limit('x-rate-limit', 'x-rate-limit', 'graphql-cost');
  x.remaining = count(headers, 'x-rate-limit-remaining');
  x.used = count(headers, 'x-rate-limit-consumed');
  const reset = count(headers, 'x-rate-limit-reset');
  if (reset !== null) x.resetAtMs = local(reset * 1000);
  const first = headerValue(headers, 'x-rate-limit-first-in-duration')?.trim().toLowerCase();
  if (first === 'true' || first === 'false') x.firstInWindow = first === 'true';
  if (x.remaining !== null && x.used !== null) x.limit = x.remaining + x.used;
  if (x.remaining !== null || x.used !== null || x.resetAtMs !== null) {
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
    } else limits.push(x);
  }

  const gh = limit(headerValue(headers, 'x-ratelimit-resource')?.trim() || 'github', 'github', 'requests');
  gh.limit = count(headers, 'x-ratelimit-limit');
  gh.remaining = count(headers, 'x-ratelimit-remaining');
  gh.used = count(headers, 'x-ratelimit-used');
  const ghReset = count(headers, 'x-ratelimit-reset');
  if (ghReset !== null) gh.resetAtMs = local(ghReset * 1000);
  // GitHub's GraphQL API counts points, its REST resources requests.
  if (gh.name === 'graphql') gh.unit = 'points';
  if (gh.limit !== null || gh.remaining !== null) limits.push(gh);

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
    const errors = result['errors'];
    if (!Array.isArray(errors)) continue;
    for (const error of errors as unknown[]) {
      if (!isObj(error)) continue;
      const ext = isObj(error['extensions']) ? error['extensions'] : {};
      // Shopify's older responses carry only the message.
      const code = str(ext['code']) ?? (error['message'] === 'Throttled' ? 'THROTTLED' : null);
      if (code === null || !QUOTA_ERROR_CODES.includes(code)) continue;
      const quota = isObj(ext['quota']) ? ext['quota'] : {};
      refusals.push({
        code,
        limit: str(quota['limit']),
        retryAfterSeconds: num(quota['retryAfterSeconds']),
        cost:
          num(quota['cost']) ?? num(ext['cost']) ?? (isObj(cost) ? num(cost['requestedQueryCost']) : null),
      });
    }
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
