import { GraphQLError } from 'graphql';
import type { HeaderField } from '../http/index.js';
import type { QuotaRefusal } from '../lifecycle/index.js';

/**
 * The `extensions.http` Apollo turns into the response's status and headers. Apollo ignores a plain object
 * here; it takes any `Map` (errorNormalize.ts checks `instanceof Map`), of which its `HeaderMap` is one. A
 * plain `Map` of lower-case names is used so that this module loads nothing of `@apollo/server` at run time.
 */
export function httpExtension(
  status: number,
  headers: readonly HeaderField[],
): { status: number; headers: Map<string, string> } {
  return { status, headers: new Map(headers.map(([name, value]) => [name.toLowerCase(), value])) };
}

/**
 * A refusal as Apollo sends it: the message, the extensions (`code`...), and the status. Not the headers:
 * Apollo sets an error's `extensions.http.headers` on the response head with `set`, which replaced the
 * application's own `RateLimit`, `RateLimit-Policy`, `Vary`... before the plugin's `willSendResponse` could
 * merge them; the plugin writes the quota headers there, merged, as on success.
 */
export function refusalError(refusal: QuotaRefusal): GraphQLError {
  // Typed loosely on purpose: GraphQL Yoga's types (loaded with `graphql-quota/envelop`) declare
  // `extensions.http.headers` a plain object in graphql's global GraphQLErrorExtensions; Apollo needs a Map.
  const extensions: Record<string, unknown> = {
    ...refusal.extensions,
    http: httpExtension(refusal.status, []),
  };
  return new GraphQLError(refusal.message, {
    ...(refusal.cause !== null ? { originalError: refusal.cause } : {}),
    extensions,
  });
}
