/**
 * The schema audit: what a schema author should know about a schema's cost annotations before clients
 * find out. No peer offers it; its checks follow the IBM Cost Directives specification's validation rules
 * (https://ibm.github.io/graphql-specs/cost-spec.html#sec-Validation) and the gaps this library's users
 * hit (unbounded lists, lists priced at 0, mutations priced like queries).
 */
import type { GraphQLField, GraphQLNamedType, GraphQLObjectType, GraphQLSchema } from 'graphql';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  OperationTypeNode,
  parse,
} from 'graphql';
import { CostAnalyzer } from './CostAnalyzer.js';
import { CostError } from './CostError.js';
import { CostTable } from './CostTable.js';
import type { FieldCostInfo } from './CostTable.js';
import type { CostOptions } from './options.js';
import { DEFAULT_COMPLEXITY_DIRECTIVE_NAME, resolveCostOptions } from './options.js';

/** Stable codes of {@link AuditFinding}s. */
export const AuditCode = {
  /** An annotation the analyzer refuses (`INVALID_COST_DIRECTIVE`): the server would not start. */
  INVALID_ANNOTATION: 'INVALID_ANNOTATION',
  /**
   * A list field nothing bounds: no slicing argument, no `assumedSize`, not a parent's `sizedFields`, no
   * `@complexity(multipliers:)`. The analyzer assumes `defaultListSize`; IBM's specification says to
   * assume it infinite.
   */
  UNBOUNDED_LIST: 'UNBOUNDED_LIST',
  /** A slicing argument with no default (nor an input-field default below it): omitting it falls back. */
  SLICING_ARGUMENT_WITHOUT_DEFAULT: 'SLICING_ARGUMENT_WITHOUT_DEFAULT',
  /** A list of scalars or enums whose items weigh 0: any length is free. */
  LIST_PRICED_ZERO: 'LIST_PRICED_ZERO',
  /** A mutation field without its own `@cost` and no `mutationCost`: priced like a read. */
  MUTATION_WITHOUT_SURCHARGE: 'MUTATION_WITHOUT_SURCHARGE',
  /** Annotations that contradict each other or that the model ignores. */
  CONFLICTING_ANNOTATIONS: 'CONFLICTING_ANNOTATIONS',
  /** A list field sized by `conventions` (Cursor Connections, `listArguments`), not by an annotation. */
  SIZED_BY_CONVENTION: 'SIZED_BY_CONVENTION',
} as const;

export type AuditCode = (typeof AuditCode)[keyof typeof AuditCode];

/** How much a finding matters: `error` breaks pricing, `warning` misprices, `info` is worth knowing. */
export type AuditSeverity = 'error' | 'warning' | 'info';

/** One thing the audit found. */
export interface AuditFinding {
  readonly code: AuditCode;
  readonly severity: AuditSeverity;
  /** The schema coordinate: `Type.field`, `Type.field(arg:)`. */
  readonly coordinate: string;
  readonly message: string;
  /**
   * Where in the SDL (`INVALID_ANNOTATION`): the source's name (the file, when the schema was parsed from
   * a named `Source`), 1-based line and column of the directive; absent when the schema has no AST.
   */
  readonly location?: { readonly source: string; readonly line: number; readonly column: number };
}

/** The costliest operation the audit could build within a depth. */
export interface CostliestOperation {
  readonly operationType: 'query' | 'mutation' | 'subscription';
  /** Field nesting of the operation. */
  readonly depth: number;
  /** Its cost in points under the audited model and options. */
  readonly cost: number;
  /** The costliest fields, as the analyzer's breakdown lists them (at most 5). */
  readonly fields: readonly { readonly path: string; readonly cost: number }[];
  /** The operation's text: every field to that depth, optional arguments left to their defaults. */
  readonly document: string;
}

/** The result of {@link auditSchema}. */
export interface SchemaAudit {
  /** Errors first, then warnings, then infos; by coordinate within each. */
  readonly findings: readonly AuditFinding[];
  /** List fields of object types, and how many of them something bounds. */
  readonly lists: { readonly total: number; readonly bounded: number; readonly percentBounded: number };
  /** Per root operation type the schema has; empty when the annotations are invalid. */
  readonly costliest: readonly CostliestOperation[];
}

/** Options of {@link auditSchema}: the analyzer's, plus the depth of the costliest operation. */
export interface AuditOptions extends CostOptions {
  /** Field nesting of the costliest-operation search; a positive integer up to 10. Default 3. */
  readonly depth?: number;
}

/** Default depth of the costliest-operation search. */
export const DEFAULT_AUDIT_DEPTH = 3;

const SEVERITY_ORDER: Readonly<Record<AuditSeverity, number>> = { error: 0, warning: 1, info: 2 };

function isListField(field: GraphQLField<unknown, unknown>): boolean {
  return isListType(getNullableType(field.type));
}

/**
 * Audits a schema's cost annotations under a model and options (those of the analyzer that will price it).
 *
 * @throws TypeError when an option is invalid (annotations the analyzer refuses are findings, not throws).
 */
export function auditSchema(schema: GraphQLSchema, options: AuditOptions = {}): SchemaAudit {
  const { depth = DEFAULT_AUDIT_DEPTH, ...costOptions } = options;
  if (!Number.isInteger(depth) || depth < 1 || depth > 10) {
    throw new TypeError(`AuditOptions.depth must be an integer from 1 to 10, got ${String(depth)}`);
  }
  const findings: AuditFinding[] = [];
  const add = (code: AuditCode, severity: AuditSeverity, coordinate: string, message: string): void =>
    void findings.push({ code, severity, coordinate, message });
  let analyzer: CostAnalyzer;
  try {
    analyzer = new CostAnalyzer(schema, costOptions);
  } catch (error) {
    if (!(error instanceof CostError)) throw error;
    // Every invalid annotation at once, each located.
    for (const problem of error.errors.length > 0 ? error.errors : [error]) {
      const coordinate = problem.extensions.coordinate ?? '(schema)';
      const at = problem.locations?.[0];
      findings.push({
        code: AuditCode.INVALID_ANNOTATION,
        severity: 'error',
        coordinate,
        message: problem.message,
        ...(at ? { location: { source: problem.source?.name ?? 'GraphQL request', ...at } } : {}),
      });
    }
    findings.sort((a, b) => a.coordinate.localeCompare(b.coordinate));
    return { findings, lists: { total: 0, bounded: 0, percentBounded: 0 }, costliest: [] };
  }
  const resolved = resolveCostOptions({ ...costOptions, directiveNames: analyzer.options.directiveNames });
  const table = new CostTable(schema, resolved);
  const types = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__'));

  // Fields some parent's @listSize(sizedFields:) sizes, by return type and name.
  const sized = new Set<string>();
  for (const type of types) {
    if (!isObjectType(type)) continue;
    for (const info of table.fieldsOf(type)?.values() ?? []) {
      for (const name of info.listSize?.sizedFields ?? []) {
        for (const object of table.possibleTypes(info.named)) sized.add(`${object.name}.${name}`);
      }
    }
  }

  const byConvention = new Set(table.conventionFields);
  let total = 0;
  let bounded = 0;
  const mutationType = schema.getMutationType();
  for (const type of types) {
    if (isInterfaceType(type)) auditInterface(type, resolved.directiveNames.cost, add);
    if (!isObjectType(type)) continue;
    for (const info of table.fieldsOf(type)?.values() ?? []) {
      const coordinate = info.coordinate;
      const list = isListField(info.def);
      const listSize = info.listSize;
      if (list) {
        total++;
        const isBounded =
          (listSize !== null && (listSize.slicingArguments.length > 0 || listSize.assumedSize !== null)) ||
          sized.has(coordinate) ||
          (info.multipliers !== null && info.multipliers.length > 0);
        if (isBounded) bounded++;
        else {
          add(
            AuditCode.UNBOUNDED_LIST,
            'warning',
            coordinate,
            `${coordinate} returns a list that nothing bounds: it is priced at defaultListSize (${resolved.defaultListSize}) items; add @listSize(slicingArguments:) or @listSize(assumedSize:).`,
          );
        }
        if (isLeafType(info.named) && table.typeCost(info.named) === 0 && info.instanceCost === null) {
          add(
            AuditCode.LIST_PRICED_ZERO,
            'warning',
            coordinate,
            `${coordinate} returns a list of ${info.named.name}, which weighs 0: any length costs ${info.weight} point(s); put @cost on the field or on ${info.named.name} if its length matters.`,
          );
        }
      }
      if (listSize !== null && byConvention.has(coordinate)) {
        const args = listSize.slicingArguments.map((a) => a.name).join(', ');
        const fields =
          listSize.sizedFields.length > 0 ? `, sizedFields: ${listSize.sizedFields.join(', ')}` : '';
        const assumed = listSize.assumedSize ?? resolved.defaultListSize;
        add(
          AuditCode.SIZED_BY_CONVENTION,
          'info',
          coordinate,
          `${coordinate} is sized by convention: slicingArguments: ${args}${fields}; ${assumed} items when none is given.`,
        );
      } else if (listSize !== null) auditListSize(info, list, add);
      const complexity = resolved.complexityDirective ?? DEFAULT_COMPLEXITY_DIRECTIVE_NAME;
      if (info.def.astNode?.directives?.some((d) => d.name.value === complexity)) {
        if (listSize !== null || info.weight !== 0) {
          add(
            AuditCode.CONFLICTING_ANNOTATIONS,
            'warning',
            coordinate,
            `${coordinate} has both @${resolved.directiveNames.cost}/@${resolved.directiveNames.listSize} and @${complexity}: @${complexity} is ignored.`,
          );
        } else if (resolved.complexityDirective === null) {
          add(
            AuditCode.CONFLICTING_ANNOTATIONS,
            'warning',
            coordinate,
            `${coordinate} has @${complexity}, which this model ignores: set complexityDirective or model: 'graphql-query-complexity', or annotate it with @${resolved.directiveNames.cost}/@${resolved.directiveNames.listSize}.`,
          );
        }
      }
      if (type === mutationType && info.weight === 0 && resolved.mutationCost === 0) {
        add(
          AuditCode.MUTATION_WITHOUT_SURCHARGE,
          'warning',
          coordinate,
          `${coordinate} is a mutation without its own @${resolved.directiveNames.cost} and mutationCost is 0: it costs what a read of its result costs.`,
        );
      }
    }
  }

  findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.coordinate.localeCompare(b.coordinate) ||
      a.code.localeCompare(b.code),
  );
  return {
    findings,
    lists: { total, bounded, percentBounded: total === 0 ? 100 : Math.round((bounded / total) * 1000) / 10 },
    costliest: costliestOperations(schema, analyzer, table, depth),
  };
}

type Add = (code: AuditCode, severity: AuditSeverity, coordinate: string, message: string) => void;

function auditListSize(info: FieldCostInfo, list: boolean, add: Add): void {
  const listSize = info.listSize!;
  const coordinate = info.coordinate;
  if (!list && listSize.sizedFields.length === 0) {
    add(
      AuditCode.CONFLICTING_ANNOTATIONS,
      'warning',
      coordinate,
      `${coordinate} has @listSize but returns no list and names no sizedFields: the annotation sizes nothing.`,
    );
  }
  const withDefault = listSize.slicingArguments.filter((s) => s.sizeAt.some((size) => size !== null));
  for (const slicing of listSize.slicingArguments) {
    if (withDefault.includes(slicing)) continue;
    const fallback =
      listSize.requireOneSlicingArgument && listSize.slicingArguments.length > 0
        ? 'an operation that omits it is refused (requireOneSlicingArgument)'
        : `an operation that omits it is priced at ${listSize.assumedSize === null ? 'defaultListSize' : `assumedSize ${listSize.assumedSize}`}`;
    add(
      AuditCode.SLICING_ARGUMENT_WITHOUT_DEFAULT,
      'info',
      `${coordinate}(${slicing.path[0]}:)`,
      `Slicing argument "${slicing.name}" of ${coordinate} has no default: ${fallback}.`,
    );
  }
  if (listSize.assumedSize !== null && withDefault.length > 0 && listSize.requireOneSlicingArgument) {
    add(
      AuditCode.CONFLICTING_ANNOTATIONS,
      'info',
      coordinate,
      `${coordinate} has assumedSize and slicing arguments with defaults: assumedSize is never used (IBM cost spec 9.2.4).`,
    );
  }
}

function auditInterface(type: GraphQLNamedType, cost: string, add: Add): void {
  if (!isInterfaceType(type)) return;
  for (const field of Object.values(type.getFields())) {
    if (field.astNode?.directives?.some((d) => d.name.value === cost)) {
      add(
        AuditCode.CONFLICTING_ANNOTATIONS,
        'info',
        `${type.name}.${field.name}`,
        `${type.name}.${field.name} is an interface field with @${cost}: implementations without their own inherit it, but IBM's specification forbids it (9.1.1); annotate the implementations.`,
      );
    }
  }
}

/** A literal for a required argument: slicing arguments get the largest size, others a minimal value. */
function requiredLiteral(type: GraphQLNamedType, slicing: boolean, maxListSize: number): string | null {
  if (isScalarType(type)) {
    if (type.name === 'Int' || type.name === 'Float') return slicing ? String(maxListSize) : '0';
    if (type.name === 'Boolean') return 'false';
    if (type.name === 'String' || type.name === 'ID') return '""';
    return null;
  }
  if (isEnumType(type)) return type.getValues()[0]?.name ?? null;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).some(
      (f) => isNonNullType(f.type) && f.defaultValue === undefined,
    );
    return required ? null : '{}';
  }
  return null;
}

/**
 * The costliest operation of each root type within `depth`: every field selected to that depth (one
 * fragment per type and remaining depth, so the document stays small), optional arguments omitted,
 * required ones given their largest (slicing) or smallest value. Fields whose required arguments cannot be
 * written generically are left out.
 */
function costliestOperations(
  schema: GraphQLSchema,
  analyzer: CostAnalyzer,
  table: CostTable,
  depth: number,
): CostliestOperation[] {
  const fragments = new Map<string, string>();
  const max = table.options.maxListSize;
  const fragmentOf = (type: GraphQLObjectType, remaining: number): string => {
    const name = `${type.name}_${remaining}`;
    if (fragments.has(name)) return name;
    fragments.set(name, '');
    const selections: string[] = [];
    for (const info of table.fieldsOf(type)?.values() ?? []) {
      const field = info.def;
      const slicingNames = new Set(info.listSize?.slicingArguments.map((s) => s.path[0]) ?? []);
      const requireOne = info.listSize?.requireOneSlicingArgument === true;
      const args: string[] = [];
      let skip = false;
      let slicingGiven = false;
      for (const arg of field.args) {
        const needed = isNonNullType(arg.type) && arg.defaultValue === undefined;
        const slicing =
          slicingNames.has(arg.name) && !slicingGiven && requireOne && arg.defaultValue === undefined;
        if (!needed && !slicing) continue;
        const value = requiredLiteral(getNamedType(arg.type), slicingNames.has(arg.name), max);
        if (value === null) {
          skip = true;
          break;
        }
        if (slicingNames.has(arg.name)) slicingGiven = true;
        args.push(`${arg.name}: ${isListType(getNullableType(arg.type)) ? `[${value}]` : value}`);
      }
      if (skip) continue;
      const head = `${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''}`;
      if (info.leaf) {
        selections.push(head);
        continue;
      }
      if (remaining <= 1) continue;
      const spreads = table
        .possibleTypes(info.named)
        .map((object) => `... on ${object.name} { ...${fragmentOf(object, remaining - 1)} }`);
      if (spreads.length > 0) selections.push(`${head} { __typename ${spreads.join(' ')} }`);
    }
    fragments.set(name, `fragment ${name} on ${type.name} { __typename ${selections.join(' ')} }`);
    return name;
  };
  const result: CostliestOperation[] = [];
  for (const operation of [
    OperationTypeNode.QUERY,
    OperationTypeNode.MUTATION,
    OperationTypeNode.SUBSCRIPTION,
  ]) {
    const root = schema.getRootType(operation);
    if (!root) continue;
    fragments.clear();
    const top = fragmentOf(root, depth);
    const document = `${operation} Costliest { ...${top} }\n${[...fragments.values()].join('\n')}`;
    try {
      const report = analyzer.analyze(parse(document));
      result.push({
        operationType: operation,
        depth: report.depth,
        cost: report.total,
        fields: report.fields.slice(0, 5).map(({ path, cost }) => ({ path, cost })),
        document,
      });
    } catch (error) {
      if (!(error instanceof CostError)) throw error;
      // A limit (maxCost, maxDepth) or an unsatisfiable requirement: report what refused it.
      result.push({
        operationType: operation,
        depth,
        cost: error.report?.total ?? Number.NaN,
        fields: [],
        document: `# ${error.code}: ${error.message}\n${document}`,
      });
    }
  }
  return result;
}
