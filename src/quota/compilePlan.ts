import {
  DEFAULT_FIXED_WINDOW_ALIGN,
  DEFAULT_FIXED_WINDOW_COUNTS,
  DEFAULT_LEASE_MS,
  DEFAULT_TOKEN_BUCKET_COUNTS,
  DEFAULT_TOKEN_BUCKET_PERIOD_MS,
  MAX_CONCURRENCY,
} from './defaults.js';
import { QuotaValidationError } from './errors.js';
import type { Limit, LimitCounts, OperationMatch, OperationType, Plan } from './types.js';

/** Bit of each operation type in {@link CompiledLimitBase.operations}. */
export const OPERATION_BITS: Readonly<Record<OperationType, number>> = {
  query: 1,
  mutation: 2,
  subscription: 4,
};
const ALL_OPERATIONS = 7;

/**
 * The largest number of time units per millisecond a token bucket may need. Bucket state is one integer, the
 * theoretical arrival time in units of 1/scale ms; keeping `scale` ≤ 2048 keeps every time up to the year 2100
 * below 2^53, so the arithmetic stays exact in JavaScript and in Redis's Lua alike.
 */
export const MAX_BUCKET_SCALE = 2048;

/**
 * The refusal line of a soft limit without a `hardCeiling`, in whole units: far beyond any real use, and small
 * enough that a bucket's `ceiling × increment` plus a time in units stays below 2^53 (exact in Lua too).
 */
export const UNBOUNDED = 2 ** 52;

/** Default hard ceiling of a soft concurrency limit, as a multiple of its `max` (capped at MAX_CONCURRENCY). */
export const DEFAULT_SOFT_CONCURRENCY_FACTOR = 10;

/** A limit name: shown in headers and logs, and part of storage keys. */
const LIMIT_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** An {@link OperationMatch} in the form decisions test it. */
export interface CompiledMatch {
  /** Bit set of {@link OPERATION_BITS}. */
  readonly operations: number;
  /** Null: any name. */
  readonly operationNames: ReadonlySet<string> | null;
  /** Null: any root fields. */
  readonly rootFields: ReadonlySet<string> | null;
}

interface CompiledLimitBase extends CompiledMatch {
  readonly name: string;
  readonly counts: LimitCounts;
  /** True for a soft limit: it refuses only past {@link ceiling}. */
  readonly soft: boolean;
  /**
   * The refusal line, in the limit's unit: `limit` for a hard limit, the `hardCeiling` of a soft one, or
   * {@link UNBOUNDED} (a bucket: `floor(UNBOUNDED / increment)`) for a soft one without a ceiling.
   */
  readonly ceiling: number;
  /** Identifies the limit's stored state: limits with the same signature share state across plans. */
  readonly signature: string;
  /** Window limit, bucket burst, or concurrency max. */
  readonly limit: number;
  /** See {@link LimitStatus.windowMs}. */
  readonly windowMs: number;
  /** Offset of this limit's state in the in-memory store's per-client array. */
  readonly offset: number;
}

export interface CompiledFixedWindow extends CompiledLimitBase {
  readonly kind: 'fixed-window';
  /** 0: aligned to the clock; 1: starts at the first request. */
  readonly align: 0 | 1;
  /** True: one window for every client (its state is not in the client's, `offset` is unused). */
  readonly global: boolean;
  /**
   * Global limits: the fair-share rule applies to an operation that would leave the window's consumption
   * above this line (`limit - tightBelow`); -1 when there is no fair-share rule.
   */
  readonly fairLine: number;
}

export interface CompiledTokenBucket extends CompiledLimitBase {
  readonly kind: 'token-bucket';
  /** Time units per millisecond. */
  readonly scale: number;
  /** Time units one token takes to come back (the GCRA emission interval). */
  readonly increment: number;
  /** `burst * increment`: the GCRA tolerance, in time units. */
  readonly capacity: number;
  /** `ceiling * increment`: the tolerance past which it refuses (equal to `capacity` unless soft). */
  readonly hardCapacity: number;
}

export interface CompiledConcurrency extends CompiledLimitBase {
  readonly kind: 'concurrency';
  readonly leaseMs: number;
}

export type CompiledLimit = CompiledFixedWindow | CompiledTokenBucket | CompiledConcurrency;

/** A validated plan in the form the stores compute with. */
export interface CompiledPlan {
  readonly plan: Plan;
  readonly limits: readonly CompiledLimit[];
  /** Length of the in-memory store's per-client state array for this plan (two header slots included). */
  readonly slots: number;
  /** Same layout ⇔ same id; the in-memory store migrates state between layouts by limit signature. */
  readonly layoutId: number;
  readonly hasConcurrency: boolean;
  /** True when a limit is global (its state lives outside the client's). */
  readonly hasGlobal: boolean;
  /** The plan's `exempt` rules; an operation matching any is exempt. */
  readonly exempt: readonly CompiledMatch[];
}

const compiled = new WeakMap<Plan, CompiledPlan>();
const layoutIds = new Map<string, number>();
const layouts: CompiledPlan[] = [];

/** The compiled plan for a layout id, to migrate state stored under another plan. */
export function compiledLayout(layoutId: number): CompiledPlan | undefined {
  return layouts[layoutId];
}

/**
 * Validates a plan and compiles it; cached per plan object, so call it freely. Throws a
 * {@link QuotaValidationError} (`QUOTA_INVALID_PLAN`) naming the plan, the limit and the offending option.
 */
export function compilePlan(plan: Plan): CompiledPlan {
  const hit = compiled.get(plan);
  if (hit !== undefined) return hit;
  const result = compileUncached(plan);
  compiled.set(plan, result);
  return result;
}

function compileUncached(plan: Plan): CompiledPlan {
  if (typeof plan !== 'object' || plan === null) fail('a plan must be an object, got ' + show(plan));
  if (typeof plan.name !== 'string' || plan.name.length === 0) {
    fail('a plan needs a non-empty string name, got ' + show(plan.name));
  }
  const where = `plan "${plan.name}"`;
  if (!Array.isArray(plan.limits)) fail(`${where}: limits must be an array, got ${show(plan.limits)}`);
  const names = new Set<string>();
  const limits: CompiledLimit[] = [];
  let offset = 2;
  for (const [i, limit] of (plan.limits as readonly unknown[]).entries()) {
    const c = compileLimit(limit, `${where}, limits[${i}]`, offset);
    if (names.has(c.name)) fail(`${where}: two limits are named "${c.name}"; names must be unique in a plan`);
    names.add(c.name);
    limits.push(c);
    offset += slotsOf(c);
  }
  const signature = limits.map((l) => `${l.signature}/${slotsOf(l)}`).join('|');
  const exemptRules = (plan as { exempt?: unknown }).exempt;
  if (exemptRules !== undefined && !Array.isArray(exemptRules)) {
    fail(`${where}: exempt must be an array of operation matches, got ${show(exemptRules)}`);
  }
  const exempt = ((exemptRules ?? []) as unknown[]).map((rule, i) => {
    const at = `${where}, exempt[${i}]`;
    if (typeof rule !== 'object' || rule === null) fail(`${at}: a rule must be an object, got ${show(rule)}`);
    const match = compileMatch(rule, at);
    if (match.operations === ALL_OPERATIONS && match.operationNames === null && match.rootFields === null) {
      fail(
        `${at}: a rule must name operations, operationNames or rootFields (an empty rule would exempt everything)`,
      );
    }
    return match;
  });
  let layoutId = layoutIds.get(signature);
  const result: CompiledPlan = {
    plan,
    limits,
    slots: offset,
    layoutId: layoutId ?? layouts.length,
    hasConcurrency: limits.some((l) => l.kind === 'concurrency'),
    hasGlobal: limits.some((l) => l.kind === 'fixed-window' && l.global),
    exempt,
  };
  if (layoutId === undefined) {
    layoutId = layouts.length;
    layoutIds.set(signature, layoutId);
    layouts.push(result);
  }
  return result;
}

function slotsOf(limit: CompiledLimit): number {
  // fixed window: [windowStartMs, consumed] (global: none, its state is everyone's); bucket: [theoretical
  // arrival time]; concurrency: (hash, expiry) pairs, one per slot up to the refusal line.
  if (limit.kind === 'fixed-window') return limit.global ? 0 : 2;
  return limit.kind === 'token-bucket' ? 1 : 2 * limit.ceiling;
}

function compileLimit(raw: unknown, where: string, offset: number): CompiledLimit {
  if (typeof raw !== 'object' || raw === null) fail(`${where}: a limit must be an object, got ${show(raw)}`);
  const limit = raw as Limit;
  if (typeof limit.name !== 'string' || !LIMIT_NAME.test(limit.name)) {
    fail(`${where}: name must be 1 to 64 characters of A-Z a-z 0-9 _ . : -, got ${show(limit.name)}`);
  }
  const at = `${where} "${limit.name}"`;
  const match = compileMatch(limit, at);
  if (limit.kind !== 'fixed-window' && (limit as { global?: unknown }).global !== undefined) {
    fail(`${at}: only a fixed-window limit can be global`);
  }
  const soft = limit.soft ?? false;
  if (typeof soft !== 'boolean') fail(`${at}: soft must be a boolean, got ${show(soft)}`);
  if (limit.hardCeiling !== undefined && !soft) fail(`${at}: hardCeiling needs soft: true`);
  const ceilingOf = (line: number, unbounded: number): number => {
    if (!soft) return line;
    if (limit.hardCeiling === undefined) return unbounded;
    const ceiling = positiveInteger(limit.hardCeiling, 'hardCeiling', at);
    if (ceiling < line)
      fail(`${at}: hardCeiling must be at least the limit's line (${line}), got ${ceiling}`);
    return ceiling;
  };
  switch (limit.kind) {
    case 'fixed-window': {
      const counts = compileCounts(limit.counts, DEFAULT_FIXED_WINDOW_COUNTS, at);
      const max = positiveInteger(limit.limit, 'limit', at);
      const windowMs = positiveInteger(limit.windowMs, 'windowMs', at);
      const alignOption = limit.align ?? DEFAULT_FIXED_WINDOW_ALIGN;
      if (alignOption !== 'clock' && alignOption !== 'first-request') {
        fail(`${at}: align must be 'clock' or 'first-request', got ${show(alignOption)}`);
      }
      const align = alignOption === 'clock' ? 0 : 1;
      const global = limit.global ?? false;
      if (typeof global !== 'boolean') fail(`${at}: global must be a boolean, got ${show(global)}`);
      if (global && align !== 0)
        fail(`${at}: a global limit's window must be clock-aligned (align: 'clock')`);
      if (!global && limit.fairness !== undefined) fail(`${at}: fairness applies to global limits only`);
      let fairLine = -1;
      if (global && limit.fairness !== false) {
        const fairness = limit.fairness ?? {};
        if (typeof fairness !== 'object' || fairness === null) {
          fail(`${at}: fairness must be an object or false, got ${show(fairness)}`);
        }
        const tightBelow = fairness.tightBelow ?? Math.floor(max / 2);
        if (!Number.isSafeInteger(tightBelow) || tightBelow < 0 || tightBelow > max) {
          fail(
            `${at}: fairness.tightBelow must be an integer from 0 to the limit (${max}), got ${show(tightBelow)}`,
          );
        }
        fairLine = max - tightBelow;
      }
      const signature = `${global ? 'g' : 'f'}:${counts}:${windowMs}:${align}:${limit.name}`;
      return {
        kind: 'fixed-window',
        name: limit.name,
        counts,
        ...match,
        soft,
        ceiling: ceilingOf(max, UNBOUNDED),
        signature,
        limit: max,
        windowMs,
        offset,
        align,
        global,
        fairLine,
      };
    }
    case 'token-bucket': {
      const counts = compileCounts(limit.counts, DEFAULT_TOKEN_BUCKET_COUNTS, at);
      const burst = positiveInteger(limit.burst, 'burst', at);
      const periodMs = positiveInteger(limit.periodMs ?? DEFAULT_TOKEN_BUCKET_PERIOD_MS, 'periodMs', at);
      const rate = limit.rate;
      if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
        fail(`${at}: rate must be a positive number of tokens per periodMs, got ${show(rate)}`);
      }
      // Write the rate as whole tokens per whole period (0.25/s → 1 per 4000 ms), then reduce the fraction.
      let multiplier = 1;
      while (!Number.isInteger(rate * multiplier) && multiplier < 1e6) multiplier *= 10;
      const tokens = Math.round(rate * multiplier);
      const period = periodMs * multiplier;
      const divisor = gcd(tokens, period);
      const scale = tokens / divisor;
      const increment = period / divisor;
      if (!Number.isInteger(rate * multiplier) || scale > MAX_BUCKET_SCALE) {
        fail(
          `${at}: rate ${rate} per ${periodMs} ms needs a time step finer than 1/${MAX_BUCKET_SCALE} ms; ` +
            'choose rate and periodMs so that periodMs / rate is a simpler fraction of milliseconds',
        );
      }
      const capacity = burst * increment;
      if (!Number.isSafeInteger(capacity * 2)) fail(`${at}: burst × periodMs / rate is too large`);
      const signature = `t:${counts}:${scale}:${limit.name}`;
      const windowMs = Math.ceil(capacity / scale);
      const ceiling = ceilingOf(burst, Math.floor(UNBOUNDED / increment));
      if (!Number.isSafeInteger(ceiling * increment * 2))
        fail(`${at}: hardCeiling × periodMs / rate is too large`);
      return {
        kind: 'token-bucket',
        name: limit.name,
        counts,
        ...match,
        soft,
        ceiling,
        hardCapacity: ceiling * increment,
        signature,
        limit: burst,
        windowMs,
        offset,
        scale,
        increment,
        capacity,
      };
    }
    case 'concurrency': {
      if ((limit as { counts?: unknown }).counts !== undefined) {
        fail(`${at}: a concurrency limit counts operations in flight; remove counts`);
      }
      const max = positiveInteger(limit.max, 'max', at);
      if (max > MAX_CONCURRENCY) fail(`${at}: max must be at most ${MAX_CONCURRENCY}, got ${max}`);
      const leaseMs = positiveInteger(limit.leaseMs ?? DEFAULT_LEASE_MS, 'leaseMs', at);
      const ceiling = ceilingOf(max, Math.min(MAX_CONCURRENCY, DEFAULT_SOFT_CONCURRENCY_FACTOR * max));
      if (ceiling > MAX_CONCURRENCY)
        fail(`${at}: hardCeiling must be at most ${MAX_CONCURRENCY}, got ${ceiling}`);
      return {
        kind: 'concurrency',
        name: limit.name,
        counts: 'requests',
        ...match,
        soft,
        ceiling,
        signature: `c:${limit.name}`,
        limit: max,
        windowMs: leaseMs,
        offset,
        leaseMs,
      };
    }
    default:
      return fail(
        `${at}: kind must be 'fixed-window', 'token-bucket' or 'concurrency', got ${show((limit as { kind: unknown }).kind)}`,
      );
  }
}

function compileMatch(match: OperationMatch, at: string): CompiledMatch {
  return {
    operations: compileOperations(match.operations, at),
    operationNames: compileNames(match.operationNames, 'operationNames', at),
    rootFields: compileNames(match.rootFields, 'rootFields', at),
  };
}

function compileNames(names: unknown, option: string, at: string): ReadonlySet<string> | null {
  if (names === undefined) return null;
  if (!Array.isArray(names) || names.length === 0) {
    fail(`${at}: ${option} must be a non-empty array of names, got ${show(names)}`);
  }
  for (const name of names as unknown[]) {
    if (typeof name !== 'string' || name.length === 0)
      fail(`${at}: ${option} must hold non-empty strings, got ${show(name)}`);
  }
  return new Set(names as string[]);
}

function compileOperations(operations: unknown, at: string): number {
  if (operations === undefined) return ALL_OPERATIONS;
  if (!Array.isArray(operations) || operations.length === 0) {
    fail(
      `${at}: operations must be a non-empty array of 'query', 'mutation', 'subscription', got ${show(operations)}`,
    );
  }
  let bits = 0;
  for (const op of operations as unknown[]) {
    const bit = typeof op === 'string' ? OPERATION_BITS[op as OperationType] : undefined;
    if (bit === undefined) fail(`${at}: unknown operation type ${show(op)} in operations`);
    if ((bits & bit) !== 0) fail(`${at}: operation type '${String(op)}' is listed twice in operations`);
    bits |= bit;
  }
  return bits;
}

function compileCounts(counts: unknown, fallback: LimitCounts, at: string): LimitCounts {
  const value = counts ?? fallback;
  if (value !== 'cost' && value !== 'requests')
    fail(`${at}: counts must be 'cost' or 'requests', got ${show(value)}`);
  return value;
}

function positiveInteger(value: unknown, option: string, at: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    fail(`${at}: ${option} must be a positive integer, got ${show(value)}`);
  }
  return value;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

function fail(message: string): never {
  throw new QuotaValidationError('QUOTA_INVALID_PLAN', message);
}
