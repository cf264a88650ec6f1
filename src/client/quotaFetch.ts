/**
 * `quotaFetch(options)`: a `fetch` that reads the quota a GraphQL server reports, waits before sending a
 * request the server would refuse, retries what waiting can cure, and never re-sends what already ran.
 */
import { parseQuotaHeaders, resultRefusals } from './parseQuotaHeaders.js';
import { operationOf, parseJson, readOperations, requestOf, type GraphQLOperation } from './operations.js';
import { createPacer } from './pacer.js';
import type { ResponseCache } from './cache.js';
import type { QuotaState } from './types.js';

/** The `fetch` signature wrapped and returned (the WHATWG one, as Node 20+ and browsers have it). */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Time, injectable for tests: fake timers do not reach a clock captured at start-up. */
export interface QuotaClock {
  /** Epoch milliseconds. Default `Date.now`. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with `signal.reason` once `signal` aborts. Default: `setTimeout`. */
  sleep(ms: number, signal?: AbortSignal | null): Promise<void>;
}

/** Why a request waits before it is sent. */
export type ThrottleReason =
  /** A limit has not enough left for the operation's estimated cost: waiting for its refill or reset. */
  | 'quota'
  /** A `Retry-After` is in force. */
  | 'retry-after'
  /** The client's own `maxRequestsPerSecond`. */
  | 'rate';

export interface ThrottleEvent {
  readonly reason: ThrottleReason;
  /** How long the request waits, ms. */
  readonly delayMs: number;
  /**
   * The name (`QuotaLimit.name`, a string, `''` when the server names a policy `""`) of the limit waited for
   * when `reason` is `quota`; null otherwise.
   */
  readonly limit: string | null;
  /** The operation's estimated cost used for pacing, points; null when unknown. */
  readonly cost: number | null;
}

export interface RetryEvent {
  /** 1 for the first retry. */
  readonly attempt: number;
  /** How long before it is sent, ms. */
  readonly delayMs: number;
  /** The status that caused it; null after a network error. */
  readonly status: number | null;
  /** The network error that caused it; null otherwise. */
  readonly error: unknown;
  /** Operations re-sent: all of a single request, only the refused ones of a batch. */
  readonly operations: number;
}

/** Thrown (and the request not sent) when pacing would have to wait longer than `maxWaitMs`. */
export class QuotaWaitError extends Error {
  override readonly name = 'QuotaWaitError';
  constructor(
    /** How long the request would have had to wait, ms. */
    readonly waitMs: number,
    /** The limit that would have refused it; null for a `Retry-After`. */
    readonly limit: string | null,
  ) {
    super(
      `graphql-quota: the quota allows this request in ${Math.ceil(waitMs / 1000)} s, longer than maxWaitMs`,
    );
  }
}

/** Default {@link QuotaFetchOptions.maxRetries}. */
export const DEFAULT_MAX_RETRIES = 3;
/** Default {@link QuotaFetchOptions.baseDelayMs}. */
export const DEFAULT_BASE_DELAY_MS = 250;
/** Default {@link QuotaFetchOptions.maxDelayMs}. */
export const DEFAULT_MAX_DELAY_MS = 20_000;
/** Default {@link QuotaFetchOptions.maxWaitMs}. */
export const DEFAULT_MAX_WAIT_MS = 60_000;
/** The request header that asks a graphql-quota server for `extensions.cost`. */
export const COST_REQUEST_HEADER = 'x-quota-cost';

export interface QuotaFetchOptions {
  /** The `fetch` wrapped. Default `globalThis.fetch`. */
  readonly fetch?: FetchFunction;
  /** Retries after the first attempt, at most. Default {@link DEFAULT_MAX_RETRIES} (3). */
  readonly maxRetries?: number;
  /**
   * The backoff when no `Retry-After` says how long to wait: a random delay in [0, min(maxDelayMs,
   * baseDelayMs × 2^attempt)) ("full jitter"). Also the jitter added after a `Retry-After`, so that clients
   * told the same time do not all return in the same millisecond. Default {@link DEFAULT_BASE_DELAY_MS}.
   */
  readonly baseDelayMs?: number;
  /** Cap of one backoff delay, ms. Default {@link DEFAULT_MAX_DELAY_MS}. */
  readonly maxDelayMs?: number;
  /**
   * The longest wait accepted, ms: a `Retry-After` longer than this is not waited for (the refusal is
   * returned); a pacing wait longer than this throws {@link QuotaWaitError} without sending. Default
   * {@link DEFAULT_MAX_WAIT_MS} (one minute).
   */
  readonly maxWaitMs?: number;
  /**
   * Retry mutations too. Default false: a mutation is never sent twice, even after a refusal, because a
   * proxy's 503 or a dropped connection cannot say whether it ran. Batches are decided per operation.
   */
  readonly retryMutations?: boolean;
  /** Wait before sending what the last known quota would refuse. Default true. */
  readonly pacing?: boolean;
  /**
   * The operation's cost, in the server's points, for pacing: a hint you know, or `analyzerCostEstimator`
   * (graphql-quota/client/cost) running the server's cost analysis here. Null or undefined: the cost the
   * server reported for the same operation last time (`extensions.cost.requestedQueryCost`, or the
   * `extensions.quota.cost` of a refusal), else 1.
   */
  readonly estimateCost?: (operation: GraphQLOperation) => number | null | undefined;
  /**
   * Send `x-quota-cost: 1` so that a graphql-quota server adds `extensions.cost`: the cost learnt per
   * operation, and a token bucket's restore rate. A browser needs the server's CORS to allow the header.
   * Default false.
   */
  readonly requestCost?: boolean;
  /** Requests in flight at once, at most (policies like "3 concurrent requests"). Default: no cap. */
  readonly maxConcurrency?: number;
  /** Requests sent per second, at most, evenly spaced (policies like "20 requests per second"). Default: no cap. */
  readonly maxRequestsPerSecond?: number;
  /**
   * A response cache: `responseCache({ ttlMs, maxEntries })` from graphql-quota/client/cache keeps
   * successful query responses (GET requests and persisted queries only). It wraps the returned function:
   * a hit is answered before any pacing. Default: no cache.
   */
  readonly cache?: ResponseCache;
  /** Called when a request waits before being sent. */
  readonly onThrottle?: (event: ThrottleEvent) => void;
  /** Called before each retry. */
  readonly onRetry?: (event: RetryEvent) => void;
  /**
   * Called with every response's parsed quota state. `usageAlerts({ thresholds, onUsage })` from
   * graphql-quota/client/usage makes one that calls `onUsage` when a limit's usage crosses a threshold.
   */
  readonly onState?: (state: QuotaState, response: Response) => void;
  /** Time. Default: `Date.now` and `setTimeout`. */
  readonly clock?: QuotaClock;
  /** A random number in [0, 1) for jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/** The refusal codes a wait cures. */
const RETRY_CODES = ['QUOTA_EXCEEDED', 'THROTTLED', 'QUOTA_STORE_UNAVAILABLE'];
/** Operation costs remembered from `extensions.cost`, by document and name. */
const COST_MEMORY = 500;

/**
 * A wait that `start` begins and ends by calling `done`; `start` returns how to cancel it. Once `signal`
 * aborts it rejects at once with the signal's reason unchanged, as `fetch` itself does (a `DOMException`
 * named `AbortError` unless the caller gave `abort()` a reason of its own), and leaves no listener behind.
 */
const abortable = (signal: AbortSignal | null | undefined, start: (done: () => void) => () => void) =>
  new Promise<void>((resolve, reject) => {
    // The signal's reason as given, whatever it is (fetch rejects with it unchanged too): typed as an Error
    // for the lint rule only, nothing converts it.
    const fail = () => reject(signal!.reason as Error);
    if (signal?.aborted) return fail();
    const abort = () => (cancel(), fail());
    const cancel = start(() => (signal?.removeEventListener('abort', abort), resolve()));
    signal?.addEventListener('abort', abort, { once: true });
  });

const realClock: QuotaClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    abortable(signal, (done) => {
      const timer = setTimeout(done, ms);
      return () => clearTimeout(timer);
    }),
};

/** The numeric options, by name. */
type NumberOption =
  'maxRetries' | 'baseDelayMs' | 'maxDelayMs' | 'maxWaitMs' | 'maxConcurrency' | 'maxRequestsPerSecond';

/**
 * `options[name]`, checked: a non-negative number (an integer when `integer`); `fallback` when undefined.
 * The option is read by its name, so that each name is written once (the error names it too).
 */
function positive(
  options: QuotaFetchOptions,
  name: NumberOption,
  fallback: number,
  integer?: boolean,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (!(value >= 0) || (integer && !Number.isInteger(value)))
    throw new TypeError(
      `quotaFetch: ${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${value}`,
    );
  return value;
}

/** Whether a result was refused unrun (no `data`) for a reason that waiting cures. */
const refusedUnrun = (result: unknown): boolean =>
  (result as { data?: unknown } | null)?.data == null &&
  resultRefusals(result).some((r) => RETRY_CODES.includes(r.code));

/**
 * Returns a `fetch`-compatible function for GraphQL requests (Apollo Client's `HttpLink({ fetch })`, urql's
 * `fetch` option, graphql-request's `fetch`, plain code). For each request it:
 * 1. serves a fresh cached response when `cache` has one (see graphql-quota/client/cache);
 * 2. waits while a `Retry-After` is in force, while the last known quota has not enough for the
 *    operation's estimated cost (until the limit's refill or reset), and for the `maxConcurrency` and
 *    `maxRequestsPerSecond` caps; before any quota is known, one request goes first and the others wait for
 *    its answer;
 * 3. sends it, and reads the quota state of the response (`parseQuotaHeaders`, with the JSON body);
 * 4. retries a 429 or 503, or a result refused with `QUOTA_EXCEEDED`, `THROTTLED` (Shopify, HTTP 200) or
 *    `QUOTA_STORE_UNAVAILABLE`, no earlier than `Retry-After` (or `extensions.quota.retryAfterSeconds`, or
 *    a bucket's refill time) plus a jitter of up to `baseDelayMs`, else after a full-jitter exponential
 *    backoff; at most `maxRetries` times; never a mutation unless `retryMutations`; never a refusal that
 *    waiting cannot cure (400 `QUOTA_CAPACITY_EXCEEDED` or `COST_LIMIT_EXCEEDED`, 403 `CLIENT_BLOCKED`).
 *    For a batch (a JSON array body), only the operations whose results were refused unrun are re-sent, and
 *    their results are put back in place: an operation of a batch that ran is never sent again.
 *
 * Aborting `init.signal` rejects at once with its reason, waiting included. Options are validated here and
 * throw `TypeError`. Pacing state is per returned function: share one function among the workers that
 * share an API key.
 */
export function quotaFetch(options: QuotaFetchOptions = {}): FetchFunction {
  const base = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const maxRetries = positive(options, 'maxRetries', DEFAULT_MAX_RETRIES, true);
  const baseDelay = positive(options, 'baseDelayMs', DEFAULT_BASE_DELAY_MS);
  const maxDelay = positive(options, 'maxDelayMs', DEFAULT_MAX_DELAY_MS);
  const maxWait = positive(options, 'maxWaitMs', DEFAULT_MAX_WAIT_MS);
  const maxConcurrency = positive(options, 'maxConcurrency', Infinity) || Infinity;
  const rps = positive(options, 'maxRequestsPerSecond', Infinity);
  const { onThrottle, onRetry, onState, estimateCost, cache } = options;
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const pacing = options.pacing ?? true;

  const [gate, send, done, observeState, blockedUntil, inflight] = createPacer();
  const costs = new Map<string, number>();
  let nextSendMs = 0;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const backoff = (attempt: number) => random() * Math.min(maxDelay, baseDelay * 2 ** attempt);
  const keyOf = (op: GraphQLOperation) =>
    `${op.operationName ?? ''}\u0000${op.query ?? JSON.stringify(op.extensions)}`;

  /** The estimated cost of operations sent together; null when none is known. */
  const costOfAll = (ops: readonly GraphQLOperation[]): number | null => {
    let known = false;
    const total = ops.reduce((sum, op) => {
      const hinted = estimateCost?.(op);
      const cost = typeof hinted === 'number' && hinted >= 0 ? hinted : costs.get(keyOf(op));
      if (cost !== undefined) known = true;
      return sum + (cost ?? 1);
    }, 0);
    return known ? total : null;
  };

  /**
   * Waits until the operations may go, then counts them as sent; returns their sequence number and the cost
   * counted. The cost is estimated again after each wait: a response meanwhile may have taught it.
   */
  async function admit(
    ops: readonly GraphQLOperation[],
    signal: AbortSignal | null | undefined,
  ): Promise<[seq: number, cost: number | null]> {
    for (;;) {
      const cost = costOfAll(ops);
      const now = clock.now();
      const [gateMs, limit] = pacing
        ? gate(cost ?? 1, now, maxConcurrency)
        : [inflight() >= maxConcurrency ? -1 : 0, null];
      let waitMs = gateMs;
      let reason: ThrottleReason = blockedUntil() > now && limit === null ? 'retry-after' : 'quota';
      if (waitMs === 0 && nextSendMs > now) [waitMs, reason] = [nextSendMs - now, 'rate'];
      if (waitMs === 0) break;
      if (waitMs === -1) await abortable(signal, (done) => (waiters.push(done), () => undefined));
      else {
        if (waitMs > maxWait) throw new QuotaWaitError(waitMs, limit);
        onThrottle?.({ reason, delayMs: waitMs, limit, cost });
        await clock.sleep(waitMs, signal);
      }
    }
    if (rps !== Infinity) nextSendMs = Math.max(nextSendMs, clock.now()) + 1000 / rps;
    const cost = costOfAll(ops);
    return [send(cost ?? 1), cost];
  }

  function observe(
    state: QuotaState,
    seq: number,
    ops: readonly GraphQLOperation[],
    cost: number | null,
    status: number,
  ) {
    // The cost the server charged (extensions.cost), or stated in a refusal (extensions.quota.cost).
    const learnt = state.requestedCost ?? state.refusals[0]?.cost ?? null;
    if (!ops[1] && ops[0] && learnt !== null) {
      if (costs.size >= COST_MEMORY) costs.delete(costs.keys().next().value!);
      costs.set(keyOf(ops[0]), learnt);
    }
    // Which limits refused, and so sent the retry time as `t` (all of them when the body does not say), and
    // the units they refused.
    const named = state.refusals.filter((r) => r.limit !== null);
    observeState(state, seq, cost ?? 1, clock.now(), (limit) => {
      const by = named.find((r) => r.limit === limit);
      return (named[0] ? by : status === 429 || state.refusals[0]) ? (by?.cost ?? learnt ?? cost ?? 1) : null;
    });
  }

  const paced: FetchFunction = async (input, init = {}) => {
    // A Request (not a string or URL): its own signal, method and headers count when init gives none.
    const [url, method, request] = requestOf(input, init);
    const signal = init.signal ?? request?.signal;
    const read = readOperations(url, method, init.body);
    // A body this client cannot read (a stream, a Request's own body) may be a mutation and may not be
    // re-readable: it is sent once, never retried.
    const ops = read?.operations ?? [operationOf({}, false)];
    const isBatch = read?.isBatch;
    const retryable = (op: GraphQLOperation) =>
      op.type === 'query' || (options.retryMutations === true && !!read);
    let headers = init.headers;
    if (options.requestCost) {
      // A Request's own headers are kept: headers given in init would replace them all.
      headers = new Headers(headers ?? request?.headers);
      headers.set(COST_REQUEST_HEADER, '1');
    }

    // Operations still to be answered (indices into `ops`), and the answers of a batch so far.
    let pending = ops.map((_, i) => i);
    const results: unknown[] = [];
    let retried = false;
    /** The status of the last answer that refused something: what a batch still partly refused answers. */
    let refusalStatus = 200;
    for (let attempt = 0; ; attempt++) {
      const sent = pending.map((i) => ops[i]!);
      const body =
        isBatch && retried
          ? JSON.stringify(pending.map((i) => (JSON.parse(init.body as string) as unknown[])[i]))
          : init.body;
      const [seq, cost] = await admit(sent, signal);
      let response: Response;
      try {
        response = await base(input, {
          ...init,
          ...(body != null ? { body } : {}),
          ...(headers ? { headers } : {}),
        });
      } catch (error) {
        done(cost ?? 1);
        wake();
        const delayMs = backoff(attempt);
        if (signal?.aborted || attempt >= maxRetries || !sent.every(retryable)) throw error;
        onRetry?.({ attempt: attempt + 1, delayMs, status: null, error, operations: sent.length });
        await clock.sleep(delayMs, signal);
        continue;
      }
      done(cost ?? 1);
      const status = response.status;
      if (status !== 200) refusalStatus = status;
      const text = /json/i.test(response.headers.get('content-type')!)
        ? await response
            .clone()
            .text()
            .catch(() => null)
        : null;
      // Not JSON after all: headers alone are read.
      const parsed = parseJson(text);
      const state = parseQuotaHeaders(response.headers, { body: parsed, nowMs: clock.now() });
      observe(state, seq, sent, cost, status);
      wake();
      onState?.(state, response);

      // GitHub answers an exhausted primary limit with 403 and x-ratelimit-remaining: 0.
      const throttled =
        // The statuses retried (when the operations may be).
        status === 429 ||
        status === 503 ||
        (status === 403 &&
          !state.refusals[0] &&
          state.limits.some((l) => l.sources.includes('github') && l.remaining === 0));
      const answers = isBatch
        ? Array.isArray(parsed) && parsed.length === sent.length
          ? parsed
          : null
        : [parsed];
      // A retry is owed to each operation refused unrun, whose result says so (or, for a single operation,
      // whose status does).
      const again = pending.filter((i, j) => {
        results[i] = answers?.[j];
        return (refusedUnrun(results[i]) || (!isBatch && throttled)) && retryable(ops[i]!);
      });
      // When a retry can succeed: the Retry-After in force (or graphql-quota's `retryAfterSeconds`), or,
      // when pacing, what the quota model says the refused operations wait for (a Shopify bucket's refill
      // for their cost, GitHub's reset).
      const now = clock.now();
      const wait = Math.max(
        blockedUntil() - now,
        pacing ? gate(costOfAll(again.map((i) => ops[i]!)) ?? 1, now, Infinity)[0] : 0,
      );
      const delayMs = wait > 0 ? wait + random() * baseDelay : backoff(attempt);
      if (!again.length || attempt >= maxRetries || wait > maxWait || (isBatch && !answers)) {
        if (!retried || !isBatch) return response;
        const out = new Headers(response.headers);
        out.delete('content-length');
        out.delete('content-encoding');
        // A batch answered in parts: one body with every result in place. Its status is the refusal's only when
        // every operation is still refused; 200 once one has run (as a graphql-quota server answers a partly
        // refused batch: what ran must not look failed, or a caller retrying on 429 would run it twice).
        return new Response(JSON.stringify(results), {
          status: results.every(refusedUnrun) ? refusalStatus : 200,
          headers: out,
        });
      }
      onRetry?.({ attempt: attempt + 1, delayMs, status, error: null, operations: again.length });
      // The response is dropped unread by the caller: release its body.
      await response.body?.cancel().catch(() => undefined);
      await clock.sleep(delayMs, signal);
      pending = again;
      retried = true;
    }
  }; // The cache is outside: a hit never waits, and is never fed to the pacer.
  return cache ? cache(paced, clock) : paced;
}
