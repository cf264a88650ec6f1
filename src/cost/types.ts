/**
 * The cost layer's public vocabulary. Imports only from 'graphql'.
 */

/** One field's share of an operation's cost. */
export interface FieldCost {
  /** Response path with aliases, list levels omitted, e.g. `products.edges.node.variants`. */
  readonly path: string;
  /** How many times the field is resolved: the product of the list sizes above it. */
  readonly count: number;
  /**
   * Points this field and its type contribute, excluding its children's own entries. At
   * `Number.MAX_SAFE_INTEGER` the figure is saturated: the true share is at least that.
   */
  readonly cost: number;
  /** Present, and true, only when `cost` reached `Number.MAX_SAFE_INTEGER` (a lower bound, not exact). */
  readonly saturated?: true;
}

/** The analysis of one operation. */
export interface CostReport {
  /**
   * The operation's cost in points; a non-negative integer. In the `'ibm'` model, `fieldCost + typeCost`.
   */
  readonly total: number;
  /**
   * The operation's price in points under the `points` scale (`CostOptions.points`, the `'github'` model's
   * 100 requests a point): `max(minimum, rounding(total / divisor))`, a non-negative integer. It is what
   * `maxCost`, the quotas, the headers and `extensions.cost` use. Absent when no scale is set: then the
   * points are `total` (read `report.points ?? report.total`).
   */
  readonly points?: number;
  /**
   * `'github'` model only: the nodes the operation may request, GitHub's node limit (each connection's
   * `first`/`last` times those of the connections above it, summed); checked by `maxNodes`.
   */
  readonly nodes?: number;
  /**
   * True when `total` reached `Number.MAX_SAFE_INTEGER`, the ceiling at which totals stop
   * growing so that they stay safe integers: the true cost is at least `total`, and the breakdown's rows
   * (some of them saturated too) need not add up to it. False for every exact total.
   */
  readonly saturated: boolean;
  /** `'ibm'` model only: IBM's Field Cost (the weighted resolver calls); absent in the other models. */
  readonly fieldCost?: number;
  /** `'ibm'` model only: IBM's Type Cost (the weighted instances of types); absent in the other models. */
  readonly typeCost?: number;
  readonly operationType: 'query' | 'mutation' | 'subscription';
  /** The operation's name; null for an anonymous operation. */
  readonly operationName: string | null;
  /** The deepest field nesting (a top-level field is depth 1). */
  readonly depth: number;
  /**
   * Per-field breakdown, costliest first, that adds up to `total` minus the operation base cost (unless
   * `saturated`).
   */
  readonly fields: readonly FieldCost[];
}
