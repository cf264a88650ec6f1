/**
 * graphql-quota/client/cache: an opt-in response cache for `quotaFetch`, kept out of graphql-quota/client so
 * that clients that do not cache do not ship it. `quotaFetch({ cache: responseCache({ ttlMs: 30_000 }) })`.
 */
import { parseJson, readOperations, requestOf } from './operations.js';
import type { FetchFunction, QuotaClock } from './quotaFetch.js';

/** Default {@link ResponseCacheOptions.maxEntries}. */
export const DEFAULT_CACHE_MAX_ENTRIES = 100;

export interface ResponseCacheOptions {
  /** How long a response is served from the cache, ms. Required: a non-negative number. */
  readonly ttlMs: number;
  /** Responses kept at most (the oldest is dropped first). Default {@link DEFAULT_CACHE_MAX_ENTRIES}. */
  readonly maxEntries?: number;
}

/**
 * What `quotaFetch`'s `cache` option takes: a function that wraps the `fetch` quotaFetch returns (with
 * quotaFetch's clock) in a cache. A hit is answered without a request and never reaches quotaFetch, so its
 * headers are not fed to the pacer (draft-ietf-httpapi-ratelimit-headers section 7.3 says to ignore them).
 */
export type ResponseCache = (fetch: FetchFunction, clock: QuotaClock) => FetchFunction;

/** The key of a request this cache keeps: a query sent by GET, or a persisted query; else null. */
function keyOf(url: string, method: string, body: unknown): string | null {
  const read = readOperations(url, method, body);
  const op = read?.operations[0];
  return op && !read.isBatch && op.type === 'query' && (method === 'GET' || op.extensions?.['persistedQuery'])
    ? `${method} ${url} ${method === 'GET' ? '' : (body as string)}`
    : null;
}

/**
 * A bounded in-memory cache of successful query responses, for `quotaFetch`'s `cache` option. It keeps GET
 * queries (keyed by URL) and persisted queries (keyed by URL and body); never mutations, batches, plain
 * POSTs or a body with `errors`. A response is served for `ttlMs` after it was received, as a new
 * `Response` with the same status, headers and body. It does not read `Cache-Control`.
 * Throws `TypeError` for a negative or non-numeric `ttlMs` or `maxEntries` (an integer).
 */
export function responseCache(options: ResponseCacheOptions): ResponseCache {
  const { ttlMs, maxEntries = DEFAULT_CACHE_MAX_ENTRIES } = options;
  if (!(ttlMs >= 0)) throw new TypeError(`responseCache: ttlMs must be a non-negative number, got ${ttlMs}`);
  if (!(maxEntries >= 0) || !Number.isInteger(maxEntries))
    throw new TypeError(`responseCache: maxEntries must be a non-negative integer, got ${maxEntries}`);
  const entries = new Map<string, { expiresMs: number; headers: [string, string][]; body: string }>();
  return (fetch, clock) =>
    async (input, init = {}) => {
      const [url, method] = requestOf(input, init);
      const key = keyOf(url, method, init.body);
      const hit = key === null ? undefined : entries.get(key);
      if (hit && hit.expiresMs > clock.now())
        return new Response(hit.body, { status: 200, headers: hit.headers });
      if (key !== null) entries.delete(key);
      const response = await fetch(input, init);
      if (key !== null && response.status === 200 && /json/i.test(response.headers.get('content-type')!)) {
        const text = await response
          .clone()
          .text()
          .catch(() => null);
        const parsed = parseJson(text);
        if (parsed instanceof Object && !(parsed as { errors?: unknown }).errors) {
          if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
          if (maxEntries > 0)
            entries.set(key, { expiresMs: clock.now() + ttlMs, headers: [...response.headers], body: text! });
        }
      }
      return response;
    };
}
