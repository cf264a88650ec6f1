import { GraphQLError } from 'graphql';
import type { HeaderField } from '../http/index.js';

/**
 * The `extensions.code` of every refusal the plugin sends, and its HTTP status. Cost analysis errors keep
 * the analyzer's own codes (`COST_LIMIT_EXCEEDED`...), sent with {@link COST_ERROR_STATUS}.
 */
export const QUOTA_ERROR_STATUS = {
  /** A limit has not enough left now; `Retry-After` says when it will. */
  QUOTA_EXCEEDED: 429,
  /**
   * The operation costs more than a limit's whole capacity: no wait admits it. 400 rather than 429 so that
   * clients that retry 429s do not retry it forever; request less, or move to a larger plan.
   */
  QUOTA_CAPACITY_EXCEEDED: 400,
  /** The client (or everyone) is blocked by the kill switch. */
  CLIENT_BLOCKED: 403,
  /** The quota store failed or timed out and `onStoreFailure` is `'deny'`. */
  QUOTA_STORE_UNAVAILABLE: 503,
  /** `identify` or `planFor` gave something unusable (an unknown plan name...): a server configuration error. */
  QUOTA_MISCONFIGURED: 500,
} as const;

export type QuotaPluginErrorCode = keyof typeof QUOTA_ERROR_STATUS;

/**
 * HTTP status of an operation refused by cost analysis (over `maxCost`, or input that cannot be priced):
 * 400, like Apollo's validation errors, because the operation as written can never run; 429 would invite
 * the retries that cannot succeed.
 */
export const COST_ERROR_STATUS = 400;

/** The numbers a quota refusal carries in `extensions.quota`. */
export interface QuotaErrorDetails {
  /** The plan the client is on. */
  readonly plan: string;
  /** The limit that refused; null for a block or a store failure. */
  readonly limit: string | null;
  /** The operation's estimated cost, in points. */
  readonly cost: number;
  /** What the refusing limit has left, rounded down; null when no limit refused. */
  readonly remaining: number | null;
  /** Whole seconds until a retry can succeed; null when waiting cannot help. */
  readonly retryAfterSeconds: number | null;
}

/**
 * The `extensions.http` Apollo turns into the response's status and headers. Apollo ignores a plain object
 * here; it takes any `Map` (errorNormalize.ts checks `instanceof Map`), of which its `HeaderMap` is one. A
 * plain `Map` of lower-case names is used so that importing this package does not load `@apollo/server`
 * at run time (it is an optional peer dependency).
 */
export function httpExtension(
  status: number,
  headers: readonly HeaderField[],
): { status: number; headers: Map<string, string> } {
  return { status, headers: new Map(headers.map(([name, value]) => [name.toLowerCase(), value])) };
}

/** A refusal as Apollo sends it: the message, a stable code, the status and the quota headers. */
export function refusal(
  code: string,
  status: number,
  message: string,
  headers: readonly HeaderField[],
  extensions: Readonly<Record<string, unknown>> = {},
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { ...extensions, code, http: httpExtension(status, headers) },
  });
}
