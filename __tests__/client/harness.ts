/**
 * The client's test bench: a clock that moves only when every task is waiting on it, and a fake GraphQL
 * server whose quota decisions and headers are the real ones (MemoryStore + the header functions of
 * src/http) on that same clock. No wall-clock time is measured or waited for.
 */
import type { FetchFunction, QuotaClock } from '../../src/client/index.js';
import { costExtension } from '../../src/lifecycle/costExtension.js';
import { QUOTA_REFUSAL_STATUS as QUOTA_ERROR_STATUS } from '../../src/lifecycle/index.js';
import { mergeDecisions, quotaHeaders } from '../../src/http/index.js';
import type { Decision, Plan } from '../../src/quota/index.js';
import { MemoryStore } from '../../src/store/index.js';

export const START_MS = Date.UTC(2026, 10, 30, 9, 0, 0);

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets every pending promise chain (and stream read) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 30; i++) await turn();
}

interface Timer {
  readonly atMs: number;
  readonly resolve: () => void;
}

export class TestClock implements QuotaClock {
  nowMs = START_MS;
  /** Every sleep asked for, ms. */
  readonly sleeps: number[] = [];
  private timers: Timer[] = [];

  readonly now = (): number => this.nowMs;

  readonly sleep = (ms: number, signal?: AbortSignal | null): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      this.sleeps.push(ms);
      const abort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal!.reason as Error);
      };
      const timer: Timer = {
        atMs: this.nowMs + ms,
        resolve: () => (signal?.removeEventListener('abort', abort), resolve()),
      };
      this.timers.push(timer);
      signal?.addEventListener('abort', abort);
    });

  /** Advances to the next timer, once nothing else can run; until `promise` settles. */
  async run<T>(promise: Promise<T>, maxMs = 24 * 3_600_000): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await flush();
      if (settled) return promise;
      this.timers.sort((a, b) => a.atMs - b.atMs);
      const next = this.timers.shift();
      if (next === undefined) throw new Error('TestClock: nothing left to run and the promise is pending');
      if (next.atMs - START_MS > maxMs) throw new Error('TestClock: ran past maxMs');
      this.nowMs = Math.max(this.nowMs, next.atMs);
      next.resolve();
    }
  }
}

/** One request the fake server received. */
export interface Call {
  readonly atMs: number;
  readonly method: string;
  readonly body: unknown;
  readonly headers: Headers;
  readonly status: number;
}

export interface FakeServerOptions {
  readonly plan: Plan;
  /** Cost of each operation, by operation name (default 1). */
  readonly costs?: Readonly<Record<string, number>>;
  /** Answer with `extensions.cost` when the request carries `x-quota-cost: 1`. Default true. */
  readonly exposeCost?: boolean;
}

type Op = { query?: string; operationName?: string };

/**
 * A GraphQL server in a function: each operation is decided by a real MemoryStore on the test clock, and
 * the response carries the headers, status, codes and `extensions.quota` the Apollo plugin sends.
 */
export class FakeServer {
  readonly calls: Call[] = [];
  readonly store: MemoryStore;
  constructor(
    readonly clock: TestClock,
    readonly options: FakeServerOptions,
  ) {
    this.store = new MemoryStore({ clock: clock.now });
  }

  get refusals(): number {
    return this.calls.filter((c) => c.status === 429).length;
  }

  private async decide(op: Op, cost: number): Promise<{ result: object; decision: Decision }> {
    const type = /^\s*mutation\b/.test(op.query ?? '') ? 'mutation' : 'query';
    const decision = await this.store.decide({ client: 'c', plan: this.options.plan, cost, operation: type });
    if (decision.allowed) return { result: { data: { ok: true } }, decision };
    const code = decision.reason === 'exceeds-capacity' ? 'QUOTA_CAPACITY_EXCEEDED' : 'QUOTA_EXCEEDED';
    const limit = decision.limits.find((l) => l.name === decision.refusedBy);
    return {
      decision,
      result: {
        errors: [
          {
            message: 'refused',
            extensions: {
              code,
              quota: {
                plan: this.options.plan.name,
                limit: decision.refusedBy,
                cost,
                remaining: limit ? Math.floor(limit.remaining) : null,
                retryAfterSeconds: code === 'QUOTA_CAPACITY_EXCEEDED' ? null : decision.retryAfterSeconds,
              },
            },
          },
        ],
      },
    };
  }

  readonly fetch: FetchFunction = async (_input, init = {}) => {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    const parsed = JSON.parse(init.body as string) as Op | Op[];
    const ops = Array.isArray(parsed) ? parsed : [parsed];
    const answers = [];
    for (const op of ops) {
      const cost = this.options.costs?.[op.operationName ?? ''] ?? 1;
      const answer = await this.decide(op, cost);
      if ((this.options.exposeCost ?? true) && headers.get('x-quota-cost') === '1') {
        Object.assign(answer.result, {
          extensions: { cost: costExtension(cost, answer.decision.allowed ? cost : null, answer.decision) },
        });
      }
      answers.push(answer);
    }
    const merged = mergeDecisions(answers.map((a) => a.decision))!;
    const refused = answers.find((a) => !a.decision.allowed);
    const status = refused
      ? QUOTA_ERROR_STATUS[
          merged.reason === 'exceeds-capacity' ? 'QUOTA_CAPACITY_EXCEEDED' : 'QUOTA_EXCEEDED'
        ]
      : 200;
    this.calls.push({ atMs: this.clock.nowMs, method, body: parsed, headers, status });
    const fields = quotaHeaders(merged, { partitionKey: null });
    const body = Array.isArray(parsed) ? answers.map((a) => a.result) : answers[0]!.result;
    return new Response(JSON.stringify(body), {
      status,
      headers: [['content-type', 'application/json'], ...fields.map(([n, v]) => [n, v] as [string, string])],
    });
  };
}

/** A GraphQL POST init for `fetch`. */
export function post(operationName: string, query = `query ${operationName} { ok }`): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, operationName }),
  };
}

/** A scripted fetch: answers in order (the last repeats); records when each call came. */
export function scripted(
  clock: TestClock,
  answers: readonly (() => Response | Promise<Response>)[],
): { fetch: FetchFunction; calls: { atMs: number; init: RequestInit }[] } {
  const calls: { atMs: number; init: RequestInit }[] = [];
  return {
    calls,
    fetch: (_input, init = {}) => {
      calls.push({ atMs: clock.nowMs, init });
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      return Promise.resolve(answer());
    },
  };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): () => Response {
  return () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
}
