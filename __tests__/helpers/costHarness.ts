/**
 * A harness in the style of graphql-js's validation harness: `expectCost(query, variables).toBe(n)`
 * prices a query against a small fixture schema and asserts the exact total.
 */
import type { GraphQLSchema } from 'graphql';
import { buildSchema, parse } from 'graphql';
import { COST_DIRECTIVES_SDL, CostAnalyzer, CostError } from '../../src/cost/index.js';
import type { CostOptions, CostReport } from '../../src/cost/index.js';

/** Builds a schema from SDL, with the `@cost`/`@listSize` definitions prepended. */
export function costSchema(sdl: string, directives: string = COST_DIRECTIVES_SDL): GraphQLSchema {
  return buildSchema(directives + '\n' + sdl);
}

export interface CostExpectation {
  /** Asserts the exact total. */
  toBe(total: number): void;
  /** Asserts that pricing throws a CostError with this code; returns it for further assertions. */
  toThrowCode(code: string): CostError;
  /** The full report. */
  report(): CostReport;
}

export function costHarness(schema: GraphQLSchema, options: CostOptions = {}) {
  const analyzer = new CostAnalyzer(schema, options);
  function expectCost(
    query: string,
    variables: Record<string, unknown> = {},
    operationName: string | null = null,
  ): CostExpectation {
    const run = (): CostReport => analyzer.analyze(parse(query), { variables, operationName });
    return {
      toBe(total: number) {
        expect(run().total).toBe(total);
      },
      toThrowCode(code: string): CostError {
        let caught: unknown;
        try {
          run();
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(CostError);
        const error = caught as CostError;
        expect({ code: error.code, extensionsCode: error.extensions.code }).toEqual({
          code,
          extensionsCode: code,
        });
        return error;
      },
      report: run,
    };
  }
  return { analyzer, expectCost };
}

/** The schema of Apollo's demand-control documentation (Book/Author/Publisher/Address). */
export const BOOKS_SDL = `
  type Query {
    book(id: ID): Book
    bestsellers: [Book] @listSize(assumedSize: 5)
    newestAdditions(after: ID, limit: Int!): [Book] @listSize(slicingArguments: ["limit"])
  }
  type Book { title: String author: Author publisher: Publisher }
  type Author { name: String }
  type Publisher { name: String address: Address }
`;
