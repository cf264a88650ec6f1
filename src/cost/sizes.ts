import { CostError, CostErrorCode } from './CostError.js';
import type { FieldCostInfo } from './CostTable.js';
import type { ResolvedCostOptions } from './options.js';

/**
 * A usable list size: negative counts as 0, fractions round up, anything above `maxListSize` (including
 * Infinity, and NaN from an odd custom scalar) is clamped to it.
 */
export function clampSize(value: number, maxListSize: number): number {
  if (Number.isNaN(value)) return maxListSize;
  if (value <= 0) return 0;
  if (value >= maxListSize) return maxListSize;
  return Math.ceil(value);
}

function numeric(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return null;
}

function dig(values: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let value: unknown = values;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * The size `@listSize` (or, in compat mode, `@complexity(multipliers:)`) gives a field from its coerced
 * arguments: the largest slicing argument present (schema defaults count as present), else `assumedSize`,
 * else `defaultListSize`.
 */
export function sizeOf(
  info: FieldCostInfo,
  args: Readonly<Record<string, unknown>>,
  options: ResolvedCostOptions,
): number {
  const max = options.maxListSize;
  if (info.multipliers !== null) {
    let product = 1;
    for (const path of info.multipliers) {
      const value = dig(args, path);
      const factor = Array.isArray(value) ? value.length : numeric(value);
      if (factor !== null) product = clampSize(product * clampSize(factor, max), max);
    }
    return product;
  }
  const listSize = info.listSize!;
  let count = 0;
  let largest = Number.NEGATIVE_INFINITY;
  const names = listSize.slicingArguments;
  for (let i = 0; i < names.length; i++) {
    const given = args[names[i]!];
    // An explicit null gets the schema default, as Apollo's router does (and as resolvers usually do).
    const value = given === null ? (listSize.slicingDefaults[i] ?? null) : numeric(given);
    if (value === null) continue;
    count++;
    if (value > largest || Number.isNaN(value)) largest = value;
  }
  if (listSize.requireOneSlicingArgument && listSize.slicingArguments.length > 0 && count !== 1) {
    throw new CostError(
      CostErrorCode.INVALID_SLICING_ARGUMENTS,
      `Field "${info.coordinate}" requires exactly one of its slicing arguments (${names.join(', ')}); ${count} given.`,
      { extensions: { field: info.coordinate, slicingArguments: names, given: count } },
    );
  }
  return clampSize(count > 0 ? largest : (listSize.assumedSize ?? options.defaultListSize), max);
}
