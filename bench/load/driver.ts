/**
 * The load of the proofs: lanes of requests over real HTTP (fetch, keep-alive), each lane sending its next
 * request when the previous one is answered, until a time or a count is reached. Every response is kept as a
 * {@link Shot} (or only counted, for runs of millions), so the proofs can check each one.
 */

export interface ShotRequest {
  readonly query: string;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly operationName?: string;
  /** Sent as `Authorization: Bearer <bearer>`. */
  readonly bearer?: string;
  /** Sent as `x-api-key`. */
  readonly apiKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A raw body instead of `{ query, variables, operationName }` (hostile input). */
  readonly body?: string;
}

/** One response, as the proofs check it. */
export interface Shot {
  readonly lane: number;
  readonly seq: number;
  readonly url: string;
  readonly operationName: string | null;
  /** When the request was sent, in ms since the run started. */
  readonly atMs: number;
  /** Wall-clock `Date.now()` when the request was sent. */
  readonly sentAtEpochMs: number;
  /** Time to the whole response body, in ms. */
  readonly ms: number;
  /** HTTP status; 0 when the request failed without one (connection error, or no answer in time). */
  readonly status: number;
  readonly codes: readonly string[];
  /** `extensions.cost.requestedQueryCost`, when the response has it. */
  readonly requested: number | null;
  /** `extensions.cost.actualQueryCost`, when the response has it. */
  readonly actual: number | null;
  /** A few response headers: `retry-after`, `x-rate-limit-remaining`. */
  readonly retryAfter: string | null;
  readonly remaining: string | null;
  /** The failure, when `status` is 0. */
  readonly failure: string | null;
  /** Whether the body was JSON (Apollo's HTTP layer answers some malformed requests in plain text). */
  readonly json: boolean;
  /** The first 200 characters of a body that was not JSON. */
  readonly text: string | null;
}

export interface DriveOptions {
  /** Servers to load; lane `i` sends to `urls[i % urls.length]`. */
  readonly urls: readonly string[];
  readonly lanes: number;
  /** Stop sending after this many milliseconds. */
  readonly durationMs?: number;
  /** Stop after this many requests in all. */
  readonly count?: number;
  /** Stop sending once a response satisfies this (requests in flight still complete). */
  readonly stopWhen?: (shot: Shot) => boolean;
  /** The request a lane sends as its `seq`-th. */
  readonly request: (lane: number, seq: number) => ShotRequest;
  /** Give up on a request after this many milliseconds (recorded as status 0). Default 30,000. */
  readonly requestTimeoutMs?: number;
  /** Keep every shot (default true); otherwise only `onShot` sees them. */
  readonly keep?: boolean;
  readonly onShot?: (shot: Shot) => void;
}

export interface DriveResult {
  readonly shots: readonly Shot[];
  readonly sent: number;
  readonly elapsedMs: number;
  /** `Date.now()` when the run started. */
  readonly startedAtEpochMs: number;
}

async function fire(url: string, request: ShotRequest, timeoutMs: number) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...request.headers };
  if (request.bearer !== undefined) headers['authorization'] = `Bearer ${request.bearer}`;
  if (request.apiKey !== undefined) headers['x-api-key'] = request.apiKey;
  const body =
    request.body ??
    JSON.stringify({
      query: request.query,
      ...(request.variables !== undefined ? { variables: request.variables } : {}),
      ...(request.operationName !== undefined ? { operationName: request.operationName } : {}),
    });
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  try {
    return { response, parsed: JSON.parse(text) as unknown, json: true, text: null };
  } catch {
    // Not JSON: no codes, no cost.
    return { response, parsed: null, json: false, text: text.slice(0, 200) };
  }
}

function read(parsed: unknown) {
  const bodies = Array.isArray(parsed) ? parsed : [parsed];
  const codes: string[] = [];
  let requested: number | null = null;
  let actual: number | null = null;
  for (const body of bodies as {
    errors?: { extensions?: { code?: unknown } }[];
    extensions?: { cost?: { requestedQueryCost?: number; actualQueryCost?: number | null } };
  }[]) {
    for (const error of body?.errors ?? []) codes.push(String(error.extensions?.code));
    const cost = body?.extensions?.cost;
    if (cost !== undefined) {
      requested = (requested ?? 0) + (cost.requestedQueryCost ?? 0);
      if (cost.actualQueryCost !== null && cost.actualQueryCost !== undefined)
        actual = (actual ?? 0) + cost.actualQueryCost;
    }
  }
  return { codes, requested, actual };
}

/** Runs the load; resolves once every lane has stopped. */
export async function drive(options: DriveOptions): Promise<DriveResult> {
  if (options.durationMs === undefined && options.count === undefined) {
    throw new TypeError('drive: give durationMs or count, so the run stops by itself');
  }
  const shots: Shot[] = [];
  const keep = options.keep ?? true;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const started = performance.now();
  const startedAtEpochMs = Date.now();
  const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs;
  let sent = 0;
  let stopped = false;

  await Promise.all(
    Array.from({ length: options.lanes }, async (_, lane) => {
      const url = options.urls[lane % options.urls.length]!;
      for (let seq = 0; ; seq++) {
        if (stopped || performance.now() >= deadline) return;
        if (options.count !== undefined && sent >= options.count) return;
        sent += 1;
        const request = options.request(lane, seq);
        const atMs = performance.now() - started;
        const sentAtEpochMs = Date.now();
        const base = { lane, seq, url, operationName: request.operationName ?? null, atMs, sentAtEpochMs };
        let shot: Shot;
        try {
          const { response, parsed, json, text } = await fire(url, request, timeoutMs);
          shot = {
            ...base,
            ...read(parsed),
            ms: performance.now() - started - atMs,
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
            remaining: response.headers.get('x-rate-limit-remaining'),
            failure: null,
            json,
            text,
          };
        } catch (error) {
          shot = {
            ...base,
            codes: [],
            requested: null,
            actual: null,
            ms: performance.now() - started - atMs,
            status: 0,
            retryAfter: null,
            remaining: null,
            failure: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            json: false,
            text: null,
          };
        }
        if (keep) shots.push(shot);
        options.onShot?.(shot);
        if (options.stopWhen?.(shot) === true) stopped = true;
      }
    }),
  );
  return { shots, sent, elapsedMs: performance.now() - started, startedAtEpochMs };
}

/** Responses by status, e.g. `{ 200: 1412, 429: 88 }`. */
export function tallyStatuses(shots: readonly Pick<Shot, 'status'>[]): Record<number, number> {
  const tally: Record<number, number> = {};
  for (const { status } of shots) tally[status] = (tally[status] ?? 0) + 1;
  return tally;
}

/** The `p`-th percentile (0..100) of `values`, nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
