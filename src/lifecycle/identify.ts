import { createHash } from 'node:crypto';
import { UNKNOWN_API_KEY, type IdentifyFunction } from './options.js';
import type { QuotaRequest } from './request.js';

/**
 * The default `identify`: the `quotaClient` string the server's own `context` function put in the context
 * (from a verified token, a session, an authenticated API key), else anonymous (null). It never reads a
 * request header: headers are whatever the client chose to send.
 */
export function identifyFromContext(request: QuotaRequest): string | null {
  const context = request.context;
  if (typeof context !== 'object' || context === null) return null;
  const value: unknown = (context as { quotaClient?: unknown }).quotaClient;
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Default header read by {@link identifyByApiKey}. */
export const DEFAULT_API_KEY_HEADER = 'x-api-key';

/** The lookup key of an API key: its SHA-256 digest, so a lookup's timing can reveal nothing about the key. */
function digestOf(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('base64');
}

/**
 * An `identify` that trusts an API key header only against a table of known keys: a known key gives its
 * client id, no key is anonymous, and an unknown key is {@link UNKNOWN_API_KEY} (served as anonymous and told
 * so, or refused with 401, per the `unknownApiKey` option). Keys are looked up by their SHA-256
 * digest: one hash and one map lookup per request whatever the size of the table, and the lookup's timing
 * depends only on the digest, which an attacker cannot steer towards a real key (unlike comparing the
 * presented key itself with the known ones).
 *
 * @param keys API key → client id.
 * @param header The request header carrying the key. Default {@link DEFAULT_API_KEY_HEADER}.
 */
export function identifyByApiKey<TContext = unknown>(
  keys: Readonly<Record<string, string>> | ReadonlyMap<string, string>,
  header: string = DEFAULT_API_KEY_HEADER,
): IdentifyFunction<TContext> {
  const entries: [string, string][] =
    keys instanceof Map
      ? [...(keys as ReadonlyMap<string, string>)]
      : Object.entries(keys as Readonly<Record<string, string>>);
  const table = new Map<string, string>();
  for (const [key, client] of entries) if (key !== '') table.set(digestOf(key), client);
  const name = header.toLowerCase();
  return (request) => {
    const presented = request.headers.get(name);
    if (presented === undefined || presented === null || presented === '') return null;
    return table.get(digestOf(presented)) ?? UNKNOWN_API_KEY;
  };
}
