/**
 * graphql-quota/client/cost: the client prices an operation as the server charges it, from the same schema
 * and options (points under a points scale), and gives up (null) where the server alone can answer.
 */
import { buildSchema } from 'graphql';
import { analyzerCostEstimator } from '../../src/client/cost.js';
import type { GraphQLOperation } from '../../src/client/operations.js';
import { COST_DIRECTIVES_SDL, CostAnalyzer } from '../../src/cost/index.js';

const schema = buildSchema(`${COST_DIRECTIVES_SDL}
  type Query { books(first: Int = 10): [Book!]! @listSize(slicingArguments: ["first"]) }
  type Book { title: String! author: Author! }
  type Author @cost(weight: "5") { name: String! }
`);
const op = (query: string | null, variables: Record<string, unknown> | null = null): GraphQLOperation => ({
  query,
  operationName: null,
  variables,
  extensions: null,
  type: 'query',
});

describe('analyzerCostEstimator', () => {
  it('prices as the server does: the total, or the points of a points scale', () => {
    const plain = analyzerCostEstimator(new CostAnalyzer(schema));
    // 3 books × (1 + 5 for the author) = 18; the default first: 10 → 60.
    expect(plain(op('{ books(first: 3) { title author { name } } }'))).toBe(18);
    expect(plain(op('query($n: Int) { books(first: $n) { author { name } } }', { n: 7 }))).toBe(42);
    expect(plain(op('{ books { title author { name } } }'))).toBe(60);
    const scaled = analyzerCostEstimator(
      new CostAnalyzer(schema, { points: { divisor: 10, rounding: 'ceil', minimum: 1 } }),
    );
    expect(scaled(op('{ books(first: 3) { title author { name } } }'))).toBe(2);
    expect(scaled(op('{ books(first: 1) { title } }'))).toBe(1);
  });

  it('gives null for a persisted query without text, a syntax error or an operation the analyzer refuses', () => {
    const estimate = analyzerCostEstimator(new CostAnalyzer(schema, { maxCost: 100 }));
    expect(estimate(op(null))).toBeNull();
    expect(estimate(op('{ books {'))).toBeNull();
    expect(estimate(op('{ books(first: 100) { author { name } } }'))).toBeNull();
    expect(estimate(op('query($n: Int) { books(first: $n) { title } }', { n: 'many' }))).toBeNull();
  });

  it('rejects a maxDocuments that is not a positive integer', () => {
    expect(() => analyzerCostEstimator(new CostAnalyzer(schema), { maxDocuments: 0 })).toThrow(
      'analyzerCostEstimator: maxDocuments must be a positive integer, got 0',
    );
  });
});
