import type { HeaderField } from './quotaHeaders.js';

/**
 * The `Access-Control-Expose-Headers` value that lets scripts on another origin read the quota headers.
 * CORS hides every response header but a safelisted few (`Content-Type`, `Cache-Control`, ...) from browser
 * code, so without it a web client cannot see `X-Rate-Limit-Remaining`, `RateLimit` or `Retry-After`.
 * Returns `existing` (a value already on the response, e.g. set by another plugin) with each name of
 * `fields` appended once, compared case-insensitively; null when `fields` is empty. A `*` in `existing` is
 * kept and the names are still listed, because `*` exposes nothing on credentialed requests.
 * See https://fetch.spec.whatwg.org/#http-access-control-expose-headers.
 */
export function exposeHeadersValue(fields: readonly HeaderField[], existing?: string | null): string | null {
  if (fields.length === 0) return null;
  const names =
    existing === undefined || existing === null || existing.trim() === '' ? [] : [existing.trim()];
  const seen = new Set(names.flatMap((value) => value.split(',').map((name) => name.trim().toLowerCase())));
  for (const [name] of fields) {
    const lower = name.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    names.push(lower);
  }
  return names.join(', ');
}
