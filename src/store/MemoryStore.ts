import { LRUCache } from 'lru-cache';
import {
  ALL_CLIENTS,
  adoptState,
  applyingLimits,
  assertClient,
  assertDecideInput,
  assertDuration,
  assertScope,
  assertSettleInput,
  buildDecision,
  compilePlan,
  evaluateLimits,
  invalidOption,
  isExempt,
  newOutcomes,
  scopeOf,
  settleLimits,
} from '../quota/index.js';
import type {
  CompiledFixedWindow,
  CompiledPlan,
  Decision,
  DecideInput,
  GlobalState,
  GlobalWindow,
  LimitOutcome,
  OperationScope,
  OperationType,
  Plan,
  QuotaStore,
  SettleInput,
} from '../quota/index.js';
import { DEFAULT_MAX_CLIENTS } from './defaults.js';
import { hash52 } from './hash.js';
import { settled } from './settled.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The most clients tracked at once; past it the least recently used client's state is dropped (it starts
   * again with a full quota). A positive integer. Default {@link DEFAULT_MAX_CLIENTS} (100,000, about 20 MB
   * for one-limit plans).
   */
  readonly maxClients?: number;
  /** Current time in Unix epoch milliseconds. Default `Date.now`. Inject a fake clock in tests. */
  readonly clock?: () => number;
}

/**
 * Quota state in this process's memory: exact and atomic (JavaScript runs one decision at a time), bounded by
 * `maxClients`, with no timer per key. Each client's state is one small array of integers; it carries the
 * time after which it is all back to "nothing used", and is then treated as absent. For several server
 * instances use {@link RedisStore}.
 */
export class MemoryStore implements QuotaStore {
  /** Each method has done its work when it returns, so the engine needs no timer around it. */
  readonly synchronous = true;
  /** Every method validates its input, so the engine does not validate it again. */
  readonly validatesInput = true;
  readonly #clients: LRUCache<string, number[]>;
  readonly #blocks = new Map<string, number>();
  /**
   * Global limits' windows, by limit signature: one per global limit, each holding its clients' use of the
   * current window only (cleared when the window moves on), so its size is bounded by the clients of a window.
   */
  readonly #globals = new Map<string, GlobalWindow>();
  readonly #clock: () => number;
  readonly #leasePrefix = `m${Math.floor(Math.random() * 0x7fffffff).toString(36)}.`;
  #leaseCounter = 0;
  #outcomes: LimitOutcome[] = [];

  constructor(options: MemoryStoreOptions = {}) {
    const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
    if (!Number.isSafeInteger(maxClients) || maxClients <= 0) {
      invalidOption('MemoryStore', `maxClients must be a positive integer, got ${String(maxClients)}`);
    }
    if (options.clock !== undefined && typeof options.clock !== 'function') {
      invalidOption('MemoryStore', 'clock must be a function returning epoch ms');
    }
    this.#clients = new LRUCache({ max: maxClients });
    this.#clock = options.clock ?? Date.now;
  }

  /** Clients currently tracked (including some whose state has expired but was not yet dropped). */
  get size(): number {
    return this.#clients.size;
  }

  decide(input: DecideInput): Promise<Decision> {
    return settled(() => this.decideNow(input));
  }

  /** {@link decide}, synchronously: the in-memory store never waits. */
  decideNow(input: DecideInput): Decision {
    assertDecideInput(input);
    const plan = compilePlan(input.plan);
    const nowMs = this.#now();
    const outcomes = this.#scratch(plan);
    const existing = this.#clients.get(input.client);
    const state = adoptState(plan, existing, nowMs);
    const blockedUntilMs = this.#blockedUntil(input.client, nowMs);
    const applies = applyingLimits(plan, input);
    const global = this.#global(plan, input.client);
    if (blockedUntilMs > nowMs) {
      evaluateLimits(plan, state, nowMs, input.cost, applies, false, 0, outcomes, global);
      return buildDecision(plan, nowMs, blockedUntilMs, outcomes, null, 'store');
    }
    const leaseId = plan.hasConcurrency
      ? (input.leaseId ?? this.#leasePrefix + (++this.#leaseCounter).toString(36))
      : null;
    const admitted = evaluateLimits(
      plan,
      state,
      nowMs,
      input.cost,
      applies,
      true,
      leaseId === null ? 0 : hash52(leaseId),
      outcomes,
      global,
    );
    if (admitted && state !== existing) this.#clients.set(input.client, state);
    const tookLease =
      leaseId !== null && plan.limits.some((l, i) => l.kind === 'concurrency' && outcomes[i]!.applies);
    const exempt = plan.exempt.length > 0 && isExempt(plan, input);
    return buildDecision(plan, nowMs, 0, outcomes, tookLease ? leaseId : null, 'store', exempt);
  }

  settle(input: SettleInput): Promise<void> {
    return settled(() => {
      assertSettleInput(input);
      const plan = compilePlan(input.plan);
      const nowMs = this.#now();
      const existing = this.#clients.get(input.client);
      const applies = applyingLimits(plan, input);
      const global = this.#global(plan, input.client);
      if (existing !== undefined && existing[0]! > nowMs) {
        const state = adoptState(plan, existing, nowMs);
        if (state !== existing) this.#clients.set(input.client, state);
        const hash = input.leaseId === null ? 0 : hash52(input.leaseId);
        settleLimits(plan, state, nowMs, applies, input.refund, hash, input.decidedAtMs, global);
      } else if (global !== null && input.refund > 0) {
        // The client's own state is gone (or was never kept), but a global window may still hold its charge;
        // the client's limits are settled on a throwaway fresh state, where they change nothing.
        settleLimits(
          plan,
          adoptState(plan, undefined, nowMs),
          nowMs,
          applies,
          input.refund,
          0,
          input.decidedAtMs,
          global,
        );
      }
    });
  }

  peek(client: string, plan: Plan, operation: OperationType | OperationScope): Promise<Decision> {
    return settled(() => {
      assertClient(client, 'peek');
      assertScope(operation, 'peek');
      const compiled = compilePlan(plan);
      const nowMs = this.#now();
      const outcomes = this.#scratch(compiled);
      // A copy: peeking must not reset or migrate what is stored.
      const existing = this.#clients.peek(client);
      const state = adoptState(compiled, existing?.slice(), nowMs);
      const scope = scopeOf(operation);
      const applies = applyingLimits(compiled, scope);
      evaluateLimits(compiled, state, nowMs, 1, applies, false, 0, outcomes, this.#global(compiled, client));
      const blockedUntilMs = this.#blockedUntil(client, nowMs);
      return buildDecision(
        compiled,
        nowMs,
        blockedUntilMs,
        outcomes,
        null,
        'store',
        isExempt(compiled, scope),
      );
    });
  }

  block(client: string, durationMs: number): Promise<void> {
    return settled(() => {
      assertClient(client, 'block');
      assertDuration(durationMs, 'block');
      const nowMs = this.#now();
      // Blocks are operator actions, so few; dropping the expired ones here keeps the map from growing.
      for (const [key, until] of this.#blocks) if (until <= nowMs) this.#blocks.delete(key);
      this.#blocks.set(client, nowMs + durationMs);
    });
  }

  unblock(client: string): Promise<void> {
    return settled(() => {
      assertClient(client, 'unblock');
      this.#blocks.delete(client);
    });
  }

  #now(): number {
    return Math.floor(this.#clock());
  }

  #blockedUntil(client: string, nowMs: number): number {
    if (this.#blocks.size === 0) return 0;
    const own = this.#blocks.get(client) ?? 0;
    const all = this.#blocks.get(ALL_CLIENTS) ?? 0;
    const until = Math.max(own, all);
    return until > nowMs ? until : 0;
  }

  /** The global limits' state for `client`'s decision; null when the plan has no global limit. */
  #global(plan: CompiledPlan, client: string): GlobalState | null {
    if (!plan.hasGlobal) return null;
    const globals = this.#globals;
    return {
      client,
      window(limit: CompiledFixedWindow): GlobalWindow {
        let w = globals.get(limit.signature);
        if (w === undefined) {
          w = { start: 0, consumed: 0, clients: new Map() };
          globals.set(limit.signature, w);
        }
        return w;
      },
    };
  }

  #scratch(plan: CompiledPlan): LimitOutcome[] {
    if (this.#outcomes.length < plan.limits.length) this.#outcomes = newOutcomes(plan.limits.length);
    return this.#outcomes;
  }
}
