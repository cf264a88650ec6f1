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

/** A refusal as Apollo sends it: the message, the extensions (`code`...), and the status and headers. */
export function refusalError(refusal: QuotaRefusal): GraphQLError {
  return new GraphQLError(refusal.message, {
    ...(refusal.cause !== null ? { originalError: refusal.cause } : {}),
    extensions: { ...refusal.extensions, http: httpExtension(refusal.status, refusal.headers) },
  });
}
