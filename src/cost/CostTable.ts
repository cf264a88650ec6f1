import type {
  ConstDirectiveNode,
  GraphQLArgument,
  GraphQLField,
  GraphQLInputField,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
} from 'graphql';
import {
  getNamedType,
  isAbstractType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  valueFromASTUntyped,
} from 'graphql';
import { CostError, CostErrorCode } from './CostError.js';
import type { ResolvedCostOptions } from './options.js';
import type { CostPlanField } from './costPlan.js';

/** A field's `@listSize`, resolved. */
export interface ListSizeSpec {
  readonly assumedSize: number | null;
  readonly slicingArguments: readonly string[];
  /** The schema default of each slicing argument (null when none), used when a client passes null. */
  readonly slicingDefaults: readonly (number | null)[];
  readonly sizedFields: readonly string[];
  readonly requireOneSlicingArgument: boolean;
}

/** Everything the analyzer needs to know about one field of one object type. */
export interface FieldCostInfo {
  readonly def: GraphQLField<unknown, unknown>;
  /** The named return type, and whether it is a scalar/enum: kept here so that the hot path makes no type checks. */
  readonly named: GraphQLNamedType;
  readonly leaf: boolean;
  /** `Type.field`, for messages. */
  readonly coordinate: string;
  /** The field's own `@cost`, counted once per resolution; 0 without one. */
  readonly weight: number;
  /** True when the field returns a list (at any nesting). */
  readonly isList: boolean;
  readonly listSize: ListSizeSpec | null;
  /** `@complexity(multipliers:)` argument paths (compat mode); null when not in compat mode. */
  readonly multipliers: readonly (readonly string[])[] | null;
  /** `@complexity(value:)`: points per instance replacing the type cost; null when absent. */
  readonly instanceCost: number | null;
  /** True when some argument of the field may cost points; lets the analyzer skip argument coercion. */
  readonly costlyArgs: boolean;
  /**
   * The compiled field when it is a leaf selected under its own name and nothing in the operation can
   * change its cost (no costly or slicing arguments, not sized by its parent): built on first use by the
   * compiler and shared by every plan of this table, since plans are never modified once built.
   */
  plainLeaf: CostPlanField | null;
}

interface Annotated {
  readonly name: string;
  readonly extensions: Readonly<Record<string, unknown>> | null | undefined;
  readonly astNode?: { readonly directives?: readonly ConstDirectiveNode[] } | null | undefined;
  readonly extensionASTNodes?: readonly { readonly directives?: readonly ConstDirectiveNode[] }[];
}

function directivesOf(element: Annotated, name: string): Record<string, unknown> | null {
  const nodes = [element.astNode, ...(element.extensionASTNodes ?? [])];
  for (const node of nodes) {
    for (const directive of node?.directives ?? []) {
      if (directive.name.value !== name) continue;
      const args: Record<string, unknown> = {};
      for (const arg of directive.arguments ?? []) args[arg.name.value] = valueFromASTUntyped(arg.value);
      return args;
    }
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the cost layer's annotations of a schema once: `@cost` and `@listSize` (possibly renamed), their
 * code-first equivalents in `extensions`, and optionally graphql-query-complexity's `@complexity`.
 */
export class CostTable {
  readonly schema: GraphQLSchema;
  readonly options: ResolvedCostOptions;
  private readonly fields = new Map<GraphQLObjectType, Map<string, FieldCostInfo>>();
  private readonly typeCosts = new Map<GraphQLNamedType, number>();
  private readonly argWeights = new Map<GraphQLArgument | GraphQLInputField, number>();
  private readonly costlyInputs = new Map<GraphQLNamedType, boolean>();
  private readonly possible = new Map<GraphQLNamedType, readonly GraphQLObjectType[]>();
  private readonly conditions = new Map<string, ReadonlySet<GraphQLObjectType>>();

  constructor(schema: GraphQLSchema, options: ResolvedCostOptions) {
    this.schema = schema;
    this.options = options;
    const types = Object.values(schema.getTypeMap());
    for (const type of types) {
      if (type.name.startsWith('__')) continue;
      this.typeCosts.set(type, this.readTypeCost(type));
    }
    for (const type of types) {
      if (isInputObjectType(type) && !type.name.startsWith('__')) {
        for (const field of Object.values(type.getFields())) {
          this.argWeights.set(field, this.readWeight(field, `${type.name}.${field.name}`) ?? 0);
        }
      }
    }
    for (const type of types) {
      if (isObjectType(type) && !type.name.startsWith('__')) this.fields.set(type, this.readFields(type));
      if (isObjectType(type)) this.possible.set(type, [type]);
      else if (isAbstractType(type)) this.possible.set(type, schema.getPossibleTypes(type));
      const possible = this.possible.get(type);
      if (possible) this.conditions.set(type.name, new Set(possible));
    }
  }

  /** The object types a value of a composite type can be at runtime. */
  possibleTypes(type: GraphQLNamedType): readonly GraphQLObjectType[] {
    return this.possible.get(type) ?? [];
  }

  /**
   * The object types a fragment on the named type condition applies to (graphql-js
   * `doesFragmentConditionMatch`); undefined when the name is not a composite type of the schema.
   */
  conditionTypes(name: string): ReadonlySet<GraphQLObjectType> | undefined {
    return this.conditions.get(name);
  }

  /** The fields of an object type, by name. */
  fieldsOf(type: GraphQLObjectType): ReadonlyMap<string, FieldCostInfo> | undefined {
    return this.fields.get(type);
  }

  /** Points per instance of a named type (object, scalar, enum, input object). */
  typeCost(type: GraphQLNamedType): number {
    return (
      this.typeCosts.get(type) ?? (isLeafType(type) ? this.options.leafTypeCost : this.options.objectTypeCost)
    );
  }

  /** The points the coerced argument values of a field cost: each given argument's weight and value. */
  argumentsCost(info: FieldCostInfo, values: Readonly<Record<string, unknown>>): number {
    let cost = 0;
    for (const arg of info.def.args) {
      const value = values[arg.name];
      if (value === undefined || value === null) continue;
      cost += (this.argWeights.get(arg) ?? 0) + this.valueCost(arg.type, value);
    }
    return cost;
  }

  private valueCost(type: GraphQLInputType, value: unknown): number {
    if (value === undefined || value === null) return 0;
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      if (!Array.isArray(value)) return this.valueCost(nullable.ofType, value);
      let cost = 0;
      for (const item of value) cost += this.valueCost(nullable.ofType, item);
      return cost;
    }
    if (isInputObjectType(nullable)) {
      let cost = this.typeCost(nullable);
      if (!isRecord(value)) return cost;
      for (const field of Object.values(nullable.getFields())) {
        const fieldValue = value[field.name];
        if (fieldValue === undefined || fieldValue === null) continue;
        cost += (this.argWeights.get(field) ?? 0) + this.valueCost(field.type, fieldValue);
      }
      return cost;
    }
    return this.typeCost(nullable);
  }

  private readFields(type: GraphQLObjectType): Map<string, FieldCostInfo> {
    const result = new Map<string, FieldCostInfo>();
    const interfaces = type.getInterfaces();
    for (const def of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${def.name}`;
      // An implementation without its own annotation inherits the interface's: schema authors annotate
      // the interface once, and execution resolves the implementation.
      const inherited = interfaces.map((i) => i.getFields()[def.name]).filter((f) => f !== undefined);
      let weight = this.readWeight(def, coordinate);
      let listSize = this.readListSize(def, coordinate);
      for (const parent of inherited) {
        weight ??= this.readWeight(parent, coordinate);
        listSize ??= this.readListSize(parent, coordinate);
      }
      let multipliers: string[][] | null = null;
      let instanceCost: number | null = null;
      if (this.options.complexityDirective !== null && weight === null && listSize === null) {
        const complexity = this.readComplexity(def, coordinate);
        if (complexity) ({ multipliers, instanceCost } = complexity);
      }
      let costlyArgs = false;
      for (const arg of def.args) {
        const argWeight = this.readWeight(arg, `${coordinate}(${arg.name}:)`) ?? 0;
        this.argWeights.set(arg, argWeight);
        if (argWeight !== 0 || this.mayCost(getNamedType(arg.type), new Set())) costlyArgs = true;
      }
      const named = getNamedType(def.type);
      result.set(def.name, {
        def,
        named,
        leaf: isLeafType(named),
        coordinate,
        weight: weight ?? 0,
        isList: isListType(isNonNullType(def.type) ? def.type.ofType : def.type),
        listSize,
        multipliers,
        instanceCost,
        costlyArgs,
        plainLeaf: null,
      });
    }
    return result;
  }

  /** Whether a value of this input type can cost anything; guards recursive input types. */
  private mayCost(type: GraphQLNamedType, seen: Set<GraphQLNamedType>): boolean {
    const known = this.costlyInputs.get(type);
    if (known !== undefined) return known;
    if (seen.has(type)) return false;
    seen.add(type);
    let costly = this.typeCost(type) !== 0;
    if (!costly && isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if ((this.argWeights.get(field) ?? 0) !== 0 || this.mayCost(getNamedType(field.type), seen)) {
          costly = true;
          break;
        }
      }
    }
    this.costlyInputs.set(type, costly);
    return costly;
  }

  private readTypeCost(type: GraphQLNamedType): number {
    const weight = this.readWeight(type, type.name);
    if (weight !== null) return weight;
    return isScalarType(type) || isEnumType(type) ? this.options.leafTypeCost : this.options.objectTypeCost;
  }

  private invalid(coordinate: string, message: string): CostError {
    return new CostError(
      CostErrorCode.INVALID_COST_DIRECTIVE,
      `Invalid cost annotation on ${coordinate}: ${message}`,
    );
  }

  private weightValue(raw: unknown, coordinate: string): number {
    // IBM's specification and Hot Chocolate spell the weight as a string ("2.0"); Apollo as an Int.
    const weight = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || Math.abs(weight) > 1e9) {
      throw this.invalid(coordinate, `weight must be a number, got ${JSON.stringify(raw) ?? String(raw)}`);
    }
    // Weights round up to integers so that every total, and every line of the breakdown, is exact.
    return Math.ceil(weight);
  }

  private readWeight(element: Annotated, coordinate: string): number | null {
    const ext = element.extensions?.['cost'];
    if (ext !== undefined && ext !== null) {
      return this.weightValue(isRecord(ext) ? ext['weight'] : ext, coordinate);
    }
    const directive = directivesOf(element, this.options.directiveNames.cost);
    if (directive === null) return null;
    return this.weightValue(directive['weight'], coordinate);
  }

  private readListSize(def: GraphQLField<unknown, unknown>, coordinate: string): ListSizeSpec | null {
    const ext = def.extensions['listSize'];
    let raw: Record<string, unknown> | null = null;
    if (ext !== undefined && ext !== null) {
      if (!isRecord(ext)) throw this.invalid(coordinate, 'extensions.listSize must be an object');
      raw = ext;
    } else {
      raw = directivesOf(def, this.options.directiveNames.listSize);
    }
    if (raw === null) return null;
    const { assumedSize, slicingArguments, sizedFields, requireOneSlicingArgument } = raw;
    if (assumedSize !== undefined && assumedSize !== null) {
      if (typeof assumedSize !== 'number' || !Number.isInteger(assumedSize) || assumedSize < 0) {
        throw this.invalid(
          coordinate,
          `assumedSize must be a non-negative integer, got ${JSON.stringify(assumedSize)}`,
        );
      }
    }
    const slicing = this.names(slicingArguments, coordinate, 'slicingArguments');
    for (const name of slicing) {
      if (!def.args.some((arg) => arg.name === name)) {
        throw this.invalid(coordinate, `slicing argument "${name}" is not an argument of the field`);
      }
    }
    const sized = this.names(sizedFields, coordinate, 'sizedFields');
    const returned = getNamedType(def.type);
    for (const name of sized) {
      if ((isObjectType(returned) || isInterfaceType(returned)) && !returned.getFields()[name]) {
        throw this.invalid(coordinate, `sized field "${name}" is not a field of ${returned.name}`);
      }
    }
    if (requireOneSlicingArgument !== undefined && typeof requireOneSlicingArgument !== 'boolean') {
      throw this.invalid(coordinate, 'requireOneSlicingArgument must be a boolean');
    }
    const slicingDefaults = slicing.map((name) => {
      const value = def.args.find((arg) => arg.name === name)?.defaultValue;
      return typeof value === 'number' ? value : null;
    });
    return {
      assumedSize: typeof assumedSize === 'number' ? assumedSize : null,
      slicingArguments: slicing,
      slicingDefaults,
      sizedFields: sized,
      // The directive's default is true (Apollo Federation, IBM); code-first objects get the same default.
      requireOneSlicingArgument: requireOneSlicingArgument ?? true,
    };
  }

  private names(raw: unknown, coordinate: string, what: string): readonly string[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw) || !raw.every((name) => typeof name === 'string')) {
      throw this.invalid(coordinate, `${what} must be a list of strings`);
    }
    return raw;
  }

  private readComplexity(
    def: GraphQLField<unknown, unknown>,
    coordinate: string,
  ): { multipliers: string[][]; instanceCost: number } | null {
    const ext = def.extensions['complexity'];
    if (typeof ext === 'number') return { multipliers: [], instanceCost: this.weightValue(ext, coordinate) };
    const name = this.options.complexityDirective;
    const directive = name === null ? null : directivesOf(def, name);
    if (directive === null) return null;
    const multipliers = this.names(directive['multipliers'], coordinate, 'multipliers');
    return {
      multipliers: multipliers.map((path) => path.split('.')),
      instanceCost: this.weightValue(directive['value'], coordinate),
    };
  }
}
