/**
 * Values and coercion, the one place the cost layer turns request input into values (graphql-js
 * `src/execution/values.ts`): variables (`getVariableValues`), arguments (`getArgumentValues`) and the
 * `@skip`/`@include` arguments (`getDirectiveValues`), each with graphql-js's own rules and errors turned
 * into cost errors. The fast paths here give the same values as graphql-js for the plain cases they accept
 * and hand everything else to graphql-js itself, so that error messages stay its own.
 */
import type {
  ArgumentNode,
  FieldNode,
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLScalarType,
  GraphQLSchema,
  SelectionNode,
  ValueNode,
  VariableDefinitionNode,
} from 'graphql';
import {
  GraphQLBoolean,
  GraphQLError,
  GraphQLFloat,
  GraphQLID,
  GraphQLIncludeDirective,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLSkipDirective,
  GraphQLString,
  getArgumentValues,
  getDirectiveValues,
  getVariableValues,
  valueFromAST,
} from 'graphql';
import {
  BooleanType,
  FloatType,
  IDType,
  IntType,
  ListType,
  NonNullType,
  StringType,
  kinds,
} from './graphqlBindings.js';
import { CostError, CostErrorCode } from './CostError.js';

const NO_VARIABLES: readonly string[] = Object.freeze([]);
/** GraphQL's Int is a signed 32-bit integer. */
const MAX_INT = 2147483647;
const MIN_INT = -2147483648;
const NOTHING: Readonly<Record<string, unknown>> = Object.freeze(
  Object.create(null) as Record<string, unknown>,
);

// Type checks below use `instanceof GraphQLNonNull` rather than graphql-js's `isNonNullType`: unless
// `NODE_ENV` is `production`, every negative answer of graphql-js's predicates reads the value's
// `Symbol.toStringTag` and constructor name to detect a second copy of graphql, and that was the largest
// single cost of a cold analysis of GitHub's documented operations, whose connections leave most of their
// arguments out. The schema's types went through graphql-js's own predicates when the cost table was built.

//#region Variables

function invalidVariables(error: GraphQLError): CostError {
  return new CostError(CostErrorCode.INVALID_VARIABLES, error.message, { originalError: error });
}

/**
 * `getVariableValues` for the given definitions, into `values`: the one function that coerces variables.
 * Plain values of the built-in scalars take a fast path; the rest go to graphql-js in one call.
 *
 * @throws CostError `INVALID_VARIABLES` with graphql-js's first error.
 */
export function coerceVariables(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
  inputs: Readonly<Record<string, unknown>>,
  values: Record<string, unknown>,
): void {
  let rest: VariableDefinitionNode[] | null = null;
  for (const definition of definitions) {
    if (!readScalarVariable(schema, definition, inputs, values)) (rest ??= []).push(definition);
  }
  if (rest === null) return;
  const result = getVariableValues(schema, rest, inputs);
  if (result.errors) throw invalidVariables(result.errors[0]!);
  for (const definition of rest) {
    const name = definition.variable.name.value;
    const value = result.coerced[name];
    if (value !== undefined) values[name] = value;
  }
}

/** Coerces variables one at a time, only those the cost reads; `read` remembers, in order, every name asked. */
export class VariableReader {
  readonly values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  /** Every variable name read so far, in first-read order. */
  readonly names = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly definitions: ReadonlyMap<string, VariableDefinitionNode>,
    private readonly inputs: Readonly<Record<string, unknown>>,
  ) {}

  read(names: readonly string[]): void {
    let definitions: VariableDefinitionNode[] | null = null;
    for (const name of names) {
      if (this.names.has(name)) continue;
      this.names.add(name);
      const definition = this.definitions.get(name);
      // An undeclared variable is "not provided": execution would reject the document in validation.
      if (definition) (definitions ??= []).push(definition);
    }
    if (definitions !== null) coerceVariables(this.schema, definitions, this.inputs, this.values);
  }
}

/** A built-in scalar whose plain variable values are read directly, and graphql-js's `parseValue` for them. */
interface PlainScalar {
  readonly type: GraphQLScalarType;
  readonly nonNull: GraphQLNonNull<GraphQLScalarType>;
  /** The coerced value of a plainly valid input; undefined for anything graphql-js might refuse. */
  readonly parse: (value: unknown) => unknown;
}

const plain = (type: GraphQLScalarType, parse: (value: unknown) => unknown): [string, PlainScalar] => [
  type.name,
  { type, nonNull: new GraphQLNonNull(type), parse },
];

const PLAIN_SCALARS: ReadonlyMap<string, PlainScalar> = new Map([
  plain(GraphQLInt, (v) =>
    typeof v === 'number' && Number.isInteger(v) && v <= MAX_INT && v >= MIN_INT ? v : undefined,
  ),
  plain(GraphQLFloat, (v) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)),
  plain(GraphQLString, (v) => (typeof v === 'string' ? v : undefined)),
  plain(GraphQLBoolean, (v) => (typeof v === 'boolean' ? v : undefined)),
  plain(GraphQLID, (v) =>
    typeof v === 'string' ? v : typeof v === 'number' && Number.isInteger(v) ? String(v) : undefined,
  ),
]);

/**
 * `getVariableValues` for one variable of a built-in scalar type (`Int`, `Float`, `String`, `Boolean`,
 * `ID`, nullable or not) whose value is plainly valid (null where allowed, absent with or without a
 * default): the same coerced value without building the whole coercion machinery per request. Returns
 * false, having read nothing, for anything else, which then goes to `getVariableValues` (and so gets its
 * errors).
 */
function readScalarVariable(
  schema: GraphQLSchema,
  definition: VariableDefinitionNode,
  inputs: Readonly<Record<string, unknown>>,
  values: Record<string, unknown>,
): boolean {
  const typeNode = definition.type;
  const nonNull = typeNode.kind === kinds.NON_NULL_TYPE;
  const named = nonNull ? typeNode.type : typeNode;
  if (named.kind !== kinds.NAMED_TYPE) return false;
  const scalar = PLAIN_SCALARS.get(named.name.value);
  if (scalar === undefined || schema.getType(scalar.type.name) !== scalar.type) return false;
  const name = definition.variable.name.value;
  if (!Object.prototype.hasOwnProperty.call(inputs, name)) {
    if (definition.defaultValue !== undefined) {
      const value: unknown = valueFromAST(definition.defaultValue, nonNull ? scalar.nonNull : scalar.type);
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
  const coerced = scalar.parse(value);
  if (coerced === undefined) return false;
  values[name] = coerced;
  return true;
}

/** Appends the names of the variables used in a value to `out`. */
function variablesInValue(value: ValueNode, out: string[]): void {
  if (value.kind === kinds.VARIABLE) out.push(value.name.value);
  else if (value.kind === kinds.LIST) for (const item of value.values) variablesInValue(item, out);
  else if (value.kind === kinds.OBJECT) for (const field of value.fields) variablesInValue(field.value, out);
}

/** The names of the variables the arguments use, in document order (repeats kept). */
export function variablesIn(args: readonly ArgumentNode[] | undefined): readonly string[] {
  if (args === undefined || args.length === 0) return NO_VARIABLES;
  let out: string[] | null = null;
  for (const arg of args) {
    const kind = arg.value.kind;
    if (kind === kinds.VARIABLE || kind === kinds.LIST || kind === kinds.OBJECT)
      variablesInValue(arg.value, (out ??= []));
  }
  return out === null || out.length === 0 ? NO_VARIABLES : out;
}

//#endregion

//#region Arguments

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
 * `valueFromAST` of a literal given to one of graphql-js's own scalars, or to a list of them (`first: 10`,
 * `usernames: ["a", "b"]`, the commonest arguments there are): the same value, as each scalar's
 * `parseLiteral` gives it, without `valueFromAST`'s type checks. Undefined for anything else (null, a
 * variable, an enum, an input object, an Int beyond 32 bits, a custom scalar), which `valueFromAST` then
 * coerces or refuses itself.
 */
function plainLiteral(value: ValueNode, type: GraphQLInputType): unknown {
  const nullable = type instanceof NonNullType ? type.ofType : type;
  if (nullable instanceof ListType) {
    const itemType = nullable.ofType;
    if (value.kind !== kinds.LIST) {
      const item = plainLiteral(value, itemType);
      return item === undefined ? undefined : [item];
    }
    const items = value.values;
    const out: unknown[] = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = plainLiteral(items[i]!, itemType);
      if (item === undefined) return undefined;
      out[i] = item;
    }
    return out;
  }
  switch (value.kind) {
    case kinds.INT:
      if (nullable === IntType) {
        const int = parseInt(value.value, 10);
        return int <= MAX_INT && int >= MIN_INT ? int : undefined;
      }
      if (nullable === FloatType) return parseFloat(value.value);
      return nullable === IDType ? value.value : undefined;
    case kinds.FLOAT:
      return nullable === FloatType ? parseFloat(value.value) : undefined;
    case kinds.STRING:
      return nullable === StringType || nullable === IDType ? value.value : undefined;
    case kinds.BOOLEAN:
      return nullable === BooleanType ? value.value : undefined;
    default:
      return undefined;
  }
}

/**
 * {@link argumentValues} (graphql-js `getArgumentValues`) without the name index it builds on every call,
 * for literal arguments (`first: 10`, `kind: IMAGE`, none at all) and variables already coerced in
 * `variables`: each argument is coerced as there (literals by `valueFromAST`), into the same null-prototype
 * record. Whatever does not coerce (a literal graphql-js refuses, a variable missing or null for a non-null
 * argument) is handed to `getArgumentValues` itself, so that errors stay graphql-js's own.
 */
export function plainArgumentValues(
  def: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Readonly<Record<string, unknown>> = NOTHING,
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
      else if (arg.type instanceof NonNullType) return argumentValues(def, node, variables);
      continue;
    }
    const valueNode = argNode.value;
    if (valueNode.kind === kinds.VARIABLE) {
      const name = valueNode.name.value;
      if (!Object.prototype.hasOwnProperty.call(variables, name)) {
        // Not provided: the argument's default, as graphql-js gives it.
        if (arg.defaultValue !== undefined) values[arg.name] = arg.defaultValue;
        else if (arg.type instanceof NonNullType) return argumentValues(def, node, variables);
        continue;
      }
      const value = variables[name];
      if (value === undefined || (value === null && arg.type instanceof NonNullType)) {
        return argumentValues(def, node, variables);
      }
      values[arg.name] = value;
      continue;
    }
    const value: unknown = plainLiteral(valueNode, arg.type) ?? valueFromAST(valueNode, arg.type, variables);
    if (value === undefined) return argumentValues(def, node, variables);
    values[arg.name] = value;
  }
  return values;
}

/** An argument given as a bare `$variable`. */
export interface VariableArgument {
  readonly arg: GraphQLArgument;
  readonly variable: string;
}

/**
 * `getArgumentValues` for arguments that are literals or bare variables, without re-coercing: the
 * literals are already coerced in `scratch` (which this overwrites and returns), the variables in
 * `values`, and the rules below are graphql-js's own for a variable argument.
 */
export function variableArgumentValues(
  direct: readonly VariableArgument[],
  scratch: Record<string, unknown>,
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  for (let i = 0; i < direct.length; i++) {
    const { arg, variable } = direct[i]!;
    const value = Object.prototype.hasOwnProperty.call(values, variable) ? values[variable] : undefined;
    if (value === undefined) {
      if (arg.defaultValue === undefined && arg.type instanceof NonNullType) {
        throw new CostError(
          CostErrorCode.INVALID_VARIABLES,
          `Argument "${arg.name}" of required type "${String(arg.type)}" was provided the variable "$${variable}" which was not provided a runtime value.`,
        );
      }
      scratch[arg.name] = arg.defaultValue;
    } else if (value === null && arg.type instanceof NonNullType) {
      throw new CostError(
        CostErrorCode.INVALID_VARIABLES,
        `Argument "${arg.name}" of non-null type "${String(arg.type)}" must not be null.`,
      );
    } else {
      scratch[arg.name] = value;
    }
  }
  return scratch;
}

//#endregion

//#region Directives

/**
 * graphql-js `shouldIncludeNode`: false when `@skip(if: true)` or `@include(if: false)` applies, with
 * the variables already coerced in `values`.
 *
 * @throws CostError `INVALID_VARIABLES` (or `INVALID_OPERATION` for a bad literal) when an `if` does not
 *   coerce.
 */
export function shouldInclude(node: SelectionNode, values: Readonly<Record<string, unknown>>): boolean {
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, values)?.['if'] === true) return false;
    if (getDirectiveValues(GraphQLIncludeDirective, node, values)?.['if'] === false) return false;
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    const usesVariables = (node.directives ?? []).some((d) => variablesIn(d.arguments).length > 0);
    throw new CostError(
      usesVariables ? CostErrorCode.INVALID_VARIABLES : CostErrorCode.INVALID_OPERATION,
      error.message,
      { originalError: error },
    );
  }
  return true;
}

//#endregion
