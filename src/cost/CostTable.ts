import type {
  ASTNode,
  ConstDirectiveNode,
  FieldNode,
  GraphQLArgument,
  GraphQLField,
  GraphQLInputField,
  GraphQLInputObjectType,
  GraphQLInputType,
  GraphQLInterfaceType,
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
import { InputObjectType, ListType, NonNullType } from './graphqlBindings.js';
import { CostError, CostErrorCode } from './CostError.js';
import type { CostChannel, CostModel } from './costModel.js';
import { costModel } from './costModel.js';
import type { CostPlanField } from './costPlan.js';
import type { ResolvedCostOptions } from './options.js';

/** The largest weight `@cost` takes, either sign: a billion points for one field is beyond any real price. */
const MAX_WEIGHT = 1_000_000_000;

/** A value as an error message quotes it: JSON, but a number as written (JSON has no Infinity, only null). */
const shown = (value: unknown): string =>
  typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));

/** One slicing argument of a `@listSize`: an argument, or a dotted path into an input object argument. */
export interface SlicingArgument {
  /** As written in the directive: `first`, `filter.max`. */
  readonly name: string;
  /** The argument name, then input field names. */
  readonly path: readonly string[];
  /**
   * `sizeAt[k]`: the size the schema's defaults give when the path is missing from segment `k` on (that
   * argument or input field omitted, or, in the Apollo model, null): the default of segment `k`, else
   * the defaults of the input fields below it. Null when no default reaches the end of the path.
   */
  readonly sizeAt: readonly (number | null)[];
}

/** A field's `@listSize`, resolved. */
export interface ListSizeSpec {
  readonly assumedSize: number | null;
  readonly slicingArguments: readonly SlicingArgument[];
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

/**
 * The error of one invalid annotation, located: graphql-js computes `locations` (and the CLI
 * `file:line:column`) from the directive's node, or the element's when the annotation is not a directive
 * (`extensions`). `extensions` adds `coordinate`, `directive` (null for `extensions`) and `reason`.
 */
function locatedAnnotationError(error: CostError, element: Annotated, names: readonly string[]): CostError {
  const match = /^Invalid cost annotation on (.+?): (.*)$/s.exec(error.message);
  const coordinate = match?.[1] ?? element.name;
  const reason = match?.[2] ?? error.message;
  const directives = [element.astNode, ...(element.extensionASTNodes ?? [])].flatMap(
    (node) => node?.directives ?? [],
  );
  const candidates = directives.filter((d) => names.includes(d.name.value));
  const named = candidates.find((d) => reason.includes(`@${d.name.value}`)) ?? candidates[0];
  const node = named ?? element.astNode ?? null;
  return new CostError(CostErrorCode.INVALID_COST_DIRECTIVE, error.message, {
    extensions: { coordinate, directive: named ? `@${named.name.value}` : null, reason },
    ...(node ? { nodes: [node as ASTNode] } : {}),
  });
}

/** One error for several invalid annotations: each on its own line; `errors` lists them, located. */
function invalidAnnotations(problems: readonly CostError[]): CostError {
  return new CostError(
    CostErrorCode.INVALID_COST_DIRECTIVE,
    `${problems.length} invalid cost annotations:\n${problems.map((p) => `  ${p.message}`).join('\n')}`,
    {
      extensions: { annotations: problems.map((p) => ({ ...p.extensions, locations: p.locations ?? [] })) },
      errors: problems,
    },
  );
}

/** A Cursor Connections connection type: an object type named `…Connection` with `edges` and/or `nodes`. */
export function isConnectionType(type: GraphQLNamedType): type is GraphQLObjectType {
  if (!isObjectType(type) || !type.name.endsWith('Connection')) return false;
  const fields = type.getFields();
  return fields['edges'] !== undefined || fields['nodes'] !== undefined;
}

/** A Cursor Connections edge type: an object type named `…Edge` with a `node` field. */
function isEdgeType(type: GraphQLNamedType): boolean {
  return isObjectType(type) && type.name.endsWith('Edge') && type.getFields()['node'] !== undefined;
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

/** A list size from a coerced value: a number, or a list's length; null for anything else. */
export function sizeValue(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.length;
  return null;
}

/** GraphQL list input coercion for directive arguments read untyped: one value is a one-item list. */
function asList(raw: unknown): unknown {
  return raw === undefined || raw === null || Array.isArray(raw) ? raw : [raw];
}

/** The value the schema's defaults give to `rest` below an argument or input field left out. */
function defaultBelow(owner: GraphQLArgument | GraphQLInputField, rest: readonly string[]): unknown {
  let value: unknown = owner.defaultValue;
  if (value !== undefined) {
    for (const key of rest) value = isRecord(value) ? value[key] : undefined;
    return value;
  }
  if (rest.length === 0) return undefined;
  const type = getNullableType(owner.type);
  if (!isInputObjectType(type)) return undefined;
  const field = type.getFields()[rest[0]!];
  return field === undefined ? undefined : defaultBelow(field, rest.slice(1));
}

/**
 * Reads the cost layer's annotations of a schema once: `@cost` and `@listSize` (possibly renamed), their
 * code-first equivalents in `extensions`, and optionally graphql-query-complexity's `@complexity`.
 */
export class CostTable {
  readonly schema: GraphQLSchema;
  readonly options: ResolvedCostOptions;
  readonly model: CostModel;
  /** Weights of the arguments of directives (IBM), by directive name; empty when the model has none. */
  private readonly directiveArgs = new Map<string, ReadonlyMap<string, number>>();
  private readonly fields = new Map<GraphQLObjectType, Map<string, FieldCostInfo>>();
  private readonly typeCosts = new Map<GraphQLNamedType, number>();
  private readonly argWeights = new Map<GraphQLArgument | GraphQLInputField, number>();
  private readonly costlyInputs = new Map<GraphQLNamedType, boolean>();
  /** Each input object type's fields, listed once (`valueCost` walks them for every input object value). */
  private readonly inputFields = new Map<GraphQLInputObjectType, readonly GraphQLInputField[]>();
  private readonly possible = new Map<GraphQLNamedType, readonly GraphQLObjectType[]>();
  private readonly conditions = new Map<string, ReadonlySet<GraphQLObjectType>>();
  /** Coordinates of the fields sized by `conventions` (no annotation of their own), in schema order. */
  readonly conventionFields: string[] = [];
  /** Names of the edge types `conventions.freeEdges` made free (no `@cost` of their own), in schema order. */
  readonly conventionTypes: string[] = [];
  /** Every invalid annotation found while reading the schema; thrown together at the end. */
  private readonly problems: CostError[] = [];

  constructor(schema: GraphQLSchema, options: ResolvedCostOptions, channel: CostChannel = 'total') {
    this.schema = schema;
    this.options = options;
    this.model = costModel(options, channel);
    this.checkDirectiveNames();
    const types = Object.values(schema.getTypeMap());
    for (const type of types) {
      if (type.name.startsWith('__')) continue;
      this.attempt(type, () => this.typeCosts.set(type, this.readTypeCost(type)));
    }
    for (const type of types) {
      if (isInputObjectType(type) && !type.name.startsWith('__')) {
        const fields = Object.values(type.getFields());
        this.inputFields.set(type, fields);
        for (const field of fields) {
          this.attempt(field, () =>
            this.argWeights.set(field, this.inputWeight(field, `${type.name}.${field.name}`)),
          );
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
    if (this.model.directiveArgumentWeights) {
      for (const directive of schema.getDirectives()) {
        const weights = new Map<string, number>();
        for (const arg of directive.args) {
          this.attempt(arg, () => {
            const weight = this.inputWeight(arg, `@${directive.name}(${arg.name}:)`);
            if (weight !== 0) weights.set(arg.name, weight);
          });
        }
        if (weights.size > 0) this.directiveArgs.set(directive.name, weights);
      }
    }
    if (this.problems.length === 1) throw this.problems[0]!;
    if (this.problems.length > 1) throw invalidAnnotations(this.problems);
  }

  /**
   * Reads one schema element's annotations; an invalid one is recorded, located at its directive (or the
   * element), and reading goes on, so that one pass reports every invalid annotation.
   */
  private attempt(element: Annotated, read: () => void): void {
    try {
      read();
    } catch (error) {
      if (!(error instanceof CostError) || error.code !== CostErrorCode.INVALID_COST_DIRECTIVE) throw error;
      this.problems.push(locatedAnnotationError(error, element, this.directiveNamesOf()));
    }
  }

  /** The names of the cost directives this table reads, `@` excluded. */
  private directiveNamesOf(): readonly string[] {
    const { directiveNames, complexityDirective } = this.options;
    return [
      directiveNames.cost,
      directiveNames.listSize,
      ...(complexityDirective ? [complexityDirective] : []),
    ];
  }

  /**
   * The points the directives on a field node cost (IBM: the weights of their arguments, for every
   * argument given; a variable counts as given). 0 unless the model weighs directive arguments.
   */
  directivesCost(node: FieldNode): number {
    const directives = node.directives;
    if (directives === undefined || directives.length === 0 || this.directiveArgs.size === 0) return 0;
    let cost = 0;
    for (const directive of directives) {
      const weights = this.directiveArgs.get(directive.name.value);
      if (weights === undefined) continue;
      for (const arg of directive.arguments ?? []) cost += weights.get(arg.name.value) ?? 0;
    }
    return cost;
  }

  /**
   * Refuses a `complexityDirective` that shares a name with `@listSize`: the two cannot be told apart. One
   * that shares the name of `@cost` is fine: a `value` argument marks graphql-query-complexity's form.
   */
  private checkDirectiveNames(): void {
    const { complexityDirective, directiveNames } = this.options;
    if (complexityDirective !== null && complexityDirective === directiveNames.listSize) {
      throw new CostError(
        CostErrorCode.INVALID_COST_DIRECTIVE,
        `CostOptions.complexityDirective "@${complexityDirective}" is also the @listSize directive (directiveNames.listSize): rename one of them.`,
      );
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

  /** Points per instance of a named type (object, scalar, enum, input object); 0 where the model has none. */
  typeCost(type: GraphQLNamedType): number {
    if (!this.model.typeWeights) return 0;
    return (
      this.typeCosts.get(type) ?? (isLeafType(type) ? this.options.leafTypeCost : this.options.objectTypeCost)
    );
  }

  /**
   * The points the coerced argument values of a field cost: each given argument's weight and value. An
   * explicit null is absent (Apollo: 0 points) or present (IBM: its weight, nothing below it). An argument
   * `node` does not write, filled in from its default, counts unless `chargeDefaultedArguments` is false.
   */
  argumentsCost(info: FieldCostInfo, values: Readonly<Record<string, unknown>>, node: FieldNode): number {
    let cost = 0;
    const nullIsPresent = this.model.nullIsPresent;
    const defaults = this.options.chargeDefaultedArguments;
    for (const arg of info.def.args) {
      const value = values[arg.name];
      if (value === undefined || (value === null && !nullIsPresent)) continue;
      // `chargeDefaultedArguments: false`: an argument the operation does not write costs nothing.
      if (!defaults && !node.arguments?.some((written) => written.name.value === arg.name)) continue;
      cost += (this.argWeights.get(arg) ?? 0) + this.valueCost(arg.type, value);
    }
    return cost;
  }

  private valueCost(type: GraphQLInputType, value: unknown): number {
    if (value === undefined || value === null) return 0;
    // `instanceof` rather than graphql-js's predicates, whose negative answers are slow outside production
    // (see values.ts), read once (see graphqlBindings.ts): this runs for every argument value of every costly
    // field of a new document.
    const nullable = type instanceof NonNullType ? type.ofType : type;
    if (nullable instanceof ListType) {
      if (!Array.isArray(value)) return this.valueCost(nullable.ofType, value);
      let cost = 0;
      for (const item of value) cost += this.valueCost(nullable.ofType, item);
      return cost;
    }
    const inputTypeCosts = this.model.inputTypeCosts;
    if (nullable instanceof InputObjectType) {
      let cost = inputTypeCosts ? this.typeCost(nullable) : 0;
      if (!isRecord(value)) return cost;
      const nullIsPresent = this.model.nullIsPresent;
      for (const field of this.inputFields.get(nullable) ?? Object.values(nullable.getFields())) {
        const fieldValue = value[field.name];
        if (fieldValue === undefined || (fieldValue === null && !nullIsPresent)) continue;
        cost += (this.argWeights.get(field) ?? 0) + this.valueCost(field.type, fieldValue);
      }
      return cost;
    }
    return inputTypeCosts ? this.typeCost(nullable) : 0;
  }

  /** The weight of an argument or input field: its `@cost`, else the model's default for its type. */
  private inputWeight(element: GraphQLArgument | GraphQLInputField, coordinate: string): number {
    const weight = this.readWeight(element, coordinate);
    if (!this.model.argumentWeights) return 0;
    if (weight !== null) return weight;
    return isInputObjectType(getNamedType(element.type)) ? this.model.compositeInputWeight : 0;
  }

  private readFields(type: GraphQLObjectType): Map<string, FieldCostInfo> {
    const result = new Map<string, FieldCostInfo>();
    const interfaces = type.getInterfaces();
    for (const def of Object.values(type.getFields())) {
      this.attempt(def, () => result.set(def.name, this.readField(type, def, interfaces)));
    }
    return result;
  }

  private readField(
    type: GraphQLObjectType,
    def: GraphQLField<unknown, unknown>,
    interfaces: readonly GraphQLInterfaceType[],
  ): FieldCostInfo {
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
    if (listSize === null && this.options.conventions !== null && !this.hasComplexity(def)) {
      listSize = this.conventionListSize(def);
      if (listSize !== null) this.conventionFields.push(coordinate);
    }
    let multipliers: string[][] | null = null;
    let instanceCost: number | null = null;
    if (this.options.complexityDirective !== null && weight === null && listSize === null) {
      const complexity = this.readComplexity(def, coordinate);
      if (complexity) ({ multipliers, instanceCost } = complexity);
    }
    let costlyArgs = false;
    for (const arg of def.args) {
      const argWeight = this.inputWeight(arg, `${coordinate}(${arg.name}:)`);
      this.argWeights.set(arg, argWeight);
      if (argWeight !== 0 || this.mayCost(getNamedType(arg.type), new Set())) costlyArgs = true;
    }
    const named = getNamedType(def.type);
    const leaf = isLeafType(named);
    const model = this.model;
    return {
      def,
      named,
      leaf,
      coordinate,
      weight: !model.fieldWeights ? 0 : (weight ?? (leaf ? 0 : model.compositeFieldWeight)),
      isList: isListType(isNonNullType(def.type) ? def.type.ofType : def.type),
      listSize,
      multipliers,
      instanceCost,
      costlyArgs,
      plainLeaf: null,
    };
  }

  /** Whether a value of this input type can cost anything; guards recursive input types. */
  private mayCost(type: GraphQLNamedType, seen: Set<GraphQLNamedType>): boolean {
    const known = this.costlyInputs.get(type);
    if (known !== undefined) return known;
    if (seen.has(type)) return false;
    seen.add(type);
    let costly = this.model.inputTypeCosts && this.typeCost(type) !== 0;
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
    if (this.options.conventions?.freeEdges && isEdgeType(type)) {
      this.conventionTypes.push(type.name);
      return 0;
    }
    if (this.model.connectionTypeCost !== null && isConnectionType(type))
      return this.model.connectionTypeCost;
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
    if (typeof weight !== 'number' || !Number.isFinite(weight) || Math.abs(weight) > MAX_WEIGHT) {
      throw this.invalid(
        coordinate,
        `weight must be a number from -${MAX_WEIGHT} to ${MAX_WEIGHT}, got ${shown(raw)}`,
      );
    }
    // Weights round up to integers so that every total, and every line of the breakdown, is exact.
    return Math.ceil(weight);
  }

  private readWeight(element: Annotated, coordinate: string): number | null {
    const ext = element.extensions?.['cost'];
    if (ext !== undefined && ext !== null) {
      return this.weightValue(isRecord(ext) ? ext['weight'] : ext, coordinate);
    }
    const name = this.options.directiveNames.cost;
    const directive = directivesOf(element, name);
    if (directive === null) return null;
    if (!('weight' in directive)) {
      // graphql-query-complexity's form under the same name: read by readComplexity, or refused clearly.
      if (name === this.options.complexityDirective && 'value' in directive) return null;
      // In graphql-query-complexity's model a @cost of another shape is just another directive.
      if (this.options.model === 'graphql-query-complexity') return null;
      const given = Object.keys(directive);
      throw this.invalid(
        coordinate,
        `@${name} has no weight argument${given.length > 0 ? ` (it has ${given.join(', ')})` : ''}` +
          ('value' in directive
            ? `; this looks like graphql-query-complexity's directive: set complexityDirective: '${name}' or model: 'graphql-query-complexity'`
            : ''),
      );
    }
    return this.weightValue(directive['weight'], coordinate);
  }

  /** Whether the field carries the `complexityDirective` (which, like `@listSize`, beats conventions). */
  private hasComplexity(def: GraphQLField<unknown, unknown>): boolean {
    const name = this.options.complexityDirective;
    return name !== null && directivesOf(def, name) !== null;
  }

  /**
   * The `@listSize` the conventions give a field without one: a Cursor Connection sized by whichever of
   * `first`/`last` it has, or a plain list sized by whichever `listArguments` it has; null otherwise.
   */
  private conventionListSize(def: GraphQLField<unknown, unknown>): ListSizeSpec | null {
    const conventions = this.options.conventions!;
    const named = getNamedType(def.type);
    const has = (name: string): boolean => def.args.some((arg) => arg.name === name);
    let slicing: string[] = [];
    let sizedFields: string[] = [];
    if (conventions.connections && isConnectionType(named)) {
      const fields = named.getFields();
      sizedFields = ['edges', 'nodes'].filter((name) => fields[name] !== undefined);
      slicing = sizedFields.length === 0 ? [] : ['first', 'last'].filter(has);
    }
    if (slicing.length === 0 && isListType(getNullableType(def.type))) {
      slicing = conventions.listArguments.filter(has);
      sizedFields = [];
    }
    // An argument of the right name but not a number (`first: String`) does not size anything.
    const usable = slicing.flatMap((name) => {
      try {
        return [this.slicingArgument(def, name, def.name, 'conventions')];
      } catch {
        return [];
      }
    });
    if (usable.length === 0) return null;
    return {
      assumedSize: conventions.defaultPageSize,
      slicingArguments: usable,
      sizedFields,
      requireOneSlicingArgument: false,
    };
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
    const where = `@${this.options.directiveNames.listSize}`;
    if (assumedSize !== undefined && assumedSize !== null) {
      if (typeof assumedSize !== 'number' || !Number.isInteger(assumedSize) || assumedSize < 0) {
        throw this.invalid(
          coordinate,
          `${where}(assumedSize:) must be a non-negative integer, got ${shown(assumedSize)}`,
        );
      }
    }
    const slicing = this.names(asList(slicingArguments), coordinate, `${where}(slicingArguments:)`).map(
      (name) => this.slicingArgument(def, name, coordinate, where),
    );
    const sized = this.names(asList(sizedFields), coordinate, `${where}(sizedFields:)`);
    const returned = getNamedType(def.type);
    for (const name of sized) {
      if ((isObjectType(returned) || isInterfaceType(returned)) && !returned.getFields()[name]) {
        throw this.invalid(
          coordinate,
          `${where}(sizedFields:) names "${name}", which is not a field of ${returned.name}`,
        );
      }
    }
    if (
      requireOneSlicingArgument !== undefined &&
      requireOneSlicingArgument !== null &&
      typeof requireOneSlicingArgument !== 'boolean'
    ) {
      throw this.invalid(coordinate, `${where}(requireOneSlicingArgument:) must be a boolean`);
    }
    return {
      assumedSize: typeof assumedSize === 'number' ? assumedSize : null,
      slicingArguments: slicing,
      sizedFields: sized,
      // The directive's default is true (Apollo Federation, IBM); code-first objects get the same default.
      requireOneSlicingArgument: requireOneSlicingArgument ?? true,
    };
  }

  /**
   * Resolves one slicing argument, accepting exactly what evaluation can size a list with: an argument,
   * or a dotted path through input object fields (never through a list), that ends at an `Int`, a
   * `Float`, a custom scalar (its value counts when it is a number) or a list (which counts its length).
   */
  private slicingArgument(
    def: GraphQLField<unknown, unknown>,
    name: string,
    coordinate: string,
    where: string,
  ): SlicingArgument {
    const path = name.split('.');
    const refuse = (reason: string): CostError =>
      this.invalid(coordinate, `${where}(slicingArguments:) names "${name}", ${reason}`);
    const arg = def.args.find((candidate) => candidate.name === path[0]);
    if (!arg) throw refuse(`but "${path[0]}" is not an argument of the field`);
    const owners: (GraphQLArgument | GraphQLInputField)[] = [arg];
    let type: GraphQLInputType = arg.type;
    for (let k = 1; k < path.length; k++) {
      const nullable = getNullableType(type);
      if (isListType(nullable))
        throw refuse(`whose "${path.slice(0, k).join('.')}" is a list: a path cannot pass through a list`);
      if (!isInputObjectType(nullable)) {
        throw refuse(`but "${path.slice(0, k).join('.')}" is not an input object`);
      }
      const field = nullable.getFields()[path[k]!];
      if (!field) throw refuse(`but "${path[k]}" is not a field of ${nullable.name}`);
      owners.push(field);
      type = field.type;
    }
    const end = getNullableType(type);
    const usable = isListType(end) || (isScalarType(end) && !['String', 'ID', 'Boolean'].includes(end.name));
    if (!usable) {
      throw refuse(
        `of type ${String(type)}: a slicing argument must be an Int, a Float, a numeric custom scalar or a list`,
      );
    }
    const sizeAt = owners.map((owner, k) => sizeValue(defaultBelow(owner, path.slice(k + 1))));
    return { name, path, sizeAt };
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
    // Under the name of @cost, Apollo's form (weight:) is @cost's, not graphql-query-complexity's.
    if (name === this.options.directiveNames.cost && !('value' in directive)) return null;
    if (!('value' in directive)) throw this.invalid(coordinate, `@${name} has no value argument`);
    const multipliers = this.names(asList(directive['multipliers']), coordinate, `@${name}(multipliers:)`);
    return {
      multipliers: multipliers.map((path) => path.split('.')),
      instanceCost: this.weightValue(directive['value'], coordinate),
    };
  }
}
