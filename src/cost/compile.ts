/**
 * Compiles one operation into a {@link Plan}, following execution's own field collection
 * (graphql-js `collectFields`): fields merge by response key, a fragment is spread once per selection set,
 * `@skip`/`@include` are honoured, and abstract types become one alternative per possible object type.
 *
 * The walk is written with plain loops, explicit stacks and memo tables rather than `visit()`: it runs on
 * every new document, and memoising the plan of each selection set per return type keeps hostile fragment
 * fan-outs linear in the size of the document.
 */
import type {
  ArgumentNode,
  FieldNode,
  GraphQLCompositeType,
  GraphQLArgument,
  GraphQLField,
  GraphQLNamedType,
  GraphQLObjectType,
  NamedTypeNode,
  OperationDefinitionNode,
  SelectionNode,
  GraphQLSchema,
  SelectionSetNode,
  ValueNode,
  VariableDefinitionNode,
} from 'graphql';
import {
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLSkipDirective,
  Kind,
  getArgumentValues,
  getDirectiveValues,
  getVariableValues,
  isNonNullType,
  valueFromAST,
} from 'graphql';
import { CostError, CostErrorCode } from './CostError.js';
import type { CostTable, FieldCostInfo } from './CostTable.js';
import type { DocumentIndex } from './document.js';
import { unknownFragment } from './document.js';
import type { Alternative, Condition, Plan, PlanField, SelectionPlan, Slot } from './plan.js';
import { resolutionCost, saturate } from './plan.js';
import { sizeOf } from './sizes.js';

const NO_VARIABLES: readonly string[] = Object.freeze([]);
const NON_NULL_INT = new GraphQLNonNull(GraphQLInt);
/** GraphQL's Int is a signed 32-bit integer. */
const MAX_INT = 2147483647;
const MIN_INT = -2147483648;
const NO_FIELDS: readonly PlanField[] = Object.freeze([]);
const NO_SLOTS: readonly number[] = Object.freeze([]);
const NO_PLAN_SLOTS: readonly Slot[] = Object.freeze([]);
const NO_CONDITIONS: readonly Condition[] = Object.freeze([]);
const NOTHING: Readonly<Record<string, unknown>> = Object.freeze(
  Object.create(null) as Record<string, unknown>,
);

/** The selection plan of an introspection field: not walked, so it costs `introspectionCost` whatever it asks. */
const INTROSPECTION_SELECTION: SelectionPlan = Object.freeze({
  leaf: false,
  alternatives: Object.freeze([]),
  height: 0,
  dynamic: false,
  typenameKey: null,
});

/** Coerces variables one at a time, only those the cost reads, with graphql-js's own coercion. */
export class VariableReader {
  readonly values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  private readonly done = new Set<string>();

  constructor(
    private readonly table: CostTable,
    private readonly definitions: ReadonlyMap<string, VariableDefinitionNode>,
    private readonly inputs: Readonly<Record<string, unknown>>,
  ) {}

  read(names: readonly string[]): void {
    let definitions: VariableDefinitionNode[] | null = null;
    for (const name of names) {
      if (this.done.has(name)) continue;
      this.done.add(name);
      const definition = this.definitions.get(name);
      // An undeclared variable is "not provided": execution would reject the document in validation.
      if (definition && !readIntVariable(this.table.schema, definition, this.inputs, this.values)) {
        (definitions ??= []).push(definition);
      }
    }
    if (definitions === null) return;
    const result = getVariableValues(this.table.schema, definitions, this.inputs);
    if (result.errors) throw invalidVariables(result.errors[0]!);
    for (const definition of definitions) {
      const name = definition.variable.name.value;
      const value = result.coerced[name];
      if (value !== undefined) this.values[name] = value;
    }
  }
}

/**
 * `getVariableValues` for one `Int` or `Int!` variable whose value is plainly valid (an int within 32 bits,
 * null where allowed, absent with or without a default): the same coerced value without building the
 * whole coercion machinery per request. Returns false, having read nothing, for anything else, which then
 * goes to `getVariableValues` (and so gets its errors).
 */
function readIntVariable(
  schema: GraphQLSchema,
  definition: VariableDefinitionNode,
  inputs: Readonly<Record<string, unknown>>,
  values: Record<string, unknown>,
): boolean {
  const typeNode = definition.type;
  const nonNull = typeNode.kind === Kind.NON_NULL_TYPE;
  const named = nonNull ? typeNode.type : typeNode;
  if (named.kind !== Kind.NAMED_TYPE || named.name.value !== 'Int' || schema.getType('Int') !== GraphQLInt) {
    return false;
  }
  const name = definition.variable.name.value;
  if (!Object.prototype.hasOwnProperty.call(inputs, name)) {
    if (definition.defaultValue !== undefined) {
      const value: unknown = valueFromAST(definition.defaultValue, nonNull ? NON_NULL_INT : GraphQLInt);
      if (value !== undefined) values[name] = value;
      return true;
    }
    return !nonNull;
  }
  const value = inputs[name];
  if (value === null) {
    if (nonNull) return false;
    values[name] = null;
    return true;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value > MAX_INT || value < MIN_INT)
    return false;
  values[name] = value;
  return true;
}

export function invalidVariables(error: GraphQLError): CostError {
  return new CostError(CostErrorCode.INVALID_VARIABLES, error.message, { originalError: error });
}

/** Appends the names of the variables used in a value to `out`. */
function variablesInValue(value: ValueNode, out: string[]): void {
  if (value.kind === Kind.VARIABLE) out.push(value.name.value);
  else if (value.kind === Kind.LIST) for (const item of value.values) variablesInValue(item, out);
  else if (value.kind === Kind.OBJECT) for (const field of value.fields) variablesInValue(field.value, out);
}

export function variablesIn(args: readonly ArgumentNode[] | undefined): readonly string[] {
  if (args === undefined || args.length === 0) return NO_VARIABLES;
  let out: string[] | null = null;
  for (const arg of args) {
    const kind = arg.value.kind;
    if (kind === Kind.VARIABLE || kind === Kind.LIST || kind === Kind.OBJECT)
      variablesInValue(arg.value, (out ??= []));
  }
  return out === null || out.length === 0 ? NO_VARIABLES : out;
}

/** `getArgumentValues`, with its errors turned into cost errors. */
export function argumentValues(
  def: GraphQLField<unknown, unknown>,
  node: FieldNode,
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  try {
    return getArgumentValues(def, node, values);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    const code =
      variablesIn(node.arguments).length > 0
        ? CostErrorCode.INVALID_VARIABLES
        : CostErrorCode.INVALID_OPERATION;
    throw new CostError(code, error.message, { originalError: error });
  }
}

/**
 * {@link argumentValues} for arguments that use no variable (`first: 10`, `kind: IMAGE`, none at all),
 * without the name index `getArgumentValues` builds on every call: each argument is coerced by
 * `valueFromAST`, as there, into the same null-prototype record. Whatever does not coerce is handed to
 * `getArgumentValues` itself, so that errors stay graphql-js's own.
 */
function constantArgumentValues(
  def: GraphQLField<unknown, unknown>,
  node: FieldNode,
): Readonly<Record<string, unknown>> {
  const defs = def.args;
  if (defs.length === 0) return NOTHING;
  const nodes = node.arguments;
  const values = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < defs.length; i++) {
    const arg = defs[i]!;
    // The last node of a name wins, as in graphql-js's keyMap.
    let argNode: ArgumentNode | undefined;
    if (nodes !== undefined) {
      for (let k = 0; k < nodes.length; k++) if (nodes[k]!.name.value === arg.name) argNode = nodes[k];
    }
    if (argNode === undefined) {
      if (arg.defaultValue !== undefined) values[arg.name] = arg.defaultValue;
      else if (isNonNullType(arg.type)) return argumentValues(def, node, NOTHING);
      continue;
    }
    const value: unknown = valueFromAST(argNode.value, arg.type);
    if (value === undefined) return argumentValues(def, node, NOTHING);
    values[arg.name] = value;
  }
  return values;
}

export function depthExceeded(maxDepth: number): CostError {
  return new CostError(
    CostErrorCode.DEPTH_LIMIT_EXCEEDED,
    `The operation is nested deeper than the maximum depth of ${maxDepth}.`,
    { extensions: { depth: maxDepth + 1, maxDepth } },
  );
}

interface Sizing {
  readonly names: readonly string[];
  readonly size: number;
  readonly slot: number;
}

/** Plans of leaf types, shared by every compilation against one table. */
export type LeafPlans = Map<GraphQLNamedType, SelectionPlan>;

/** The memo entry of a selection set: the plan for its first return type, others keyed by string. */
interface MemoEntry {
  readonly type: GraphQLCompositeType;
  readonly plan: SelectionPlan;
}

export class Compiler {
  // Everything below is created on first use: a typical operation needs few of them, and a cold analysis
  // pays for every allocation twice (once to make it, once when the collector copies what is still live).
  private slots: Slot[] | null = null;
  private slotCount = 0;
  private conditions: Condition[] | null = null;
  private variables: Set<string> | null = null;
  private memo: Map<SelectionSetNode, MemoEntry> | null = null;
  private memoByKey: Map<string, SelectionPlan> | null = null;
  /**
   * How many selections with several alternatives enclose the current one. Without fragments, a selection
   * set is compiled more than once only below such a selection (once per alternative), so only there is
   * it worth memoising.
   */
  private branching = 0;
  private readonly maxDepth: number;
  // Buffers reused to keep allocation (and so garbage collection) low: `collect` finishes before the
  // walk recurses, and each depth only ever uses its own keys/groups buffers. Their lengths are never reset
  // (V8 frees the backing store of an array whose length is set to 0): each depth counts its own entries.
  private readonly stack: (readonly SelectionNode[])[] = [];
  private readonly next: number[] = [];
  private readonly keyBuffers: string[][] = [];
  private readonly groupBuffers: (FieldNode | FieldNode[])[][] = [];
  /**
   * Stacks the fields (and alternatives) of the selections being compiled, so that each one's final array
   * is one exact-size copy rather than an array grown by `push` (whose spare capacity would stay live).
   * Nested compilations use the region above their parent's and hand it back on return.
   */
  private readonly fieldStack: PlanField[] = [];
  private fieldTop = 0;
  private readonly alternativeStack: Alternative[] = [];
  private alternativeTop = 0;
  /** Past a few keys, a Map from response key to position keeps wide selections (2,000 aliases) linear. */
  private index: Map<string, number> | null = null;

  constructor(
    private readonly table: CostTable,
    private readonly document: DocumentIndex,
    private readonly leafPlans: LeafPlans,
    private readonly reader: VariableReader,
  ) {
    this.maxDepth = table.options.maxDepth;
  }

  compile(operation: OperationDefinitionNode): Plan {
    const schema = this.table.schema;
    const options = this.table.options;
    const rootType = schema.getRootType(operation.operation);
    const type: Plan['operationType'] = operation.operation;
    if (!rootType) {
      throw new CostError(CostErrorCode.INVALID_OPERATION, `The schema does not support ${type} operations.`);
    }
    const root = this.alternative(operation.selectionSet, null, rootType, 1, null, true);
    const typeCost =
      type === 'mutation'
        ? options.mutationCost
        : type === 'query'
          ? options.queryCost
          : options.subscriptionCost;
    const variables = this.variables;
    return {
      operationType: type,
      operationName: operation.name?.value ?? null,
      root,
      depth: root.height,
      base: typeCost + options.depthCost * root.height,
      slots: this.slots ?? NO_PLAN_SLOTS,
      slotCount: this.slotCount,
      conditions: this.conditions ?? NO_CONDITIONS,
      variables: variables === null ? NO_VARIABLES : [...variables],
      dynamic: this.slots !== null,
    };
  }

  /** The plan of one selection set (`single`), or of several merged ones (`sets`). */
  private selection(
    single: SelectionSetNode | null,
    sets: readonly SelectionSetNode[] | null,
    type: GraphQLCompositeType,
    depth: number,
    sizing: Sizing | null,
  ): SelectionPlan {
    // A sized parent hands its size to some children, so such a selection is not shared.
    const memoize = sizing === null && (this.branching > 0 || this.document.fragments.size > 0);
    let key: string | null = null;
    if (memoize) {
      const entry = single === null || this.memo === null ? undefined : this.memo.get(single);
      if (entry !== undefined && entry.type === type) return entry.plan;
      if (single === null || entry !== undefined) {
        key = this.mergedKey(single, sets, type);
        const known = this.memoByKey?.get(key);
        if (known) return known;
      }
    }
    const objects = this.table.possibleTypes(type);
    let alternatives: Alternative[];
    let height = 0;
    let dynamic = false;
    let typenameKey: string | null = null;
    if (objects.length === 1) {
      const alternative = this.alternative(single, sets, objects[0]!, depth, sizing, false);
      alternatives = [alternative];
      height = alternative.height;
      dynamic = alternative.dynFields.length > 0;
      typenameKey = alternative.typenameKey;
    } else {
      const stack = this.alternativeStack;
      const start = this.alternativeTop;
      this.branching++;
      for (let i = 0; i < objects.length; i++) {
        const alternative = this.alternative(single, sets, objects[i]!, depth, sizing, false);
        stack[start + i] = alternative;
        this.alternativeTop = start + i + 1;
        if (alternative.height > height) height = alternative.height;
        if (alternative.dynFields.length > 0) dynamic = true;
        typenameKey ??= alternative.typenameKey;
      }
      alternatives = stack.slice(start, start + objects.length);
      this.alternativeTop = start;
      this.branching--;
    }
    const plan: SelectionPlan = { leaf: false, alternatives, height, dynamic, typenameKey };
    if (memoize) {
      if (key !== null) (this.memoByKey ??= new Map()).set(key, plan);
      else (this.memo ??= new Map()).set(single!, { type, plan });
    }
    return plan;
  }

  private mergedKey(
    single: SelectionSetNode | null,
    sets: readonly SelectionSetNode[] | null,
    type: GraphQLCompositeType,
  ): string {
    const ids = (this.document.setIds ??= new Map<SelectionSetNode, number>());
    let key = type.name;
    for (const set of single === null ? sets! : [single]) {
      let id = ids.get(set);
      if (id === undefined) ids.set(set, (id = ids.size));
      key += ',' + String(id);
    }
    return key;
  }

  private alternative(
    single: SelectionSetNode | null,
    sets: readonly SelectionSetNode[] | null,
    object: GraphQLObjectType,
    depth: number,
    sizing: Sizing | null,
    root: boolean,
  ): Alternative {
    const keys = (this.keyBuffers[depth] ??= []);
    const groups = (this.groupBuffers[depth] ??= []);
    let count = 0;
    if (single !== null) count = this.collect(single, object, keys, groups, 0);
    else for (const set of sets!) count = this.collect(set, object, keys, groups, count);
    this.visited = null;
    this.index = null;
    const infos = this.table.fieldsOf(object);
    const stack = this.fieldStack;
    const start = this.fieldTop;
    let top = start;
    let dynCount = 0;
    let constSum = 0;
    let height = 0;
    let typenameKey: string | null = null;
    for (let i = 0; i < count; i++) {
      const key = keys[i]!;
      const group = groups[i]!;
      const first = Array.isArray(group) ? group[0]! : group;
      const name = first.name.value;
      if (name === '__typename') {
        typenameKey ??= key;
        if (height < 1) height = 1;
        continue;
      }
      let field: PlanField;
      if (root && (name === '__schema' || name === '__type') && object === this.table.schema.getQueryType()) {
        field = this.introspection(key);
        if (height < 1) height = 1;
      } else {
        const info = infos?.get(name);
        if (!info) {
          throw new CostError(
            CostErrorCode.INVALID_OPERATION,
            `Cannot query field "${name}" on type "${object.name}".`,
          );
        }
        field = this.field(key, first, Array.isArray(group) ? group : null, info, depth, sizing);
        const fieldHeight = 1 + field.selection.height;
        if (fieldHeight > height) height = fieldHeight;
      }
      stack[top++] = field;
      this.fieldTop = top;
      if (field.dynamic) dynCount++;
      else constSum += field.constTotal;
    }
    const fields = top === start ? NO_FIELDS : stack.slice(start, top);
    let dynFields = NO_FIELDS;
    if (dynCount === fields.length) dynFields = fields;
    else if (dynCount > 0) {
      // The region is still this alternative's own: refill it with the dynamic fields only.
      let end = start;
      for (const field of fields) if (field.dynamic) stack[end++] = field;
      dynFields = stack.slice(start, end);
    }
    this.fieldTop = start;
    return {
      typeName: object.name,
      typeCost: this.table.typeCost(object),
      fields,
      constSum: saturate(constSum),
      dynFields,
      height,
      typenameKey,
    };
  }

  private introspection(key: string): PlanField {
    const cost = this.table.options.introspectionCost;
    return {
      key,
      own: cost,
      argSlot: -1,
      size: 1,
      sizeSlot: -1,
      selection: INTROSPECTION_SELECTION,
      instanceCost: null,
      dynamic: false,
      constTotal: cost,
    };
  }

  /** One merged field: `first` node, and `merged` (all its nodes, first included) when there are several. */
  private field(
    key: string,
    first: FieldNode,
    merged: readonly FieldNode[] | null,
    info: FieldCostInfo,
    depth: number,
    sizing: Sizing | null,
  ): PlanField {
    if (depth > this.maxDepth) throw depthExceeded(this.maxDepth);
    const sized = info.listSize !== null || info.multipliers !== null;
    // Most fields are plain leaves (`id`, `name`): their compiled form depends on nothing but the schema.
    const plain =
      info.leaf &&
      !info.costlyArgs &&
      !sized &&
      key === info.def.name &&
      (sizing === null || !info.isList || !sizing.names.includes(key));
    if (plain && info.plainLeaf !== null && !first.selectionSet) return info.plainLeaf;
    const options = this.table.options;
    let own = info.weight;
    let argSlot = -1;
    let args: Readonly<Record<string, unknown>> | null = null;
    if (info.costlyArgs || sized) {
      const variables = variablesIn(first.arguments);
      if (variables.length > 0) {
        this.reader.read(variables);
        const seen = (this.variables ??= new Set());
        for (const name of variables) seen.add(name);
      } else {
        args = constantArgumentValues(info.def, first);
      }
    }
    // The size @listSize or @complexity computes, for the field itself or for its sized fields.
    let computedSize = 0;
    let computedSlot = -1;
    if (args !== null) {
      if (info.costlyArgs) own += this.table.argumentsCost(info, args);
      if (sized) computedSize = sizeOf(info, args, options);
    } else if (info.costlyArgs || sized) {
      const slot = this.slot(info, first, sized, info.costlyArgs);
      argSlot = slot.argsIndex;
      computedSlot = slot.sizeIndex;
    }
    let size = 1;
    let sizeSlot = -1;
    if (sizing !== null && info.isList && sizing.names.includes(info.def.name)) {
      size = sizing.size;
      sizeSlot = sizing.slot;
    } else if (sized && (info.isList || info.multipliers !== null)) {
      size = computedSize;
      sizeSlot = computedSlot;
    } else if (info.isList) {
      size = options.defaultListSize;
    }

    const named = info.named;
    let selection: SelectionPlan;
    if (info.leaf) {
      if (first.selectionSet) {
        throw new CostError(
          CostErrorCode.INVALID_OPERATION,
          `Field "${info.coordinate}" of type "${named.name}" must not have a selection since type "${named.name}" has no subfields.`,
        );
      }
      selection = this.leaf(named);
    } else {
      let single: SelectionSetNode | null = first.selectionSet ?? null;
      let sets: SelectionSetNode[] | null = null;
      if (merged !== null) {
        for (const node of merged) if (node.selectionSet) (sets ??= []).push(node.selectionSet);
        single = sets !== null && sets.length === 1 ? sets[0]! : null;
        if (single !== null) sets = null;
      }
      if (single === null && sets === null) {
        throw new CostError(
          CostErrorCode.INVALID_OPERATION,
          `Field "${info.coordinate}" of type "${named.name}" must have a selection of subfields.`,
        );
      }
      const childSizing =
        info.listSize !== null && info.listSize.sizedFields.length > 0
          ? { names: info.listSize.sizedFields, size: computedSize, slot: computedSlot }
          : null;
      selection = this.selection(single, sets, named as GraphQLCompositeType, depth + 1, childSizing);
      if (depth + selection.height > this.maxDepth) throw depthExceeded(this.maxDepth);
    }
    const dynamic = argSlot >= 0 || sizeSlot >= 0 || selection.dynamic;
    const field = {
      key,
      own,
      argSlot,
      size,
      sizeSlot,
      selection,
      instanceCost: info.instanceCost,
      dynamic,
      constTotal: 0,
    };
    if (!dynamic) field.constTotal = resolutionCost(field, own, size, NO_SLOTS);
    if (plain) info.plainLeaf = field;
    return field;
  }

  private leaf(type: GraphQLNamedType): SelectionPlan {
    let plan = this.leafPlans.get(type);
    if (!plan) {
      plan = Object.freeze({
        leaf: true,
        alternatives: Object.freeze([
          Object.freeze({
            typeName: type.name,
            typeCost: this.table.typeCost(type),
            fields: NO_FIELDS,
            constSum: 0,
            dynFields: NO_FIELDS,
            height: 0,
            typenameKey: null,
          }),
        ]),
        height: 0,
        dynamic: false,
        typenameKey: null,
      });
      this.leafPlans.set(type, plan);
    }
    return plan;
  }

  private slot(info: FieldCostInfo, node: FieldNode, size: boolean, args: boolean): Slot {
    let direct: { arg: GraphQLArgument; variable: string }[] | null = [];
    for (const argNode of node.arguments ?? []) {
      const arg = info.def.args.find((candidate) => candidate.name === argNode.name.value);
      if (!arg) continue;
      const value = argNode.value;
      if (value.kind === Kind.VARIABLE) direct?.push({ arg, variable: value.name.value });
      else if (value.kind === Kind.LIST || value.kind === Kind.OBJECT) direct = null;
    }
    const slot: Slot = {
      info,
      node,
      sizeIndex: size ? this.slotCount++ : -1,
      argsIndex: args ? this.slotCount++ : -1,
      direct,
      // Coerces the literals once; the bare variables in it are overwritten per request.
      scratch: { ...argumentValues(info.def, node, this.reader.values) },
    };
    (this.slots ??= []).push(slot);
    return slot;
  }

  /** Fragments already spread while collecting one alternative (graphql-js `visitedFragmentNames`). */
  private visited: Set<string> | null = null;

  /**
   * Execution's `collectFields` for one object type, appending to parallel arrays of response keys and
   * field groups from position `count` on, and returning the new count (a linear scan beats a Map for the
   * few keys of a selection set; a group is one node until a second one merges into it). Uses an explicit
   * stack because fragment chains are not bounded.
   */
  private collect(
    set: SelectionSetNode,
    object: GraphQLObjectType,
    keys: string[],
    groups: (FieldNode | FieldNode[])[],
    count: number,
  ): number {
    let n = count;
    const stack = this.stack;
    const next = this.next;
    const base = stack.length;
    stack.push(set.selections);
    next.push(0);
    while (stack.length > base) {
      const top = stack.length - 1;
      const selections = stack[top]!;
      const i = next[top]!;
      if (i >= selections.length) {
        stack.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const selection = selections[i]!;
      if (selection.kind === Kind.FIELD) {
        if (
          selection.directives !== undefined &&
          selection.directives.length > 0 &&
          !this.included(selection)
        ) {
          continue;
        }
        const key = selection.alias === undefined ? selection.name.value : selection.alias.value;
        let at = -1;
        const index = this.index;
        if (index !== null) at = index.get(key) ?? -1;
        else {
          for (let k = n - 1; k >= 0; k--) {
            if (keys[k] === key) {
              at = k;
              break;
            }
          }
        }
        if (at < 0) {
          index?.set(key, n);
          keys[n] = key;
          groups[n] = selection;
          n++;
          if (index === null && n > 32) {
            const built = new Map<string, number>();
            for (let k = 0; k < n; k++) built.set(keys[k]!, k);
            this.index = built;
          }
        } else {
          const group = groups[at]!;
          if (Array.isArray(group)) group.push(selection);
          else groups[at] = [group, selection];
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!this.included(selection) || !this.applies(selection.typeCondition, object)) continue;
        stack.push(selection.selectionSet.selections);
        next.push(0);
      } else {
        const name = selection.name.value;
        if ((this.visited ??= new Set()).has(name) || !this.included(selection)) continue;
        this.visited.add(name);
        const fragment = this.document.fragments.get(name);
        if (!fragment) throw unknownFragment(name);
        if (!this.applies(fragment.typeCondition, object)) continue;
        stack.push(fragment.selectionSet.selections);
        next.push(0);
      }
    }
    return n;
  }

  private applies(condition: NamedTypeNode | undefined, object: GraphQLObjectType): boolean {
    if (condition === undefined) return true;
    const name = condition.name.value;
    if (name === object.name) return true;
    const types = this.table.conditionTypes(name);
    if (types === undefined) {
      throw new CostError(CostErrorCode.INVALID_OPERATION, `Unknown type "${name}" in a type condition.`);
    }
    return types.has(object);
  }

  /** graphql-js `shouldIncludeNode`, recording each variable it reads as a condition of the plan. */
  private included(node: SelectionNode): boolean {
    const directives = node.directives;
    if (directives === undefined || directives.length === 0) return true;
    let relevant = false;
    for (const directive of directives) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      relevant = true;
      const variables = variablesIn(directive.arguments);
      if (variables.length === 0) continue;
      this.reader.read(variables);
      for (const variable of variables) {
        (this.variables ??= new Set()).add(variable);
        const conditions = (this.conditions ??= []);
        if (!conditions.some((condition) => condition.name === variable)) {
          conditions.push({ name: variable, value: this.reader.values[variable] });
        }
      }
    }
    if (!relevant) return true;
    try {
      if (getDirectiveValues(GraphQLSkipDirective, node, this.reader.values)?.['if'] === true) return false;
      if (getDirectiveValues(GraphQLIncludeDirective, node, this.reader.values)?.['if'] === false)
        return false;
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const usesVariables = directives.some((d) => variablesIn(d.arguments).length > 0);
      throw new CostError(
        usesVariables ? CostErrorCode.INVALID_VARIABLES : CostErrorCode.INVALID_OPERATION,
        error.message,
        { originalError: error },
      );
    }
    return true;
  }
}
