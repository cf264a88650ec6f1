import type { BaseContext, GraphQLRequestContext } from '@apollo/server';
import { timingSafeEqual } from 'node:crypto';
import type { IdentifyFunction } from './options.js';

/**
 * The default `identify`: the `quotaClient` string the server's own `context` function put in the context
 * (from a verified token, a session, an authenticated API key), else anonymous. It never reads a request
 * header: headers are whatever the client chose to send.
 */
export function identifyFromContext(requestContext: GraphQLRequestContext<BaseContext>): string | null {
  const value: unknown = (requestContext.contextValue as { quotaClient?: unknown }).quotaClient;
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Default header read by {@link identifyByApiKey}. */
export const DEFAULT_API_KEY_HEADER = 'x-api-key';

/**
 * An `identify` that trusts an API key header only against a table of known keys: a known key gives its
 * client id, anything else (no key, an unknown key) is anonymous. Keys are compared in constant time.
 *
 * @param keys API key → client id.
 * @param header The request header carrying the key. Default {@link DEFAULT_API_KEY_HEADER}.
 */
export function identifyByApiKey<TContext extends BaseContext = BaseContext>(
  keys: Readonly<Record<string, string>> | ReadonlyMap<string, string>,
  header: string = DEFAULT_API_KEY_HEADER,
): IdentifyFunction<TContext> {
  const entries: [string, string][] =
    keys instanceof Map
      ? [...(keys as ReadonlyMap<string, string>)]
      : Object.entries(keys as Readonly<Record<string, string>>);
  const table = entries.map(([key, client]) => [Buffer.from(key, 'utf8'), client] as const);
  const name = header.toLowerCase();
  return (requestContext) => {
    const presented = requestContext.request.http?.headers.get(name);
    if (presented === undefined || presented === '') return null;
    const bytes = Buffer.from(presented, 'utf8');
    let found: string | null = null;
    // Every entry is compared, so the time taken does not reveal how much of a key matched or which one.
    for (const [key, client] of table) {
      if (key.length === bytes.length && timingSafeEqual(key, bytes)) found = client;
    }
    return found;
  };
}
