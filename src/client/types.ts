/**
 * The client's vocabulary: one normalised quota state, whichever header format or response body it was
 * read from. Times are Unix epoch milliseconds on the client's clock; amounts are in the limit's `unit`.
 */

/** Where a limit's numbers came from. */
export type QuotaSource =
  /** IETF `RateLimit` / `RateLimit-Policy`, draft-ietf-httpapi-ratelimit-headers-11. */
  | 'ietf'
  /** graphql-quota's (openPIM's) `X-Rate-Limit-Remaining/-Reset/-Consumed/-First-In-Duration`. */
  | 'x-rate-limit'
  /** GitHub's `x-ratelimit-limit/-remaining/-used/-reset/-resource`. */
  | 'github'
  /** `extensions.cost.throttleStatus` in the response body (graphql-quota's or Shopify's). */
  | 'cost-extension';

/**
 * The quota unit a limit counts, as the IETF `qu` parameter names it: `requests` (one per HTTP request, the
 * draft's default), `concurrent-requests` (requests in flight), `graphql-cost` (graphql-quota's cost points;
 * also used for openPIM's score and Shopify's cost points), `content-bytes`, or another unit a server sent.
 */
export type QuotaUnit = 'requests' | 'concurrent-requests' | 'graphql-cost' | 'content-bytes' | (string & {});

/** One limit as a response describes it. Fields a format does not carry are null. */
export interface QuotaLimit {
  /**
   * The policy's name: the IETF item's name, `throttleStatus.limit` (graphql-quota), the GitHub
   * `x-ratelimit-resource` (`core`, `graphql`...), or the format's name when it carries none
   * (`x-rate-limit`, `github`, `cost`).
   */
  readonly name: string;
  /** The formats that described this limit (several when they agreed and were merged). */
  readonly sources: readonly QuotaSource[];
  readonly unit: QuotaUnit;
  /** The quota: window limit, bucket burst or concurrency maximum (`q`, `maximumAvailable`, `limit`). */
  readonly limit: number | null;
  /** What is left now (`r`, `currentlyAvailable`, `remaining`); never negative. */
  readonly remaining: number | null;
  /** What has been used in the window (`consumed`, `used`); null when not sent. */
  readonly used: number | null;
  /** The policy's window in seconds (`w`); null when not sent (concurrency limits have none). */
  readonly windowSeconds: number | null;
  /**
   * When the effective window ends (IETF `t`, `X-Rate-Limit-Reset`, `x-ratelimit-reset`, `resetAt`), epoch ms
   * on the client's clock. For a token bucket on a successful response this is when it is full again; on a
   * refusal by that limit, graphql-quota sends the time a retry can succeed instead. Both are safe times
   * to wait for; neither says how fast the limit refills (see `restorePerSecond`). Null when not sent.
   */
  readonly resetAtMs: number | null;
  /** Units restored per second by a token bucket (`restoreRate`); null when unknown or for a window. */
  readonly restorePerSecond: number | null;
  /** The IETF `pk` partition key, base64 as sent; null when absent. */
  readonly partitionKey: string | null;
  /** `X-Rate-Limit-First-In-Duration`: this response's operation opened the window. Null when not sent. */
  readonly firstInWindow: boolean | null;
}

/** A refusal (or throttle) an operation's result reports in `errors[].extensions`. */
export interface QuotaRefusal {
  /**
   * `extensions.code`: graphql-quota's `QUOTA_EXCEEDED` (429), `QUOTA_CAPACITY_EXCEEDED` (400),
   * `CLIENT_BLOCKED` (403), `QUOTA_STORE_UNAVAILABLE` (503), the analyzer's `COST_LIMIT_EXCEEDED` (400),
   * Shopify's `THROTTLED` (sent with HTTP 200), or `MAX_COST_EXCEEDED`.
   */
  readonly code: string;
  /** The limit that refused (`extensions.quota.limit`); null when not sent. */
  readonly limit: string | null;
  /** Seconds until a retry can succeed (`extensions.quota.retryAfterSeconds`); null when waiting cannot help or unknown. */
  readonly retryAfterSeconds: number | null;
  /** The operation's cost in points, when the refusal says (`extensions.quota.cost`, `requestedQueryCost`). */
  readonly cost: number | null;
}

/** Everything one response says about the client's quota. */
export interface QuotaState {
  /** When the response was read, epoch ms on the client's clock. */
  readonly observedAtMs: number;
  /** Every limit described, IETF policies first, in the order sent. Empty when the response carries none. */
  readonly limits: readonly QuotaLimit[];
  /**
   * `Retry-After` (delay-seconds or an HTTP-date) as milliseconds from `observedAtMs`, never negative; null
   * when absent or malformed. An HTTP-date is read against the response's `Date` header when it has one, so
   * a client whose clock is wrong still waits the right time.
   */
  readonly retryAfterMs: number | null;
  /** The estimated cost the server charged (`extensions.cost.requestedQueryCost`), points; null when not sent. */
  readonly requestedCost: number | null;
  /** The cost of what was returned (`extensions.cost.actualQueryCost`), points; null when not sent or not run. */
  readonly actualCost: number | null;
  /** Quota refusals found in the body's `errors`, in order (for a batch: across every result). */
  readonly refusals: readonly QuotaRefusal[];
}

/** Response headers as `fetch`'s `Headers`, a `Map`, Node's `IncomingHttpHeaders` or a plain record. */
export type HeadersLike =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | number | undefined | null>>;
