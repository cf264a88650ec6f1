import type { DocumentNode, GraphQLSchema } from 'graphql';
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
  let document: DocumentNode;
  if (typeof args.query === 'string') {
    try {
      document = parse(args.query);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      throw new CostError(CostErrorCode.GRAPHQL_PARSE_FAILED, error.message, { originalError: error });
    }
  } else {
    document = args.query;
  }
  return new CostAnalyzer(schema, args.options).analyze(document, {
    operationName: args.operationName ?? null,
    variables: args.variables ?? null,
  });
}
