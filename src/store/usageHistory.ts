/**
 * The Redis store's usage history (issue 16): per client and per minute, operations, points charged, points
 * refunded and refusals by code, written by the decision's own script call (no round trip of its own), with
 * bounded retention. This file holds its options, its part of the store's Lua script, its key names and the
 * parsing of what is read back; `RedisUsageHistory` (src/history) serves the read API from it.
 *
 * Keys, all with a TTL, `P` the store's key prefix and `{K}` the client's hash tag (the client's hash key
 * `P{K}`, so that a client's history lives in its slot on a Redis Cluster), minutes and hours counted from the
 * Unix epoch (`floor(ms / 60000)`, `floor(ms / 3600000)`):
 * - `P{K}:u:m:<minute>`: a hash, the client's minute. Fields `o` operations, `c` points charged, `f` points
 *   refunded, `r:<CODE>` refusals by code. TTL: until the minute is `minuteRetentionMs` old.
 * - `P{K}:u:h:<hour>`: a hash, the client's hour: `r:<CODE>` refusals, `p` the plan of its first operation,
 *   and per operation name `o:<name>`, `c:<name>`, `f:<name>` and `x:<name>` (the most points charged to one
 *   run), `n` the number of names (at most `maxOperationNames`, then `(other)`; an anonymous operation's name
 *   is empty); the hour's operations and points are the sums over its names (no fields of their own: two
 *   commands fewer per decision). TTL: until the hour's end is `hourRetentionMs` old.
 * - Single Redis only (a Cluster would put them in another slot than the client's): `P{%u}:m:<minute>` and
 *   `P{%u}:h:<hour>`, every client's minute and hour (the same fields; names bounded at 20 times
 *   `maxOperationNames`), and `P{%u}:c:<hour>`, a sorted set of the hour's clients (their hash keys) scored by
 *   points charged. `{%u}` is a hash tag no client key has (client keys escape `%`).
 *
 * What is recorded, and when (the rule the docs state): a decision's script call counts one operation in the
 * minute of its `now` and, when it admits, the points it charged (the estimate), or, when it refuses, the
 * refusal's code. Actual cost is not written: it is the points charged minus the points refunded, and a settle
 * that refunds (the lifecycle calls settle only then, or to release a slot) adds its refund to the minute of
 * the decision it settles (`decidedAtMs`). So an operation whose estimate was exact (no settle) is counted
 * once and right, and nothing is counted twice. Refusals no script call sees (the store's local refusal
 * cache, and what a caller reports with `recordRefusal`, such as cost-analysis refusals) are kept in this
 * process and written by its next script call that records history (any client's on a single Redis, the same
 * client's on a Cluster), or by `flushUsage()`.
 */
import { invalidOption } from '../quota/index.js';
import {
  DEFAULT_HISTORY_MAX_OPERATION_NAMES,
  DEFAULT_HOUR_RETENTION_MS,
  DEFAULT_MINUTE_RETENTION_MS,
  OTHER_OPERATIONS,
} from './defaults.js';

/** Options of the Redis store's usage history (`RedisStoreOptions.usageHistory`). */
export interface RedisUsageHistoryOptions {
  /** Minutes are kept this long, in milliseconds (a whole number of minutes). Default 7 days. */
  readonly minuteRetentionMs?: number;
  /** Hours (and operation totals) are kept this long, in milliseconds, at least the minutes'. Default 90 days. */
  readonly hourRetentionMs?: number;
  /** Distinct operation names kept per client and hour; others count as `(other)`. Default 50. */
  readonly maxOperationNames?: number;
}

/** The usage history's settings in force, and its script arguments, made once per store. */
export interface UsageSettings {
  readonly minuteRetentionMs: number;
  readonly hourRetentionMs: number;
  readonly maxOperationNames: number;
  /** The base of the every-client keys (`P{%u}`), or '' on a Cluster (none kept). */
  readonly totalsBase: string;
  /** The first four history arguments of every call: totals base, retentions and the names bound. */
  readonly head: readonly string[];
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const OTHER = OTHER_OPERATIONS;
/** How many pending refusal groups one script call carries at most. */
export const MAX_PENDING_GROUPS = 32;
/**
 * The most groups of pending refusals a store keeps (while Redis is unreachable, or no call carries them):
 * past {@link PENDING_NAMED_GROUPS} a new group's operation name is counted as `(other)`, and past this bound a
 * refusal that fits no kept group is not kept for the history (counted in `PendingUsage.dropped`).
 */
export const MAX_PENDING_TOTAL = 10_000;
/** Groups of pending refusals kept under their own operation names (see {@link MAX_PENDING_TOTAL}). */
export const PENDING_NAMED_GROUPS = 9_000;

export function usageSettings(
  options: RedisUsageHistoryOptions | boolean | undefined,
  prefix: string,
  cluster: boolean,
): UsageSettings | null {
  if (options === undefined || options === false) return null;
  const given: RedisUsageHistoryOptions = options === true ? {} : options;
  if (typeof given !== 'object' || given === null)
    invalidOption('RedisStore', 'usageHistory must be true, false or an object');
  const minute = whole(given.minuteRetentionMs, DEFAULT_MINUTE_RETENTION_MS, 'minuteRetentionMs', MINUTE);
  const hour = whole(given.hourRetentionMs, DEFAULT_HOUR_RETENTION_MS, 'hourRetentionMs', 1);
  if (hour < minute)
    invalidOption('RedisStore', 'usageHistory.hourRetentionMs must be at least minuteRetentionMs');
  const names = whole(given.maxOperationNames, DEFAULT_HISTORY_MAX_OPERATION_NAMES, 'maxOperationNames', 1);
  const totalsBase = cluster ? '' : `${prefix}{%u}`;
  return {
    minuteRetentionMs: minute,
    hourRetentionMs: hour,
    maxOperationNames: names,
    totalsBase,
    head: [totalsBase, String(minute), String(hour), String(names)],
  };
}

/**
 * A call's history arguments (USAGE_LUA's 1 to 10): the settings' head, then the operation's name ('' for an
 * anonymous one), its plan, the points (decide: charged if admitted; settle: refunded), the code of a refusal
 * not by a block, whether it is refused whatever the reply says, and the code of a block. The pending
 * refusals follow them.
 */
export function usageArgs(
  settings: UsageSettings,
  name: string,
  plan: string,
  points: number,
  refusalCode: string,
  refusedAnyway: boolean,
  blockCode: string,
): string[] {
  return [...settings.head, name, plan, String(points), refusalCode, refusedAnyway ? '1' : '0', blockCode];
}

function whole(value: number | undefined, fallback: number, name: string, unit: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0 || value % unit !== 0)
    invalidOption(
      'RedisStore',
      `usageHistory.${name} must be a positive whole number${unit > 1 ? ' of minutes, in milliseconds' : ''}`,
    );
  return value;
}

/** A client's (or every client's) minute or hour key. `base` is the client's hash key, or the totals base. */
export function usageKey(base: string, resolution: 'm' | 'h', startMs: number, totals: boolean): string {
  const index = resolution === 'm' ? Math.floor(startMs / MINUTE) : Math.floor(startMs / HOUR);
  return `${base}${totals ? '' : ':u'}:${resolution}:${index}`;
}

/** The sorted set of an hour's clients (single Redis). */
export function rankingKey(totalsBase: string, hourMs: number): string {
  return `${totalsBase}:c:${Math.floor(hourMs / HOUR)}`;
}

/**
 * The history's part of the store's script (see quotaScript.ts, which runs `usage` after an operation whose
 * ARGV[3] is 'u'). A separate block: the decision's own code is untouched; with the history off it is never
 * called, so the script's cost is unchanged.
 *
 * The history arguments follow the operation's amounts (ARGV[u + 1..], u = its 8 head arguments and n amounts
 * after its offset): 1 totals base ('' for none), 2 minute retention ms, 3 hour retention ms, 4 names bound,
 * 5 operation name ('' anonymous), 6 plan name, 7 decide: points charged if admitted; settle: points
 * refunded, 8 the code of a refusal not by a block, 9 '1' when refused whatever the reply says (a cost above a
 * limit's capacity, or a global limit's refusal taken in its own call), 10 the code of a block, 11 g pending
 * groups, then 6 per group: client hash key, time ms, count, operation name, plan name, refusal code.
 */
export const USAGE_LUA = `
-- USAGE HISTORY (issue 16; see usageHistory.ts): written after the operation, never when the history is off.
-- Its functions are made only for a call that may use them (a batch, or an operation marked 'u'): with the
-- history off, a single operation's call creates no closure more.
local usage = false
if ARGV[3] == 'u' or ARGV[1] == 'M' then
local MINUTE, HOUR, OTHER = 60000, 3600000, '${OTHER}'

-- Adds to one bucket; returns true when it is new (then its TTL is set). ops = 0: a refund, TTL set again
-- (the same deadline: it is anchored to the bucket, not to now).
local function usageBucket(key, ttl, ops, charged, refunded, code)
  local new = false
  if ops > 0 then
    new = call('HINCRBY', key, 'o', ops) == ops
    if code ~= '' then call('HINCRBY', key, 'r:' .. code, ops) end
  end
  if charged > 0 then call('HINCRBY', key, 'c', charged) end
  if refunded > 0 then call('HINCRBY', key, 'f', refunded) end
  if new or ops == 0 then call('PEXPIRE', key, ttl) end
  return new
end

-- An hour: refusals by code and, per operation name (at most bound of them, then '(other)'), operations,
-- points charged and refunded and the most charged to one run; the hour's own totals are their sums (read
-- side), so they cost no command here. Returns true when the hour is new: its first name (its TTL is set).
local function usageHour(key, ttl, name, ops, charged, refunded, code, bound)
  local new = false
  local field = 'o:' .. name
  if ops > 0 then
    if call('HINCRBY', key, field, ops) == ops then
      if name ~= OTHER then
        local names = call('HINCRBY', key, 'n', 1)
        new = names == 1
        if names > bound then
          call('HINCRBY', key, 'n', -1)
          call('HDEL', key, field)
          name = OTHER
          call('HINCRBY', key, 'o:' .. name, ops)
        end
      else
        -- A record named OTHER itself (a caller's name, or a pending refusal's) counts no name, so 'n' cannot
        -- tell whether the hour is new: its first OTHER asks whether the hash has a TTL yet.
        new = call('PTTL', key) == -1
      end
    end
    if code ~= '' then call('HINCRBY', key, 'r:' .. code, ops) end
  elseif call('HEXISTS', key, field) == 0 then
    name = OTHER
  end
  if charged > 0 then
    call('HINCRBY', key, 'c:' .. name, charged)
    local most = tonumber(call('HGET', key, 'x:' .. name))
    if not most or charged > most then call('HSET', key, 'x:' .. name, charged) end
  end
  if refunded > 0 then call('HINCRBY', key, 'f:' .. name, refunded) end
  if new or ops == 0 then call('PEXPIRE', key, ttl) end
  return new
end

-- One record: the client's minute and hour, and (single Redis) everyone's and the hour's ranking. at: the
-- operation's time (a refund: its decision's); buckets already past their retention are left alone.
local function usageWrite(u, client, at, now, name, plan, ops, charged, refunded, code)
  local totals, mr, hr, bound = ARGV[u + 1], ARGV[u + 2] + 0, ARGV[u + 3] + 0, ARGV[u + 4] + 0
  local minute, hour = floor(at / MINUTE), floor(at / HOUR)
  local httl = (hour + 1) * HOUR + hr - now + grace
  if httl <= grace then return end
  local mttl = minute * MINUTE + mr - now + grace
  if mttl > grace then usageBucket(client .. ':u:m:' .. minute, mttl, ops, charged, refunded, code) end
  local hk = client .. ':u:h:' .. hour
  if usageHour(hk, httl, name, ops, charged, refunded, code, bound) and plan ~= '' then
    call('HSET', hk, 'p', plan)
  end
  if totals == '' then return end
  local ck = totals .. ':c:' .. hour
  if ops > 0 then call('ZINCRBY', ck, charged, client) end
  if mttl > grace then usageBucket(totals .. ':m:' .. minute, mttl, ops, charged, refunded, code) end
  if usageHour(totals .. ':h:' .. hour, httl, name, ops, charged, refunded, code, bound * 20) then
    call('PEXPIRE', ck, httl)
  end
end

-- After operation (ko, ao) ran and replied at R[r + 1..]: its record, then the pending refusals it carries.
usage = function(ko, ao, R, r)
  local op = ARGV[ao + 1]
  local S = ARGV[ao + 8] + 0
  local u = ao + 8 + ARGV[S]
  local client = KEYS[ko + 1]
  local now
  if op == 's' then
    now = ARGV[ao + 2]
    if now ~= '' then now = now + 0 else now = clock() end
    local refund = ARGV[u + 7] + 0
    if refund > 0 then
      usageWrite(u, client, tonumber(ARGV[ao + 5]) or now, now, ARGV[u + 5], '', 0, 0, refund, '')
    end
  else
    now = R[r + 1]
    -- A decision that came too late was not committed: the caller counts it as its failure mode's.
    if R[r + 3] ~= -1 then
      local code = ''
      if R[r + 2] > 0 then code = ARGV[u + 10]
      elseif ARGV[u + 9] == '1' then code = ARGV[u + 8]
      else
        for i = 1, ARGV[S] + 0 do
          if R[r + 3 + 3 * i] > 0 then code = ARGV[u + 8]; break end
        end
      end
      local charged = 0
      if code == '' then charged = ARGV[u + 7] + 0 end
      usageWrite(u, client, now, now, ARGV[u + 5], ARGV[u + 6], 1, charged, 0, code)
    end
  end
  for j = u + 12, u + 6 + 6 * ARGV[u + 11], 6 do
    usageWrite(u, ARGV[j], ARGV[j + 1] + 0, now, ARGV[j + 3], ARGV[j + 4], ARGV[j + 2] + 0, 0, 0, ARGV[j + 5])
  end
end
end
`;

/**
 * Reads history keys in one call (all in one slot: one client's, or the totals'): KEYS the keys, ARGV[1] 'h'
 * (HGETALL each) or 'z' (each sorted set, members and scores). Replies one flat array per key.
 */
export const USAGE_READ_SCRIPT = `
local out, z = {}, ARGV[1] == 'z'
for i = 1, #KEYS do
  if z then out[i] = redis.call('ZRANGE', KEYS[i], 0, -1, 'WITHSCORES')
  else out[i] = redis.call('HGETALL', KEYS[i]) end
end
return out
`;

/** One operation name's totals in an hour bucket. */
export interface RedisOperationUsage {
  readonly operations: number;
  readonly pointsCharged: number;
  readonly pointsRefunded: number;
  /** The most points charged to one run. */
  readonly maxCharged: number;
}

/** One minute or hour bucket as stored. */
export interface RedisUsageBucket {
  readonly operations: number;
  readonly pointsCharged: number;
  readonly pointsRefunded: number;
  /** Refusals by code; null when none. */
  readonly refusals: Record<string, number> | null;
  /** The plan of the hour's first operation (hours only); null when unknown. */
  readonly plan: string | null;
  /** Hours only: per operation name ('' for anonymous operations). */
  readonly byOperation: ReadonlyMap<string, RedisOperationUsage> | null;
}

/** A bucket from HGETALL's flat reply; null when the key does not exist. */
export function parseUsageBucket(flat: unknown): RedisUsageBucket | null {
  if (!Array.isArray(flat) || flat.length === 0) return null;
  // A minute has its own totals (o, c, f); an hour's are the sums of its operation names'.
  const own = { o: -1, c: 0, f: 0 };
  const sums = { o: 0, c: 0, f: 0 };
  let refusals: Record<string, number> | null = null;
  let plan: string | null = null;
  let byOperation: Map<string, { -readonly [K in keyof RedisOperationUsage]: number }> | null = null;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = String(flat[i]);
    const raw = String(flat[i + 1]);
    const value = Number(raw);
    if (field === 'o' || field === 'c' || field === 'f') own[field] = value;
    else if (field === 'p') plan = raw;
    else if (field.startsWith('r:')) (refusals ??= {})[field.slice(2)] = value;
    else if (field.length > 1 && field[1] === ':' && 'ocfx'.includes(field[0]!)) {
      byOperation ??= new Map();
      const name = field.slice(2);
      let totals = byOperation.get(name);
      if (totals === undefined)
        byOperation.set(
          name,
          (totals = { operations: 0, pointsCharged: 0, pointsRefunded: 0, maxCharged: 0 }),
        );
      const kind = field[0]!;
      if (kind === 'x') totals.maxCharged = value;
      else {
        sums[kind as 'o' | 'c' | 'f'] += value;
        if (kind === 'o') totals.operations = value;
        else if (kind === 'c') totals.pointsCharged = value;
        else totals.pointsRefunded = value;
      }
    }
  }
  const counts = own.o >= 0 ? own : sums;
  return {
    operations: counts.o,
    pointsCharged: counts.c,
    pointsRefunded: counts.f,
    refusals,
    plan,
    byOperation,
  };
}

/** A sorted set's flat reply (member, score...) added into `into`. */
export function addRanking(flat: unknown, into: Map<string, number>): void {
  if (!Array.isArray(flat)) return;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const member = String(flat[i]);
    into.set(member, (into.get(member) ?? 0) + Number(flat[i + 1]));
  }
}

/** Refusals the store keeps until a script call carries them: by client, then time, name, plan and code. */
export class PendingUsage {
  readonly #groups = new Map<string, { key: string; args: string[]; count: number }>();
  #dropped = 0;

  get size(): number {
    return this.#groups.size;
  }

  /** Refusals not kept for the history because {@link MAX_PENDING_TOTAL} groups were pending. */
  get dropped(): number {
    return this.#dropped;
  }

  add(clientKey: string, timeMs: number, name: string, plan: string, code: string): void {
    const minute = Math.floor(timeMs / MINUTE) * MINUTE;
    if (this.#count(clientKey, minute, name, plan, code)) return;
    // Bounded: client-chosen names (and, during an outage, clients) must not grow the process without end.
    if (this.#groups.size >= PENDING_NAMED_GROUPS && name !== OTHER) {
      if (this.#count(clientKey, minute, OTHER, plan, code)) return;
      name = OTHER;
    }
    if (this.#groups.size >= MAX_PENDING_TOTAL) {
      this.#dropped++;
      return;
    }
    const id = [clientKey, minute, name, plan, code].join('\u0000');
    this.#groups.set(id, { key: clientKey, args: [String(minute), name, plan, code], count: 1 });
  }

  /** Counts one more in the group with these values, if it is kept; false when there is none. */
  #count(clientKey: string, minute: number, name: string, plan: string, code: string): boolean {
    const group = this.#groups.get([clientKey, minute, name, plan, code].join('\u0000'));
    if (group === undefined) return false;
    group.count++;
    return true;
  }

  /**
   * Takes at most {@link MAX_PENDING_GROUPS} groups (of `clientKey` only, when given), as the script's
   * arguments: their number, then 6 per group.
   */
  take(clientKey?: string): string[] {
    const args: string[] = [];
    let n = 0;
    for (const [id, group] of this.#groups) {
      if (n === MAX_PENDING_GROUPS) break;
      if (clientKey !== undefined && group.key !== clientKey) continue;
      this.#groups.delete(id);
      const [minute, name, plan, code] = group.args as [string, string, string, string];
      args.push(group.key, minute, String(group.count), name, plan, code);
      n++;
    }
    return [String(n), ...args];
  }

  /** Puts back groups taken for a call that failed (so a Redis outage loses none of them). */
  restore(args: readonly string[]): void {
    for (let j = 1; j + 5 < args.length; j += 6) {
      const id = [args[j], args[j + 1], args[j + 3], args[j + 4], args[j + 5]].join('\u0000');
      const group = this.#groups.get(id);
      const count = Number(args[j + 2]);
      if (group !== undefined) group.count += count;
      else
        this.#groups.set(id, {
          key: args[j]!,
          args: [args[j + 1]!, args[j + 3]!, args[j + 4]!, args[j + 5]!],
          count,
        });
    }
  }

  /** Any pending client's key (the key a flush is sent on), or null. */
  anyKey(): string | null {
    for (const group of this.#groups.values()) return group.key;
    return null;
  }
}
