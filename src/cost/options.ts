/**
 * Options of the cost analyzer, their defaults, and their eager validation.
 */
import type { PointsScale } from './points.js';
import { checkPointsScale } from './points.js';

//#region Defaults

/** Points per instance of an object, interface or union type, and per input object given as an argument. */
export const DEFAULT_OBJECT_TYPE_COST = 1;
/** Points per instance of a scalar or enum type. */
export const DEFAULT_LEAF_TYPE_COST = 0;
/** Base points of every mutation operation. */
export const DEFAULT_MUTATION_COST = 10;
/** Base points of every query operation. */
export const DEFAULT_QUERY_COST = 0;
/** Base points of every subscription operation. */
export const DEFAULT_SUBSCRIPTION_COST = 0;
/** Items assumed for a list field that has no `@listSize` and no slicing argument. */
export const DEFAULT_LIST_SIZE = 10;
/** The largest list size ever used; larger (or infinite) sizes are clamped to it. */
export const DEFAULT_MAX_LIST_SIZE = 10_000;
/** Points per introspection field (`__schema`, `__type`) at the root of a query. */
export const DEFAULT_INTROSPECTION_COST = 1;
/** Points per level of the operation's depth. */
export const DEFAULT_DEPTH_COST = 0;
/** The deepest field nesting accepted (a top-level field is depth 1). */
export const DEFAULT_MAX_DEPTH = 64;
/** The most points an operation may cost; `Infinity` disables the check. */
export const DEFAULT_MAX_COST = Number.POSITIVE_INFINITY;
/** How many of the costliest fields a `COST_LIMIT_EXCEEDED` error lists. */
export const DEFAULT_ERROR_FIELD_COUNT = 5;
/** The most entries a report's per-field breakdown lists before summarising the rest in one entry. */
export const DEFAULT_MAX_BREAKDOWN_FIELDS = 1_000;
/** The directive names read by default (Apollo Federation and the IBM cost specification). */
export const DEFAULT_DIRECTIVE_NAMES: Readonly<CostDirectiveNames> = Object.freeze({
  cost: 'cost',
  listSize: 'listSize',
});
/** The directive read when `complexityDirective` is `true` (graphql-query-complexity's default). */
export const DEFAULT_COMPLEXITY_DIRECTIVE_NAME = 'complexity';
/**
 * The hard ceiling of `maxDepth`: the analyzer recurses once per level of nesting, and this bound keeps
 * that recursion well below Node's default stack limit. Measured: a cold (unoptimised) Node 20 process
 * overflows at about 900 levels, so 500 leaves room for the frames of the server that calls the analyzer.
 */
export const MAX_SUPPORTED_DEPTH = 500;
/**
 * The `'github'` model's points scale: GitHub divides the connection requests of a query by 100, rounds to
 * the nearest whole number and charges at least 1 ("Rate limits and node limits for the GraphQL API").
 */
export const GITHUB_POINTS: Readonly<PointsScale> = Object.freeze({
  divisor: 100,
  rounding: 'round',
  minimum: 1,
});
/** The `'github'` model's node limit: "Individual calls cannot request more than 500,000 total nodes". */
export const GITHUB_MAX_NODES = 500_000;
/** The `'github'` model's largest page: "Values of first and last must be within 1-100". */
export const GITHUB_MAX_PAGE_SIZE = 100;

//#endregion

/**
 * The cost models graphql-quota reproduces, each the model of the tool a team migrates from:
 * - `'apollo'`: Apollo Federation demand control (Apollo Router, Hive Gateway, Cosmo): `@cost` weights on
 *   fields, types and arguments, composite types 1 point per instance, lists sized by `@listSize`.
 * - `'ibm'`: the IBM GraphQL Cost Directives specification (https://ibm.github.io/graphql-specs/cost-spec.html),
 *   as Hot Chocolate implements it: a field cost and a type cost, reported and limited separately.
 * - `'graphql-query-complexity'`: graphql-query-complexity's `directiveEstimator` and
 *   `simpleEstimator({ defaultComplexity: 1 })`: every field 1 point plus its children, `@complexity(value,
 *   multipliers)` where given.
 * - `'github'`: GitHub's published GraphQL rate-limit formula ("Rate limits and node limits for the GraphQL
 *   API"): the connection requests of a query (each connection counts once per instance of its parent, the
 *   product of the `first`/`last` of the connections above it), in points of 100 requests, rounded, at
 *   least 1 ({@link GITHUB_POINTS}); `report.nodes` counts GitHub's node limit, checked by `maxNodes`
 *   (500,000).
 * See docs/cost-models.md for every rule and every remaining difference.
 */
export type CostModelName = 'apollo' | 'ibm' | 'graphql-query-complexity' | 'github';

/** The cost models, in the order of {@link CostModelName}. */
export const COST_MODELS: readonly CostModelName[] = Object.freeze([
  'apollo',
  'ibm',
  'graphql-query-complexity',
  'github',
]);

/** The default cost model. */
export const DEFAULT_COST_MODEL: CostModelName = 'apollo';

/** Names of the two cost directives, for schemas that import them under other names. */
export interface CostDirectiveNames {
  /** The `@cost(weight:)` directive. Default `'cost'`. */
  readonly cost: string;
  /** The `@listSize(...)` directive. Default `'listSize'`. */
  readonly listSize: string;
}

/** Options of {@link CostAnalyzer} and {@link analyzeCost}. */
export interface CostOptions {
  //#region Model
  /**
   * The cost model: `'apollo'` (default, {@link DEFAULT_COST_MODEL}), `'ibm'` or
   * `'graphql-query-complexity'` (see {@link CostModelName}). A model sets the defaults of the options below
   * (an option given explicitly still wins) and the rules no option expresses: how negative weights offset
   * children, what an explicit `null` argument costs, whether lists multiply, which directives are read.
   */
  readonly model?: CostModelName;
  //#endregion

  //#region Type costs
  /**
   * Points per instance of a composite output type (object, interface, union) and, in the `'apollo'` model,
   * per input object given as an argument, unless the type carries its own `@cost`. An integer. Default 1
   * ({@link DEFAULT_OBJECT_TYPE_COST}) in every model: Apollo's demand control, IBM's default composite
   * weight, and `simpleEstimator`'s 1 point per field in `'graphql-query-complexity'`.
   */
  readonly objectTypeCost?: number;
  /**
   * Points per instance of a scalar or enum, unless the type carries its own `@cost`. An integer.
   * Default 0 ({@link DEFAULT_LEAF_TYPE_COST}); 1 in `'graphql-query-complexity'` (every field costs 1).
   */
  readonly leafTypeCost?: number;
  //#endregion

  //#region Operation base costs
  /**
   * Base points added to every mutation. A non-negative integer. Default 10 ({@link DEFAULT_MUTATION_COST})
   * in `'apollo'`; 0 in `'ibm'` and `'graphql-query-complexity'`, which define no mutation surcharge.
   */
  readonly mutationCost?: number;
  /** Base points added to every query. A non-negative integer. Default 0 ({@link DEFAULT_QUERY_COST}). */
  readonly queryCost?: number;
  /**
   * Base points added to every subscription (charged once, when it starts). A non-negative integer.
   * Default 0 ({@link DEFAULT_SUBSCRIPTION_COST}).
   */
  readonly subscriptionCost?: number;
  /**
   * Points per introspection root field (`__schema`, `__type`); their selections are not walked, so
   * introspection costs exactly this whatever its shape. `__typename` always costs 0. A non-negative
   * integer. Default 1 ({@link DEFAULT_INTROSPECTION_COST}).
   */
  readonly introspectionCost?: number;
  //#endregion

  //#region Lists
  /**
   * Items assumed for a list field without `@listSize` (or with `@listSize` but neither a slicing argument
   * given nor an `assumedSize`). A non-negative integer. Default 10 ({@link DEFAULT_LIST_SIZE}).
   */
  readonly defaultListSize?: number;
  /**
   * The largest list size used: a slicing argument such as `first: 1e15` (or any size above this) is
   * clamped to it, not rejected, so that a client asking for "everything" pays the most a list can cost.
   * Negative sizes count as 0 and fractional ones are rounded up. Totals saturate at
   * `Number.MAX_SAFE_INTEGER`, so they stay safe integers. A positive integer. Default 10,000
   * ({@link DEFAULT_MAX_LIST_SIZE}).
   */
  readonly maxListSize?: number;
  /**
   * Opt-in sizing of unannotated schemas by convention (issue 15). Off by default. An explicit
   * `@listSize` (or `extensions.listSize`, or `@complexity`) always wins; `auditSchema` lists each field
   * sized by convention (`SIZED_BY_CONVENTION`). See {@link CostConventions}.
   */
  readonly conventions?: CostConventions;
  //#endregion

  //#region Depth
  /**
   * Points per level of the operation's depth, added to its base cost: `depthCost × depth`, where a
   * top-level field is depth 1 and each nested selection adds 1 (fragments add no level). A non-negative
   * integer. Default 0 ({@link DEFAULT_DEPTH_COST}).
   */
  readonly depthCost?: number;
  /**
   * The deepest field nesting accepted; deeper operations are rejected with `DEPTH_LIMIT_EXCEEDED` as soon
   * as the analyzer reaches that depth. A positive integer up to 500 ({@link MAX_SUPPORTED_DEPTH}).
   * Default 64 ({@link DEFAULT_MAX_DEPTH}).
   */
  readonly maxDepth?: number;
  //#endregion

  //#region Limits and reports
  /**
   * The most points an operation may cost; a costlier one is rejected with `COST_LIMIT_EXCEEDED` (before
   * any quota is touched). A non-negative number or `Infinity` (no limit). Default `Infinity`
   * ({@link DEFAULT_MAX_COST}).
   */
  readonly maxCost?: number;
  /**
   * `'github'` model only: the most nodes (`report.nodes`, GitHub's node limit: the product of the
   * `first`/`last` of each connection and of the connections above it, summed) an operation may request; more
   * is `COST_LIMIT_EXCEEDED` with `extensions.limit: 'nodes'`. A non-negative number or `Infinity`. Default
   * 500,000 ({@link GITHUB_MAX_NODES}), GitHub's own limit.
   */
  readonly maxNodes?: number;
  /**
   * How a total becomes the points that `report.points`, `maxCost`, the quotas and the headers use:
   * `max(minimum, rounding(total / divisor))` (see {@link PointsScale}, `toPoints`). Default: none (points
   * are the total, and `report.points` is absent); {@link GITHUB_POINTS} in the `'github'` model.
   */
  readonly points?: PointsScale;
  /**
   * `'ibm'` model only: the most field cost (IBM "Field Cost") an operation may have, as Hot Chocolate's
   * `MaxFieldCost`; a costlier one is rejected with `COST_LIMIT_EXCEEDED` and `extensions.limit:
   * 'fieldCost'`. A non-negative number or `Infinity`. Default `Infinity`.
   */
  readonly maxFieldCost?: number;
  /**
   * `'ibm'` model only: the most type cost (IBM "Type Cost") an operation may have, as Hot Chocolate's
   * `MaxTypeCost`; `extensions.limit: 'typeCost'` when exceeded. A non-negative number or `Infinity`.
   * Default `Infinity`.
   */
  readonly maxTypeCost?: number;
  /**
   * How many of the costliest fields a `COST_LIMIT_EXCEEDED` error lists in `extensions.fields`. A
   * non-negative integer. Default 5 ({@link DEFAULT_ERROR_FIELD_COUNT}).
   */
  readonly errorFieldCount?: number;
  /**
   * The most entries of a report's `fields` breakdown; beyond it (only hostile or generated operations get
   * there) one last entry with path `'…'` carries the remaining points, so the breakdown still adds up. A
   * positive integer. Default 1,000 ({@link DEFAULT_MAX_BREAKDOWN_FIELDS}).
   */
  readonly maxBreakdownFields?: number;
  //#endregion

  //#region Schema annotations
  /**
   * Names of the `@cost` and `@listSize` directives, for schemas that import them renamed (for example
   * `@link(url: "https://specs.apollo.dev/cost/v0.1", import: [{ name: "@cost", as: "@weight" }])`).
   * Default `{ cost: 'cost', listSize: 'listSize' }` ({@link DEFAULT_DIRECTIVE_NAMES}).
   */
  readonly directiveNames?: Partial<CostDirectiveNames>;
  /**
   * Also read graphql-query-complexity's `@complexity(value: Int!, multipliers: [String!])` directive and
   * its code-first `extensions.complexity` number, for schemas migrating from it. `true` reads
   * `@complexity`; a string reads a directive of that name. On a field, `value` is the points per instance
   * (replacing the type cost) and the list size is the product of the `multipliers` arguments (dotted paths
   * reach into input objects; a list argument counts its length; 1 when none is given). Fields that carry
   * `@cost` or `@listSize` ignore it. Default `false`; `'complexity'` in the `'graphql-query-complexity'`
   * model. When it names the cost directive too (`'cost'`), a `@cost` with a `value` argument is read as
   * `@complexity` and one with `weight` as `@cost`, so both kinds of schema load.
   */
  readonly complexityDirective?: boolean | string;
  /**
   * Whether an argument the operation does not write, filled in from its schema default, costs its weight and
   * its value (IBM's "argument" cost, Apollo's argument `@cost` and input object type cost). True (default):
   * it does, since the server receives the default and does the work (`labels(first: 10)` on GitHub pays
   * for its defaulted `orderBy: LabelOrder`). False: only the arguments the operation writes (as a literal
   * or a variable) cost anything, as the client sees its own query. Either way, a default still sizes a list
   * (a defaulted slicing argument counts as given). Input fields filled in by their defaults inside an
   * argument the operation writes always count.
   */
  readonly chargeDefaultedArguments?: boolean;
  //#endregion
}

/** Every option resolved to its value. */
/**
 * Conventions that size the lists of an unannotated schema (the GraphQL Cursor Connections
 * specification, https://relay.dev/graphql/connections.htm, and common plain-list arguments).
 */
export interface CostConventions {
  /**
   * A field returning a type named `…Connection` with an `edges` and/or `nodes` field, and a `first`
   * and/or `last` argument, is a sized list: `@listSize(slicingArguments: <those of first/last it has>,
   * sizedFields: <those of edges/nodes it has>, requireOneSlicingArgument: false)`. Default false.
   */
  readonly connections?: boolean;
  /**
   * The size of a convention-sized list when the client gives none of its arguments (and the schema no
   * default): GitLab returns 100 items when `first` is absent. A non-negative integer; default
   * `defaultListSize`.
   */
  readonly defaultPageSize?: number;
  /**
   * Edge types (`…Edge` with a `node` field, no annotation of their own) cost 0 per instance, so that
   * `edges { node }` is charged for the nodes only, not twice. Default false.
   */
  readonly freeEdges?: boolean;
  /**
   * Names of numeric arguments that size a plain list field (`limit`, `take`, `pageSize`): such a field
   * is sized by whichever of them it has. Default none.
   */
  readonly listArguments?: readonly string[];
}

/** {@link CostConventions} with defaults applied; null when no convention is on. */
export interface ResolvedConventions {
  readonly connections: boolean;
  readonly defaultPageSize: number | null;
  readonly freeEdges: boolean;
  readonly listArguments: readonly string[];
}

function resolveConventions(value: CostConventions | undefined): ResolvedConventions | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null) {
    throw new TypeError('CostOptions.conventions must be an object');
  }
  const pageSize = value.defaultPageSize;
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 0)) {
    throw new TypeError(
      `CostOptions.conventions.defaultPageSize must be a non-negative integer, got ${String(pageSize)}`,
    );
  }
  const listArguments = value.listArguments ?? [];
  if (!Array.isArray(listArguments) || !listArguments.every((name) => typeof name === 'string')) {
    throw new TypeError('CostOptions.conventions.listArguments must be a list of argument names');
  }
  return {
    connections: value.connections === true,
    defaultPageSize: pageSize ?? null,
    freeEdges: value.freeEdges === true,
    listArguments,
  };
}

export interface ResolvedCostOptions {
  readonly model: CostModelName;
  readonly objectTypeCost: number;
  readonly leafTypeCost: number;
  readonly mutationCost: number;
  readonly queryCost: number;
  readonly subscriptionCost: number;
  readonly introspectionCost: number;
  readonly defaultListSize: number;
  readonly maxListSize: number;
  readonly depthCost: number;
  readonly maxDepth: number;
  readonly maxCost: number;
  readonly maxFieldCost: number;
  readonly maxTypeCost: number;
  readonly errorFieldCount: number;
  readonly maxBreakdownFields: number;
  readonly directiveNames: CostDirectiveNames;
  readonly complexityDirective: string | null;
  readonly conventions: ResolvedConventions | null;
  readonly maxNodes: number;
  readonly points: PointsScale | null;
  readonly chargeDefaultedArguments: boolean;
}

function integer(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`CostOptions.${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function directiveName(name: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[_A-Za-z][_0-9A-Za-z]*$/.test(value)) {
    throw new TypeError(`CostOptions.${name} must be a GraphQL name, got ${String(value)}`);
  }
  return value;
}

const MAX_WEIGHT = 1_000_000_000;

function limit(name: string, value: number | undefined): number {
  const resolved = value ?? DEFAULT_MAX_COST;
  if (typeof resolved !== 'number' || Number.isNaN(resolved) || resolved < 0) {
    throw new TypeError(
      `CostOptions.${name} must be a non-negative number or Infinity, got ${String(resolved)}`,
    );
  }
  return resolved;
}

/** Resolves options to their values, throwing a `TypeError` that names the first invalid option. */
export function resolveCostOptions(options: CostOptions = {}): ResolvedCostOptions {
  const model = options.model ?? DEFAULT_COST_MODEL;
  if (!COST_MODELS.includes(model)) {
    throw new TypeError(`CostOptions.model must be one of ${COST_MODELS.join(', ')}, got ${String(model)}`);
  }
  const gqc = model === 'graphql-query-complexity';
  const github = model === 'github';
  const points = options.points ?? (github ? GITHUB_POINTS : null);
  if (points !== null) checkPointsScale(points, 'CostOptions.points');
  const charge = options.chargeDefaultedArguments ?? true;
  if (typeof charge !== 'boolean')
    throw new TypeError('CostOptions.chargeDefaultedArguments must be a boolean');
  const maxCost = limit('maxCost', options.maxCost);
  const complexity = options.complexityDirective ?? gqc;
  let complexityDirective: string | null = null;
  if (complexity === true) complexityDirective = DEFAULT_COMPLEXITY_DIRECTIVE_NAME;
  else if (typeof complexity === 'string')
    complexityDirective = directiveName('complexityDirective', complexity, '');
  else if (complexity !== false) {
    throw new TypeError(`CostOptions.complexityDirective must be a boolean or a directive name`);
  }
  const names = options.directiveNames ?? {};
  return {
    model,
    objectTypeCost: integer(
      'objectTypeCost',
      options.objectTypeCost,
      github ? 0 : DEFAULT_OBJECT_TYPE_COST,
      -MAX_WEIGHT,
      MAX_WEIGHT,
    ),
    leafTypeCost: integer(
      'leafTypeCost',
      options.leafTypeCost,
      gqc ? 1 : DEFAULT_LEAF_TYPE_COST,
      -MAX_WEIGHT,
      MAX_WEIGHT,
    ),
    mutationCost: integer(
      'mutationCost',
      options.mutationCost,
      model === 'apollo' ? DEFAULT_MUTATION_COST : 0,
      0,
      MAX_WEIGHT,
    ),
    queryCost: integer('queryCost', options.queryCost, DEFAULT_QUERY_COST, 0, MAX_WEIGHT),
    subscriptionCost: integer(
      'subscriptionCost',
      options.subscriptionCost,
      DEFAULT_SUBSCRIPTION_COST,
      0,
      MAX_WEIGHT,
    ),
    introspectionCost: integer(
      'introspectionCost',
      options.introspectionCost,
      DEFAULT_INTROSPECTION_COST,
      0,
      MAX_WEIGHT,
    ),
    defaultListSize: integer('defaultListSize', options.defaultListSize, DEFAULT_LIST_SIZE, 0, MAX_WEIGHT),
    maxListSize: integer(
      'maxListSize',
      options.maxListSize,
      github ? GITHUB_MAX_PAGE_SIZE : DEFAULT_MAX_LIST_SIZE,
      1,
      MAX_WEIGHT,
    ),
    depthCost: integer('depthCost', options.depthCost, DEFAULT_DEPTH_COST, 0, MAX_WEIGHT),
    maxDepth: integer('maxDepth', options.maxDepth, DEFAULT_MAX_DEPTH, 1, MAX_SUPPORTED_DEPTH),
    maxCost,
    maxFieldCost: limit('maxFieldCost', options.maxFieldCost),
    maxTypeCost: limit('maxTypeCost', options.maxTypeCost),
    errorFieldCount: integer('errorFieldCount', options.errorFieldCount, DEFAULT_ERROR_FIELD_COUNT, 0, 1_000),
    maxBreakdownFields: integer(
      'maxBreakdownFields',
      options.maxBreakdownFields,
      DEFAULT_MAX_BREAKDOWN_FIELDS,
      1,
      1_000_000,
    ),
    directiveNames: {
      cost: directiveName('directiveNames.cost', names.cost, DEFAULT_DIRECTIVE_NAMES.cost),
      listSize: directiveName('directiveNames.listSize', names.listSize, DEFAULT_DIRECTIVE_NAMES.listSize),
    },
    complexityDirective,
    conventions: resolveConventions(options.conventions ?? (github ? { connections: true } : undefined)),
    maxNodes: github ? limit('maxNodes', options.maxNodes ?? GITHUB_MAX_NODES) : Infinity,
    points,
    chargeDefaultedArguments: charge,
  };
}
