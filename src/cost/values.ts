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
  GraphQLSchema,
  SelectionNode,
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

const NO_VARIABLES: readonly string[] = Object.freeze([]);
const NON_NULL_INT = new GraphQLNonNull(GraphQLInt);
/** GraphQL's Int is a signed 32-bit integer. */
const MAX_INT = 2147483647;
const MIN_INT = -2147483648;
const NOTHING: Readonly<Record<string, unknown>> = Object.freeze(
  Object.create(null) as Record<string, unknown>,
);

//#region Variables

function invalidVariables(error: GraphQLError): CostError {
  return new CostError(CostErrorCode.INVALID_VARIABLES, error.message, { originalError: error });
}

/**
 * `getVariableValues` for the given definitions, into `values`: the one function that coerces variables.
 * Plain `Int` variables take a fast path; the rest go to graphql-js in one call.
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
    if (!readIntVariable(schema, definition, inputs, values)) (rest ??= []).push(definition);
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

/** Appends the names of the variables used in a value to `out`. */
function variablesInValue(value: ValueNode, out: string[]): void {
  if (value.kind === Kind.VARIABLE) out.push(value.name.value);
  else if (value.kind === Kind.LIST) for (const item of value.values) variablesInValue(item, out);
  else if (value.kind === Kind.OBJECT) for (const field of value.fields) variablesInValue(field.value, out);
}

/** The names of the variables the arguments use, in document order (repeats kept). */
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
 * {@link argumentValues} for arguments that use no variable (`first: 10`, `kind: IMAGE`, none at all),
 * without the name index `getArgumentValues` builds on every call: each argument is coerced by
 * `valueFromAST`, as there, into the same null-prototype record. Whatever does not coerce is handed to
 * `getArgumentValues` itself, so that errors stay graphql-js's own.
 */
export function constantArgumentValues(
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
      if (arg.defaultValue === undefined && isNonNullType(arg.type)) {
        throw new CostError(
          CostErrorCode.INVALID_VARIABLES,
          `Argument "${arg.name}" of required type "${String(arg.type)}" was provided the variable "$${variable}" which was not provided a runtime value.`,
        );
      }
      scratch[arg.name] = arg.defaultValue;
    } else if (value === null && isNonNullType(arg.type)) {
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
