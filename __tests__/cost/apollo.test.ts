/**
 * Apollo's published demand-control examples, reproduced exactly.
 * Source: https://www.apollographql.com/docs/graphos/routing/security/demand-control
 * (apollographql/router, docs/source/routing/security/demand-control.mdx, "Calculating cost").
 */
import { BOOKS_SDL, costHarness, costSchema } from '../helpers/costHarness.js';

const BOOK_SELECTION = `{ title author { name } publisher { name address { zipCode } } }`;

describe("Apollo's demand-control examples", () => {
  test('BookQuery costs 4 with the default weights', () => {
    const { expectCost } = costHarness(costSchema(BOOKS_SDL + 'type Address { zipCode: Int! }'));
    expectCost(`query BookQuery { book(id: 1) ${BOOK_SELECTION} }`).toBe(4);
  });

  describe('with Address @cost(weight: 5)', () => {
    const { expectCost } = costHarness(
      costSchema(BOOKS_SDL + 'type Address @cost(weight: 5) { zipCode: Int! }'),
    );

    test('BookQuery costs 8', () => {
      expectCost(`query BookQuery { book(id: 1) ${BOOK_SELECTION} }`).toBe(8);
    });

    test('BestsellersQuery (assumedSize: 5) costs 40', () => {
      expectCost(`query BestsellersQuery { bestsellers ${BOOK_SELECTION} }`).toBe(40);
    });

    test('NewestAdditions costs 24 with limit: 3 and 56 with limit: 7', () => {
      expectCost(`query NewestAdditions { newestAdditions(limit: 3) ${BOOK_SELECTION} }`).toBe(24);
      expectCost(`query NewestAdditions { newestAdditions(limit: 7) ${BOOK_SELECTION} }`).toBe(56);
    });

    test('the same with limit as a variable', () => {
      const query = `query NewestAdditions($limit: Int!) { newestAdditions(limit: $limit) ${BOOK_SELECTION} }`;
      expectCost(query, { limit: 3 }).toBe(24);
      expectCost(query, { limit: 7 }).toBe(56);
    });

    test('the report explains the total field by field', () => {
      const report = expectCost(`query BestsellersQuery { bestsellers ${BOOK_SELECTION} }`).report();
      expect({ ...report, fields: report.fields }).toEqual({
        total: 40,
        saturated: false,
        operationType: 'query',
        operationName: 'BestsellersQuery',
        depth: 4,
        fields: [
          { path: 'bestsellers.publisher.address', count: 5, cost: 25 },
          { path: 'bestsellers', count: 1, cost: 5 },
          { path: 'bestsellers.author', count: 5, cost: 5 },
          { path: 'bestsellers.publisher', count: 5, cost: 5 },
          { path: 'bestsellers.title', count: 5, cost: 0 },
          { path: 'bestsellers.author.name', count: 5, cost: 0 },
          { path: 'bestsellers.publisher.name', count: 5, cost: 0 },
          { path: 'bestsellers.publisher.address.zipCode', count: 5, cost: 0 },
        ],
      });
    });
  });

  describe('@listSize from the federation directives reference', () => {
    // https://www.apollographql.com/docs/graphos/reference/federation/directives#listsize
    const { expectCost } = costHarness(
      costSchema(`
        type Query {
          items(first: Int, last: Int): [Item!] @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
          strictItems(first: Int, last: Int): [Item!] @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: true)
          cursor(first: Int): Cursor! @listSize(slicingArguments: ["first"], sizedFields: ["page"])
        }
        type Cursor { page: [Item!] nextPageToken: String }
        type Item { id: ID }
      `),
    );

    test('MultipleSlicingArgumentsQuery uses the largest slicing argument (10 items)', () => {
      expectCost(`query MultipleSlicingArgumentsQuery { items(first: 5, last: 10) { id } }`).toBe(10);
    });

    test('requireOneSlicingArgument rejects two slicing arguments, and none', () => {
      expectCost(`{ strictItems(first: 5, last: 10) { id } }`).toThrowCode('INVALID_SLICING_ARGUMENTS');
      expectCost(`{ strictItems { id } }`).toThrowCode('INVALID_SLICING_ARGUMENTS');
      expectCost(`{ strictItems(last: 4) { id } }`).toBe(4);
    });

    test('sizedFields apply the slicing argument to the cursor page', () => {
      // 1 Cursor + 7 Items.
      expectCost(`{ cursor(first: 7) { page { id } nextPageToken } }`).toBe(8);
    });
  });
});
