import { LRUCache } from 'lru-cache';
import {
  QuotaValidationError,
  assertClient,
  assertDecideInput,
  assertDuration,
  assertScope,
  assertSettleInput,
  compilePlan,
  invalidOption,
} from '../quota/index.js';
import type {
  Decision,
  DecideInput,
  OperationScope,
  OperationType,
  Plan,
  QuotaLogger,
  QuotaStore,
  SettleInput,
} from '../quota/index.js';
import { MemoryStore } from '../store/index.js';
import { DeadlineQueue } from './DeadlineQueue.js';
import {
  DEFAULT_ON_STORE_FAILURE,
  DEFAULT_STORE_TIMEOUT_MS,
  DEFAULT_UNAVAILABLE_RETRY_AFTER_SECONDS,
} from './defaults.js';

/** What the engine does when its store fails or does not answer within `timeoutMs`. */
export type StoreFailureMode =
  /** Admit the operation: `allowed: true, source: 'failure-mode'`, no usage reported. */
  | 'allow'
  /** Refuse it: `reason: 'store-unavailable'` (the plugin answers 503). */
  | 'deny'
  /** Decide from an in-memory store in this process: `source: 'fallback'`. */
  | 'fallback';

/** A store method the engine calls. */
export type StoreMethod = 'decide' | 'settle' | 'peek' | 'block' | 'unblock';

/** How a store call ended: answered, failed (threw or rejected), or not answered within `timeoutMs`. */
export type StoreCallOutcome = 'ok' | 'error' | 'timeout';

/** One call from the engine to its store, as {@link QuotaEngineOptions.onStoreCall} is told of it. */
export interface StoreCallEvent {
  readonly method: StoreMethod;
  readonly outcome: StoreCallOutcome;
  /** Milliseconds from the call to its outcome (`performance.now()`; for a timeout, about `timeoutMs`). */
  readonly durationMs: number;
  /** The engine's failure mode, applied when `outcome` is not `'ok'`. */
  readonly failureMode: StoreFailureMode;
}

/** Options of {@link QuotaEngine}. */
export interface QuotaEngineOptions {
  /** Where quota state lives. */
  readonly store: QuotaStore;
  /**
   * How long to wait for the store, in milliseconds, before applying `onStoreFailure`. A positive integer.
   * Default {@link DEFAULT_STORE_TIMEOUT_MS} (200). A store answer arriving later is dropped. The store is
   * told the deadline (`DecideInput.timeoutMs`); one that honours it (RedisStore does) commits nothing that
   * late, so an operation decided by the failure mode is never also charged in the store.
   */
  readonly timeoutMs?: number;
  /** What a failing or slow store means for the request. Default {@link DEFAULT_ON_STORE_FAILURE} (`'fallback'`). */
  readonly onStoreFailure?: StoreFailureMode;
  /**
   * The store used when `onStoreFailure` is `'fallback'`. Default: a `new MemoryStore({ clock })`. Its state
   * is this process's own: each server instance admits a full quota while the main store is down.
   */
  readonly fallbackStore?: QuotaStore;
  /**
   * Retry-After, in whole seconds, of a decision refused with `'store-unavailable'`. A positive integer.
   * Default {@link DEFAULT_UNAVAILABLE_RETRY_AFTER_SECONDS} (1).
   */
  readonly unavailableRetryAfterSeconds?: number;
  /** Where store failures are reported (`warn`, every time). Default: `console`. */
  readonly logger?: QuotaLogger;
  /** Current time in Unix epoch milliseconds, for failure-mode decisions. Default `Date.now`. */
  readonly clock?: () => number;
  /**
   * Told of every store call (not of fallback-store calls): its duration and outcome, for metrics and
   * alerts. Called synchronously; a throw is ignored. Default: none (and no time is measured).
   */
  readonly onStoreCall?: (event: StoreCallEvent) => void;
}

/** Leases remembered as taken by the fallback store, so their settle goes there too. */
const FALLBACK_LEASES = 10_000;

/**
 * The engine: a store behind a timeout and a failure mode, the entry point of quota decisions for a server.
 * Its methods mirror {@link QuotaStore} but never reject because the store failed or was slow; such a failure
 * becomes a decision per `onStoreFailure`, logged every time, and is never reported as "over quota".
 * Malformed input still rejects, with a {@link QuotaValidationError}: checked here, or left to a store that
 * declares `validatesInput` (MemoryStore and RedisStore do), so that it is checked once.
 */
export class QuotaEngine {
  readonly store: QuotaStore;
  readonly onStoreFailure: StoreFailureMode;
  readonly timeoutMs: number;
  /**
   * `performance.now()` when the latest store call the engine timed ended (it times them only with
   * `onStoreCall`); 0 before any. The request lifecycle reuses this reading for the moment an operation's
   * decision is known or its settlement ends, rather than reading the clock again (each read is about 60 ns
   * of the metrics' cost per decision). Under concurrency it may be another call's end, microseconds apart.
   */
  lastStoreCallEndMs = 0;
  readonly #fallback: QuotaStore | null;
  readonly #fallbackLeases = new LRUCache<string, true>({ max: FALLBACK_LEASES });
  readonly #logger: QuotaLogger;
  readonly #clock: () => number;
  readonly #retryAfterSeconds: number;
  readonly #synchronous: boolean;
  /** False when the store validates its input itself: each input is then validated once, by the store. */
  readonly #validates: boolean;
  readonly #deadlines: DeadlineQueue;
  readonly #onStoreCall: ((event: StoreCallEvent) => void) | null;
  /**
   * The store settles still running, by client: a settle past its deadline keeps running in the store (its
   * release and refund are still due), and the client's next decision in this process waits for it.
   */
  readonly #settling = new Map<string, Promise<unknown>>();

  constructor(options: QuotaEngineOptions) {
    if (typeof options !== 'object' || options === null || !isStore(options.store)) {
      invalidOption('QuotaEngine', 'store must implement decide, settle, peek, block and unblock');
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
      invalidOption(
        'QuotaEngine',
        `timeoutMs must be a positive integer number of milliseconds, got ${String(timeoutMs)}`,
      );
    }
    const mode = options.onStoreFailure ?? DEFAULT_ON_STORE_FAILURE;
    if (mode !== 'allow' && mode !== 'deny' && mode !== 'fallback') {
      invalidOption(
        'QuotaEngine',
        `onStoreFailure must be 'allow', 'deny' or 'fallback', got ${String(mode)}`,
      );
    }
    if (options.fallbackStore !== undefined && !isStore(options.fallbackStore)) {
      invalidOption('QuotaEngine', 'fallbackStore must implement decide, settle, peek, block and unblock');
    }
    const retryAfter = options.unavailableRetryAfterSeconds ?? DEFAULT_UNAVAILABLE_RETRY_AFTER_SECONDS;
    if (!Number.isSafeInteger(retryAfter) || retryAfter <= 0) {
      invalidOption(
        'QuotaEngine',
        `unavailableRetryAfterSeconds must be a positive integer, got ${String(retryAfter)}`,
      );
    }
    this.store = options.store;
    this.timeoutMs = timeoutMs;
    this.onStoreFailure = mode;
    this.#clock = options.clock ?? Date.now;
    this.#fallback =
      mode === 'fallback'
        ? (options.fallbackStore ?? new MemoryStore(options.clock ? { clock: options.clock } : {}))
        : null;
    this.#logger = options.logger ?? console;
    this.#retryAfterSeconds = retryAfter;
    this.#synchronous = options.store.synchronous === true;
    this.#validates = options.store.validatesInput !== true;
    this.#deadlines = new DeadlineQueue(timeoutMs);
    if (options.onStoreCall !== undefined && typeof options.onStoreCall !== 'function')
      invalidOption('QuotaEngine', 'onStoreCall must be a function');
    this.#onStoreCall = options.onStoreCall ?? null;
  }

  /** Checks every limit of the plan and, only if all admit, commits them all. See {@link QuotaStore.decide}. */
  async decide(input: DecideInput): Promise<Decision> {
    if (this.#validates) {
      assertDecideInput(input);
      compilePlan(input.plan);
    }
    const timed = this.#withDeadline(input);
    const client = fieldOf(input, 'client');
    const settling =
      this.#settling.size === 0 || typeof client !== 'string' ? undefined : this.#settling.get(client);
    const result = await this.#call(
      'decide',
      client,
      settling === undefined ? () => this.store.decide(timed) : () => this.#decideAfter(settling, timed),
    );
    if (result.ok) return result.value;
    if (this.#fallback !== null) {
      const decision = await this.#fromFallback(this.#fallback.decide(input));
      if (decision.leaseId !== null) this.#fallbackLeases.set(decision.leaseId, true);
      return decision;
    }
    return this.#failureDecision();
  }

  /**
   * Refunds and releases after execution. A lease the fallback store handed out is settled there. A store
   * failure is logged, not thrown: the lease then expires on its own.
   */
  async settle(input: SettleInput): Promise<void> {
    if (this.#validates) {
      assertSettleInput(input);
      compilePlan(input.plan);
    }
    const leaseId = fieldOf(input, 'leaseId');
    if (this.#fallback !== null && typeof leaseId === 'string' && this.#fallbackLeases.has(leaseId)) {
      // The main store, which would have validated the input, is not asked: validate before forgetting the lease.
      if (!this.#validates) {
        assertSettleInput(input);
        compilePlan(input.plan);
      }
      this.#fallbackLeases.delete(leaseId);
      await this.#fallback.settle(input);
      return;
    }
    const client = fieldOf(input, 'client');
    let running: Promise<void> | undefined;
    const result = await this.#call('settle', client, () => (running = this.store.settle(input)));
    // Past its deadline the store's settle still runs: the client's next decision waits for it.
    if (!result.ok && running !== undefined && typeof client === 'string') this.#track(client, running);
  }

  /**
   * Keeps a client's settle that outlived its deadline until it ends, so that the client's next decision
   * here sees its release and refund: a client that waits for each response (a single-threaded sync) is never
   * refused because its previous operation's slot was still being freed when the response went out. A
   * settle within its deadline needs nothing: the response waits for it.
   */
  #track(client: string, running: Promise<unknown>): void {
    const previous = this.#settling.get(client);
    const ended = (previous === undefined ? running : Promise.all([previous, running])).then(
      () => undefined,
      () => undefined,
    );
    this.#settling.set(client, ended);
    void ended.then(() => {
      if (this.#settling.get(client) === ended) this.#settling.delete(client);
    });
  }

  /**
   * A decision asked while the client's settle is still running: taken once the settle ends, within the same
   * deadline (the store is told only the time left, so it commits nothing the engine has given up on).
   */
  async #decideAfter(settling: Promise<unknown>, input: DecideInput): Promise<Decision> {
    const start = performance.now();
    const budget = typeof input.timeoutMs === 'number' ? input.timeoutMs : this.timeoutMs;
    await settling;
    const left = Math.floor(budget - (performance.now() - start));
    if (left <= 0) throw new Error(`the client's previous settle took the whole ${budget} ms`);
    return this.store.decide({ ...input, timeoutMs: left });
  }

  /** The client's usage without consuming anything. See {@link QuotaStore.peek}. */
  async peek(client: string, plan: Plan, operation: OperationType | OperationScope): Promise<Decision> {
    if (this.#validates) {
      assertClient(client, 'peek');
      assertScope(operation, 'peek');
      compilePlan(plan);
    }
    const result = await this.#call('peek', client, () => this.store.peek(client, plan, operation));
    if (result.ok) return result.value;
    if (this.#fallback !== null) return this.#fromFallback(this.#fallback.peek(client, plan, operation));
    return this.#failureDecision();
  }

  /**
   * Blocks a client, or everyone with `'*'`, for `durationMs` milliseconds. Resolves to false (and logs) when
   * the store could not record it. With the `'fallback'` mode the block is also recorded in the fallback store,
   * so it holds while the main store is down.
   */
  async block(client: string, durationMs: number): Promise<boolean> {
    assertClient(client, 'block');
    assertDuration(durationMs, 'block');
    if (this.#fallback !== null) await this.#fallback.block(client, durationMs);
    return (await this.#call('block', client, () => this.store.block(client, durationMs))).ok;
  }

  /** Lifts a block; resolves to false (and logs) when the store could not record it. */
  async unblock(client: string): Promise<boolean> {
    assertClient(client, 'unblock');
    if (this.#fallback !== null) await this.#fallback.unblock(client);
    return (await this.#call('unblock', client, () => this.store.unblock(client))).ok;
  }

  /**
   * The input as the store gets it: told how long it is waited for, so that it never commits a decision after
   * the engine gave up on it. Input the engine left unchecked (the store validates it) goes unchanged when it
   * cannot carry a deadline, so the store's error names the actual fault.
   */
  #withDeadline(input: DecideInput): DecideInput {
    if (typeof input !== 'object' || input === null) return input;
    const own: unknown = input.timeoutMs;
    if (own !== undefined && typeof own !== 'number') return input;
    const timeoutMs = Math.min(own ?? this.timeoutMs, this.timeoutMs);
    return timeoutMs === own ? input : { ...input, timeoutMs };
  }

  #call<T>(
    method: StoreMethod,
    client: unknown,
    run: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false }> {
    if (this.#synchronous) return this.#callSynchronous(method, client, run);
    const start = this.#onStoreCall === null ? 0 : performance.now();
    return new Promise((resolve, reject) => {
      let done = false;
      const fail = (error: unknown) => {
        if (done) return;
        done = true;
        this.#deadlines.cancel(entry);
        if (error instanceof QuotaValidationError) {
          reject(error);
          return;
        }
        this.#warn(
          method,
          client,
          error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        );
        this.#report(method, 'error', start);
        resolve({ ok: false });
      };
      const entry = this.#deadlines.add(() => {
        if (done) return;
        done = true;
        this.#warn(method, client, `no answer within ${this.timeoutMs} ms`);
        this.#report(method, 'timeout', start);
        resolve({ ok: false });
      });
      let pending: Promise<T>;
      try {
        pending = run();
      } catch (error) {
        fail(error);
        return;
      }
      // A late answer or rejection is dropped here, never left as an unhandled rejection.
      pending.then((value) => {
        if (done) return;
        done = true;
        this.#deadlines.cancel(entry);
        this.#report(method, 'ok', start);
        resolve({ ok: true, value });
      }, fail);
    });
  }

  /** A store that has answered by the time its call returns cannot be late: no deadline to watch. */
  async #callSynchronous<T>(
    method: StoreMethod,
    client: unknown,
    run: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false }> {
    const start = this.#onStoreCall === null ? 0 : performance.now();
    try {
      const value = await run();
      this.#report(method, 'ok', start);
      return { ok: true, value };
    } catch (error) {
      if (error instanceof QuotaValidationError) throw error;
      this.#warn(method, client, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      this.#report(method, 'error', start);
      return { ok: false };
    }
  }

  #report(method: StoreMethod, outcome: StoreCallOutcome, start: number): void {
    const report = this.#onStoreCall;
    if (report === null) return;
    try {
      const end = performance.now();
      this.lastStoreCallEndMs = end;
      report({ method, outcome, durationMs: end - start, failureMode: this.onStoreFailure });
    } catch {
      // Metrics must never fail a decision.
    }
  }

  #warn(method: string, client: unknown, why: string): void {
    this.#logger.warn(
      `graphql-quota: store ${method} failed for client ${JSON.stringify(client)} (${why}); ` +
        `failure mode '${this.onStoreFailure}'`,
    );
  }

  async #fromFallback(pending: Promise<Decision>): Promise<Decision> {
    return { ...(await pending), source: 'fallback' };
  }

  #failureDecision(): Decision {
    const nowMs = Math.floor(this.#clock());
    return this.onStoreFailure === 'allow'
      ? {
          allowed: true,
          reason: null,
          refusedBy: null,
          retryAfterSeconds: 0,
          limits: [],
          nowMs,
          leaseId: null,
          source: 'failure-mode',
        }
      : {
          allowed: false,
          reason: 'store-unavailable',
          refusedBy: null,
          retryAfterSeconds: this.#retryAfterSeconds,
          limits: [],
          nowMs,
          leaseId: null,
          source: 'failure-mode',
        };
  }
}

/** A field of an input the engine may have left unchecked (its store validates it): undefined unless an object. */
function fieldOf<T extends object, K extends keyof T>(input: T, key: K): T[K] | undefined {
  return typeof input === 'object' && input !== null ? input[key] : undefined;
}

function isStore(store: unknown): store is QuotaStore {
  if (typeof store !== 'object' || store === null) return false;
  const s = store as Record<string, unknown>;
  return ['decide', 'settle', 'peek', 'block', 'unblock'].every((m) => typeof s[m] === 'function');
}
