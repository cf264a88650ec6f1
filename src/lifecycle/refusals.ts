import { pointsText } from '../cost/index.js';
import type { HeaderField } from '../http/index.js';
import { REFUSAL_CODES, type Decision, type LimitStatus } from '../quota/index.js';

/**
 * The `extensions.code` of every refusal the quota itself answers, and its HTTP status. Cost analysis
 * refusals keep the analyzer's own codes (`COST_LIMIT_EXCEEDED`...), sent with {@link COST_REFUSAL_STATUS}.
 */
export const QUOTA_REFUSAL_STATUS = {
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
  /** The request's API key is not known and the `unknownApiKey` option is `'refuse'`. */
  UNKNOWN_API_KEY: 401,
} as const;

/** The code of a refusal the quota answers (see {@link QUOTA_REFUSAL_STATUS} for each one's status). */
export type QuotaRefusalCode = keyof typeof QUOTA_REFUSAL_STATUS;

/**
 * HTTP status of an operation refused by cost analysis (over `maxCost`, or input that cannot be priced):
 * 400, like a validation error, because the operation as written can never run; 429 would invite the
 * retries that cannot succeed.
 */
export const COST_REFUSAL_STATUS = 400;

/** The numbers a quota refusal carries in `extensions.quota`. */
export interface QuotaRefusalDetails {
  /** The plan the client is on. */
  readonly plan: string;
  /** The limit that refused; null for a block or a store failure. */
  readonly limit: string | null;
  /**
   * The operation's estimated cost, in points; absent when the refusing limit counts requests or slots (the
   * cost is not what it refused, and "cost: 0" beside "needs 1 request" would mislead).
   */
  readonly cost?: number;
  /** What the refusing limit has left, rounded down; null when no limit refused. */
  readonly remaining: number | null;
  /** Whole seconds until a retry can succeed; null when waiting cannot help. */
  readonly retryAfterSeconds: number | null;
}

/**
 * An operation refused before execution, as plain data: each adapter turns it into its server's error
 * (for Apollo Server a `GraphQLError` whose `extensions` are {@link QuotaRefusal.extensions} plus `code`
 * and `http: { status }`). The response must carry `status` and `headers`, the headers merged into the
 * response's own with `QuotaResponse.writeHeaders` (a server that `set`s them replaces the application's).
 */
export interface QuotaRefusal {
  readonly allowed: false;
  /** The HTTP status: one of {@link QUOTA_REFUSAL_STATUS}, or {@link COST_REFUSAL_STATUS}. */
  readonly status: number;
  /** A {@link QuotaRefusalCode}, or the cost analyzer's code (`COST_LIMIT_EXCEEDED`...). */
  readonly code: string;
  /** The error message for the client: what happened, and what would help. */
  readonly message: string;
  /**
   * The quota header fields of the response as they stand at the refusal (the merged decisions of its
   * batch), `retry-after` included when waiting helps; empty for a cost or configuration refusal.
   */
  readonly headers: readonly HeaderField[];
  /**
   * The error's extensions besides `code`: `{ quota: QuotaRefusalDetails }` for a quota refusal, the
   * analyzer's (`cost`, `maxCost`, `fields`...) for a cost refusal, none for `QUOTA_MISCONFIGURED`.
   */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** The error behind a cost refusal (a `CostError`), for the adapter's `originalError`; else null. */
  readonly cause: Error | null;
}

/** The code of a refused decision. */
export function refusalCode(
  decision: Decision,
): Exclude<QuotaRefusalCode, 'QUOTA_MISCONFIGURED' | 'UNKNOWN_API_KEY'> {
  // A refused decision always has a reason; 'limit' is the conservative reading of a malformed one.
  return REFUSAL_CODES[decision.reason ?? 'limit'];
}

/** `n` and the unit, singular for exactly one: "1 point", "2 points", "1 free slot". */
function count(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * The message of a quota refusal: what the operation needs, what is left, and when to retry, each in the
 * refusing limit's own unit (points for a limit that counts cost, requests for one that counts requests, slots
 * for a concurrency cap).
 */
export function refusalMessage(
  code: QuotaRefusalCode,
  details: QuotaRefusalDetails,
  limit: LimitStatus | null,
): string {
  const slots = limit?.kind === 'concurrency';
  const requests = limit?.counts === 'requests' && !slots;
  const needs = slots ? 'a free operation slot' : requests ? '1 request' : pointsText(details.cost ?? 0);
  const left = slots
    ? `${count(details.remaining ?? 0, 'free slot')} of ${limit.limit}`
    : `${count(details.remaining ?? 0, requests ? 'request' : 'point')} left`;
  switch (code) {
    case 'QUOTA_EXCEEDED':
      return (
        `Quota exceeded: this operation needs ${needs} and limit "${details.limit}" of plan "${details.plan}" ` +
        `has ${left}. Retry in ${details.retryAfterSeconds} s.`
      );
    case 'QUOTA_CAPACITY_EXCEEDED':
      return (
        `This operation costs ${pointsText(details.cost ?? 0)}, more than limit "${details.limit}" of plan "${details.plan}" ` +
        `allows in total (${limit?.limit ?? '?'}); no wait will admit it. Request less, or move to a larger plan.`
      );
    case 'CLIENT_BLOCKED':
      return `This client is blocked. Retry in ${details.retryAfterSeconds} s.`;
    case 'QUOTA_STORE_UNAVAILABLE':
      return `The quota service is unavailable; operations are refused until it is back. Retry in ${details.retryAfterSeconds} s.`;
    default:
      return MISCONFIGURED_MESSAGE;
  }
}

/** What a client is told of a configuration error; the log says what it is. */
export const MISCONFIGURED_MESSAGE = 'The quota configuration for this client is invalid.';

/** A refused decision as the client is told of it: its code, status, `extensions.quota` and message. */
export interface DecisionRefusal {
  readonly code: Exclude<QuotaRefusalCode, 'QUOTA_MISCONFIGURED' | 'UNKNOWN_API_KEY'>;
  readonly status: number;
  readonly details: QuotaRefusalDetails;
  readonly message: string;
}

/**
 * What a refused `decision` tells the client of plan `plan`, for an operation of estimated `cost` points: the
 * refusing limit's figures in its own unit, the cost only when that limit counts cost (or none refused).
 */
export function decisionRefusal(plan: string, cost: number, decision: Decision): DecisionRefusal {
  const code = refusalCode(decision);
  const status = QUOTA_REFUSAL_STATUS[code];
  const limit = decision.limits.find((l) => l.name === decision.refusedBy) ?? null;
  const countsCost = limit === null || (limit.kind !== 'concurrency' && limit.counts === 'cost');
  const details: QuotaRefusalDetails = {
    plan,
    limit: decision.refusedBy,
    ...(countsCost ? { cost } : {}),
    remaining: limit === null ? null : Math.max(0, Math.floor(limit.remaining)),
    retryAfterSeconds: code === 'QUOTA_CAPACITY_EXCEEDED' ? null : Math.ceil(decision.retryAfterSeconds),
  };
  return { code, status, details, message: refusalMessage(code, details, limit) };
}

/** What a client whose API key is unknown is told when the `unknownApiKey` option is `'refuse'`. */
export const UNKNOWN_API_KEY_MESSAGE =
  'The API key sent is not known. Send a valid key, or none to be served as an anonymous client.';

/** The value of `X-Rate-Limit-Anonymous` for a request served as anonymous because its API key is unknown. */
export const UNKNOWN_API_KEY_REASON = 'unknown-api-key';
