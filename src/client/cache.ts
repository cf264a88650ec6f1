/**
 * graphql-quota/client/cache: an opt-in response cache for `quotaFetch`, kept out of graphql-quota/client so
 * that clients that do not cache do not ship it. `quotaFetch({ cache: responseCache({ ttlMs: 30_000 }) })`.
 */
import type { GraphQLOperation } from './operations.js';

/** Default {@link ResponseCacheOptions.maxEntries}. */
export const DEFAULT_CACHE_MAX_ENTRIES = 100;

export interface ResponseCacheOptions {
  /** How long a response is served from the cache, ms. Required: a non-negative number. */
  readonly ttlMs: number;
  /** Responses kept at most (the oldest is dropped first). Default {@link DEFAULT_CACHE_MAX_ENTRIES}. */
  readonly maxEntries?: number;
}

/** A request as `quotaFetch` read it, for the cache to key it. */
export interface CacheRequest {
  /** The request's URL, with a GET request's query string. */
  readonly url: string;
  /** The method, upper case. */
  readonly method: string;
  /** The request body as given to `fetch` (a string for a JSON POST). */
  readonly body: unknown;
  /** The operations read from it; null when the body could not be read. */
  readonly operations: readonly GraphQLOperation[] | null;
  /** Whether the body is a batch (a JSON array). */
  readonly isBatch: boolean;
}

/**
 * What `quotaFetch`'s `cache` option takes. `quotaFetch` asks `match` before pacing (a hit is answered
 * without a request, and its headers are not fed to the pacer: draft-ietf-httpapi-ratelimit-headers
 * section 7.3 says to ignore them), and offers `put` every response it returns unretried with status 200.
 */
export interface ResponseCache {
  /** A fresh cached response for the request at `nowMs` (epoch ms), else undefined. */
  match(request: CacheRequest, nowMs: number): Response | undefined;
  /** A 200 response to the request, its body `text` (null when not JSON) and that text parsed. */
  put(request: CacheRequest, response: Response, text: string | null, parsed: unknown, nowMs: number): void;
}

/** The key of a request this cache keeps: a query sent by GET, or a persisted query; else null. */
function keyOf({ url, method, body, operations, isBatch }: CacheRequest): string | null {
  const op = operations?.[0];
  return op && !isBatch && op.type === 'query' && (method === 'GET' || op.extensions?.['persistedQuery'])
    ? `${method} ${url} ${method === 'GET' || typeof body !== 'string' ? '' : body}`
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
  return {
    match(request, nowMs) {
      const key = keyOf(request);
      if (key === null) return undefined;
      const hit = entries.get(key);
      if (hit && hit.expiresMs > nowMs) return new Response(hit.body, { status: 200, headers: hit.headers });
      entries.delete(key);
      return undefined;
    },
    put(request, response, text, parsed, nowMs) {
      const key = keyOf(request);
      if (
        key === null ||
        text === null ||
        !(parsed instanceof Object) ||
        (parsed as { errors?: unknown }).errors
      )
        return;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      if (maxEntries > 0)
        entries.set(key, { expiresMs: nowMs + ttlMs, headers: [...response.headers], body: text });
    },
  };
}
