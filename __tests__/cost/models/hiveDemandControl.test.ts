/**
 * The `'apollo'` model (the default) against Hive Gateway's demand-control tests
 * (graphql-hive/gateway, packages/runtime/tests/demand-control.test.ts): the same subgraph SDL, loaded as
 * the CLI and the demo load it, the same operations and the same estimated costs.
 */
import { buildASTSchema, parse } from 'graphql';
import { CostAnalyzer, CostError, withCostDirectives } from '../../../src/cost/index.js';
import type { CostOptions } from '../../../src/cost/index.js';

const BOOK_TYPES = (address: string): string => `
  type Book { title: String author: Author publisher: Publisher }
  type Author { name: String }
  type Publisher { name: String address: Address }
  type Address ${address} { zipCode: Int! }
`;
const LINK = (imports: string): string => `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: [${imports}]) { query: Query }
`;
const BOOK_SELECTION = '{ title author { name } publisher { name address { zipCode } } }';

function estimate(sdl: string, query: string, options: CostOptions = {}): number {
  const analyzer = new CostAnalyzer(buildASTSchema(withCostDirectives(sdl)), options);
  return analyzer.analyze(parse(query)).total;
}

function refusal(sdl: string, query: string, options: CostOptions): CostError {
  try {
    estimate(sdl, query, options);
  } catch (error) {
    if (error instanceof CostError) return error;
    throw error;
  }
  throw new Error('priced');
}

describe('Hive Gateway demand-control tests', () => {
  test('basic query: 4', () => {
    const sdl = `type Query { book(id: ID): Book } ${BOOK_TYPES('')}`;
    expect(estimate(sdl, `query BookQuery { book(id: 1) ${BOOK_SELECTION} }`)).toBe(4);
  });

  test('@cost in object: 8', () => {
    const sdl = `type Query { book(id: ID): Book } ${BOOK_TYPES('@cost(weight: 5)')} ${LINK('"@cost"')}`;
    expect(estimate(sdl, `query BookQuery { book(id: 1) ${BOOK_SELECTION} }`)).toBe(8);
  });

  test('@listSize(assumedSize:): 40', () => {
    const sdl = `type Query { bestsellers: [Book] @listSize(assumedSize: 5) } ${BOOK_TYPES('@cost(weight: 5)')} ${LINK('"@cost", "@listSize"')}`;
    expect(estimate(sdl, `query BestsellersQuery { bestsellers ${BOOK_SELECTION} }`)).toBe(40);
  });

  test('@listSize(slicingArguments:): 24 for 3 books, 56 for 7', () => {
    const sdl = `type Query { newestAdditions(after: ID, limit: Int!): [Book] @listSize(slicingArguments: ["limit"]) }
      ${BOOK_TYPES('@cost(weight: 5)')} ${LINK('"@cost", "@listSize"')}`;
    expect(estimate(sdl, `{ newestAdditions(limit: 3) ${BOOK_SELECTION} }`)).toBe(24);
    expect(estimate(sdl, `{ newestAdditions(limit: 7) ${BOOK_SELECTION} }`)).toBe(56);
  });

  test('"max" option: estimated 4 exceeds 3', () => {
    const sdl = `type Query { book(id: ID): Book } ${BOOK_TYPES('')}`;
    const error = refusal(sdl, `{ book(id: 1) ${BOOK_SELECTION} }`, { maxCost: 3 });
    expect(error.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', cost: 4, maxCost: 3 });
  });

  test('"defaultAssumedListSize" option (listSize: 5): 40', () => {
    const sdl = `type Query { bestsellers: [Book] } ${BOOK_TYPES('@cost(weight: 5)')} ${LINK('"@cost"')}`;
    expect(estimate(sdl, `{ bestsellers ${BOOK_SELECTION} }`, { defaultListSize: 5 })).toBe(40);
  });

  const items = (extra: string): string => `${LINK('"@listSize"')}
    type Query { items(first: Int, last: Int): [Item!] @listSize(slicingArguments: ["first", "last"]${extra}) }
    type Item { id: ID }`;

  test('@listSize(slicingArguments:, requireOneSlicingArgument: true): two given is refused', () => {
    const error = refusal(items(''), '{ items(first: 2, last: 3) { id } }', {});
    expect(error.code).toBe('INVALID_SLICING_ARGUMENTS');
    expect(error.message).toBe(
      'Field "Query.items" requires exactly one of its slicing arguments (first, last); 2 given.',
    );
  });

  test('@listSize(slicingArguments:, requireOneSlicingArgument: false): the largest, 3', () => {
    expect(estimate(items(', requireOneSlicingArgument: false'), '{ items(first: 2, last: 3) { id } }')).toBe(
      3,
    );
  });

  test('@listSize(sizedFields:): 6', () => {
    const sdl = `${LINK('"@listSize"')}
      type Query { items(first: Int): Cursor! @listSize(slicingArguments: ["first"], sizedFields: ["page"]) }
      type Cursor { page: [Item!] nextPageToken: String }
      type Item { id: ID }`;
    expect(estimate(sdl, '{ items(first: 5) { page { id } nextPageToken } }')).toBe(6);
  });

  test('@cost in object but aliased as @myCost: 8', () => {
    const sdl = `type Query { book(id: ID): Book } ${BOOK_TYPES('@myCost(weight: 5)')}
      ${LINK('{ name: "@cost", as: "@myCost" }')}`;
    expect(estimate(sdl, `{ book(id: 1) ${BOOK_SELECTION} }`)).toBe(8);
  });

  test('returns cost even if it does not hit the subgraph: __typename costs 0', () => {
    expect(estimate('type Query { foo: String }', 'query EmptyQuery { __typename a: __typename }')).toBe(0);
  });

  test('handles batched requests: 2 exceeds 1', () => {
    const sdl = 'type Query { foo: Foo bar: Bar } type Foo { id: ID } type Bar { id: ID }';
    const error = refusal(sdl, 'query FooQuery { foo { id } bar { id } }', { maxCost: 1 });
    expect(error.extensions).toMatchObject({ cost: 2, maxCost: 1 });
  });
});
