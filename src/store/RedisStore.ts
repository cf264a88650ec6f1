import { createHash, randomUUID } from 'node:crypto';
import {
  ALL_CLIENTS,
  OPERATION_BITS,
  REFUSAL_CAPACITY,
  REFUSAL_LIMIT,
  REFUSAL_NONE,
  assertClient,
  assertDecideInput,
  assertDuration,
  assertOperation,
  assertSettleInput,
  buildDecision,
  compilePlan,
  invalidOption,
  limitCharge,
  limitRefund,
  newOutcomes,
} from '../quota/index.js';
import type {
  CompiledPlan,
  Decision,
  DecideInput,
  OperationType,
  Plan,
  QuotaStore,
  SettleInput,
} from '../quota/index.js';
import { DEFAULT_REDIS_KEY_PREFIX } from './defaults.js';
import { fnv1a32 } from './hash.js';
import { QUOTA_SCRIPT } from './quotaScript.js';
import { redisSender } from './redisClient.js';
import type { RedisClientLike, RedisSend } from './redisClient.js';

/** Default refresh interval of the cached global block in cluster mode, in milliseconds. */
export const DEFAULT_GLOBAL_BLOCK_REFRESH_MS = 1000;

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** An ioredis client (`Redis` or `Cluster`) or a node-redis v4/v5 client, already connected. */
  readonly client: RedisClientLike;
  /**
   * Prepended to every key. Must not contain `{` or `}` (the client's hash tag follows it). Default
   * {@link DEFAULT_REDIS_KEY_PREFIX} (`'gq:'`).
   */
  readonly keyPrefix?: string;
  /**
   * For tests only: the time, in Unix epoch milliseconds, sent to the script in place of the Redis server's
   * `TIME`, so tests can move time without sleeping. Leave unset in production: server instances' clocks
   * disagree, Redis's does not. Key TTLs still run on Redis's own clock.
   */
  readonly clock?: () => number;
  /**
   * Set for Redis Cluster. Every key of a client shares one hash slot, but the global block key lives in
   * another, so a decision cannot read it atomically: the store then keeps its value in memory, refreshed at
   * most every `globalBlockRefreshMs`, and `block('*')` reaches other instances within that delay.
   * Default false (a single Redis or a primary with replicas: the global block is read by every decision).
   */
  readonly cluster?: boolean;
  /** Cluster mode only: milliseconds between reads of the global block. Default {@link DEFAULT_GLOBAL_BLOCK_REFRESH_MS}. */
  readonly globalBlockRefreshMs?: number;
}

const SCRIPT_SHA = createHash('sha1').update(QUOTA_SCRIPT).digest('hex');
/** Numbers per limit in the script's reply: consumed, resetAtMs, retryMs. */
const PER_LIMIT = 3;
/** Script arguments per limit, after the header and the hash fields. */
const LIMIT_ARGS = 5;

interface ScriptLayout {
  /** The script's arguments with every per-call slot blank. */
  readonly args: readonly string[];
  /** Index in `args` of the first limit's amount. */
  readonly firstAmount: number;
  /**
   * A settle's arguments when it refunds nothing: only the concurrency limits, without hash fields, since
   * releasing a lease reads nothing else (fewer arguments, less server time).
   */
  readonly releaseArgs: readonly string[];
  /** Key suffixes of the concurrency limits' sorted sets, in plan order. */
  readonly setSuffixes: readonly string[];
}

const scriptLayouts = new WeakMap<CompiledPlan, ScriptLayout>();

/** The plan's part of the script arguments, built once per plan. */
function layoutOf(plan: CompiledPlan): ScriptLayout {
  const cached = scriptLayouts.get(plan);
  if (cached !== undefined) return cached;
  const fields: string[] = [];
  const params: string[] = [];
  const releaseParams: string[] = [];
  const setSuffixes: string[] = [];
  for (const limit of plan.limits) {
    const field = fieldOf(limit.name, limit.signature);
    switch (limit.kind) {
      case 'fixed-window':
        fields.push(`${field}:s`, `${field}:c`);
        params.push('f', '', String(limit.limit), String(limit.windowMs), String(limit.align));
        break;
      case 'token-bucket':
        fields.push(field);
        params.push('t', '', String(limit.limit), String(limit.increment), String(limit.scale));
        break;
      case 'concurrency': {
        setSuffixes.push(`:c:${limit.name}`);
        // KEYS[1] is the client hash, KEYS[2] the global block; the sets follow, 1-based in Lua.
        const own = [String(limit.limit), String(limit.leaseMs), String(2 + setSuffixes.length)];
        params.push('c', '', ...own);
        releaseParams.push('c', '0', ...own);
        break;
      }
    }
  }
  const header = ['', '', '', '', '', '', '', String(plan.limits.length), String(fields.length)];
  const layout = {
    args: [...header, ...fields, ...params],
    firstAmount: header.length + fields.length + 1,
    releaseArgs: [...header.slice(0, 7), String(setSuffixes.length), '0', ...releaseParams],
    setSuffixes,
  };
  scriptLayouts.set(plan, layout);
  return layout;
}

/**
 * A limit's hash field: its name, readable in redis-cli, and a short hash of the parameters that give its
 * state meaning, so a limit redefined with another window does not misread the old state.
 */
function fieldOf(name: string, signature: string): string {
  return `${name}/${fnv1a32(signature).toString(36)}`;
}

/**
 * Quota state in Redis, shared by every server instance. Each decision is one `EVALSHA` of one Lua script
 * (reloaded on `NOSCRIPT`), timed by Redis's own clock; state is integers in one hash per client plus one
 * sorted set per concurrency limit, all in the client's hash slot and all with a TTL. No `KEYS`, no timers.
 */
export class RedisStore implements QuotaStore {
  /** Every method validates its input, so the engine does not validate it again. */
  readonly validatesInput = true;
  readonly #send: RedisSend;
  readonly #prefix: string;
  readonly #clock: (() => number) | undefined;
  readonly #cluster: boolean;
  readonly #refreshMs: number;
  readonly #globalKey: string;
  #globalUntil = 0;
  #globalReadAt = -Infinity;
  /** Redis's clock minus this process's, learned from each reply's `now`; null until the first reply. */
  #offsetMs: number | null = null;
  #globalReading: Promise<void> | null = null;

  constructor(options: RedisStoreOptions) {
    const send = typeof options === 'object' && options !== null ? redisSender(options.client) : null;
    if (send === null) {
      invalidOption(
        'RedisStore',
        'client must be an ioredis client (with call) or a node-redis client (with sendCommand)',
      );
    }
    const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
      invalidOption('RedisStore', `keyPrefix must be a string without { or }, got ${JSON.stringify(prefix)}`);
    }
    if (options.clock !== undefined && typeof options.clock !== 'function') {
      invalidOption('RedisStore', 'clock must be a function returning epoch milliseconds');
    }
    const refreshMs = options.globalBlockRefreshMs ?? DEFAULT_GLOBAL_BLOCK_REFRESH_MS;
    if (!Number.isSafeInteger(refreshMs) || refreshMs <= 0) {
      invalidOption(
        'RedisStore',
        `globalBlockRefreshMs must be a positive integer, got ${String(refreshMs)}`,
      );
    }
    this.#send = send;
    this.#prefix = prefix;
    this.#clock = options.clock;
    this.#cluster = options.cluster === true;
    this.#refreshMs = refreshMs;
    this.#globalKey = `${prefix}{${ALL_CLIENTS}}:block`;
  }

  /** The key of a client's hash; its concurrency sets append `:c:<limit>`. */
  clientKey(client: string): string {
    // Escaping { } and % keeps the hash tag intact and the mapping one-to-one, while keys stay readable.
    return `${this.#prefix}{${client.replace(/[{}%]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}}`;
  }

  async decide(input: DecideInput): Promise<Decision> {
    assertDecideInput(input);
    const plan = compilePlan(input.plan);
    const bit = OPERATION_BITS[input.operation];
    const takesLease = plan.limits.some((l) => l.kind === 'concurrency' && (l.operations & bit) !== 0);
    const leaseId = takesLease ? (input.leaseId ?? randomUUID()) : null;
    const amounts = plan.limits.map((limit) =>
      (limit.operations & bit) === 0 ? -1 : limitCharge(limit, input.cost),
    );
    const reply = await this.#run(
      'd',
      input.client,
      plan,
      amounts,
      leaseId ?? '',
      '',
      input.timeoutMs === undefined ? '' : this.#deadlineArg(input.timeoutMs),
    );
    // A decision that reached Redis after the caller stopped waiting was refused there, uncommitted.
    if (Array.isArray(reply) && reply.length === 3 && Number(reply[2]) === -1) {
      throw new Error(
        `graphql-quota: the decision reached Redis too late for a caller waiting ${input.timeoutMs} ms and was not committed`,
      );
    }
    return this.#decision(plan, reply, amounts, true, leaseId);
  }

  async settle(input: SettleInput): Promise<void> {
    assertSettleInput(input);
    const plan = compilePlan(input.plan);
    const bit = OPERATION_BITS[input.operation];
    const refunds = plan.limits.map((limit) =>
      (limit.operations & bit) === 0 ? 0 : limitRefund(limit, input.refund),
    );
    await this.#run(
      's',
      input.client,
      plan,
      refunds,
      input.leaseId ?? '',
      input.decidedAtMs === undefined ? '' : String(input.decidedAtMs),
    );
  }

  async peek(client: string, plan: Plan, operation: OperationType): Promise<Decision> {
    assertClient(client, 'peek');
    assertOperation(operation, 'peek');
    const compiled = compilePlan(plan);
    const bit = OPERATION_BITS[operation];
    const amounts = compiled.limits.map((limit) => ((limit.operations & bit) === 0 ? -1 : 1));
    const reply = await this.#run('p', client, compiled, amounts, '', '');
    return this.#decision(compiled, reply, amounts, false, null);
  }

  async block(client: string, durationMs: number): Promise<void> {
    assertClient(client, 'block');
    assertDuration(durationMs, 'block');
    const global = client === ALL_CLIENTS;
    const reply = await this.#eval(
      [global ? this.#globalKey : this.clientKey(client)],
      [global ? 'B' : 'b', this.#nowArg(), String(durationMs)],
    );
    if (global) {
      this.#globalUntil = firstNumber(reply) + durationMs;
      this.#globalReadAt = Date.now();
    }
  }

  async unblock(client: string): Promise<void> {
    assertClient(client, 'unblock');
    const global = client === ALL_CLIENTS;
    await this.#eval(
      [global ? this.#globalKey : this.clientKey(client)],
      [global ? 'U' : 'u', this.#nowArg()],
    );
    if (global) {
      this.#globalUntil = 0;
      this.#globalReadAt = Date.now();
    }
  }

  async #run(
    op: 'd' | 'p' | 's',
    client: string,
    plan: CompiledPlan,
    /** Per limit: decide and peek, the amount to charge (-1: the limit does not apply); settle, the refund. */
    amounts: readonly number[],
    lease: string,
    decidedAtMs: string,
    deadline = '',
  ): Promise<unknown> {
    const key = this.clientKey(client);
    const layout = layoutOf(plan);
    const keys = [key, this.#cluster ? key : this.#globalKey];
    for (const suffix of layout.setSuffixes) keys.push(key + suffix);
    const release = op === 's' && amounts.every((a) => a === 0);
    const args = (release ? layout.releaseArgs : layout.args).slice();
    args[0] = op;
    args[1] = this.#nowArg();
    args[3] = lease;
    args[4] = decidedAtMs;
    args[5] = deadline;
    // In cluster mode the global key is in another slot and may not be named here (see the cluster option).
    if (this.#cluster) args[6] = String(await this.#cachedGlobalUntil());
    if (!release) {
      for (let i = 0; i < amounts.length; i++) args[layout.firstAmount + i * LIMIT_ARGS] = String(amounts[i]);
    }
    return this.#eval(keys, args);
  }

  /**
   * The decision from the script's reply, which carries only what the caller cannot derive (see
   * quotaScript.ts): `amounts` as sent, `commits` true for decide (a peek never commits).
   */
  #decision(
    plan: CompiledPlan,
    reply: unknown,
    amounts: readonly number[],
    commits: boolean,
    leaseId: string | null,
  ): Decision {
    const values = integers(reply, 3 + PER_LIMIT * plan.limits.length);
    const nowMs = values[0]!;
    const blockedUntilMs = values[1]!;
    if (this.#clock === undefined) this.#offsetMs = nowMs - Date.now();
    const outcomes = newOutcomes(plan.limits.length);
    let admitted = blockedUntilMs <= nowMs;
    for (let i = 0; i < outcomes.length; i++) {
      const at = 3 + i * PER_LIMIT;
      const limit = plan.limits[i]!;
      const o = outcomes[i]!;
      const amount = Math.max(0, amounts[i]!);
      o.applies = amounts[i]! >= 0;
      o.consumed = values[at]!;
      o.remaining = limit.limit - o.consumed;
      o.resetAtMs = values[at + 1]!;
      o.retryMs = values[at + 2]!;
      o.refusal = amount > limit.limit ? REFUSAL_CAPACITY : o.retryMs > 0 ? REFUSAL_LIMIT : REFUSAL_NONE;
      if (o.refusal !== REFUSAL_NONE) admitted = false;
    }
    if (commits && admitted) {
      // Committed: the first in its window (full bucket, empty set) exactly when nothing was there before.
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i]!;
        o.firstInWindow = amounts[i]! > 0 && o.consumed === amounts[i];
      }
    }
    return buildDecision(plan, nowMs, blockedUntilMs, outcomes, values[2] === 1 ? leaseId : null, 'store');
  }

  /**
   * The latest time, on the script's clock, at which a decision sent now may still be committed: a tenth of
   * the caller's wait (at most 50 ms) before it gives up, so that a committed answer reaches it in time.
   * Redis's clock is estimated from the last reply (its `now` is taken when the script ran, so the estimate
   * errs by at most the reply's travel time, on the strict side). Before any reply, no deadline.
   */
  #deadlineArg(timeoutMs: number): string {
    if (this.#clock !== undefined) return String(Math.floor(this.#clock()) + timeoutMs);
    if (this.#offsetMs === null) return '';
    // A tenth of the wait (at most 50 ms) is left for the answer to travel back and be read in time.
    return String(Date.now() + this.#offsetMs + timeoutMs - Math.min(50, Math.floor(timeoutMs / 10)));
  }

  #nowArg(): string {
    return this.#clock === undefined ? '' : String(Math.floor(this.#clock()));
  }

  async #eval(keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.#send(['EVALSHA', SCRIPT_SHA, ...tail]);
    } catch (error) {
      // A restarted or flushed server forgot the script: EVAL runs it and caches it again.
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return this.#send(['EVAL', QUOTA_SCRIPT, ...tail]);
      }
      throw error;
    }
  }

  async #cachedGlobalUntil(): Promise<number> {
    if (Date.now() - this.#globalReadAt >= this.#refreshMs && this.#globalReading === null) {
      // Refreshed in the background: a decision never waits for the read, it uses the last value seen.
      this.#globalReading = this.#send(['GET', this.#globalKey])
        .then((value) => {
          this.#globalUntil = Number(value ?? 0) || 0;
          this.#globalReadAt = Date.now();
        })
        .catch(() => undefined)
        .finally(() => (this.#globalReading = null));
      if (this.#globalReadAt === -Infinity) await this.#globalReading;
    }
    return this.#globalUntil;
  }
}

function integers(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length < length) {
    throw new Error(`graphql-quota: unexpected reply from the Redis script: ${JSON.stringify(reply)}`);
  }
  return reply.map((v) => (typeof v === 'number' ? v : Number(v)));
}

function firstNumber(reply: unknown): number {
  return integers(reply, 1)[0]!;
}
