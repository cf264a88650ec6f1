import { CostError, CostErrorCode } from './CostError.js';
import type { CostModel } from './costModel.js';
import type { FieldCostInfo } from './CostTable.js';
import { sizeValue } from './CostTable.js';
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

function dig(values: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let value: unknown = values;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * The size `@listSize` (or `@complexity(multipliers:)`) gives a field from its coerced arguments: the
 * largest slicing argument given (a list counts its length, a dotted path reads an input field, schema
 * defaults count as given), else `assumedSize`, else `defaultListSize`.
 *
 * @throws CostError `INVALID_SLICING_ARGUMENTS` when `requireOneSlicingArgument` holds and not exactly one
 *   slicing argument is given.
 */
export function sizeOf(
  info: FieldCostInfo,
  args: Readonly<Record<string, unknown>>,
  table: { readonly options: ResolvedCostOptions; readonly model: CostModel },
): number {
  const max = table.options.maxListSize;
  if (info.multipliers !== null) {
    let product = 1;
    for (const path of info.multipliers) {
      const factor = sizeValue(dig(args, path));
      if (factor !== null) product = clampSize(product * clampSize(factor, max), max);
    }
    return product;
  }
  const listSize = info.listSize!;
  const nullIsPresent = table.model.nullIsPresent;
  let count = 0;
  let largest = Number.NEGATIVE_INFINITY;
  const slicing = listSize.slicingArguments;
  for (let i = 0; i < slicing.length; i++) {
    const { path, sizeAt } = slicing[i]!;
    let value: unknown = args;
    let size: number | null = null;
    let given = false;
    for (let k = 0; k < path.length; k++) {
      value = (value as Record<string, unknown>)[path[k]!];
      if (value === undefined || (value === null && !nullIsPresent)) {
        // Left out (or, in the Apollo model, null, as Apollo's router reads it): the schema's defaults.
        size = sizeAt[k] ?? null;
        given = size !== null;
        break;
      }
      if (value === null || typeof value !== 'object' || k === path.length - 1) {
        // IBM: an explicit null is given but sizes nothing.
        size = k === path.length - 1 ? sizeValue(value) : null;
        given = true;
        break;
      }
    }
    if (!given) continue;
    count++;
    if (size !== null && (size > largest || Number.isNaN(size))) largest = size;
  }
  if (listSize.requireOneSlicingArgument && slicing.length > 0 && count !== 1) {
    const names = slicing.map((s) => s.name);
    throw new CostError(
      CostErrorCode.INVALID_SLICING_ARGUMENTS,
      `Field "${info.coordinate}" requires exactly one of its slicing arguments (${names.join(', ')}); ${count} given.`,
      { extensions: { field: info.coordinate, slicingArguments: names, given: count } },
    );
  }
  return clampSize(
    largest !== Number.NEGATIVE_INFINITY ? largest : (listSize.assumedSize ?? table.options.defaultListSize),
    max,
  );
}
