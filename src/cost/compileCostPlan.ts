/**
 * Plan building: compiles one operation into a {@link CostPlan}. Fields are collected as execution does
 * ({@link FieldCollector}), abstract types become one alternative per possible object type, and whatever
 * depends on variables becomes a numbered slot evaluated per request.
 *
 * The walk is written with plain loops, explicit stacks and memo tables rather than `visit()`: it runs on
 * every new document, and memoising the plan of each selection set per return type keeps hostile fragment
 * fan-outs linear in the size of the document.
 */
import type {
  FieldNode,
  GraphQLCompositeType,
  GraphQLNamedType,
  GraphQLObjectType,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import { FieldCollector } from './collectFields.js';
import { kinds } from './graphqlBindings.js';
import { CostError, CostErrorCode } from './CostError.js';
import type { Alternative, Condition, CostPlan, CostPlanField, SelectionCostPlan, Slot } from './costPlan.js';
import { resolutionCost, saturate } from './costPlan.js';
import type { CostTable, FieldCostInfo } from './CostTable.js';
import type { DocumentIndex } from './document.js';
import { sizeOf } from './sizes.js';
import type { VariableArgument, VariableReader } from './values.js';
import { plainArgumentValues, variablesIn } from './values.js';

const NO_VARIABLES: readonly string[] = Object.freeze([]);
const NO_FIELDS: readonly CostPlanField[] = Object.freeze([]);
const NO_SLOTS: readonly number[] = Object.freeze([]);
const NO_PLAN_SLOTS: readonly Slot[] = Object.freeze([]);
const NO_CONDITIONS: readonly Condition[] = Object.freeze([]);

/** The selection plan of an introspection field: not walked, so it costs `introspectionCost` whatever it asks. */
const INTROSPECTION_SELECTION: SelectionCostPlan = Object.freeze({
  leaf: false,
  alternatives: Object.freeze([]),
  height: 0,
  dynamic: false,
  typenameKey: null,
  // Without alternatives both formulas give the field's own points.
  clampInstance: false,
});

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
export type LeafPlans = Map<GraphQLNamedType, SelectionCostPlan>;

/** The memo entry of a selection set: the plan for its first return type, others keyed by string. */
interface MemoEntry {
  readonly type: GraphQLCompositeType;
  readonly plan: SelectionCostPlan;
}

/** Builds the {@link CostPlan} of one operation; one compiler per compilation. */
export class CostPlanCompiler {
  // Everything below is created on first use: a typical operation needs few of them, and a cold analysis
  // pays for every allocation twice (once to make it, once when the collector copies what is still live).
  private slots: Slot[] | null = null;
  private slotCount = 0;
  private memo: Map<SelectionSetNode, MemoEntry> | null = null;
  private memoByKey: Map<string, SelectionCostPlan> | null = null;
  /**
   * How many selections with several alternatives enclose the current one. Without fragments, a selection
   * set is compiled more than once only below such a selection (once per alternative), so only there is
   * it worth memoising.
   */
  private branching = 0;
  private readonly maxDepth: number;
  private readonly clampInstance: boolean;
  private readonly directiveWeights: boolean;
  private readonly typenameCost: number;
  private readonly collector: FieldCollector;
  // Buffers reused to keep allocation (and so garbage collection) low: `collect` finishes before the
  // walk recurses, and each depth only ever uses its own keys/groups buffers. Their lengths are never reset
  // (V8 frees the backing store of an array whose length is set to 0): each depth counts its own entries.
  private readonly keyBuffers: string[][] = [];
  private readonly groupBuffers: (FieldNode | FieldNode[])[][] = [];
  /**
   * Stacks the fields (and alternatives) of the selections being compiled, so that each one's final array
   * is one exact-size copy rather than an array grown by `push` (whose spare capacity would stay live).
   * Nested compilations use the region above their parent's and hand it back on return.
   */
  private readonly fieldStack: CostPlanField[] = [];
  private fieldTop = 0;
  private readonly alternativeStack: Alternative[] = [];
  private alternativeTop = 0;

  constructor(
    private readonly table: CostTable,
    private readonly document: DocumentIndex,
    private readonly leafPlans: LeafPlans,
    private readonly reader: VariableReader,
  ) {
    this.maxDepth = table.options.maxDepth;
    this.clampInstance = table.model.clampInstance;
    this.directiveWeights = table.model.directiveArgumentWeights;
    this.typenameCost = table.model.typenameCost;
    this.collector = new FieldCollector(table, document, reader);
  }

  compile(operation: OperationDefinitionNode): CostPlan {
    const schema = this.table.schema;
    const options = this.table.options;
    const rootType = schema.getRootType(operation.operation);
    const type: CostPlan['operationType'] = operation.operation;
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
    const variables = this.reader.names;
    return {
      operationType: type,
      operationName: operation.name?.value ?? null,
      root,
      depth: root.height,
      base: typeCost + options.depthCost * root.height,
      rootTypeCost: this.table.model.rootTypeCost ? this.table.typeCost(rootType) : null,
      slots: this.slots ?? NO_PLAN_SLOTS,
      slotCount: this.slotCount,
      conditions: this.collector.conditions ?? NO_CONDITIONS,
      variables: variables.size === 0 ? NO_VARIABLES : [...variables],
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
  ): SelectionCostPlan {
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
    const plan: SelectionCostPlan = {
      leaf: false,
      alternatives,
      height,
      dynamic,
      typenameKey,
      clampInstance: this.clampInstance,
    };
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
    const collector = this.collector;
    if (single !== null) count = collector.collect(single, object, keys, groups, 0);
    else for (const set of sets!) count = collector.collect(set, object, keys, groups, count);
    collector.done();
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
        constSum += this.typenameCost;
        continue;
      }
      let field: CostPlanField;
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

  private introspection(key: string): CostPlanField {
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
  ): CostPlanField {
    if (depth > this.maxDepth) throw depthExceeded(this.maxDepth);
    const sized = info.listSize !== null || info.multipliers !== null;
    // Most fields are plain leaves (`id`, `name`): their compiled form depends on nothing but the schema.
    const directivesCost = this.directiveWeights ? this.table.directivesCost(first) : 0;
    const plain =
      info.leaf &&
      !info.costlyArgs &&
      !sized &&
      directivesCost === 0 &&
      key === info.def.name &&
      (sizing === null || !info.isList || !sizing.names.includes(key));
    if (plain && info.plainLeaf !== null && !first.selectionSet) return info.plainLeaf;
    const options = this.table.options;
    const model = this.table.model;
    let own = info.weight + directivesCost;
    let argSlot = -1;
    let args: Readonly<Record<string, unknown>> | null = null;
    if (info.costlyArgs || sized) {
      const variables = variablesIn(first.arguments);
      if (variables.length > 0) {
        this.reader.read(variables);
      } else {
        args = plainArgumentValues(info.def, first);
      }
    }
    // The size @listSize or @complexity computes, for the field itself or for its sized fields.
    let computedSize = 0;
    let computedSlot = -1;
    if (args !== null) {
      if (info.costlyArgs) own += this.table.argumentsCost(info, args, first);
      if (sized) computedSize = sizeOf(info, args, this.table);
    } else if (info.costlyArgs || sized) {
      const slot = this.slot(info, first, sized, info.costlyArgs);
      argSlot = slot.argsIndex;
      computedSlot = slot.sizeIndex;
    }
    // GitHub's node count: a connection is a list of its own page size; its edges/nodes count once each.
    const connectionList =
      model.connectionsAsLists && info.listSize !== null && info.listSize.sizedFields.length > 0;
    let size = 1;
    let sizeSlot = -1;
    if (sizing !== null && info.isList && sizing.names.includes(info.def.name)) {
      size = sizing.size;
      sizeSlot = sizing.slot;
    } else if (
      sized &&
      (info.isList || info.multipliers !== null || connectionList) &&
      !(model.sizedFieldsOnly && info.listSize !== null && info.listSize.sizedFields.length > 0)
    ) {
      size = computedSize;
      sizeSlot = computedSlot;
    } else if (info.isList) {
      size = model.listsMultiply ? options.defaultListSize : 1;
    }

    const named = info.named;
    let selection: SelectionCostPlan;
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
          ? connectionList
            ? { names: info.listSize.sizedFields, size: 1, slot: -1 }
            : { names: info.listSize.sizedFields, size: computedSize, slot: computedSlot }
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

  private leaf(type: GraphQLNamedType): SelectionCostPlan {
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
        clampInstance: this.clampInstance,
      });
      this.leafPlans.set(type, plan);
    }
    return plan;
  }

  private slot(info: FieldCostInfo, node: FieldNode, size: boolean, args: boolean): Slot {
    let direct: VariableArgument[] | null = [];
    for (const argNode of node.arguments ?? []) {
      const arg = info.def.args.find((candidate) => candidate.name === argNode.name.value);
      if (!arg) continue;
      const value = argNode.value;
      if (value.kind === kinds.VARIABLE) direct?.push({ arg, variable: value.name.value });
      else if (value.kind === kinds.LIST || value.kind === kinds.OBJECT) direct = null;
    }
    const slot: Slot = {
      info,
      node,
      sizeIndex: size ? this.slotCount++ : -1,
      argsIndex: args ? this.slotCount++ : -1,
      direct,
      // Coerces the literals once; the bare variables in it are overwritten per request.
      scratch: { ...plainArgumentValues(info.def, node, this.reader.values) },
    };
    (this.slots ??= []).push(slot);
    return slot;
  }
}
