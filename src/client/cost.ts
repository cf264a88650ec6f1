/**
 * graphql-quota/client/cost: the server's cost analysis, run on the client to pace by an operation's cost
 * before its first response. Kept out of graphql-quota/client, whose size budget excludes it: this entry
 * loads `graphql` (a peer dependency) and the analyzer. Nothing Node-only.
 */
import { parse, type DocumentNode } from 'graphql';
import type { CostAnalyzer } from '../cost/index.js';
import type { GraphQLOperation } from './operations.js';

export { CostAnalyzer, withCostDirectives } from '../cost/index.js';
export type { CostOptions, CostReport } from '../cost/index.js';

/** Default {@link AnalyzerCostEstimatorOptions.maxDocuments}. */
export const DEFAULT_MAX_PARSED_DOCUMENTS = 100;

export interface AnalyzerCostEstimatorOptions {
  /** Parsed documents kept, by query text (the oldest is dropped). Default {@link DEFAULT_MAX_PARSED_DOCUMENTS}. */
  readonly maxDocuments?: number;
}

/**
 * An `estimateCost` for `quotaFetch` that prices each operation with a `CostAnalyzer` built from the
 * server's annotated schema (the same SDL, the same `CostOptions`), so the first request of an operation is
 * already paced by its cost: what the server charges, its `report.points` under a points scale (`CostOptions.points`,
 * the `'github'` model), else `report.total`. Returns null (quotaFetch then falls back to what the server reported) for a
 * persisted query sent without its text, or an operation the analyzer refuses (invalid variables, over
 * `maxCost`...): the server will say so itself.
 *
 * ```ts
 * const analyzer = new CostAnalyzer(buildSchema(sdl), costOptions);
 * const fetch = quotaFetch({ estimateCost: analyzerCostEstimator(analyzer) });
 * ```
 */
export function analyzerCostEstimator(
  analyzer: CostAnalyzer,
  options: AnalyzerCostEstimatorOptions = {},
): (operation: GraphQLOperation) => number | null {
  const max = options.maxDocuments ?? DEFAULT_MAX_PARSED_DOCUMENTS;
  if (!Number.isInteger(max) || max < 1)
    throw new TypeError(`analyzerCostEstimator: maxDocuments must be a positive integer, got ${max}`);
  const documents = new Map<string, DocumentNode>();
  return (operation) => {
    if (operation.query === null) return null;
    try {
      let document = documents.get(operation.query);
      if (document === undefined) {
        document = parse(operation.query);
        if (documents.size >= max) documents.delete(documents.keys().next().value!);
        documents.set(operation.query, document);
      }
      const report = analyzer.analyze(document, {
        operationName: operation.operationName,
        variables: operation.variables,
      });
      return report.points ?? report.total;
    } catch {
      return null;
    }
  };
}
