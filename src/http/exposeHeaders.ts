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

/** Splits a Structured Field List into its members' text, at commas outside quoted strings. */
function listMembers(value: string): string[] {
  const members: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      members.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  members.push(value.slice(start).trim());
  return members.filter((m) => m !== '');
}

/** The leading String Item of a list member (`"hourly";r=5` gives `"hourly"`), as serialised. */
function memberName(member: string): string {
  const end = member.indexOf(';');
  return (end === -1 ? member : member.slice(0, end)).trim();
}

/**
 * A comma-separated list header (`Vary`, `Cache-Control`) with the members of `value` appended to those of
 * `existing` that it lacks, compared case-insensitively by name (a `Cache-Control` directive's name is what
 * precedes `=`). The existing members come first, as they were written. `Vary: *` stays `*`: it already
 * says the response varies by everything.
 */
function appendListMembers(value: string, existing: string): string {
  const members = existing
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (members.includes('*')) return '*';
  const nameOf = (member: string) => member.split('=')[0]!.trim().toLowerCase();
  const seen = new Set(members.map(nameOf));
  for (const member of value.split(',').map((m) => m.trim())) {
    if (member === '' || seen.has(nameOf(member))) continue;
    seen.add(nameOf(member));
    members.push(member);
  }
  return members.join(', ');
}

/**
 * The value of a header the quota writes, merged with the value already on the response (set by the
 * application, a gateway, or an earlier write of the quota itself), so that nothing of the application's is
 * lost: never replace, merge.
 * - `ratelimit`, `ratelimit-policy` (Structured Field Lists of named policies): the existing members whose
 *   name the quota does not use are kept, first; the quota's members follow (a member of the same name is
 *   the quota's own policy, so its current value replaces the old one instead of repeating it).
 * - `retry-after`: the later of the two, in whole seconds (a client must wait for both); an existing value
 *   that is not a number of seconds (an HTTP date) is kept beside nothing: the quota's is sent.
 * - `vary`, `cache-control` (lists of names or directives, RFC 9110 §12.5.5, RFC 9111 §5.2): the existing
 *   members kept, first, and the quota's that are missing appended (`no-store` after an application's
 *   `max-age=60`: RFC 9111 has a cache obey `no-store` whatever else the field says).
 * - any other (`x-rate-limit-*`, the quota's own single-value fields): the quota's value.
 * Returns `value` when `existing` is absent or empty.
 */
export function mergeHeaderValue(name: string, value: string, existing?: string | null): string {
  if (existing === undefined || existing === null || existing.trim() === '' || existing === value)
    return value;
  if (name === 'vary' || name === 'cache-control') return appendListMembers(value, existing);
  if (name === 'ratelimit' || name === 'ratelimit-policy') {
    const ours = listMembers(value);
    const names = new Set(ours.map(memberName));
    return [...listMembers(existing).filter((m) => !names.has(memberName(m))), ...ours].join(', ');
  }
  if (name === 'retry-after') {
    const theirs = /^\d+$/.test(existing.trim()) ? Number(existing.trim()) : -1;
    return theirs > Number(value) ? `${theirs}` : value;
  }
  return value;
}
