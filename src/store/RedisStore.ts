import { createHash, randomUUID } from 'node:crypto';
import {
  ALL_CLIENTS,
  OPERATION_BITS,
  QuotaValidationError,
  REFUSAL_CAPACITY,
  REFUSAL_CODES,
  REFUSAL_LIMIT,
  REFUSAL_NONE,
  assertClient,
  assertDecideInput,
  assertDuration,
  applyingLimits,
  assertScope,
  assertSettleInput,
  bucketFiguresHoldUntil,
  globalRemaining,
  isExempt,
  scopeOf,
  secondsUntil,
  buildDecision,
  compilePlan,
  invalidOption,
  limitCharge,
  limitRefund,
  newOutcomes,
} from '../quota/index.js';
import type {
  CompiledFixedWindow,
  CompiledPlan,
  Decision,
  DecideInput,
  OperationScope,
  OperationType,
  Plan,
  QuotaStore,
  SettleInput,
} from '../quota/index.js';
import { DEFAULT_REDIS_KEY_PREFIX, historyOperationName } from './defaults.js';
import { fnv1a32 } from './hash.js';
import { QUOTA_SCRIPT } from './quotaScript.js';
import { RedisClientMisuse, redisAdapter } from './redisClient.js';
import type { RedisClientKind, RedisClientLike, RedisSend } from './redisClient.js';
import {
  PendingUsage,
  USAGE_READ_SCRIPT,
  addRanking,
  parseUsageBucket,
  rankingKey,
  usageArgs,
  usageKey,
  usageSettings,
} from './usageHistory.js';
import type { RedisUsageBucket, RedisUsageHistoryOptions, UsageSettings } from './usageHistory.js';

/** Default refresh interval of the cached global block in cluster mode, in milliseconds. */
export const DEFAULT_GLOBAL_BLOCK_REFRESH_MS = 1000;

/** Default bound of the local refusal cache: the most clients it remembers a refusal of. */
export const DEFAULT_LOCAL_REFUSAL_CLIENTS = 10_000;

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * An ioredis `Redis` or `Cluster`, or a node-redis v4/v5 `createClient()` or `createCluster()` client
   * (connected). Any other object is refused here with `QUOTA_INVALID_OPTION`; a client of the right shape
   * that still cannot run the store's script is refused by {@link RedisStore.ready} (see there).
   */
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
   * Cluster mode. Every key of a client shares one hash slot, but the global block key lives in another, so
   * a decision cannot read it atomically: the store then keeps its value in memory, read again in the
   * background once it is half `globalBlockRefreshMs` old and before any decision once it is older than
   * that. `block('*')` therefore reaches every instance within `globalBlockRefreshMs`: a decision that starts
   * that long after `block('*')` resolved is refused (docs/redis-cluster.md has the measured figure).
   * Default: true for a cluster client (ioredis `Cluster`, node-redis `createCluster()`), which may not set it
   * to false; else false (a single Redis or a primary with replicas: every decision reads the global block).
   */
  readonly cluster?: boolean;
  /**
   * Cluster mode only: the longest time, in milliseconds, a decision may use a cached global block (the
   * kill switch's reach, see `cluster`). A positive integer. Default {@link DEFAULT_GLOBAL_BLOCK_REFRESH_MS}.
   */
  readonly globalBlockRefreshMs?: number;
  /**
   * The local refusal cache, as rate-limiter-flexible's `inMemoryBlockOnConsumed`. A decision refused for
   * want of room in a fixed window or a token bucket (not a block, a concurrency cap, a cost above a
   * limit's capacity or a plan with global limits) is remembered in this process; a decision of the same
   * client, plan and operation type charging every limit exactly as much is then refused here, with no Redis
   * call, for as long as the remembered refusal states only what Redis would: until the moment Redis said a
   * retry could pass, and never past a window's or a lease's end, nor past the moment a token bucket gives a
   * token back. A repeat has `nowMs` and `retryAfterSeconds` of its own and the remembered usage figures
   * (an idle concurrency cap's or a full bucket's reset is its own `nowMs`). Admissions always go to Redis,
   * so admitted counts stay exact across processes; the entry is dropped when this process admits, settles,
   * blocks or unblocks that client. Not guaranteed: a refund or unblock made by another process is seen here
   * only once the remembered refusal has lapsed. `0` turns it off. A non-negative integer: the most clients
   * remembered (least recently refused forgotten first). Default {@link DEFAULT_LOCAL_REFUSAL_CLIENTS}.
   * Proven equal to Redis's own decisions in `__tests__/store/refusalCache.property.test.ts`.
   */
  readonly localRefusalClients?: number;
  /**
   * One server only (not cluster mode): the most operations sent in one script call. Operations started in
   * the same turn of the event loop are sent together as batches (each operation still atomic and decided as
   * if alone), which divides the script call's fixed cost on the server, and the round trips, by the batch
   * size. A positive integer; `1` sends each operation in a call of its own. Default
   * {@link DEFAULT_MAX_BATCH}.
   */
  readonly maxBatch?: number;
  /**
   * One server only: whether batches overlap. When true, a turn's operations are split into batches of at
   * most half of the operations outstanding (sent and not yet answered, plus these), and at least
   * {@link MIN_OVERLAP_BATCH}, and the answers of two batches that arrive together are handed out one turn
   * of the event loop apart (the second after `setImmediate`); so under load about two batches are in
   * flight, and Redis runs one while this process reads the other's answers and prepares the next, instead
   * of each waiting for the other. When false, a turn's operations go as few batches as `maxBatch` allows:
   * the least server CPU per decision, but this process and Redis then take turns. Default true.
   */
  readonly overlapBatches?: boolean;
  /**
   * The usage history (issue 16): per client and per minute, operations, points charged and refunded, and
   * refusals by code, written by the decision's own script call (and a refunding settle's), no round trip of
   * its own; read with `RedisUsageHistory` (the dashboard's history). `true` for the defaults (minutes kept 7
   * days, hours 90 days, 50 operation names per client and hour), an object to set them. Off by default: the
   * script then runs no command more. On a Cluster a client's history lives in its own slot, and the
   * every-client totals and rankings are not kept (docs/dashboard.md). Throws `QUOTA_INVALID_OPTION` on a
   * malformed value.
   */
  readonly usageHistory?: boolean | RedisUsageHistoryOptions;
}

/** What `RedisUsageHistory` reads of a store whose usage history is on (see {@link RedisStore.usage}). */
export interface RedisUsageReads {
  /** Minutes are kept `minuteRetentionMs`, hours `hourRetentionMs` (milliseconds). */
  readonly minuteRetentionMs: number;
  readonly hourRetentionMs: number;
  /** False on a Cluster: no every-client totals nor rankings are kept. */
  readonly rankings: boolean;
  /**
   * One client's buckets (by its store key), or every client's (`client` null; empty on a Cluster), at the
   * given minute and hour starts (ms), in one script call: each bucket, or null where nothing was recorded.
   */
  buckets(
    client: string | null,
    minutes: readonly number[],
    hours: readonly number[],
  ): Promise<{ minutes: (RedisUsageBucket | null)[]; hours: (RedisUsageBucket | null)[] }>;
  /** The points charged per client (by store key) over the given hours (ms); empty on a Cluster. */
  ranking(hours: readonly number[]): Promise<Map<string, number>>;
}

/**
 * Default of `maxBatch`: the most operations sent in one script call, so that one call never holds the
 * (single-threaded) server long.
 */
export const DEFAULT_MAX_BATCH = 64;

/** With `overlapBatches`, the fewest operations a turn's batches are split down to (the last may have fewer). */
export const MIN_OVERLAP_BATCH = 8;

/** How many times a script call refused with `TRYAGAIN` is sent again (see #eval): about 2 s of waits. */
const TRYAGAIN_ATTEMPTS = 22;

const SCRIPT_SHA = createHash('sha1').update(QUOTA_SCRIPT).digest('hex');
/** The blocked refusal's code, as the history records it. */
const BLOCKED_CODE = REFUSAL_CODES.blocked;
/** Numbers per limit in the script's reply: consumed, resetAtMs, retryMs. */
const PER_LIMIT = 3;
/** The script's arguments of decide, peek and settle before the amounts (see quotaScript.ts). */
const HEAD_ARGS = 8;

interface ScriptLayout {
  /**
   * The plan block of the script's arguments (see quotaScript.ts): the number of limits and of hash fields,
   * the hash fields, then kind and 3 parameters per limit. The same for every call of the plan, so a batch
   * sends it once.
   */
  readonly block: readonly string[];
  /**
   * A settle's plan block when it refunds nothing: only the concurrency limits, without hash fields, since
   * releasing a lease reads nothing else (fewer arguments, less server time).
   */
  readonly releaseBlock: readonly string[];
  /** The amounts of a release: '0' per concurrency limit. */
  readonly releaseAmounts: readonly string[];
  /** Key suffixes of the concurrency limits' sorted sets, in plan order. */
  readonly setSuffixes: readonly string[];
  /** The global limits' key names (after the prefix), in plan order; their keys follow the sets. */
  readonly globalNames: readonly string[];
}

const scriptLayouts = new WeakMap<CompiledPlan, ScriptLayout>();

/** One operation's script call, queued to be sent with the others started in the same turn. */
interface QueuedCall {
  readonly key: string;
  readonly keys: string[];
  /** The arguments before the plan block: the head (its S, ARGV[8], set when sent) and the amounts. */
  readonly args: string[];
  readonly block: readonly string[];
  /**
   * A lease release on a plan with one concurrency limit: that limit's sorted set. Sent alone, it is a plain
   * `ZREM` of the lease (what the script would run, without a script call's cost); in a batch, part of it.
   */
  readonly releases?: string | undefined;
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** A refusal the local cache repeats until `untilMs` (see `localRefusalClients`). */
interface RememberedRefusal {
  readonly plan: CompiledPlan;
  readonly bit: number;
  /** What the refused operation charged each limit (-1: not in its scope). */
  readonly amounts: readonly number[];
  /**
   * On the store's clock (Redis's, or the test clock): until when the entry is repeated (the refusal's end,
   * or sooner, when another figure it states would move), and when the refusal ends (its Retry-After).
   */
  readonly untilMs: number;
  readonly retryAtMs: number;
  readonly decision: Decision;
  /** Whether a limit of the decision resets at its own moment (stated as the moment of each repeat). */
  readonly idle: boolean;
}

/** The plan's part of the script arguments, built once per plan. */
function layoutOf(plan: CompiledPlan): ScriptLayout {
  const cached = scriptLayouts.get(plan);
  if (cached !== undefined) return cached;
  const fields: string[] = [];
  const params: string[] = [];
  const releaseParams: string[] = [];
  const setSuffixes: string[] = [];
  const globalNames: string[] = [];
  const sets = plan.limits.filter((l) => l.kind === 'concurrency').length;
  // The refusal line (`ceiling`) goes to the script, which only decides; remaining is computed here against
  // the limit's line, so a soft limit needs nothing of the script.
  for (const limit of plan.limits) {
    const field = fieldOf(limit.name, limit.signature);
    switch (limit.kind) {
      case 'fixed-window':
        if (limit.global) {
          globalNames.push(globalName(limit));
          // KEYS: the client hash, the global block, the sets, then the global limits' hashes.
          const where = `${2 + sets + globalNames.length}:${limit.limit}:${limit.fairLine}`;
          params.push('g', String(limit.ceiling), String(limit.windowMs), where);
          break;
        }
        fields.push(`${field}:s`, `${field}:c`);
        params.push('f', String(limit.ceiling), String(limit.windowMs), String(limit.align));
        break;
      case 'token-bucket':
        fields.push(field);
        params.push('t', String(limit.ceiling), String(limit.increment), String(limit.scale));
        break;
      case 'concurrency': {
        setSuffixes.push(`:c:${limit.name}`);
        // KEYS[1] is the client hash, KEYS[2] the global block; the sets follow, 1-based in Lua.
        const own = ['c', String(limit.ceiling), String(limit.leaseMs), String(2 + setSuffixes.length)];
        params.push(...own);
        releaseParams.push(...own);
        break;
      }
    }
  }
  const layout = {
    block: [String(plan.limits.length), String(fields.length), ...fields, ...params],
    releaseBlock: [String(setSuffixes.length), '0', ...releaseParams],
    releaseAmounts: setSuffixes.map(() => '0'),
    setSuffixes,
    globalNames,
  };
  scriptLayouts.set(plan, layout);
  return layout;
}

/** A global limit's key after the prefix: a hash tag no client key can have (client keys escape `%`). */
function globalName(limit: CompiledFixedWindow): string {
  return `{%g:${limit.name}}:${fnv1a32(limit.signature).toString(36)}`;
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
  /** Which client library drives the store, and whether it is a cluster client. */
  readonly clientKind: RedisClientKind;
  readonly #prefix: string;
  readonly #clock: (() => number) | undefined;
  readonly #cluster: boolean;
  readonly #refreshMs: number;
  readonly #globalKey: string;
  #globalUntil = 0;
  /** This process's time when the read of the cached global block was sent. */
  #globalReadAt = -Infinity;
  /** Redis's clock minus this process's, learned from each reply's `now`; null until the first reply. */
  #offsetMs: number | null = null;
  #globalReading: Promise<void> | null = null;
  /** Counts this instance's own blocks and unblocks of everyone, so an older read never overwrites one. */
  #globalWrites = 0;
  /** The self-check, once started; settled and kept once it passed or found the client unusable. */
  #readiness: Promise<void> | null = null;
  #checked = false;
  /** The local refusal cache (see `localRefusalClients`), by client key; in insertion order, oldest first. */
  readonly #refusals = new Map<string, RememberedRefusal>();
  /**
   * Per client with decisions in flight the refusal cache may learn from: how many, and the number of the
   * latest time this process forgot the client (a refund, block or unblock; see #forget). The answer of a
   * decision sent before that may state the state before the refund: it is not learned.
   */
  readonly #learning = new Map<string, { count: number; forgotAt: number }>();
  /** How many times this process forgot a client (numbers #learning's `forgotAt`). */
  #forgets = 0;
  /** Script calls waiting for the end of this turn of the microtask queue (see #flush). */
  #batch: QueuedCall[] = [];
  readonly #refusalClients: number;
  #answeredLocally = 0;
  readonly #maxBatch: number;
  readonly #overlap: boolean;
  /** Operations sent in script calls not yet answered (see #flush). */
  #inFlight = 0;
  /** Whether a batch's answers were handed out in this turn of the microtask queue (see #sendBatch). */
  #answering = false;
  /** The usage history's settings; null when it is off. */
  readonly #usage: UsageSettings | null;
  /** Refusals no script call saw yet (see usageHistory.ts). */
  readonly #pending = new PendingUsage();

  constructor(options: RedisStoreOptions) {
    if (typeof options !== 'object' || options === null)
      invalidOption('RedisStore', 'options must be an object');
    const adapter = redisAdapter(options.client);
    if (typeof adapter === 'string') invalidOption('RedisStore', adapter);
    if (adapter.cluster && options.cluster === false) {
      invalidOption(
        'RedisStore',
        `cluster must not be false with a cluster client (${adapter.kind}): a decision cannot read the global block in another hash slot`,
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
    this.#send = adapter.send;
    this.clientKind = adapter.kind;
    this.#prefix = prefix;
    this.#clock = options.clock;
    this.#cluster = adapter.cluster || options.cluster === true;
    this.#refreshMs = refreshMs;
    this.#globalKey = `${prefix}{${ALL_CLIENTS}}:block`;
    const refusalClients = options.localRefusalClients ?? DEFAULT_LOCAL_REFUSAL_CLIENTS;
    if (!Number.isSafeInteger(refusalClients) || refusalClients < 0) {
      invalidOption(
        'RedisStore',
        `localRefusalClients must be a non-negative integer, got ${String(refusalClients)}`,
      );
    }
    this.#refusalClients = refusalClients;
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) {
      invalidOption('RedisStore', `maxBatch must be a positive integer, got ${String(maxBatch)}`);
    }
    if (options.overlapBatches !== undefined && typeof options.overlapBatches !== 'boolean') {
      invalidOption('RedisStore', `overlapBatches must be a boolean, got ${String(options.overlapBatches)}`);
    }
    this.#maxBatch = maxBatch;
    this.#overlap = options.overlapBatches ?? true;
    this.#usage = usageSettings(options.usageHistory, prefix, this.#cluster);
  }

  /** The key of a client's hash; its concurrency sets append `:c:<limit>`. */
  clientKey(client: string): string {
    // Escaping { } and % keeps the hash tag intact and the mapping one-to-one, while keys stay readable.
    return `${this.#prefix}{${client.replace(/[{}%]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}}`;
  }

  /**
   * The start-up self-check: runs the store's script once through the client (EVALSHA, EVAL if the server
   * lacks it) and checks the reply's shape; it also reads Redis's clock (so that the first decision already
   * carries its deadline, see `DecideInput.timeoutMs`) and, in cluster mode, the global block. Every method
   * runs it before its first command, so calling it is optional; call it at start-up to fail there.
   *
   * Rejects with a `QuotaValidationError` (`QUOTA_INVALID_OPTION`) when the client cannot drive the store:
   * the client throws or returns no promise, fails with a `TypeError`, is not connected (node-redis), is a
   * single-node client talking to a Redis Cluster (`MOVED`), may not run scripts, or the reply is not the
   * script's. That rejection is kept: every later call rejects with it too, and the engine passes it on
   * instead of applying its failure mode, so a wrong client is never mistaken for an outage. Any other
   * failure (Redis down, slow, loading) rejects with that error and the next call checks again.
   */
  ready(): Promise<void> {
    this.#readiness ??= this.#selfCheck().then(
      () => {
        this.#checked = true;
      },
      (error: unknown) => {
        if (!(error instanceof QuotaValidationError)) this.#readiness = null;
        throw error;
      },
    );
    return this.#readiness;
  }

  async decide(input: DecideInput): Promise<Decision> {
    // The caller's wait starts now, whatever the self-check below costs.
    const startedAt = Date.now();
    assertDecideInput(input);
    const plan = compilePlan(input.plan);
    if (!this.#checked) await this.ready();
    const bit = OPERATION_BITS[input.operation];
    const applies = applyingLimits(plan, input);
    const takesLease = plan.limits.some((l, i) => l.kind === 'concurrency' && applies[i]!);
    const leaseId = takesLease ? (input.leaseId ?? randomUUID()) : null;
    const amounts = plan.limits.map((limit, i) => (applies[i]! ? limitCharge(limit, input.cost) : -1));
    const exempt = plan.exempt.length > 0 && isExempt(plan, input);
    // An exempt operation is admitted whatever the cache holds.
    if (this.#refusals.size > 0 && !exempt) {
      const local = this.#refusedLocally(input.client, plan, bit, amounts);
      if (local !== null) {
        // USAGE HISTORY: no script call saw it; the next one that records history carries it.
        if (this.#usage !== null && input.record !== false)
          this.recordRefusal(
            input.client,
            input.plan.name,
            input.operationName ?? null,
            REFUSAL_CODES[local.reason!],
          );
        return local;
      }
    }
    const usage =
      this.#usage === null || input.record === false ? null : this.#usageArgs(input, plan, amounts);
    if (this.#cluster && plan.hasGlobal) {
      return this.#decideAcrossSlots(input, plan, amounts, leaseId, startedAt, exempt, usage);
    }
    let learning: { count: number; forgotAt: number } | undefined;
    const sentAfter = this.#forgets;
    if (this.#refusalClients > 0 && !exempt) {
      learning = this.#learning.get(input.client);
      if (learning === undefined) this.#learning.set(input.client, (learning = { count: 0, forgotAt: 0 }));
      learning.count++;
    }
    let reply: unknown;
    try {
      reply = await this.#run(
        'd',
        input.client,
        plan,
        amounts,
        leaseId ?? '',
        '',
        input.timeoutMs === undefined ? '' : this.#deadlineArg(input.timeoutMs, startedAt),
        usage,
      );
    } finally {
      if (learning !== undefined && --learning.count === 0) this.#learning.delete(input.client);
    }
    // A decision that reached Redis after the caller stopped waiting was refused there, uncommitted.
    if (Array.isArray(reply) && reply.length === 3 && Number(reply[2]) === -1) {
      throw new Error(
        `graphql-quota: the decision reached Redis too late for a caller waiting ${input.timeoutMs} ms and was not committed`,
      );
    }
    const decision = this.#decision(plan, reply, amounts, true, leaseId, exempt);
    if (learning !== undefined) {
      // Forgotten while it was out: its refusal may predate the refund, so it is not learned.
      if (learning.forgotAt > sentAfter) this.#refusals.delete(input.client);
      else this.#remember(input.client, plan, bit, amounts, decision, reply);
    }
    return decision;
  }

  //#region Usage history (issue 16; see usageHistory.ts)
  /**
   * A decision's history arguments (after the totals base, retentions and bound): operation name, plan, the
   * points charged if admitted, the code of a refusal not by a block, whether it is refused whatever the
   * reply says (a cost above a limit's capacity: known before the call), the code of a block.
   */
  #usageArgs(input: DecideInput, plan: CompiledPlan, amounts: readonly number[]): string[] {
    const capacity = amounts.some((a, i) => a > plan.limits[i]!.ceiling);
    const code = capacity ? REFUSAL_CODES['exceeds-capacity'] : REFUSAL_CODES.limit;
    const name = historyOperationName(input.operationName ?? '');
    return usageArgs(this.#usage!, name, input.plan.name, input.cost, code, capacity, BLOCKED_CODE);
  }

  /**
   * Counts a refusal that reached no script call (a cost-analysis refusal, say) in the usage history: kept in
   * this process and written by its next script call that records history (any client's on a single Redis,
   * this client's on a Cluster), or by {@link flushUsage}. Does nothing when the history is off. `client` is
   * the store key, `code` the refusal's code (`COST_LIMIT_EXCEEDED`...).
   */
  recordRefusal(client: string, plan: string, operationName: string | null, code: string): void {
    if (this.#usage === null) return;
    this.#pending.add(
      this.clientKey(client),
      this.#storeNow(),
      historyOperationName(operationName ?? ''),
      plan,
      code,
    );
  }

  /**
   * Writes the refusals {@link recordRefusal} (and the local refusal cache) kept, in one script call per
   * client on a Cluster, one in all else. Call it at shutdown; nothing needs it otherwise. Rejects as the
   * script call does (what it carried is kept for the next call).
   */
  async flushUsage(): Promise<void> {
    if (this.#usage === null) return;
    if (!this.#checked) await this.ready();
    for (let key = this.#pending.anyKey(); key !== null; key = this.#pending.anyKey()) {
      const pending = this.#pending.take(this.#cluster ? key : undefined);
      // A settle of a plan of no limits: it runs nothing but the history's part.
      const args = [
        's',
        this.#nowArg(),
        'u',
        '',
        '',
        '',
        '',
        '',
        ...usageArgs(this.#usage, '', '', 0, '', false, ''),
      ];
      args[HEAD_ARGS - 1] = String(args.length + pending.length + 1);
      try {
        await this.#eval(key, [key, this.#cluster ? key : this.#globalKey], [...args, ...pending, '0', '0']);
      } catch (error) {
        this.#pending.restore(pending);
        throw error;
      }
    }
  }

  /** How many refusal groups wait for a script call to carry them to the usage history. */
  get pendingUsage(): number {
    return this.#pending.size;
  }

  /** The usage history's reads (for `RedisUsageHistory`); null when the history is off. */
  get usage(): RedisUsageReads | null {
    const settings = this.#usage;
    if (settings === null) return null;
    const read = async (keys: string[], kind: 'h' | 'z'): Promise<unknown[]> => {
      if (keys.length === 0) return [];
      if (!this.#checked) await this.ready();
      const reply = await this.#send(keys[0]!, [
        'EVAL',
        USAGE_READ_SCRIPT,
        String(keys.length),
        ...keys,
        kind,
      ]);
      return Array.isArray(reply) ? (reply as unknown[]) : [];
    };
    return {
      minuteRetentionMs: settings.minuteRetentionMs,
      hourRetentionMs: settings.hourRetentionMs,
      rankings: settings.totalsBase !== '',
      buckets: async (client, minutes, hours) => {
        const totals = client === null;
        const base = totals ? settings.totalsBase : this.clientKey(client);
        if (base === '') return { minutes: minutes.map(() => null), hours: hours.map(() => null) };
        const keys = [
          ...minutes.map((m) => usageKey(base, 'm', m, totals)),
          ...hours.map((h) => usageKey(base, 'h', h, totals)),
        ];
        const flat = (await read(keys, 'h')).map(parseUsageBucket);
        return { minutes: flat.slice(0, minutes.length), hours: flat.slice(minutes.length) };
      },
      ranking: async (hours) => {
        const scores = new Map<string, number>();
        if (settings.totalsBase === '') return scores;
        const sets = await read(
          hours.map((h) => rankingKey(settings.totalsBase, h)),
          'z',
        );
        const byKey = new Map<string, number>();
        for (const set of sets) addRanking(set, byKey);
        for (const [key, score] of byKey) {
          const client = this.clientOfKey(key);
          if (client !== null) scores.set(client, score);
        }
        return scores;
      },
    };
  }

  /** The client (store key) of a client hash key ({@link clientKey}); null for another key. */
  clientOfKey(key: string): string | null {
    const prefix = `${this.#prefix}{`;
    if (!key.startsWith(prefix) || !key.endsWith('}')) return null;
    return key
      .slice(prefix.length, -1)
      .replace(/%([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  //#endregion

  /**
   * Refusals this store could not keep for the usage history: more than `MAX_PENDING_TOTAL` (10,000) groups
   * (client, minute, operation name, plan, code) were waiting for a script call to carry them (Redis
   * unreachable, or no call made). 0 while the history is off or nothing was dropped.
   */
  get usageRefusalsDropped(): number {
    return this.#pending.dropped;
  }

  /** How many decisions the local refusal cache answered without Redis (see `localRefusalClients`). */
  get answeredLocally(): number {
    return this.#answeredLocally;
  }

  /**
   * Drops what the refusal cache holds of `client`, and keeps it from learning the answers of the client's
   * decisions already sent (Redis may have run them before the refund, block or unblock this precedes).
   */
  #forget(client: string): void {
    this.#refusals.delete(client);
    const learning = this.#learning.get(client);
    this.#forgets++;
    if (learning !== undefined) learning.forgotAt = this.#forgets;
  }

  /** A refusal the local cache still holds for this decision, or null (see `localRefusalClients`). */
  #refusedLocally(
    client: string,
    plan: CompiledPlan,
    bit: number,
    amounts: readonly number[],
  ): Decision | null {
    const entry = this.#refusals.get(client);
    if (entry === undefined) return null;
    const nowMs = this.#storeNow();
    if (nowMs >= entry.untilMs) {
      this.#refusals.delete(client);
      return null;
    }
    if (entry.plan !== plan || entry.bit !== bit) return null;
    // Only the same charge on every limit (so the same scope) is refused for the same reason: a larger one
    // may wait longer, or be refused by another limit, or exceed a limit's capacity.
    for (let i = 0; i < amounts.length; i++) if (amounts[i] !== entry.amounts[i]) return null;
    this.#answeredLocally++;
    const d = entry.decision;
    return {
      ...d,
      nowMs,
      retryAfterSeconds: secondsUntil(entry.retryAtMs - nowMs),
      // A limit with nothing to wait for (an idle concurrency cap, a full bucket) resets "now".
      limits: entry.idle
        ? d.limits.map((l) => (l.resetAtMs <= d.nowMs ? { ...l, resetAtMs: nowMs } : l))
        : d.limits,
    };
  }

  #remember(
    client: string,
    plan: CompiledPlan,
    bit: number,
    amounts: readonly number[],
    d: Decision,
    reply: unknown,
  ): void {
    this.#refusals.delete(client);
    if (d.allowed || d.reason !== 'limit' || d.source !== 'store') return;
    // The limit that refused longest (refusedBy) decides until when; only window and bucket state is certain
    // to stay short that long (a concurrency slot may be released any moment).
    const limit = plan.limits.findIndex((l) => l.name === d.refusedBy);
    if (limit < 0 || plan.limits[limit]!.kind === 'concurrency') return;
    // The script's reply holds 3 numbers per limit after 3 of its own: consumed, resetAtMs, retryMs.
    const retryMs = Number((reply as unknown[])[3 + limit * PER_LIMIT + 2]);
    if (!(retryMs > 0)) return;
    // A global window moves with every other client: a repeated refusal could no longer say how full it is.
    if (plan.hasGlobal) return;
    // Repeated until the refusal would end, and never past the moment another figure it states would move:
    // a window's reset, a lease's end, a token coming back to a bucket. An idle concurrency cap or a full
    // bucket resets "now", which a repeat states as its own moment (see #refusedLocally).
    let untilMs = d.nowMs + retryMs;
    for (let i = 0; i < d.limits.length; i++) {
      const l = d.limits[i]!;
      const compiled = plan.limits[i]!;
      let moves = l.resetAtMs > d.nowMs ? l.resetAtMs : Infinity;
      if (compiled.kind === 'token-bucket') {
        moves = bucketFiguresHoldUntil(compiled, l.consumed, l.resetAtMs, d.nowMs);
      } else if (compiled.kind === 'fixed-window' && compiled.align === 1 && l.consumed === 0) {
        // An empty first-request window resets a window after "now", unless a refund emptied one that
        // started at this very moment: the two cannot be told apart, so it is not remembered.
        if (l.resetAtMs === d.nowMs + compiled.windowMs) return;
      }
      if (moves < untilMs) untilMs = moves;
    }
    if (untilMs <= d.nowMs) return;
    if (this.#refusals.size >= this.#refusalClients) {
      this.#refusals.delete(this.#refusals.keys().next().value!);
    }
    this.#refusals.set(client, {
      plan,
      bit,
      amounts,
      untilMs,
      retryAtMs: d.nowMs + retryMs,
      decision: d,
      idle: d.limits.some((l) => l.resetAtMs <= d.nowMs),
    });
  }

  /**
   * Cluster mode, a plan with global limits: each global limit's window is in a slot of its own, so the
   * decision is taken in steps. Each global limit is checked and charged first, in plan order, on its own key
   * (one atomic call each); then the client's limits in one call. If a step refuses, the global charges
   * already taken are given back (one call each). So a global limit is never exceeded, and an operation
   * refused in the end is charged nothing; but between a charge and its return (two round trips) other
   * clients see that much less room, and a process that dies in between leaves it charged until its window
   * ends. docs/quotas-and-stores.md states this bound.
   */
  async #decideAcrossSlots(
    input: DecideInput,
    plan: CompiledPlan,
    amounts: readonly number[],
    leaseId: string | null,
    startedAt: number,
    exempt: boolean,
    usage: string[] | null,
  ): Promise<Decision> {
    const blockUntil = await this.#cachedGlobalUntil();
    const globals = new Map<number, number[]>();
    const taken: { index: number; amount: number; atMs: number }[] = [];
    let refused = false;
    for (let i = 0; i < plan.limits.length && !refused; i++) {
      const limit = plan.limits[i]!;
      if (limit.kind !== 'fixed-window' || !limit.global || amounts[i]! < 0) continue;
      const values = integers(await this.#globalCall('d', limit, amounts[i]!, input.client, blockUntil), 8);
      globals.set(i, values);
      refused = values[1]! > values[0]! || values[5]! > 0 || amounts[i]! > limit.ceiling;
      // USAGE HISTORY: the client's call below only reads; it records the refusal this step decided.
      if (refused && usage !== null) {
        const capacity = amounts[i]! > limit.ceiling;
        usage[usage.length - 3] = capacity ? REFUSAL_CODES['exceeds-capacity'] : REFUSAL_CODES.limit;
        usage[usage.length - 2] = '1';
      }
      if (!refused && amounts[i]! > 0) taken.push({ index: i, amount: amounts[i]!, atMs: values[0]! });
    }
    // The client's own limits: decided (or, after a global refusal, only read); global ones marked -2.
    const own = plan.limits.map((l, i) => (l.kind === 'fixed-window' && l.global ? -2 : amounts[i]!));
    const peekAmounts = own.map((a) => (a === -2 ? -2 : a < 0 ? -1 : 1));
    let reply: unknown;
    try {
      reply = refused
        ? await this.#run('p', input.client, plan, peekAmounts, '', '', '', usage)
        : await this.#run(
            'd',
            input.client,
            plan,
            own,
            leaseId ?? '',
            '',
            input.timeoutMs === undefined ? '' : this.#deadlineArg(input.timeoutMs, startedAt),
            usage,
          );
    } catch (error) {
      await this.#giveBack(plan, taken, input.client);
      throw error;
    }
    if (Array.isArray(reply) && reply.length === 3 && Number(reply[2]) === -1) {
      await this.#giveBack(plan, taken, input.client);
      throw new Error(
        `graphql-quota: the decision reached Redis too late for a caller waiting ${input.timeoutMs} ms and was not committed`,
      );
    }
    const decision = this.#decision(plan, reply, amounts, !refused, leaseId, exempt, globals);
    if (!decision.allowed) await this.#giveBack(plan, taken, input.client);
    return decision;
  }

  /** Gives back global charges taken by a decision that was refused in a later step (cluster mode). */
  async #giveBack(
    plan: CompiledPlan,
    taken: readonly { index: number; amount: number; atMs: number }[],
    client: string,
  ): Promise<void> {
    for (const { index, amount, atMs } of taken) {
      const limit = plan.limits[index] as CompiledFixedWindow;
      await this.#globalCall('s', limit, amount, client, '0', String(atMs));
    }
  }

  /**
   * One script call on one global limit's own key (cluster mode): decide, peek, or settle (`amount` is then
   * the refund). Reply of decide and peek: now, blocked until, 0, consumed, reset, retry, the client's use,
   * clients.
   */
  #globalCall(
    op: 'd' | 'p' | 's',
    limit: CompiledFixedWindow,
    amount: number,
    client: string,
    blockUntil: string,
    decidedAtMs = '',
  ): Promise<unknown> {
    const key = this.#prefix + globalName(limit);
    const where = `1:${limit.limit}:${limit.fairLine}:${this.clientKey(client)}`;
    // The head, the amount, then the plan block (at ARGV[10]) of this one limit.
    const args = [op, this.#nowArg(), '', '', decidedAtMs, '', blockUntil, '10', String(amount)];
    args.push('1', '0', 'g', String(limit.ceiling), String(limit.windowMs), where);
    return this.#eval(key, [key, key], args);
  }

  async settle(input: SettleInput): Promise<void> {
    assertSettleInput(input);
    const plan = compilePlan(input.plan);
    if (!this.#checked) await this.ready();
    const applies = applyingLimits(plan, input);
    const refunds = plan.limits.map((limit, i) => (applies[i]! ? limitRefund(limit, input.refund) : 0));
    // Points given back may admit what the cache would refuse.
    if (input.refund > 0) this.#forget(input.client);
    if (this.#cluster && plan.hasGlobal) {
      // Each global limit's refund on its own key; the client's call leaves them alone (-2 reads nothing).
      for (let i = 0; i < plan.limits.length; i++) {
        const limit = plan.limits[i]!;
        if (limit.kind !== 'fixed-window' || !limit.global) continue;
        if (refunds[i]! > 0 && input.decidedAtMs !== undefined) {
          await this.#globalCall('s', limit, refunds[i]!, input.client, '0', String(input.decidedAtMs));
        }
        refunds[i] = 0;
      }
    }
    // USAGE HISTORY: a refund is recorded in its decision's minute (and the call carries pending refusals).
    const usage =
      this.#usage !== null && (input.refund > 0 || this.#pending.size > 0)
        ? usageArgs(
            this.#usage,
            historyOperationName(input.operationName ?? ''),
            '',
            input.refund,
            '',
            false,
            '',
          )
        : null;
    await this.#run(
      's',
      input.client,
      plan,
      refunds,
      input.leaseId ?? '',
      input.decidedAtMs === undefined ? '' : String(input.decidedAtMs),
      '',
      usage,
    );
  }

  async peek(client: string, plan: Plan, operation: OperationType | OperationScope): Promise<Decision> {
    assertClient(client, 'peek');
    assertScope(operation, 'peek');
    const compiled = compilePlan(plan);
    if (!this.#checked) await this.ready();
    const scope = scopeOf(operation);
    const applies = applyingLimits(compiled, scope);
    const amounts = applies.map((a) => (a ? 1 : -1));
    let globals: Map<number, number[]> | undefined;
    let sent: number[] = amounts;
    if (this.#cluster && compiled.hasGlobal) {
      // Each global limit read on its own key (cluster mode: another slot), the client's limits in one call.
      globals = new Map();
      sent = amounts.slice();
      for (let i = 0; i < compiled.limits.length; i++) {
        const limit = compiled.limits[i]!;
        if (limit.kind !== 'fixed-window' || !limit.global) continue;
        const values = await this.#globalCall('p', limit, Math.max(0, amounts[i]!), client, '0');
        globals.set(i, integers(values, 8));
        sent[i] = -2;
      }
    }
    const reply = await this.#run('p', client, compiled, sent, '', '');
    return this.#decision(compiled, reply, amounts, false, null, isExempt(compiled, scope), globals);
  }

  async block(client: string, durationMs: number): Promise<void> {
    assertClient(client, 'block');
    assertDuration(durationMs, 'block');
    if (!this.#checked) await this.ready();
    const global = client === ALL_CLIENTS;
    this.#forget(client);
    const key = global ? this.#globalKey : this.clientKey(client);
    const reply = await this.#eval(key, [key], [global ? 'B' : 'b', this.#nowArg(), String(durationMs)]);
    if (global) {
      this.#globalUntil = firstNumber(reply) + durationMs;
      this.#globalReadAt = this.#localNow();
      this.#globalWrites++;
    }
  }

  async unblock(client: string): Promise<void> {
    assertClient(client, 'unblock');
    if (!this.#checked) await this.ready();
    const global = client === ALL_CLIENTS;
    this.#forget(client);
    const key = global ? this.#globalKey : this.clientKey(client);
    await this.#eval(key, [key], [global ? 'U' : 'u', this.#nowArg()]);
    if (global) {
      this.#globalUntil = 0;
      this.#globalReadAt = this.#localNow();
      this.#globalWrites++;
    }
  }

  async #selfCheck(): Promise<void> {
    const key = this.#globalKey;
    let reply: unknown;
    try {
      reply = await this.#eval(key, [key], ['R', this.#nowArg()]);
    } catch (error) {
      if (error instanceof QuotaValidationError) throw error;
      if (error instanceof RedisClientMisuse || error instanceof TypeError) misconfigured(error.message);
      const message = error instanceof Error ? error.message : String(error);
      if (/client is closed/i.test(message))
        misconfigured(`${message}: connect it first (await client.connect())`);
      if (/^(NOPERM|ERR unknown command|ERR .*script)/i.test(message)) {
        misconfigured(`${message}: the store needs EVALSHA, EVAL and the commands its script runs`);
      }
      throw error;
    }
    if (
      !Array.isArray(reply) ||
      reply.length !== 2 ||
      !reply.every((v) => Number.isFinite(typeof v === 'number' ? v : Number(v)))
    ) {
      misconfigured(`the script's reply was ${JSON.stringify(reply)}, not [now, globalBlockUntil]`);
    }
    const [nowMs, globalUntil] = (reply as unknown[]).map(Number) as [number, number];
    if (this.#clock === undefined) this.#offsetMs = nowMs - Date.now();
    if (this.#cluster) {
      this.#globalUntil = globalUntil;
      this.#globalReadAt = this.#localNow();
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
    /** The usage history's arguments (see usageHistory.ts), without the pending refusals; null: none. */
    usage: readonly string[] | null = null,
  ): Promise<unknown> {
    const key = this.clientKey(client);
    const layout = layoutOf(plan);
    const keys = [key, this.#cluster ? key : this.#globalKey];
    for (const suffix of layout.setSuffixes) keys.push(key + suffix);
    // In cluster mode global limits are decided in calls of their own (their keys are in other slots).
    if (!this.#cluster) for (const name of layout.globalNames) keys.push(this.#prefix + name);
    const release = op === 's' && amounts.every((a) => a === 0);
    // In cluster mode the global key is in another slot and may not be named here (see the cluster option).
    const global = this.#cluster && op !== 's' ? await this.#cachedGlobalUntil() : '';
    // The head (its S, the plan block's index, set when sent), then the amounts.
    const args = [op, this.#nowArg(), '', lease, decidedAtMs, deadline, global, ''];
    if (release) args.push(...layout.releaseAmounts);
    else for (const amount of amounts) args.push(String(amount));
    const block = release ? layout.releaseBlock : layout.block;
    const releases =
      release && lease !== '' && layout.setSuffixes.length === 1 ? key + layout.setSuffixes[0]! : undefined;
    if (usage !== null) return this.#runWithUsage(key, keys, args, block, usage);
    // One server (not a cluster, whose clients' keys live in different slots): operations started together are
    // sent together, as one script call (see #flush).
    if (!this.#cluster) return this.#batched({ key, keys, args, block, releases });
    if (releases !== undefined) return this.#release(key, releases, lease);
    args[HEAD_ARGS - 1] = String(args.length + 1);
    return this.#eval(key, keys, args.concat(block));
  }

  /** USAGE HISTORY: the call with its history arguments and pending refusals (put back if the call fails). */
  async #runWithUsage(
    key: string,
    keys: string[],
    args: string[],
    block: readonly string[],
    usage: readonly string[],
  ): Promise<unknown> {
    args[2] = 'u';
    const pending = this.#pending.size > 0 ? this.#pending.take(this.#cluster ? key : undefined) : ['0'];
    for (const a of usage) args.push(a);
    for (const a of pending) args.push(a);
    try {
      if (!this.#cluster) return await this.#batched({ key, keys, args, block, releases: undefined });
      args[HEAD_ARGS - 1] = String(args.length + 1);
      return await this.#eval(key, keys, args.concat(block));
    } catch (error) {
      if (pending.length > 1) this.#pending.restore(pending);
      throw error;
    }
  }

  #batched(call: Omit<QueuedCall, 'resolve' | 'reject'>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.#batch.push({ ...call, resolve, reject }) === 1) queueMicrotask(this.#flush);
    });
  }

  /** A lease released from a plan's one concurrency limit: `ZREM`, as the script's settle would. */
  #release(key: string, set: string, lease: string): Promise<unknown> {
    return this.#send(key, ['ZREM', set, lease]).catch((error: unknown) => this.#misrouted(error));
  }

  /**
   * Sends the operations queued since the last flush: one alone as itself, several as one batch ('M' in
   * quotaScript.ts), each still atomic and answered as if alone. Under concurrency this divides the script
   * call's fixed cost on the server, and the round trips, by the batch size; operations of one plan share
   * its plan block. Batches hold at most `maxBatch` operations and, with `overlapBatches`, at most half of
   * those outstanding (at least MIN_OVERLAP_BATCH), so that about two are in flight: the server runs one
   * while this process handles the other's answers.
   */
  readonly #flush = (): void => {
    const queued = this.#batch;
    this.#batch = [];
    let bound = this.#maxBatch;
    if (this.#overlap) {
      const half = Math.ceil((this.#inFlight + queued.length) / 2);
      bound = Math.min(bound, Math.max(MIN_OVERLAP_BATCH, half));
    }
    for (let from = 0; from < queued.length; from += bound) this.#sendBatch(queued.slice(from, from + bound));
  };

  #sendBatch(batch: QueuedCall[]): void {
    this.#inFlight += batch.length;
    if (batch.length === 1) {
      const only = batch[0]!;
      only.args[HEAD_ARGS - 1] = String(only.args.length + 1);
      const sent =
        only.releases !== undefined
          ? this.#release(only.key, only.releases, only.args[3]!)
          : this.#eval(only.key, only.keys, only.args.concat(only.block));
      sent.then(
        (reply) => {
          this.#inFlight--;
          only.resolve(reply);
        },
        (error: unknown) => {
          this.#inFlight--;
          only.reject(error);
        },
      );
      return;
    }
    const keys: string[] = [];
    const args = ['M', String(batch.length)];
    // Where each plan block already is in ARGV (1-based, as the script reads it).
    const blocks = new Map<readonly string[], string>();
    for (const op of batch) {
      for (const k of op.keys) keys.push(k);
      const sent = blocks.get(op.block);
      const own = op.args;
      if (sent !== undefined) {
        own[HEAD_ARGS - 1] = sent;
        args.push(String(op.keys.length), String(own.length));
        for (const a of own) args.push(a);
      } else {
        // After nk, na and this operation's own arguments.
        const at = String(args.length + 2 + own.length + 1);
        blocks.set(op.block, at);
        own[HEAD_ARGS - 1] = at;
        args.push(String(op.keys.length), String(own.length + op.block.length));
        for (const a of own) args.push(a);
        for (const a of op.block) args.push(a);
      }
    }
    this.#eval(batch[0]!.key, keys, args).then(
      (reply) => {
        const answer = (): void => {
          this.#inFlight -= batch.length;
          // Flat: per operation, the length of its reply, then the reply.
          const flat = reply as unknown[];
          let at = 0;
          for (const op of batch) {
            const length = Number(flat[at]);
            op.resolve(flat.slice(at + 1, at + 1 + length));
            at += 1 + length;
          }
        };
        if (!this.#overlap) return answer();
        // Two answers read together (Redis ran both batches before replying) would send their callers' next
        // operations together too, and Redis would wait while this process prepares them all: the second's
        // are handed out a turn later, so the first's next batch reaches Redis meanwhile.
        if (this.#answering) return void setImmediate(answer);
        this.#answering = true;
        queueMicrotask(() => (this.#answering = false));
        answer();
      },
      (error: unknown) => {
        this.#inFlight -= batch.length;
        for (const op of batch) op.reject(error);
      },
    );
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
    exempt: boolean,
    /** Cluster mode: each global limit's reply of its own call (see `#globalCall`), by limit index. */
    globals?: ReadonlyMap<number, readonly number[]>,
  ): Decision {
    const values = integers(reply, 3 + PER_LIMIT * plan.limits.length);
    let extra = 3 + PER_LIMIT * plan.limits.length;
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
      // A global limit decided in a call of its own (cluster mode) reads its numbers from that call's reply.
      const own = globals?.get(i);
      const from = own ?? values;
      const j = own === undefined ? at : 3;
      o.consumed = from[j]!;
      o.remaining = Math.max(0, limit.limit - o.consumed);
      if (limit.kind === 'fixed-window' && limit.global) {
        const k = own === undefined ? extra : 6;
        o.remaining = globalRemaining(limit, o.consumed, from[k]!, from[k + 1]!);
        extra += 2;
      }
      o.resetAtMs = from[j + 1]!;
      o.retryMs = from[j + 2]!;
      o.refusal = amount > limit.ceiling ? REFUSAL_CAPACITY : o.retryMs > 0 ? REFUSAL_LIMIT : REFUSAL_NONE;
      if (o.refusal !== REFUSAL_NONE) admitted = false;
    }
    if (commits && admitted) {
      // Committed: the first in its window (full bucket, empty set) exactly when nothing was there before,
      // whatever it charged (quota/arithmetic.ts's rule). The script needs no change for a zero amount: it
      // writes nothing and replies the consumption before the operation, so 0 means nothing was there.
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i]!;
        o.firstInWindow = amounts[i]! >= 0 && o.consumed === amounts[i];
      }
    }
    const lease = values[2] === 1 ? leaseId : null;
    return buildDecision(plan, nowMs, blockedUntilMs, outcomes, lease, 'store', exempt);
  }

  /**
   * The latest time, on the script's clock, at which a decision sent now may still be committed: a tenth of
   * the caller's wait (at most 50 ms) before it gives up, so that a committed answer reaches it in time.
   * Redis's clock is estimated from the last reply (its `now` is taken when the script ran, so the estimate
   * errs by at most the reply's travel time, on the strict side). Before any reply, no deadline.
   */
  #deadlineArg(timeoutMs: number, startedAt: number): string {
    if (this.#clock !== undefined) return String(Math.floor(this.#clock()) + timeoutMs);
    // Known from the self-check on: the first decision carries its deadline too.
    if (this.#offsetMs === null) return '';
    // A tenth of the wait (at most 50 ms) is left for the answer to travel back and be read in time.
    return String(startedAt + this.#offsetMs + timeoutMs - Math.min(50, Math.floor(timeoutMs / 10)));
  }

  #nowArg(): string {
    return this.#clock === undefined ? '' : String(Math.floor(this.#clock()));
  }

  /** The store's clock as this process sees it: the test clock, or Redis's estimated from the last reply. */
  #storeNow(): number {
    return this.#clock !== undefined ? this.#clock() : Date.now() + (this.#offsetMs ?? 0);
  }

  /** This process's time for ages of cached values: the test clock when one is given. */
  #localNow(): number {
    return this.#clock === undefined ? Date.now() : this.#clock();
  }

  /**
   * Runs the script with `keys`, all in `key`'s hash slot (a cluster client sends it to that slot's master).
   * A `TRYAGAIN` (Redis Cluster, while the slot migrates: the call's keys are split between the two masters,
   * or missing on both; refused before the script ran) is sent again after 10, 20, 40, 80, then every 100 ms,
   * for about 2 s in all: node-redis passes it on; ioredis retries it itself (`retryDelayOnTryAgain`), then
   * passes on what is left.
   */
  async #eval(key: string, keys: string[], args: string[]): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#evalOnce(key, keys, args);
      } catch (error) {
        const message = error instanceof Error ? error.message : '';
        if (attempt >= TRYAGAIN_ATTEMPTS || !/^TRYAGAIN |Last error: .*TRYAGAIN /.test(message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(100, 10 * 2 ** attempt)));
      }
    }
  }

  async #evalOnce(key: string, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.#send(key, ['EVALSHA', SCRIPT_SHA, ...tail]);
    } catch (error) {
      // A restarted or flushed server (or a cluster master not yet used) lacks the script: EVAL runs it and
      // caches it there.
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return this.#send(key, ['EVAL', QUOTA_SCRIPT, ...tail]).catch((e: unknown) => this.#misrouted(e));
      }
      return this.#misrouted(error);
    }
  }

  /**
   * A single-node client talking to a cluster is told MOVED or ASK, and keys across slots CROSSSLOT: a
   * client that cannot drive the store, never an outage (see {@link RedisStore.ready}).
   */
  #misrouted(error: unknown): never {
    const message = error instanceof Error ? error.message : String(error);
    if (/^(MOVED|ASK|CROSSSLOT) /.test(message)) {
      misconfigured(
        this.#cluster && message.startsWith('CROSSSLOT')
          ? message
          : `${message}: this server is a Redis Cluster node; pass a cluster client (ioredis Cluster or node-redis createCluster())`,
      );
    }
    throw error;
  }

  /**
   * Cluster mode: the global block until, as a script argument. A value read less than half
   * `globalBlockRefreshMs` ago is used as is; an older one is read again in the background; one read
   * `globalBlockRefreshMs` ago or more is read again before the decision. So no decision uses a value read
   * (sent) more than `globalBlockRefreshMs` before it: the kill switch's bound.
   */
  async #cachedGlobalUntil(): Promise<string> {
    const age = this.#localNow() - this.#globalReadAt;
    if (age >= this.#refreshMs) await this.#readGlobal();
    else if (age * 2 >= this.#refreshMs) this.#readGlobal().catch(() => undefined);
    return String(this.#globalUntil);
  }

  #readGlobal(): Promise<void> {
    if (this.#globalReading !== null) return this.#globalReading;
    const sentAt = this.#localNow();
    const writes = this.#globalWrites;
    this.#globalReading = this.#send(this.#globalKey, ['GET', this.#globalKey])
      .then((value) => {
        // A block or unblock of this instance's own, made while the read was out, is newer: kept.
        if (writes !== this.#globalWrites) return;
        this.#globalUntil = Number(value ?? 0) || 0;
        this.#globalReadAt = sentAt;
      })
      .finally(() => (this.#globalReading = null));
    return this.#globalReading;
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

function misconfigured(why: string): never {
  invalidOption('RedisStore', `the client cannot drive the store: ${why}`);
}
