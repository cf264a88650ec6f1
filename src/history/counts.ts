/**
 * Sums both history stores read the same way: usage counts added bucket by bucket, and operation totals
 * added by name and ranked (`topOperations`). Internal to the history folder.
 */
import type { OperationUsage, UsageCounts } from './UsageHistory.js';

/** Adds `counts` into `sum`, refusals by code included. */
export function addCounts(sum: UsageCounts, counts: UsageCounts): void {
  sum.operations += counts.operations;
  sum.pointsCharged += counts.pointsCharged;
  sum.pointsRefunded += counts.pointsRefunded;
  sum.actualCost += counts.actualCost;
  sum.refused += counts.refused;
  if (counts.refusals !== null)
    for (const [code, n] of Object.entries(counts.refusals))
      (sum.refusals ??= {})[code] = (sum.refusals[code] ?? 0) + n;
}

/** An operation name's totals, as `topOperations` sums them. */
export interface OperationTotals {
  operations: number;
  pointsCharged: number;
  actualCost: number;
  maxActualCost: number;
}

/** Adds `totals` into the sum kept for `name` in `sums` (the costliest single run kept, not added). */
export function addOperationTotals(
  sums: Map<string, OperationTotals>,
  name: string,
  totals: OperationTotals,
): void {
  const sum = sums.get(name);
  if (sum === undefined) {
    sums.set(name, { ...totals });
    return;
  }
  sum.operations += totals.operations;
  sum.pointsCharged += totals.pointsCharged;
  sum.actualCost += totals.actualCost;
  sum.maxActualCost = Math.max(sum.maxActualCost, totals.maxActualCost);
}

/**
 * The `limit` costliest operations of `sums` (by actual cost, then operations); the name '' (anonymous
 * operations) is answered as null.
 */
export function rankOperations(sums: ReadonlyMap<string, OperationTotals>, limit: number): OperationUsage[] {
  return [...sums]
    .map(([name, totals]) => ({ operationName: name === '' ? null : name, ...totals }))
    .sort((a, b) => b.actualCost - a.actualCost || b.operations - a.operations)
    .slice(0, Math.max(0, limit));
}
