/**
 * Every rule of the cost model, each pinned with exact totals over small fixture schemas.
 */
import { costHarness, costSchema } from '../helpers/costHarness.js';

const SDL = `
  type Query {
    item: Item
    items: [Item]
    sized(first: Int, last: Int): [Item] @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
    paged(first: Int = 4): [Item] @listSize(slicingArguments: ["first"])
    assumed: [Item] @listSize(assumedSize: 3)
    expensive: Int @cost(weight: 7)
    expensiveList: [Item] @cost(weight: 5) @listSize(assumedSize: 4)
    connection(first: Int!): Connection! @listSize(slicingArguments: ["first"], sizedFields: ["edges", "nodes"])
    scalars: [String] @listSize(assumedSize: 100)
    costlyScalar: Money
    costlyEnum: Level
    search(term: String @cost(weight: 4), filter: Filter): [Item] @listSize(assumedSize: 2)
    discounted: Item @cost(weight: -3)
    cheap: Cheap
    cheapList: [Cheap] @listSize(assumedSize: 5)
    float(size: Float): [Item] @listSize(slicingArguments: ["size"])
  }
  type Mutation { touch(id: ID!): Item }
  type Subscription { ticks: Item }
  type Item { id: ID name: String child: Item children: [Item] @listSize(assumedSize: 2) }
  type Connection { edges: [Edge] nodes: [Item] total: Int }
  type Edge { cursor: String node: Item }
  type Cheap @cost(weight: -2) { id: ID item: Item }
  scalar Money @cost(weight: 2)
  enum Level @cost(weight: 3) { LOW HIGH }
  input Filter { tags: [String] @cost(weight: 1) nested: Filter range: Range }
  input Range { min: Int max: Int }
`;

const { expectCost } = costHarness(costSchema(SDL));

describe('type costs', () => {
  test('objects cost 1 per instance, scalars and enums 0', () => {
    expectCost('{ item { id name } }').toBe(1);
    expectCost('{ item { id child { id child { id } } } }').toBe(3);
  });

  test('a type @cost replaces the default per instance (scalar, enum)', () => {
    expectCost('{ costlyScalar }').toBe(2);
    expectCost('{ costlyEnum }').toBe(3);
  });

  test('objectTypeCost and leafTypeCost are options', () => {
    const { expectCost: withOptions } = costHarness(costSchema(SDL), { objectTypeCost: 2, leafTypeCost: 1 });
    // item (2) + id (1) + name (1)
    withOptions('{ item { id name } }').toBe(4);
  });
});

describe('field costs', () => {
  test("a field's own @cost counts once per resolution", () => {
    expectCost('{ expensive }').toBe(7);
    // Inside a list of 3: 3 × (1 item + ...); the field weight counts per resolution of the parent.
    expectCost('{ assumed { id } }').toBe(3);
  });

  test("a list field's own weight counts once, not per item; its items each cost their type", () => {
    // 5 (field, once) + 4 items × 1
    expectCost('{ expensiveList { id } }').toBe(9);
  });

  test('a field weight under a list is multiplied by the sizes above it', () => {
    // assumed: 3 items; each has children (2 items): 3 + 3 × 2 = 9
    expectCost('{ assumed { children { id } } }').toBe(9);
  });
});

describe('list sizes', () => {
  test('without @listSize, a list is defaultListSize (10) long', () => {
    expectCost('{ items { id } }').toBe(10);
    const { expectCost: five } = costHarness(costSchema(SDL), { defaultListSize: 5 });
    five('{ items { id } }').toBe(5);
  });

  test('the largest slicing argument wins', () => {
    expectCost('{ sized(first: 3, last: 8) { id } }').toBe(8);
    expectCost('{ sized(first: 3) { id } }').toBe(3);
  });

  test('no slicing argument given: the schema default, else assumedSize, else defaultListSize', () => {
    expectCost('{ paged { id } }').toBe(4);
    expectCost('{ sized { id } }').toBe(10);
    expectCost('{ assumed { id } }').toBe(3);
  });

  test('sizedFields size the connection edges and nodes; the connection is one object', () => {
    // connection 1 + edges 6 + node 6 + nodes 6
    expectCost('{ connection(first: 6) { edges { node { id } } nodes { id } total } }').toBe(19);
  });

  test('scalar lists cost their scalar type per item (0 by default)', () => {
    expectCost('{ scalars }').toBe(0);
  });

  test('absurd sizes are clamped to maxListSize; negative to 0; fractions round up', () => {
    expectCost('{ float(size: 1e15) { id } }').toBe(10_000);
    expectCost('{ sized(first: -5) { id } }').toBe(0);
    expectCost('{ float(size: 2.5) { id } }').toBe(3);
    const { expectCost: small } = costHarness(costSchema(SDL), { maxListSize: 50 });
    small('{ float(size: 1e15) { id } }').toBe(50);
    small('{ float(size: 1e15) { children { id } } }').toBe(150);
  });

  test('nested absurd sizes saturate at Number.MAX_SAFE_INTEGER instead of overflowing', () => {
    const { expectCost: huge } = costHarness(costSchema(SDL), { maxListSize: 1_000_000_000 });
    const query = '{ float(size: 1e15) { a: float(size: 1e15) { b: float(size: 1e15) { id } } } }';
    const nested = SDL.replace(
      'type Item {',
      'type Item { float(size: Float): [Item] @listSize(slicingArguments: ["size"])',
    );
    const { expectCost: nestedHuge } = costHarness(costSchema(nested), { maxListSize: 1_000_000_000 });
    nestedHuge(query).toBe(Number.MAX_SAFE_INTEGER);
    huge('{ float(size: 1e15) { id } }').toBe(1_000_000_000);
  });
});

describe('arguments', () => {
  test('an argument adds its @cost when given', () => {
    expectCost('{ search { id } }').toBe(2);
    expectCost('{ search(term: "x") { id } }').toBe(6);
  });

  test('an input object costs 1 per instance plus the @cost of the input fields used', () => {
    // 2 items + filter (1)
    expectCost('{ search(filter: {}) { id } }').toBe(3);
    // + tags (@cost 1)
    expectCost('{ search(filter: { tags: ["a"] }) { id } }').toBe(4);
    // + nested filter (1) + its tags (1) + range object (1)
    expectCost('{ search(filter: { tags: ["a"], nested: { tags: [] }, range: { min: 1 } }) { id } }').toBe(7);
  });

  test('an argument costs the same as a literal, a variable or through a default', () => {
    const literal = '{ search(term: "x", filter: { tags: ["a"] }) { id } }';
    const variable = 'query($t: String, $f: Filter) { search(term: $t, filter: $f) { id } }';
    expectCost(literal).toBe(8);
    expectCost(variable, { t: 'x', f: { tags: ['a'] } }).toBe(8);
    const withDefaults =
      'query($t: String = "x", $f: Filter = { tags: ["a"] }) { search(term: $t, filter: $f) { id } }';
    expectCost(withDefaults).toBe(8);
  });

  test('a slicing argument costs the same as a literal, a variable, a variable default or a schema default', () => {
    expectCost('{ paged(first: 4) { id } }').toBe(4);
    expectCost('query($n: Int) { paged(first: $n) { id } }', { n: 4 }).toBe(4);
    expectCost('query($n: Int = 4) { paged(first: $n) { id } }').toBe(4);
    expectCost('query($n: Int) { paged(first: $n) { id } }').toBe(4);
    expectCost('{ paged { id } }').toBe(4);
  });

  test('an explicit null slicing argument falls back to the schema default (as Apollo does)', () => {
    expectCost('{ paged(first: null) { id } }').toBe(4);
    expectCost('query($n: Int) { paged(first: $n) { id } }', { n: null }).toBe(4);
  });
});

describe('negative weights', () => {
  test("lower a field's own points, never below 0, without discounting its children", () => {
    // item 1 - 3 = -2 → 0; child still costs 1
    expectCost('{ discounted { id } }').toBe(0);
    expectCost('{ discounted { child { id } } }').toBe(1);
  });

  test('a negative type cost floors each field at 0', () => {
    expectCost('{ cheap { id } }').toBe(0);
    expectCost('{ cheap { item { id } } }').toBe(1);
    expectCost('{ cheapList { item { id } } }').toBe(5);
  });
});

describe('operation types', () => {
  test('a mutation adds 10; queries and subscriptions 0', () => {
    expectCost('mutation { touch(id: 1) { id } }').toBe(11);
    expectCost('subscription { ticks { id } }').toBe(1);
  });

  test('the base costs are options', () => {
    const { expectCost: custom } = costHarness(costSchema(SDL), {
      mutationCost: 3,
      queryCost: 1,
      subscriptionCost: 2,
    });
    custom('mutation { touch(id: 1) { id } }').toBe(4);
    custom('{ item { id } }').toBe(2);
    custom('subscription { ticks { id } }').toBe(3);
  });

  test('the report names the operation and its type', () => {
    const report = expectCost('mutation Touch { touch(id: 1) { id } }').report();
    expect([report.operationType, report.operationName, report.total]).toEqual(['mutation', 'Touch', 11]);
    expect(report.fields).toEqual([
      { path: 'touch', count: 1, cost: 1 },
      { path: 'touch.id', count: 1, cost: 0 },
    ]);
  });
});

describe('__typename and introspection', () => {
  test('__typename costs 0 anywhere', () => {
    expectCost('{ __typename item { __typename } }').toBe(1);
  });

  test('introspection costs introspectionCost per root field, whatever its shape', () => {
    expectCost('{ __schema { types { name fields { name type { name ofType { name } } } } } }').toBe(1);
    expectCost('{ __type(name: "Item") { name } __schema { queryType { name } } }').toBe(2);
    const { expectCost: free } = costHarness(costSchema(SDL), { introspectionCost: 0 });
    free('{ __schema { types { name } } }').toBe(0);
  });
});

describe('depth', () => {
  test('the report gives the depth of the deepest field (top level = 1)', () => {
    expect(expectCost('{ item { child { child { id } } } }').report().depth).toBe(4);
    expect(expectCost('{ expensive }').report().depth).toBe(1);
  });

  test('depthCost adds depthCost × depth to the base cost', () => {
    const { expectCost: deep } = costHarness(costSchema(SDL), { depthCost: 2 });
    // 3 objects + 2 × 4
    deep('{ item { child { child { id } } } }').toBe(11);
    const report = deep('{ item { child { child { id } } } }').report();
    expect(report.fields.reduce((sum, field) => sum + field.cost, 0)).toBe(3);
  });

  test('maxDepth rejects deeper operations with DEPTH_LIMIT_EXCEEDED', () => {
    const { expectCost: shallow } = costHarness(costSchema(SDL), { maxDepth: 3 });
    shallow('{ item { child { id } } }').toBe(2);
    const error = shallow('{ item { child { child { id } } } }').toThrowCode('DEPTH_LIMIT_EXCEEDED');
    expect(error.extensions).toEqual({ code: 'DEPTH_LIMIT_EXCEEDED', depth: 4, maxDepth: 3 });
    expect(error.message).toBe('The operation is nested deeper than the maximum depth of 3.');
  });
});

describe('maxCost', () => {
  const { expectCost: limited } = costHarness(costSchema(SDL), { maxCost: 10, errorFieldCount: 2 });

  test('an operation at the limit passes', () => {
    limited('{ items { id } }').toBe(10);
  });

  test('a costlier one is COST_LIMIT_EXCEEDED with the cost, the limit and the costliest fields', () => {
    const error = limited('query Big { items { id child { id } } }').toThrowCode('COST_LIMIT_EXCEEDED');
    expect(error.extensions).toEqual({
      code: 'COST_LIMIT_EXCEEDED',
      cost: 20,
      maxCost: 10,
      fields: [
        { path: 'items', cost: 10 },
        { path: 'items.child', cost: 10 },
      ],
    });
    expect(error.message).toBe('Operation "Big" costs 20 points, more than the maximum of 10.');
    expect(error.report?.total).toBe(20);
  });
});
