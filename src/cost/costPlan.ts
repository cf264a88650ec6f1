/**
 * The compiled cost plan of one operation: a tree of merged fields whose constant parts are pre-computed and
 * whose variable-dependent parts (list sizes, argument costs) are numbered slots evaluated per request.
 */
import type { FieldNode } from 'graphql';
import type { FieldCostInfo } from './CostTable.js';
import type { VariableArgument } from './values.js';

/** One possible runtime type of a selection: an object type (or, for a leaf, the leaf type). */
export interface Alternative {
  readonly typeName: string;
  /** Points per instance of this type. */
  readonly typeCost: number;
  /** The merged fields selected on this type, in document order. */
  readonly fields: readonly CostPlanField[];
  /** The summed cost of the fields that do not depend on variables. */
  readonly constSum: number;
  /** The fields that depend on variables. */
  readonly dynFields: readonly CostPlanField[];
  /** The deepest field nesting of this alternative (0 without fields). */
  readonly height: number;
  /** The response key of a `__typename` selected here, or null. */
  readonly typenameKey: string | null;
}

/** A selection set as executed on a field's return type: one alternative per possible concrete type. */
export interface SelectionCostPlan {
  /** True for a scalar or enum (one alternative without fields). */
  readonly leaf: boolean;
  readonly alternatives: readonly Alternative[];
  /** The deepest field nesting below (0 for a leaf). */
  readonly height: number;
  readonly dynamic: boolean;
  /** The response key of a `__typename` selected here, used to tell alternatives apart in a response. */
  readonly typenameKey: string | null;
  /**
   * The model's formula for the field this selection belongs to (see `CostModel.clampInstance`); kept here
   * rather than on every field, since leaf selections are shared.
   */
  readonly clampInstance: boolean;
}

/** One merged field (all field nodes execution merges under one response key). */
export interface CostPlanField {
  readonly key: string;
  /** Points per resolution known at compile time: the field's weight and its constant argument costs. */
  readonly own: number;
  /** The slot holding the variable-dependent argument cost, or -1. */
  readonly argSlot: number;
  /** The list size when constant (1 for a non-list field). */
  readonly size: number;
  /** The slot holding the variable-dependent list size, or -1. */
  readonly sizeSlot: number;
  readonly selection: SelectionCostPlan;
  /** `@complexity(value:)`, replacing the type cost of every alternative; null when absent. */
  readonly instanceCost: number | null;
  readonly dynamic: boolean;
  /** The field's whole cost per resolution when it does not depend on variables. */
  readonly constTotal: number;
}

/** A field whose arguments use variables: computes its size and/or argument cost per request. */
export interface Slot {
  readonly info: FieldCostInfo;
  /** The first of the merged field nodes: execution reads arguments from it. */
  readonly node: FieldNode;
  /** Where the size goes in the slot values, or -1. */
  readonly sizeIndex: number;
  /** Where the argument cost goes in the slot values, or -1. */
  readonly argsIndex: number;
  /**
   * When every argument is a literal or a bare `$variable`: those variables, read straight from the
   * coerced values into `scratch` (which holds the literals, coerced once). Null when a variable sits
   * inside a list or input object literal: then `getArgumentValues` runs per request.
   */
  readonly direct: readonly VariableArgument[] | null;
  readonly scratch: Record<string, unknown>;
}

/** A skip/include condition the plan was compiled under. */
export interface Condition {
  readonly name: string;
  readonly value: unknown;
}

/** The compiled cost plan of one operation (under one combination of `@skip`/`@include` values). */
export interface CostPlan {
  readonly operationType: 'query' | 'mutation' | 'subscription';
  readonly operationName: string | null;
  readonly root: Alternative;
  readonly depth: number;
  /** Operation type cost plus depth cost. */
  readonly base: number;
  /**
   * IBM's type cost counts the root operation type as one instance: its weight, added to the fields' and
   * floored at 0 as every instance is. Null in the other models and channels.
   */
  readonly rootTypeCost: number | null;
  readonly slots: readonly Slot[];
  /** How many slot values `slots` produce. */
  readonly slotCount: number;
  readonly conditions: readonly Condition[];
  /** Names of every variable the plan reads (conditions and slots). */
  readonly variables: readonly string[];
  readonly dynamic: boolean;
}

/**
 * The ceiling of every cost figure, `Number.MAX_SAFE_INTEGER` (9007199254740991): totals and breakdown rows
 * saturate there, so they stay safe integers; a figure at the ceiling is a lower bound (`saturated`).
 */
export const MAX_COST = Number.MAX_SAFE_INTEGER;

/**
 * A cost in words: `12 points`, or `at least 9007199254740991 points (saturated)` at the ceiling, where the
 * figure is a lower bound and stating it as exact would be untrue. (`1 point` in the singular.)
 */
export function pointsText(points: number): string {
  if (points >= MAX_COST) return `at least ${MAX_COST} points (saturated)`;
  return `${points} ${points === 1 ? 'point' : 'points'}`;
}

/** Saturates at `Number.MAX_SAFE_INTEGER`, so that totals stay safe integers (and never Infinity/NaN). */
export function saturate(value: number): number {
  return value > MAX_COST ? MAX_COST : value;
}

/**
 * The cost of one resolution of a field given its own points and its size: the costliest alternative of
 * `max(0, own + size × typeCost) + size × children` (Apollo), or `max(0, own) + size × max(0, typeCost +
 * children)` when the model clamps per instance (IBM, graphql-query-complexity).
 */
export function fieldCost(field: CostPlanField, slotValues: ArrayLike<number>): number {
  if (!field.dynamic) return field.constTotal;
  const own = field.argSlot >= 0 ? field.own + (slotValues[field.argSlot] ?? 0) : field.own;
  const size = field.sizeSlot >= 0 ? (slotValues[field.sizeSlot] ?? 0) : field.size;
  return resolutionCost(field, own, size, slotValues);
}

export function resolutionCost(
  field: Pick<CostPlanField, 'selection' | 'instanceCost'>,
  own: number,
  size: number,
  slotValues: ArrayLike<number>,
): number {
  const alternatives = field.selection.alternatives;
  let best = own > 0 ? own : 0;
  if (field.selection.clampInstance) {
    // max(0, own) + size × the costliest instance, each floored at 0.
    let instance = 0;
    for (let i = 0; i < alternatives.length; i++) {
      const alt = alternatives[i]!;
      const cost = (field.instanceCost ?? alt.typeCost) + alternativeCost(alt, slotValues);
      if (cost > instance) instance = cost;
    }
    return saturate(best + size * instance);
  }
  for (let i = 0; i < alternatives.length; i++) {
    const alt = alternatives[i]!;
    const typeCost = field.instanceCost ?? alt.typeCost;
    const ownTotal = own + size * typeCost;
    const cost = (ownTotal > 0 ? ownTotal : 0) + size * alternativeCost(alt, slotValues);
    if (cost > best) best = cost;
  }
  return saturate(best);
}

/** The summed cost of one instance's fields. */
export function alternativeCost(alt: Alternative, slotValues: ArrayLike<number>): number {
  let cost = alt.constSum;
  const dyn = alt.dynFields;
  for (let i = 0; i < dyn.length; i++) cost += fieldCost(dyn[i]!, slotValues);
  return saturate(cost);
}
