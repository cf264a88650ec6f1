/**
 * actualCost (the same model over the response's real list lengths) and the per-document plan cache.
 */
import { parse } from 'graphql';
import { CostAnalyzer } from '../../src/cost/index.js';
import { costSchema } from '../helpers/costHarness.js';

const SDL = `
  type Query {
    items(first: Int = 10): [Item] @listSize(slicingArguments: ["first"])
    node: Node
    pricey: Int @cost(weight: 4)
    search(term: String @cost(weight: 2)): [Item] @listSize(assumedSize: 5)
  }
  type Mutation { add(name: String): Item }
  interface Node { id: ID }
  type Item implements Node { id: ID child: Item tags: [String] }
  type Heavy implements Node @cost(weight: 6) { id: ID }
`;
const schema = costSchema(SDL);

describe('actualCost', () => {
  const analyzer = new CostAnalyzer(schema);

  test('uses the actual length of each list', () => {
    const document = parse('{ items(first: 5) { id child { id } } }');
    expect(analyzer.analyze(document).total).toBe(10);
    const data = {
      items: [
        { id: '1', child: { id: '2' } },
        { id: '3', child: null },
      ],
    };
    // 2 items + 1 child (the null child costs no type cost)
    expect(analyzer.actualCost(document, { data })).toBe(3);
  });

  test('a missing field costs nothing; a null field keeps its own weight', () => {
    const document = parse('{ pricey items { id } }');
    expect(analyzer.actualCost(document, { data: { pricey: null } })).toBe(4);
    expect(analyzer.actualCost(document, { data: {} })).toBe(0);
    expect(analyzer.actualCost(document, { data: null })).toBe(0);
  });

  test('argument costs and the mutation base cost count as estimated', () => {
    expect(analyzer.actualCost(parse('{ search(term: "x") { id } }'), { data: { search: [] } })).toBe(2);
    expect(
      analyzer.actualCost(parse('mutation { add(name: "x") { id } }'), { data: { add: { id: '1' } } }),
    ).toBe(11);
  });

  test('the concrete type comes from __typename when selected, else the costliest consistent one', () => {
    const withTypename = parse('{ node { __typename id } }');
    expect(analyzer.actualCost(withTypename, { data: { node: { __typename: 'Item', id: '1' } } })).toBe(1);
    expect(analyzer.actualCost(withTypename, { data: { node: { __typename: 'Heavy', id: '1' } } })).toBe(6);
    expect(analyzer.actualCost(parse('{ node { id } }'), { data: { node: { id: '1' } } })).toBe(6);
  });

  test('uses the variables of the request, and aliases as response keys', () => {
    const document = parse('query($n: Int) { a: items(first: $n) { id } }');
    expect(analyzer.analyze(document, { variables: { n: 3 } }).total).toBe(3);
    expect(analyzer.actualCost(document, { variables: { n: 3 }, data: { a: [{ id: '1' }] } })).toBe(1);
  });
});

describe('actualCost of leaf fields (scalars and enums)', () => {
  // Every way a leaf's value can count: a costly scalar or enum type (per value, nulls and missing lists
  // free), nested lists, the field's own weight (kept for a null, floored at 0 when negative), an
  // argument cost from a variable or a literal. The walk skips the values of leaves whose value cannot
  // change their cost; these figures are the same as walking every value.
  const leaves = costSchema(`
    scalar Money @cost(weight: 3)
    enum Level @cost(weight: 2) { LOW HIGH }
    type Query {
      price: Money
      prices: [Money] @listSize(assumedSize: 4)
      matrix: [[Money]] @listSize(assumedSize: 4)
      level: Level
      levels: [Level!]! @listSize(assumedSize: 4)
      plain: Int
      plains: [Int] @listSize(assumedSize: 4)
      weighted: Int @cost(weight: 5)
      discounted: Int @cost(weight: -4)
      discountedPrice: Money @cost(weight: -2)
      lookup(key: String @cost(weight: 7)): Int
      lookups(key: String @cost(weight: 7)): [Int] @listSize(assumedSize: 4)
    }`);
  const document = parse(`query($k: String) {
    price prices matrix level levels plain plains weighted discounted discountedPrice
    lookup(key: $k) lookups(key: $k) a: lookup(key: "x")
  }`);
  const responses = [
    {
      price: 1,
      prices: [1, null, 2],
      matrix: [[1, 2], null, [null, 3]],
      level: 'LOW',
      levels: ['LOW', 'HIGH', 'LOW'],
      plain: 1,
      plains: [1, 2, null],
      weighted: 1,
      discounted: 1,
      discountedPrice: 1,
      lookup: 1,
      lookups: [1, 2],
      a: 1,
    },
    {
      price: null,
      prices: null,
      matrix: [],
      level: null,
      levels: [],
      plain: null,
      plains: [],
      weighted: null,
      discounted: null,
      discountedPrice: null,
      lookup: null,
      lookups: null,
      a: null,
    },
    { price: 1, discountedPrice: null, prices: [] },
    {},
  ];
  const actual = (
    model: 'apollo' | 'ibm' | 'graphql-query-complexity',
    variables: Readonly<Record<string, unknown>>,
  ) => {
    const analyzer = new CostAnalyzer(leaves, { model });
    return responses.map((data) => analyzer.actualCost(document, { variables, data }));
  };

  test('Apollo: per value of a costly type, own weights floored at 0, argument costs as estimated', () => {
    // 3 + 2×3 + 3×3 + 2 + 3×2 + 0 + 0 + 5 + 0 + max(0, -2 + 3) + 7 + 7 + 7 = 53
    expect(actual('apollo', { k: 'y' })).toEqual([53, 26, 3, 0]);
    // Without $k, the two fields reading it have no argument cost.
    expect(actual('apollo', {})).toEqual([39, 12, 3, 0]);
  });

  test('IBM and graphql-query-complexity formulas', () => {
    expect(actual('ibm', { k: 'y' })).toEqual([56, 27, 4, 1]);
    expect(actual('ibm', {})).toEqual([42, 13, 4, 1]);
    expect(actual('graphql-query-complexity', { k: 'y' })).toEqual([43, 5, 3, 0]);
  });
});

describe('the per-document cache', () => {
  test('a cached document gives the same results as a fresh one, for any variables', () => {
    const analyzer = new CostAnalyzer(schema);
    const text =
      'query($n: Int, $deep: Boolean!) { items(first: $n) { id child @include(if: $deep) { id } } }';
    const cached = parse(text);
    for (const [n, deep] of [
      [3, true],
      [7, false],
      [1, true],
      [null, false],
      [0, true],
      [7, false],
    ] as const) {
      const variables = { n, deep };
      const fromCache = analyzer.analyze(cached, { variables });
      const fresh = new CostAnalyzer(schema).analyze(parse(text), { variables });
      expect({ ...fromCache, fields: fromCache.fields }).toEqual({ ...fresh, fields: fresh.fields });
      expect(fromCache.total).toBe((n ?? 10) * (deep ? 2 : 1));
    }
  });

  test('a document whose cost does not depend on its variables returns the same report object', () => {
    const analyzer = new CostAnalyzer(schema);
    const document = parse('query($x: String) { items(first: 2) { id } search(term: "y") { id } }');
    const first = analyzer.analyze(document, { variables: { x: 'a' } });
    expect(analyzer.analyze(document, { variables: { x: 'b' } })).toBe(first);
    expect(first.total).toBe(9);
  });

  test('each operation of a document is planned separately', () => {
    const analyzer = new CostAnalyzer(schema);
    const document = parse('query A { items(first: 2) { id } } query B { items(first: 3) { id } }');
    expect(analyzer.analyze(document, { operationName: 'A' }).total).toBe(2);
    expect(analyzer.analyze(document, { operationName: 'B' }).total).toBe(3);
    expect(analyzer.analyze(document, { operationName: 'A' }).total).toBe(2);
  });

  test('the cache is invisible on the document: print, JSON and equality are unchanged', () => {
    const analyzer = new CostAnalyzer(schema);
    const document = parse('{ items { id } }');
    const before = JSON.stringify(document);
    analyzer.analyze(document);
    expect(JSON.stringify(document)).toBe(before);
    expect(document).toEqual(parse('{ items { id } }'));
  });

  test('frozen documents are cached too (in a WeakMap)', () => {
    const analyzer = new CostAnalyzer(schema);
    const document = Object.freeze(parse('query($n: Int) { items(first: $n) { id } }'));
    expect(analyzer.analyze(document, { variables: { n: 2 } }).total).toBe(2);
    expect(analyzer.analyze(document, { variables: { n: 4 } }).total).toBe(4);
  });

  test('the report serialises with its breakdown', () => {
    const report = new CostAnalyzer(schema).analyze(parse('{ items(first: 2) { id } }'));
    expect(JSON.parse(JSON.stringify(report))).toEqual({
      total: 2,
      saturated: false,
      operationType: 'query',
      operationName: null,
      depth: 2,
      fields: [
        { path: 'items', count: 1, cost: 2 },
        { path: 'items.id', count: 2, cost: 0 },
      ],
    });
  });
});
