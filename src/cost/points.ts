import { MAX_COST } from './costPlan.js';

/**
 * How a raw cost becomes the points an API publishes: `max(minimum, rounding(total / divisor))`.
 * GitHub's GraphQL rate limit, for instance, divides its request count by 100, rounds, and charges at
 * least 1 ("GitHub GraphQL rate limits and node limits": 5,101 requests → 51 points).
 */
export interface PointsScale {
  /** A positive finite number the total is divided by. Default 1. */
  readonly divisor?: number;
  /** `'round'` (half up, as GitHub's "round the result"), `'ceil'` or `'floor'`. Default `'round'`. */
  readonly rounding?: 'round' | 'ceil' | 'floor';
  /** The least an operation costs, a non-negative integer. Default 0. */
  readonly minimum?: number;
}

/**
 * A total in points under a {@link PointsScale}: a non-negative safe integer. A saturated total
 * (`Number.MAX_SAFE_INTEGER`) stays saturated, whatever the divisor: its true size is unknown.
 *
 * @throws TypeError for a divisor that is not a positive finite number, a minimum that is not a
 *   non-negative integer, or an unknown rounding.
 */
export function toPoints(total: number, scale: PointsScale = {}): number {
  checkPointsScale(scale);
  const { divisor = 1, rounding = 'round', minimum = 0 } = scale;
  if (total >= MAX_COST) return MAX_COST;
  const points = Math[rounding](total / divisor);
  return points > minimum ? points : minimum;
}

/** Throws a TypeError naming `name` for a scale {@link toPoints} cannot use. */
export function checkPointsScale(scale: PointsScale, name = 'PointsScale'): void {
  if (typeof scale !== 'object' || scale === null) throw new TypeError(`${name} must be an object`);
  const { divisor = 1, rounding = 'round', minimum = 0 } = scale;
  if (!(typeof divisor === 'number' && Number.isFinite(divisor) && divisor > 0)) {
    throw new TypeError(`${name}.divisor must be a positive finite number, got ${String(divisor)}`);
  }
  if (!Number.isSafeInteger(minimum) || minimum < 0) {
    throw new TypeError(`${name}.minimum must be a non-negative integer, got ${String(minimum)}`);
  }
  if (rounding !== 'round' && rounding !== 'ceil' && rounding !== 'floor') {
    throw new TypeError(`${name}.rounding must be round, ceil or floor, got ${String(rounding)}`);
  }
}
