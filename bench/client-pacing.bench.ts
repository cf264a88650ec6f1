/**
 * The client simulation of issue 13: 20 clients share one API key on a token-bucket plan (1,000 points of
 * burst, 100 points per second) of the real demo server (PIM schema, quota plugin, in-memory store) in a
 * child process on a free 127.0.0.1 port. Each client sends one operation after another for PHASE_MS; every
 * operation costs 10 points (`products(first: 9) { nodes { sku } }`, exact: nothing is refunded). Four ways
 * to be a client, one after the other, each on its own API key (its own fresh bucket), in the same run:
 *
 * - quotaFetch, shared: the 20 workers share one `quotaFetch` (one process, one key);
 * - quotaFetch, independent: each worker its own `quotaFetch` (20 processes that know nothing of each other);
 * - reactive: plain fetch that waits exactly `Retry-After` after a 429, then retries;
 * - naive: plain fetch that retries a 429 at once.
 *
 * Measured per client: requests, 429s, completed operations per second, wasted requests (sent, not
 * completed), the bucket capacity used (points admitted / (burst + rate × duration)), 429s received by a
 * worker after its first response, and requests a quotaFetch sent before a Retry-After it had received had
 * passed. Checks (exit 1 when one fails), for both quotaFetch rows (one shared, and 20 independent ones that
 * learn of each other only from the headers): nothing refused after each worker's first response, ≥ 95 %
 * of the capacity used, and nothing sent before a Retry-After. Bounded: about 4 × 11 s.
 */
import { getEventListeners, setMaxListeners } from 'node:events';
import { quotaFetch, type FetchFunction } from '../src/client/index.js';
import { UNLIMITED, type ServerConfig } from '../__tests__/helpers/serverApp.js';
import { startServerProcess, stopServerProcesses } from '../__tests__/helpers/serverProcess.js';

const WORKERS = 20;
const PHASE_MS = 10_000;
const BURST = 1_000;
const RATE = 100;
const OP_COST = 10;
const QUERY = '{ products(first: 9) { nodes { sku } } }';
const KEYS = ['k-shared', 'k-independent', 'k-reactive', 'k-naive'] as const;

const CONFIG: ServerConfig = {
  schema: 'demo',
  plans: [
    {
      name: 'shared',
      limits: [{ name: 'bucket', kind: 'token-bucket', counts: 'cost', rate: RATE, burst: BURST }],
    },
    UNLIMITED,
  ],
  defaultPlan: 'shared',
  identify: 'api-key',
  apiKeys: Object.fromEntries(KEYS.map((k) => [k, k])),
  exposeCost: 'on-request',
};

interface Send {
  readonly worker: number;
  /** One `quotaFetch` instance (or plain client) this request came from. */
  readonly instance: number;
  readonly sentMs: number;
  answeredMs: number;
  status: number;
  retryAfterMs: number;
  cost: number;
}

interface PhaseResult {
  readonly name: string;
  readonly sends: Send[];
  readonly completed: number;
  readonly elapsedMs: number;
}

/** Abort listeners left on each phase's signal at its end (a leak would show here). */
const listenersLeft = new Map<string, number>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wraps `fetch` so that every request sent is recorded with its answer. */
function recorder(sends: Send[], worker: number, instance: number): FetchFunction {
  return async (input, init) => {
    // The shared instance serves every worker: each tags its requests with x-worker.
    const who = worker >= 0 ? worker : Number(new Headers(init?.headers).get('x-worker'));
    const send: Send = {
      worker: who,
      instance,
      sentMs: performance.now(),
      answeredMs: 0,
      status: 0,
      retryAfterMs: 0,
      cost: 0,
    };
    sends.push(send);
    const response = await fetch(input, init);
    send.answeredMs = performance.now();
    send.status = response.status;
    send.retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000;
    return response;
  };
}

const init = (key: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': key, 'x-quota-cost': '1' },
  body: JSON.stringify({ query: QUERY }),
});

/** Runs `WORKERS` workers, each calling `one(worker, signal)` until the phase ends. */
async function phase(
  name: string,
  one: (worker: number, signal: AbortSignal, sends: Send[]) => Promise<boolean>,
): Promise<PhaseResult> {
  const sends: Send[] = [];
  const controller = new AbortController();
  // Plain fetch (undici) holds a listener per request on the signal until the request is done: thousands at
  // a time in the naive phase, none left at the end (printed).
  setMaxListeners(0, controller.signal);
  const started = performance.now();
  const timer = setTimeout(() => controller.abort(), PHASE_MS);
  let completed = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, worker) => {
      while (!controller.signal.aborted) {
        try {
          if (await one(worker, controller.signal, sends)) completed++;
        } catch (error) {
          if (!controller.signal.aborted) throw error;
        }
      }
    }),
  );
  clearTimeout(timer);
  listenersLeft.set(name, getEventListeners(controller.signal, 'abort').length);
  // Let the last answers land, so that the bucket's next phase (another key) starts clean.
  await sleep(200);
  return { name, sends, completed, elapsedMs: performance.now() - started };
}

async function readOk(response: Response, signal: AbortSignal): Promise<boolean> {
  const body = (await response.json()) as {
    data?: unknown;
    extensions?: { cost?: { actualQueryCost?: number } };
  };
  if (response.status !== 200 || body.data == null) return false;
  if (body.extensions?.cost?.actualQueryCost !== OP_COST)
    throw new Error(`expected an exact cost of ${OP_COST}, got ${JSON.stringify(body.extensions)}`);
  // An operation answered after the phase ended is not counted: the phase's capacity is its duration's.
  return !signal.aborted;
}

async function main(): Promise<void> {
  const server = await startServerProcess(CONFIG);
  const url = server.url;
  try {
    const results: PhaseResult[] = [];

    const sharedSends: Send[] = [];
    const shared = quotaFetch({ fetch: recorder(sharedSends, -1, 0), requestCost: true });
    const sharedPhase = await phase('quotaFetch, shared', async (worker, signal) => {
      // The shared instance's records carry no worker: tag them by the header the worker sends.
      const request = init('k-shared');
      const headers = { ...(request.headers as Record<string, string>), 'x-worker': `${worker}` };
      const response = await shared(url, { ...request, headers, signal });
      return readOk(response, signal);
    });
    results.push({ ...sharedPhase, sends: sharedSends });

    const independent: FetchFunction[] = [];
    results.push(
      await phase('quotaFetch, independent', async (worker, signal, sends) => {
        independent[worker] ??= quotaFetch({ fetch: recorder(sends, worker, worker), requestCost: true });
        return readOk(await independent[worker](url, { ...init('k-independent'), signal }), signal);
      }),
    );

    /** A hand-written client: after a 429 it waits `Retry-After` (reactive) or nothing (naive), then retries. */
    const plain =
      (key: string, honoursRetryAfter: boolean) =>
      async (worker: number, signal: AbortSignal, sends: Send[]): Promise<boolean> => {
        const f = recorder(sends, worker, worker);
        for (;;) {
          const response = await f(url, { ...init(key), signal });
          if (response.status !== 429) return readOk(response, signal);
          await response.body?.cancel();
          if (honoursRetryAfter) await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
          if (signal.aborted) return false;
        }
      };
    results.push(await phase('reactive (waits Retry-After)', plain('k-reactive', true)));
    results.push(await phase('naive (retries at once)', plain('k-naive', false)));

    report(results);
  } finally {
    await server.stop().catch(() => undefined);
    await stopServerProcesses();
  }
}

function report(results: readonly PhaseResult[]): void {
  const capacity = (ms: number) => BURST + (RATE * ms) / 1000;
  const rows = results.map((r) => {
    const requests = r.sends.length;
    const refused = r.sends.filter((s) => s.status === 429).length;
    const points = r.completed * OP_COST;
    // 429s of requests a worker sent after it had its first answer.
    const firstAnswer = new Map<number, number>();
    for (const s of [...r.sends].sort((a, b) => a.answeredMs - b.answeredMs))
      if (s.answeredMs > 0 && !firstAnswer.has(s.worker)) firstAnswer.set(s.worker, s.answeredMs);
    const lateRefusals = r.sends.filter(
      (s) => s.status === 429 && s.sentMs > (firstAnswer.get(s.worker) ?? Infinity),
    ).length;
    // Requests an instance sent while a Retry-After it had received was still running.
    const refusals = r.sends.filter((s) => s.status === 429 && s.retryAfterMs > 0);
    const early = r.sends.filter((o) =>
      refusals.some(
        (s) =>
          s.instance === o.instance && o.sentMs > s.answeredMs && o.sentMs < s.answeredMs + s.retryAfterMs,
      ),
    ).length;
    return {
      name: r.name,
      requests,
      refused,
      lateRefusals,
      early,
      completed: r.completed,
      opsPerSecond: r.completed / (PHASE_MS / 1000),
      wasted: requests - r.completed,
      used: points / capacity(PHASE_MS),
    };
  });
  console.log(
    `abort listeners left on the phase signal: ${JSON.stringify(Object.fromEntries(listenersLeft))}`,
  );
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  console.log(
    `${WORKERS} clients, one API key, token bucket ${BURST} points + ${RATE} points/s, ${OP_COST}-point operations, ${PHASE_MS / 1000} s per client kind`,
  );
  console.log(
    'client                          requests    429s  429s after 1st answer  sent before Retry-After  completed  ops/s  wasted  capacity used',
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(30)} ${String(r.requests).padStart(9)} ${String(r.refused).padStart(7)} ${String(r.lateRefusals).padStart(22)} ${String(r.early).padStart(24)} ${String(r.completed).padStart(10)} ${r.opsPerSecond.toFixed(1).padStart(6)} ${String(r.wasted).padStart(7)} ${pct(r.used).padStart(14)}`,
    );
  }
  for (const base of rows.slice(0, 2)) {
    console.log(`\nratios to ${base.name}:`);
    for (const r of rows.slice(2)) {
      console.log(
        `  ${r.name}: completed ops/s ×${(r.opsPerSecond / base.opsPerSecond).toFixed(2)}, requests ×${(r.requests / base.requests).toFixed(2)}, ` +
          `429s ${r.refused} vs ${base.refused}, wasted requests per completed operation ${(r.wasted / Math.max(1, r.completed)).toFixed(2)} vs ${(base.wasted / Math.max(1, base.completed)).toFixed(2)}`,
      );
    }
  }
  const checks: [string, boolean][] = rows.slice(0, 2).flatMap((r): [string, boolean][] => [
    [`${r.name}: no 429 after each worker's first answer`, r.lateRefusals === 0],
    [`${r.name}: ≥ 95 % of the bucket capacity used`, r.used >= 0.95],
    [`${r.name}: no request before its Retry-After`, r.early === 0],
  ]);
  console.log('');
  for (const [what, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
