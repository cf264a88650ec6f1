import { GraphQLError } from 'graphql';
import type { ASTNode } from 'graphql';
import type { CostReport } from './types.js';

/**
 * The stable codes of {@link CostError}, also its `extensions.code`.
 */
export const CostErrorCode = {
  /** The query is not syntactically valid GraphQL (only ever from a real syntax error). */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /**
   * The document cannot be priced: no such operation, several operations and no name, unknown fragment,
   * fragment cycle, unknown field or type, a composite field without selections, an invalid literal.
   */
  INVALID_OPERATION: 'INVALID_OPERATION',
  /** A variable the cost depends on is missing or of the wrong type. */
  INVALID_VARIABLES: 'INVALID_VARIABLES',
  /** A field with `@listSize(requireOneSlicingArgument: true)` did not get exactly one slicing argument. */
  INVALID_SLICING_ARGUMENTS: 'INVALID_SLICING_ARGUMENTS',
  /** The operation costs more than `maxCost`. */
  COST_LIMIT_EXCEEDED: 'COST_LIMIT_EXCEEDED',
  /** The operation nests deeper than `maxDepth`. */
  DEPTH_LIMIT_EXCEEDED: 'DEPTH_LIMIT_EXCEEDED',
  /** A schema annotation (`@cost`, `@listSize`, `@complexity`, `extensions`) is malformed. */
  INVALID_COST_DIRECTIVE: 'INVALID_COST_DIRECTIVE',
} as const;

export type CostErrorCode = (typeof CostErrorCode)[keyof typeof CostErrorCode];

/** Extensions of a {@link CostError}: always the code, plus the figures the code is about. */
export interface CostErrorExtensions {
  readonly code: CostErrorCode;
  /** `COST_LIMIT_EXCEEDED`: the operation's cost in points. */
  readonly cost?: number;
  /**
   * `COST_LIMIT_EXCEEDED`: present, and true, when `cost` is saturated at `Number.MAX_SAFE_INTEGER`, so a
   * lower bound rather than the exact cost (the message then says "at least … (saturated)").
   */
  readonly saturated?: true;
  /** `COST_LIMIT_EXCEEDED`: the limit in points. */
  readonly maxCost?: number;
  /** `COST_LIMIT_EXCEEDED`: the costliest fields, costliest first. */
  readonly fields?: readonly { readonly path: string; readonly cost: number }[];
  /** `INVALID_COST_DIRECTIVE`: the coordinate (`Type.field`, `Type.field(arg:)`) of the annotation. */
  readonly coordinate?: string;
  /** `INVALID_COST_DIRECTIVE`: the directive (`@listSize`), or null for an `extensions` annotation. */
  readonly directive?: string | null;
  /** `INVALID_COST_DIRECTIVE`: what is wrong with it. */
  readonly reason?: string;
  /** `DEPTH_LIMIT_EXCEEDED`: the depth reached when the analysis stopped (`maxDepth + 1`). */
  readonly depth?: number;
  /** `DEPTH_LIMIT_EXCEEDED`: the limit. */
  readonly maxDepth?: number;
  readonly [key: string]: unknown;
}

export interface CostErrorOptions {
  readonly extensions?: Omit<CostErrorExtensions, 'code'>;
  /** The report of the operation, when it could be priced (`COST_LIMIT_EXCEEDED`). */
  readonly report?: CostReport;
  readonly originalError?: Error;
  /** The AST nodes the error is about (a schema annotation's directive): give the error its `locations`. */
  readonly nodes?: readonly ASTNode[];
  /** `INVALID_COST_DIRECTIVE` of several annotations: one located error per invalid annotation. */
  readonly errors?: readonly CostError[];
}

/** Everything the cost layer throws about an operation or a schema annotation. */
export class CostError extends GraphQLError {
  readonly code: CostErrorCode;
  /** The priced operation, when the error is about a priced operation (`COST_LIMIT_EXCEEDED`); else null. */
  readonly report: CostReport | null;
  /**
   * `INVALID_COST_DIRECTIVE`: every invalid annotation the schema has, one located error each (the schema
   * is read in one pass, so all of them are found at once); `[this]` for one; empty for other codes.
   */
  readonly errors: readonly CostError[];
  declare readonly extensions: CostErrorExtensions;

  constructor(code: CostErrorCode, message: string, options: CostErrorOptions = {}) {
    super(message, {
      extensions: { code, ...options.extensions },
      ...(options.originalError ? { originalError: options.originalError } : {}),
      ...(options.nodes ? { nodes: options.nodes } : {}),
    });
    this.name = 'CostError';
    this.code = code;
    this.report = options.report ?? null;
    this.errors = options.errors ?? (code === CostErrorCode.INVALID_COST_DIRECTIVE ? [this] : []);
  }
}
