import type { DocumentNode, GraphQLSchema, OperationDefinitionNode, VariableDefinitionNode } from 'graphql';
import { GraphQLError, Kind } from 'graphql';
import { CostPlanCompiler } from './compileCostPlan.js';
import type { LeafPlans } from './compileCostPlan.js';
import { CostError, CostErrorCode } from './CostError.js';
import type { CostPlan } from './costPlan.js';
import { MAX_COST, pointsText, saturate } from './costPlan.js';
import { CostTable } from './CostTable.js';
import { linkedCostDirectiveNames } from './federation.js';
import type { DocumentIndex } from './document.js';
import { indexDocument } from './document.js';
import {
  CostPlanReport,
  actualTotal,
  costPlanTotal,
  evaluateSlots,
  fieldCostEntry,
} from './evaluateCostPlan.js';
import type { CostChannel } from './costModel.js';
import type { CostOptions, ResolvedCostOptions } from './options.js';
import type { PointsScale } from './points.js';
import { toPoints } from './points.js';
import { resolveCostOptions } from './options.js';
import type { CostReport, FieldCost } from './types.js';
import { VariableReader, coerceVariables } from './values.js';

/** The request an operation is priced for. */
export interface CostRequest {
  /** The operation to price; may be omitted when the document holds exactly one. */
  readonly operationName?: string | null | undefined;
  /** Raw variable values, as received (coerced here with graphql-js's own rules). */
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
}

/** A request and its response data, for {@link CostAnalyzer.actualCost}. */
export interface ActualCostRequest extends CostRequest {
  /** The response's `data`. */
  readonly data: unknown;
}

/**
 * Compiled plans kept per operation: one per combination of `@skip`/`@include` variable values seen, up to
 * this many (then further combinations are compiled per request, still correctly).
 */
const MAX_PLANS_PER_OPERATION = 8;

/** One operation of a document and its compiled cost plans, kept on the document. */
interface CompiledOperation {
  readonly definitions: ReadonlyMap<string, VariableDefinitionNode>;
  /** Replaced rather than grown, so that no spare capacity stays live with the document. */
  plans: readonly CostPlan[];
  /** The definitions of every variable some cached plan reads, coerced in one call per request. */
  hot: readonly VariableDefinitionNode[];
  /** Reports of plans that do not depend on variables, built once; created on first use. */
  reports: Map<CostPlan, CostReport> | null;
}

interface DocumentState {
  readonly index: DocumentIndex;
  readonly operations: Map<OperationDefinitionNode, CompiledOperation>;
}

/** Marks the options of an analyzer that prices a second channel, IBM's type cost or GitHub's node count. */
const CHANNEL = Symbol('graphql-quota.channel');

/**
 * The report of the `'ibm'` model: IBM's field cost and type cost, and their sum as `total`. The
 * breakdown adds each field's share of both.
 */
class IbmCostReport implements CostReport {
  readonly total: number;
  readonly points?: number;
  readonly saturated: boolean;
  readonly fieldCost: number;
  readonly typeCost: number;
  readonly operationType: CostReport['operationType'];
  readonly operationName: string | null;
  readonly depth: number;
  #fields: readonly FieldCost[] | null = null;
  readonly #field: CostReport;
  readonly #type: CostReport;

  constructor(field: CostReport, type: CostReport, scale: PointsScale | null) {
    this.fieldCost = field.total;
    this.typeCost = type.total;
    this.total = saturate(field.total + type.total);
    if (scale !== null) this.points = toPoints(this.total, scale);
    this.saturated = this.total >= MAX_COST;
    this.operationType = field.operationType;
    this.operationName = field.operationName;
    this.depth = field.depth;
    this.#field = field;
    this.#type = type;
  }

  get fields(): readonly FieldCost[] {
    if (this.#fields === null) {
      const byPath = new Map<string, FieldCost>();
      for (const entry of [...this.#field.fields, ...this.#type.fields]) {
        const known = byPath.get(entry.path);
        byPath.set(
          entry.path,
          known ? fieldCostEntry(entry.path, known.count, saturate(known.cost + entry.cost)) : entry,
        );
      }
      this.#fields = Object.freeze([...byPath.values()].sort((a, b) => b.cost - a.cost));
    }
    return this.#fields;
  }

  toJSON(): CostReport {
    const { total, points, saturated, fieldCost, typeCost, operationType, operationName, depth, fields } =
      this;
    return {
      total,
      ...(points === undefined ? {} : { points }),
      saturated,
      fieldCost,
      typeCost,
      operationType,
      operationName,
      depth,
      fields,
    };
  }
}

/**
 * The report of the `'github'` model: the connection requests as `total`, GitHub's points, and the node
 * count of GitHub's node limit as `nodes`. Everything else is the requests channel's.
 */
class GithubCostReport implements CostReport {
  readonly total: number;
  readonly points?: number;
  readonly nodes: number;
  readonly saturated: boolean;
  readonly operationType: CostReport['operationType'];
  readonly operationName: string | null;
  readonly depth: number;
  readonly #requests: CostReport;

  constructor(requests: CostReport, nodes: CostReport, scale: PointsScale | null) {
    this.total = requests.total;
    if (scale !== null) this.points = toPoints(requests.total, scale);
    this.nodes = nodes.total;
    this.saturated = requests.saturated;
    this.operationType = requests.operationType;
    this.operationName = requests.operationName;
    this.depth = requests.depth;
    this.#requests = requests;
  }

  get fields(): readonly FieldCost[] {
    return this.#requests.fields;
  }

  toJSON(): CostReport {
    const { total, points, nodes, saturated, operationType, operationName, depth, fields } = this;
    return {
      total,
      ...(points === undefined ? {} : { points }),
      nodes,
      saturated,
      operationType,
      operationName,
      depth,
      fields,
    };
  }
}

const NO_INPUTS: Readonly<Record<string, unknown>> = Object.freeze({});
const NO_PLANS: readonly CostPlan[] = Object.freeze([]);
const NO_DEFINITIONS: readonly VariableDefinitionNode[] = Object.freeze([]);

function hasOwn(values: Readonly<Record<string, unknown>>, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(values, name);
}

/**
 * Prices GraphQL operations against one schema.
 *
 * The schema's annotations are read once, in the constructor. Each document is compiled once per
 * operation (and per combination of `@skip`/`@include` variables) into a plan cached on the
 * `DocumentNode` object itself, so a repeated document with new variables only re-evaluates what depends
 * on them. Hand the same `DocumentNode` back (as Apollo Server does for a repeated query) to benefit.
 */
export class CostAnalyzer {
  readonly schema: GraphQLSchema;
  readonly options: ResolvedCostOptions;
  private readonly table: CostTable;
  /**
   * The second channel of a model that prices two figures: IBM's type cost (`'ibm'`) or GitHub's node count
   * (`'github'`), priced by a second table; null in the other models.
   */
  private readonly typeChannel: CostAnalyzer | null;
  private readonly leafPlans: LeafPlans = new Map();
  /**
   * Where a document's compiled state is kept: a non-enumerable property under this analyzer's own symbol
   * (invisible to `print`, `JSON.stringify` and deep equality). A WeakMap entry costs the garbage collector
   * more than the analysis itself when documents are short-lived (measured: ~33 µs per document, ~300 µs
   * when the entry refers back into the document), so the WeakMap is only the fallback for frozen
   * documents.
   */
  private readonly cacheKey = Symbol('graphql-quota.cost');
  private readonly frozenDocuments = new WeakMap<DocumentNode, DocumentState | CostError>();

  /**
   * @throws TypeError when an option is invalid.
   * @throws CostError `INVALID_COST_DIRECTIVE` when a schema annotation is malformed.
   */
  constructor(schema: GraphQLSchema, options: CostOptions = {}) {
    this.schema = schema;
    // A Federation schema's @link decides what the cost directives are called, unless the caller says.
    const linked = options.directiveNames === undefined ? linkedCostDirectiveNames(schema) : null;
    const resolved = resolveCostOptions(linked === null ? options : { ...options, directiveNames: linked });
    const channel = (options as { [CHANNEL]?: CostChannel })[CHANNEL] ?? null;
    // A second channel reports a raw figure: points are the first channel's analyzer's business.
    this.options = channel === null ? resolved : { ...resolved, points: null };
    const model = this.options.model;
    const ibm = model === 'ibm';
    this.table = new CostTable(schema, this.options, channel ?? (ibm ? 'field' : 'total'));
    // IBM's type cost and GitHub's node count are a second table over the same documents, priced alongside.
    const second: CostChannel | null = ibm ? 'type' : model === 'github' ? 'nodes' : null;
    this.typeChannel =
      second !== null && channel === null
        ? new CostAnalyzer(schema, { ...options, maxCost: Infinity, [CHANNEL]: second } as CostOptions)
        : null;
  }

  /**
   * Prices one operation of a document.
   *
   * @throws CostError `INVALID_OPERATION`, `INVALID_VARIABLES`, `INVALID_SLICING_ARGUMENTS` when the
   *   operation cannot be priced; `DEPTH_LIMIT_EXCEEDED` beyond `maxDepth`; `COST_LIMIT_EXCEEDED` (with the
   *   report) beyond `maxCost`.
   */
  analyze(document: DocumentNode, request: CostRequest = {}): CostReport {
    const scale = this.options.points;
    let report: CostReport;
    if (this.typeChannel === null) report = this.analyzeChannel(document, request, scale);
    else if (this.options.model === 'github') {
      report = new GithubCostReport(
        this.analyzeChannel(document, request, null),
        this.typeChannel.analyzeChannel(document, request, null),
        scale,
      );
      if (report.nodes! > this.options.maxNodes)
        throw this.costExceeded(report, 'nodes', this.options.maxNodes);
    } else {
      report = new IbmCostReport(
        this.analyzeChannel(document, request, null),
        this.typeChannel.analyzeChannel(document, request, null),
        scale,
      );
      const { maxFieldCost, maxTypeCost } = this.options;
      if (report.fieldCost! > maxFieldCost) throw this.costExceeded(report, 'fieldCost', maxFieldCost);
      if (report.typeCost! > maxTypeCost) throw this.costExceeded(report, 'typeCost', maxTypeCost);
    }
    const points = report.points ?? report.total;
    if (points > this.options.maxCost) throw this.costExceeded(report, 'cost', this.options.maxCost);
    return report;
  }

  private analyzeChannel(
    document: DocumentNode,
    request: CostRequest,
    scale: PointsScale | null,
  ): CostReport {
    const { plan, slotValues, state } = this.prepare(document, request);
    let report = plan.dynamic ? undefined : state.reports?.get(plan);
    if (!report) {
      report = new CostPlanReport(
        plan,
        costPlanTotal(plan, slotValues),
        slotValues,
        this.options.maxBreakdownFields,
        scale,
      );
      if (!plan.dynamic) (state.reports ??= new Map()).set(plan, report);
    }
    return report;
  }

  /**
   * The cost of an executed operation, from its response `data`: the same model with actual list lengths.
   * `analyze(...).total - actualCost(...)` is what to refund. It does not check `maxCost`: the operation has
   * already run.
   *
   * @throws CostError as {@link analyze} does for a document it cannot price.
   */
  actualCost(document: DocumentNode, request: ActualCostRequest): number {
    const { plan, slotValues } = this.prepare(document, request);
    let total = actualTotal(plan, slotValues, request.data);
    // IBM's total is its two costs; GitHub's second channel (nodes) is not part of its total.
    if (this.typeChannel !== null && this.options.model === 'ibm') {
      total = saturate(total + this.typeChannel.actualCost(document, request));
    }
    return this.options.points === null ? total : toPoints(total, this.options.points);
  }

  private costExceeded(
    report: CostReport,
    limit: 'cost' | 'fieldCost' | 'typeCost' | 'nodes',
    max: number,
  ): CostError {
    const fields = report.fields
      .slice(0, this.options.errorFieldCount)
      .map(({ path, cost }) => ({ path, cost }));
    const name = report.operationName === null ? 'The operation' : `Operation "${report.operationName}"`;
    const cost = report.points ?? report.total;
    if (limit === 'nodes') {
      return new CostError(
        CostErrorCode.COST_LIMIT_EXCEEDED,
        `${name} requests ${report.nodes} nodes, more than the maximum of ${max} (maxNodes).`,
        { extensions: { cost, limit, nodes: report.nodes, maxNodes: max, fields }, report },
      );
    }
    if (limit !== 'cost') {
      const value = report[limit]!;
      const label = limit === 'fieldCost' ? 'field cost' : 'type cost';
      const option = limit === 'fieldCost' ? 'maxFieldCost' : 'maxTypeCost';
      return new CostError(
        CostErrorCode.COST_LIMIT_EXCEEDED,
        `${name} has a ${label} of ${pointsText(value)}, more than the maximum of ${max} (${option}).`,
        {
          extensions: {
            cost,
            ...(report.saturated ? { saturated: true } : {}),
            limit,
            [limit]: value,
            [option]: max,
            fields,
          },
          report,
        },
      );
    }
    return new CostError(
      CostErrorCode.COST_LIMIT_EXCEEDED,
      `${name} costs ${pointsText(cost)}, more than the maximum of ${max}.`,
      {
        extensions: {
          cost,
          ...(report.saturated ? { saturated: true } : {}),
          maxCost: max,
          fields,
        },
        report,
      },
    );
  }

  private prepare(
    document: DocumentNode,
    request: CostRequest,
  ): { plan: CostPlan; slotValues: ArrayLike<number>; state: CompiledOperation } {
    if (typeof document !== 'object' || document === null || document.kind !== Kind.DOCUMENT) {
      throw new TypeError(
        'CostAnalyzer expects a parsed DocumentNode (use analyzeCost() to price a string).',
      );
    }
    try {
      const documentState = this.documentState(document);
      const operation = this.operation(documentState.index, request.operationName ?? null);
      let state = documentState.operations.get(operation);
      if (!state) {
        const definitions = new Map<string, VariableDefinitionNode>();
        for (const definition of operation.variableDefinitions ?? []) {
          definitions.set(definition.variable.name.value, definition);
        }
        state = { definitions, plans: NO_PLANS, hot: NO_DEFINITIONS, reports: null };
        documentState.operations.set(operation, state);
      }
      const inputs = request.variables ?? NO_INPUTS;
      if (state.plans.length > 0) {
        let values: Readonly<Record<string, unknown>> = NO_INPUTS;
        if (state.hot.length > 0) {
          const coerced = Object.create(null) as Record<string, unknown>;
          coerceVariables(this.schema, state.hot, inputs, coerced);
          values = coerced;
        }
        for (const plan of state.plans) {
          if (this.matches(plan, values)) {
            return { plan, slotValues: evaluateSlots(plan, this.table, values), state };
          }
        }
      }
      const reader = new VariableReader(this.schema, state.definitions, inputs);
      const plan = new CostPlanCompiler(this.table, documentState.index, this.leafPlans, reader).compile(
        operation,
      );
      if (state.plans.length < MAX_PLANS_PER_OPERATION) {
        state.plans = state.plans.length === 0 ? [plan] : [...state.plans, plan];
        if (plan.variables.length > 0) state.hot = hotDefinitions(state, plan);
      }
      return { plan, slotValues: evaluateSlots(plan, this.table, reader.values), state };
    } catch (error) {
      throw asCostError(error);
    }
  }

  private matches(plan: CostPlan, values: Readonly<Record<string, unknown>>): boolean {
    for (const condition of plan.conditions) {
      const value = hasOwn(values, condition.name) ? values[condition.name] : undefined;
      if (value !== condition.value) return false;
    }
    return true;
  }

  private documentState(document: DocumentNode): DocumentState {
    const extensible = Object.isExtensible(document);
    let state = extensible
      ? (document as unknown as Record<symbol, DocumentState | CostError | undefined>)[this.cacheKey]
      : this.frozenDocuments.get(document);
    if (!state) {
      try {
        state = { index: indexDocument(document), operations: new Map() };
      } catch (error) {
        const failure = asCostError(error);
        if (!(failure instanceof CostError)) throw failure;
        state = failure;
      }
      if (extensible) Object.defineProperty(document, this.cacheKey, { value: state });
      else this.frozenDocuments.set(document, state);
    }
    if (state instanceof CostError) throw state;
    return state;
  }

  private operation(index: DocumentIndex, name: string | null): OperationDefinitionNode {
    const operations = index.operations;
    if (name === null) {
      if (operations.length === 1) return operations[0]!;
      throw new CostError(
        CostErrorCode.INVALID_OPERATION,
        operations.length === 0
          ? 'The document contains no operation.'
          : 'The document contains several operations: operationName is required.',
      );
    }
    for (const operation of operations) if (operation.name?.value === name) return operation;
    throw new CostError(CostErrorCode.INVALID_OPERATION, `Unknown operation named "${name}".`);
  }
}

/** The definitions of the variables the cached plans read, once `plan` joins them, in first-read order. */
function hotDefinitions(state: CompiledOperation, plan: CostPlan): readonly VariableDefinitionNode[] {
  const hot = [...state.hot];
  const seen = new Set(hot);
  for (const name of plan.variables) {
    const definition = state.definitions.get(name);
    if (definition !== undefined && !seen.has(definition)) {
      seen.add(definition);
      hot.push(definition);
    }
  }
  return hot.length === state.hot.length ? state.hot : hot.slice();
}

/** Everything thrown while pricing becomes a CostError: never a crash for a hostile document. */
function asCostError(error: unknown): CostError | Error {
  if (error instanceof CostError) return error;
  if (error instanceof GraphQLError) {
    return new CostError(CostErrorCode.INVALID_OPERATION, error.message, { originalError: error });
  }
  if (error instanceof RangeError) {
    return new CostError(
      CostErrorCode.INVALID_OPERATION,
      'The operation or its variables are nested too deeply to price.',
      {
        originalError: error,
      },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
