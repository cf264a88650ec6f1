import type { DocumentNode, GraphQLSchema, Source } from 'graphql';
import { GraphQLError, buildSchema, parse } from 'graphql';
import { CostAnalyzer } from './CostAnalyzer.js';
import { CostError, CostErrorCode } from './CostError.js';
import type { CostOptions } from './options.js';
import type { CostReport } from './types.js';

export interface AnalyzeCostArgs {
  /** A schema, or its SDL (which must define the directives it uses; see `COST_DIRECTIVES_SDL`). */
  readonly schema: GraphQLSchema | string;
  /** The operation document, parsed or as text. */
  readonly query: DocumentNode | string;
  readonly operationName?: string | null;
  readonly variables?: Readonly<Record<string, unknown>> | null;
  readonly options?: CostOptions;
}

/**
 * Prices one operation in one call. Builds a {@link CostAnalyzer} each time: servers pricing many
 * operations should keep one analyzer per schema instead.
 *
 * @throws CostError `GRAPHQL_PARSE_FAILED` when the query text is not valid GraphQL syntax, and every
 *   error {@link CostAnalyzer.analyze} throws.
 */
export function analyzeCost(args: AnalyzeCostArgs): CostReport {
  const schema = typeof args.schema === 'string' ? buildSchema(args.schema) : args.schema;
  const document = typeof args.query === 'string' ? parseDocument(args.query) : args.query;
  return new CostAnalyzer(schema, args.options).analyze(document, {
    operationName: args.operationName ?? null,
    variables: args.variables ?? null,
  });
}

/**
 * Parses a GraphQL document with graphql-js's `parse`, for text from anyone: a syntax error, and a document
 * nested so deeply that the parser runs out of stack (graphql-js recurses per level and throws a plain
 * `RangeError`, a few thousand levels down), are both a {@link CostError} `GRAPHQL_PARSE_FAILED`, with the
 * parser's error as `originalError`.
 *
 * @throws CostError `GRAPHQL_PARSE_FAILED`.
 */
export function parseDocument(source: string | Source): DocumentNode {
  try {
    return parse(source);
  } catch (error) {
    if (error instanceof GraphQLError)
      throw new CostError(CostErrorCode.GRAPHQL_PARSE_FAILED, error.message, { originalError: error });
    if (error instanceof RangeError)
      throw new CostError(CostErrorCode.GRAPHQL_PARSE_FAILED, 'The document is nested too deeply to parse.', {
        originalError: error,
      });
    throw error;
  }
}
