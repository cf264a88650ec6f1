import { LRUCache } from 'lru-cache';
import {
  ALL_CLIENTS,
  adoptState,
  assertClient,
  assertDecideInput,
  assertDuration,
  assertOperation,
  assertSettleInput,
  buildDecision,
  compilePlan,
  evaluateLimits,
  invalidOption,
  newOutcomes,
  settleLimits,
} from '../quota/index.js';
import type {
  CompiledPlan,
  Decision,
  DecideInput,
  LimitOutcome,
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
    if (blockedUntilMs > nowMs) {
      evaluateLimits(plan, state, nowMs, input.cost, input.operation, false, 0, outcomes);
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
      input.operation,
      true,
      leaseId === null ? 0 : hash52(leaseId),
      outcomes,
    );
    if (admitted && state !== existing) this.#clients.set(input.client, state);
    const tookLease =
      leaseId !== null && plan.limits.some((l, i) => l.kind === 'concurrency' && outcomes[i]!.applies);
    return buildDecision(plan, nowMs, 0, outcomes, tookLease ? leaseId : null, 'store');
  }

  settle(input: SettleInput): Promise<void> {
    return settled(() => {
      assertSettleInput(input);
      const plan = compilePlan(input.plan);
      const nowMs = this.#now();
      const existing = this.#clients.get(input.client);
      if (existing !== undefined && existing[0]! > nowMs) {
        const state = adoptState(plan, existing, nowMs);
        if (state !== existing) this.#clients.set(input.client, state);
        const hash = input.leaseId === null ? 0 : hash52(input.leaseId);
        settleLimits(plan, state, nowMs, input.operation, input.refund, hash, input.decidedAtMs);
      }
    });
  }

  peek(client: string, plan: Plan, operation: OperationType): Promise<Decision> {
    return settled(() => {
      assertClient(client, 'peek');
      assertOperation(operation, 'peek');
      const compiled = compilePlan(plan);
      const nowMs = this.#now();
      const outcomes = this.#scratch(compiled);
      // A copy: peeking must not reset or migrate what is stored.
      const existing = this.#clients.peek(client);
      const state = adoptState(compiled, existing?.slice(), nowMs);
      evaluateLimits(compiled, state, nowMs, 1, operation, false, 0, outcomes);
      return buildDecision(compiled, nowMs, this.#blockedUntil(client, nowMs), outcomes, null, 'store');
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

  #scratch(plan: CompiledPlan): LimitOutcome[] {
    if (this.#outcomes.length < plan.limits.length) this.#outcomes = newOutcomes(plan.limits.length);
    return this.#outcomes;
  }
}
