/**
 * Fragments, merging, aliases, abstract types and @skip/@include: the cost follows what execution resolves.
 */
import fc from 'fast-check';
import { parse } from 'graphql';
import { CostAnalyzer } from '../../src/cost/index.js';
import { costHarness, costSchema } from '../helpers/costHarness.js';

const SDL = `
  type Query {
    item: Item
    items: [Item] @listSize(assumedSize: 5)
    node: Node
    nodes: [Node] @listSize(assumedSize: 3)
    result: Result
  }
  interface Node { id: ID }
  type Item implements Node { id: ID name: String child: Item tags: [Tag] @listSize(assumedSize: 4) }
  type Heavy implements Node @cost(weight: 5) { id: ID parts: [Item] @listSize(assumedSize: 2) }
  type Tag implements Node { id: ID label: String }
  union Result = Item | Heavy
`;

const { expectCost } = costHarness(costSchema(SDL));

describe('fragments', () => {
  test('inline, named and inline-fragment forms cost the same', () => {
    expectCost('{ item { id child { id } } }').toBe(2);
    expectCost('{ item { ...F } } fragment F on Item { id child { id } }').toBe(2);
    expectCost('{ item { ... on Item { id child { id } } } }').toBe(2);
    expectCost('{ item { ... { id child { ...G } } } } fragment G on Item { id }').toBe(2);
  });

  test('fields that execution merges count once: { a a }, { ...A ...A }, overlapping fragments', () => {
    expectCost('{ item { child { id } child { name } } }').toBe(2);
    expectCost('{ item { ...A ...A } } fragment A on Item { child { id } }').toBe(2);
    expectCost(
      '{ item { ...A ...B } } fragment A on Item { child { id } } fragment B on Item { child { child { id } } }',
    ).toBe(3);
    expectCost('{ items { id } items { child { id } } }').toBe(10);
  });

  test('aliases are resolved apart and count apart', () => {
    expectCost('{ a: item { id } b: item { id } }').toBe(2);
    expectCost('{ a: items { id } b: items { id } }').toBe(10);
  });

  test('a fragment on a type that does not apply adds nothing', () => {
    expectCost('{ item { ... on Heavy { parts { id } } id } }').toBe(1);
  });
});

describe('unions and interfaces', () => {
  test('an abstract field costs its most expensive possible type', () => {
    // Heavy costs 5 per instance.
    expectCost('{ node { id } }').toBe(5);
    expectCost('{ result { ... on Item { id } } }').toBe(5);
  });

  test('fragments on concrete types count only for their type; the maximum wins', () => {
    // Item: 1 + tags 4 = 5; Heavy: 5 + parts 2 = 7; Tag: 1
    expectCost('{ node { ... on Item { tags { id } } ... on Heavy { parts { id } } } }').toBe(7);
    // Item with child chain: 1 + 1 + 1 = 3 < Heavy 5
    expectCost('{ node { ... on Item { child { child { id } } } } }').toBe(5);
  });

  test('fragments on the interface apply to every implementation', () => {
    expectCost('{ nodes { ... on Node { id } } }').toBe(15);
    expectCost('{ nodes { ...N } } fragment N on Node { id }').toBe(15);
  });

  test('the breakdown follows the alternative that was charged', () => {
    const report = expectCost(
      '{ node { ... on Item { tags { id } } ... on Heavy { parts { id } } } }',
    ).report();
    expect(report.fields).toEqual([
      { path: 'node', count: 1, cost: 5 },
      { path: 'node.parts', count: 1, cost: 2 },
      { path: 'node.parts.id', count: 2, cost: 0 },
    ]);
  });
});

describe('@skip and @include', () => {
  test('with literals', () => {
    expectCost('{ item { id } items @skip(if: true) { id } }').toBe(1);
    expectCost('{ item { id } items @skip(if: false) { id } }').toBe(6);
    expectCost('{ item { id } items @include(if: false) { id } }').toBe(1);
    expectCost('{ item { ... @include(if: false) { child { id } } } }').toBe(1);
    expectCost('{ item { ...C @skip(if: true) } } fragment C on Item { child { id } }').toBe(1);
  });

  test('with variables, on the same document', () => {
    const query = 'query($big: Boolean!) { item { id } items @include(if: $big) { id } }';
    expectCost(query, { big: true }).toBe(6);
    expectCost(query, { big: false }).toBe(1);
  });

  test('a field skipped in one place and included in another is resolved', () => {
    expectCost('{ items @skip(if: true) { id } items { id } }').toBe(5);
  });
});

describe('property: a selection costs the same inline, in a named fragment and in an inline fragment', () => {
  const analyzer = new CostAnalyzer(costSchema(SDL));
  const leaf = fc.constantFrom('id', 'name', '__typename');
  const selection: fc.Memo<string> = fc.memo((n) =>
    n <= 1
      ? leaf
      : fc.oneof(
          leaf,
          selection(n - 1).map((s) => `child { ${s} }`),
          fc
            .array(selection(n - 1), { minLength: 1, maxLength: 3 })
            .map((ss) => `tags { id } ${ss.join(' ')}`),
          fc
            .tuple(fc.constantFrom('a', 'b'), selection(n - 1))
            .map(([alias, s]) => `${alias}: child { ${s} }`),
        ),
  );

  test('fast-check', () => {
    fc.assert(
      fc.property(fc.array(selection(4), { minLength: 1, maxLength: 4 }), (parts) => {
        const body = parts.join(' ');
        const inline = analyzer.analyze(parse(`{ items { ${body} } }`)).total;
        const named = analyzer.analyze(parse(`{ items { ...F } } fragment F on Item { ${body} }`)).total;
        const spread = analyzer.analyze(parse(`{ items { ... on Item { ${body} } } }`)).total;
        const twice = analyzer.analyze(
          parse(`{ items { ...F ...F ${body} } } fragment F on Item { ${body} }`),
        ).total;
        return inline === named && named === spread && spread === twice;
      }),
      { numRuns: 200 },
    );
  });
});
