/**
 * Per-request evaluation of a compiled {@link CostPlan}: slots from variables, the total, the lazily built
 * breakdown, and the actual cost of a response.
 */
import type { Alternative, CostPlan, CostPlanField } from './costPlan.js';
import { MAX_COST, alternativeCost, saturate } from './costPlan.js';
import type { CostTable } from './CostTable.js';
import type { PointsScale } from './points.js';
import { toPoints } from './points.js';
import { sizeOf } from './sizes.js';
import type { CostReport, FieldCost } from './types.js';
import { plainArgumentValues, variableArgumentValues } from './values.js';

const NO_SLOTS: readonly number[] = Object.freeze([]);

/** Computes every slot value of the plan from coerced variable values. */
export function evaluateSlots(
  plan: CostPlan,
  table: CostTable,
  values: Readonly<Record<string, unknown>>,
): ArrayLike<number> {
  const slots = plan.slots;
  if (slots.length === 0) return NO_SLOTS;
  const result = new Array<number>(plan.slotCount);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    const args =
      slot.direct === null
        ? plainArgumentValues(slot.info.def, slot.node, values)
        : variableArgumentValues(slot.direct, slot.scratch, values);
    if (slot.sizeIndex >= 0) result[slot.sizeIndex] = sizeOf(slot.info, args, table);
    if (slot.argsIndex >= 0) result[slot.argsIndex] = table.argumentsCost(slot.info, args, slot.node);
  }
  return result;
}

/** The operation's total in points. */
export function costPlanTotal(plan: CostPlan, slotValues: ArrayLike<number>): number {
  const fields = alternativeCost(plan.root, slotValues);
  if (plan.rootTypeCost === null) return saturate(plan.base + fields);
  const root = plan.rootTypeCost + fields;
  return saturate(plan.base + (root > 0 ? root : 0));
}

/**
 * A {@link CostReport} whose `fields` breakdown is computed on first read: most callers only need the
 * total, and a repeated operation should not pay for a breakdown nobody reads. `toJSON` includes it.
 */
export class CostPlanReport implements CostReport {
  readonly total: number;
  readonly points?: number;
  readonly saturated: boolean;
  readonly operationType: CostReport['operationType'];
  readonly operationName: string | null;
  readonly depth: number;
  #fields: readonly FieldCost[] | null = null;
  readonly #plan: CostPlan;
  readonly #slotValues: ArrayLike<number>;
  readonly #limit: number;

  constructor(
    plan: CostPlan,
    total: number,
    slotValues: ArrayLike<number>,
    limit: number,
    scale: PointsScale | null = null,
  ) {
    this.total = total;
    if (scale !== null) this.points = toPoints(total, scale);
    this.saturated = total >= MAX_COST;
    this.operationType = plan.operationType;
    this.operationName = plan.operationName;
    this.depth = plan.depth;
    this.#plan = plan;
    this.#slotValues = slotValues;
    this.#limit = limit;
  }

  /** Per-field breakdown, costliest first, that adds up to `total` minus the operation's base cost. */
  get fields(): readonly FieldCost[] {
    return (this.#fields ??= Object.freeze(breakdown(this.#plan, this.total, this.#slotValues, this.#limit)));
  }

  toJSON(): CostReport {
    const { total, points, saturated, operationType, operationName, depth, fields } = this;
    return {
      total,
      ...(points === undefined ? {} : { points }),
      saturated,
      operationType,
      operationName,
      depth,
      fields,
    };
  }
}

interface Chosen {
  own: number;
  alternative: Alternative | null;
  size: number;
}

/** The alternative the estimate charged for, and the field's own points in it. */
function choose(field: CostPlanField, slotValues: ArrayLike<number>, out: Chosen): void {
  const own = field.argSlot >= 0 ? field.own + (slotValues[field.argSlot] ?? 0) : field.own;
  const size = field.sizeSlot >= 0 ? (slotValues[field.sizeSlot] ?? 0) : field.size;
  let best = own > 0 ? own : 0;
  out.own = best;
  out.alternative = null;
  out.size = size;
  for (const alt of field.selection.alternatives) {
    const typeCost = field.instanceCost ?? alt.typeCost;
    const children = alternativeCost(alt, slotValues);
    let ownCost: number;
    if (field.selection.clampInstance) {
      // The field's share is what its type adds to (or, negative, takes from) each instance's children.
      const instance = typeCost + children;
      ownCost = best + size * ((instance > 0 ? instance : 0) - children);
    } else {
      const ownTotal = own + size * typeCost;
      ownCost = ownTotal > 0 ? ownTotal : 0;
    }
    const cost = ownCost + size * children;
    if (cost > best || out.alternative === null) {
      best = cost;
      out.own = ownCost;
      out.alternative = alt;
    }
  }
}

/**
 * The per-field breakdown, costliest first (document order among equals). Beyond `maxBreakdownFields`
 * entries, one entry with path `'…'` carries the remaining points so that the breakdown still adds up.
 */
export function breakdown(
  plan: CostPlan,
  total: number,
  slotValues: ArrayLike<number>,
  limit: number,
): FieldCost[] {
  const entries: FieldCost[] = [];
  let truncated = false;
  const chosen: Chosen = { own: 0, alternative: null, size: 0 };
  const walk = (alt: Alternative, prefix: string, count: number): void => {
    for (const field of alt.fields) {
      if (entries.length >= limit) {
        truncated = true;
        return;
      }
      choose(field, slotValues, chosen);
      const path = prefix === '' ? field.key : `${prefix}.${field.key}`;
      entries.push(fieldCostEntry(path, count, saturate(count * chosen.own)));
      const next = chosen.alternative;
      const childCount = saturate(count * chosen.size);
      if (next !== null && next.fields.length > 0) walk(next, path, childCount);
      if (truncated) return;
    }
  };
  walk(plan.root, '', 1);
  if (truncated) {
    entries.pop();
    let listed = 0;
    for (const entry of entries) listed += entry.cost;
    // A saturated total is a lower bound: what the listed rows leave of it is unknown, so the summary
    // claims only what is certain (and never a negative row).
    const rest = total >= MAX_COST ? 0 : Math.max(0, total - plan.base - listed);
    entries.push({ path: '…', count: 0, cost: rest });
  }
  const order = entries.map((entry, index) => ({ entry, index }));
  order.sort((a, b) => b.entry.cost - a.entry.cost || a.index - b.index);
  const sorted = order.map(({ entry }) => entry);
  if (truncated) {
    // The summary stays last whatever it weighs: it is not one field.
    const summary = sorted.findIndex((entry) => entry.path === '…');
    sorted.push(...sorted.splice(summary, 1));
  }
  return sorted;
}

/** A breakdown row, marked `saturated` when its cost reached the ceiling. */
export function fieldCostEntry(path: string, count: number, cost: number): FieldCost {
  return cost >= MAX_COST ? { path, count, cost: MAX_COST, saturated: true } : { path, count, cost };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The cost of a response: the same model, with each list's actual length. A field absent from `data`
 * (skipped, or not reached because of an error) costs nothing; a null value costs the field's own points
 * but no type cost. When a response object does not tell its type (no `__typename` selected), the
 * costliest alternative consistent with it is charged.
 */
export function actualTotal(plan: CostPlan, slotValues: ArrayLike<number>, data: unknown): number {
  const fields = isRecord(data) ? actualFields(plan.root, data, slotValues) : 0;
  if (plan.rootTypeCost === null) return saturate(plan.base + fields);
  const root = plan.rootTypeCost + fields;
  return saturate(plan.base + (root > 0 ? root : 0));
}

function actualFields(
  alt: Alternative,
  data: Readonly<Record<string, unknown>>,
  slotValues: ArrayLike<number>,
): number {
  let cost = 0;
  const fields = alt.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const constant = leafConstant(field);
    // A leaf that costs nothing, present or not: its value need not even be looked up.
    if (constant === 0) continue;
    const value = data[field.key];
    if (value === undefined) continue;
    cost += constant > 0 ? constant : actualField(field, value, slotValues);
  }
  return saturate(cost);
}

/**
 * The actual cost of a leaf field (scalar or enum) whose value cannot change it: no argument cost from
 * variables and no points per value, so a value, a null or a list of any length all cost its own points
 * (floored at 0). -1 for any other field, whose value must be walked. Most fields of a response are such
 * leaves, and cost 0 (`id`, `name`): the walk does not even look their values up.
 */
function leafConstant(field: CostPlanField): number {
  const selection = field.selection;
  if (!selection.leaf || field.argSlot >= 0) return -1;
  const alternatives = selection.alternatives;
  if (alternatives.length > 0 && (field.instanceCost ?? alternatives[0]!.typeCost) !== 0) return -1;
  return field.own > 0 ? field.own : 0;
}

function actualField(field: CostPlanField, value: unknown, slotValues: ArrayLike<number>): number {
  const own = field.argSlot >= 0 ? field.own + (slotValues[field.argSlot] ?? 0) : field.own;
  const acc = { typeCost: 0, children: 0 };
  actualValue(field, value, slotValues, acc);
  if (field.selection.clampInstance) return saturate((own > 0 ? own : 0) + acc.children);
  const ownTotal = own + acc.typeCost;
  return saturate((ownTotal > 0 ? ownTotal : 0) + acc.children);
}

function actualValue(
  field: CostPlanField,
  value: unknown,
  slotValues: ArrayLike<number>,
  acc: { typeCost: number; children: number },
): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) actualValue(field, item, slotValues, acc);
    return;
  }
  const selection = field.selection;
  const alternatives = selection.alternatives;
  if (alternatives.length === 0) return;
  if (selection.leaf || !isRecord(value)) {
    const typeCost = field.instanceCost ?? alternatives[0]!.typeCost;
    if (field.selection.clampInstance) acc.children += typeCost > 0 ? typeCost : 0;
    else acc.typeCost += typeCost;
    return;
  }
  const typename = selection.typenameKey === null ? undefined : value[selection.typenameKey];
  let bestType = 0;
  let bestChildren = 0;
  let best = Number.NEGATIVE_INFINITY;
  for (const alt of alternatives) {
    if (typename !== undefined && alt.typeName !== typename) continue;
    const typeCost = field.instanceCost ?? alt.typeCost;
    const children = actualFields(alt, value, slotValues);
    if (typeCost + children > best) {
      best = typeCost + children;
      bestType = typeCost;
      bestChildren = children;
    }
  }
  if (field.selection.clampInstance) {
    const instance = bestType + bestChildren;
    acc.children = saturate(acc.children + (instance > 0 ? instance : 0));
    return;
  }
  acc.typeCost += bestType;
  acc.children = saturate(acc.children + bestChildren);
}
