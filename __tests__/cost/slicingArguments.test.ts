/**
 * Slicing arguments in full (issue 9's failing inputs, each a class): list arguments count their length,
 * dotted paths reach into input objects and their defaults, one string is a one-item list, and what the
 * analyzer accepts when the schema is built is exactly what it can size a list with.
 */
import { buildSchema, parse } from 'graphql';
import { COST_DIRECTIVES_SDL, CostAnalyzer, CostError } from '../../src/cost/index.js';
import type { CostModelName } from '../../src/cost/index.js';
import { costHarness, costSchema } from '../helpers/costHarness.js';

describe('a list argument as a slicing argument counts its length', () => {
  const schema = costSchema(`
    interface Node { id: ID! }
    type Item implements Node { id: ID! }
    input Lookup { ids: [ID!] }
    type Query {
      nodes(ids: [ID!]!): [Node] @listSize(slicingArguments: ["ids"], requireOneSlicingArgument: true)
      byLookup(lookup: Lookup): [Node] @listSize(slicingArguments: ["lookup.ids"])
      matrix(rows: [[Int!]!]): [Item] @listSize(slicingArguments: ["rows"])
    }`);
  const { expectCost } = costHarness(schema);

  test('literal, variable, empty and nested lists', () => {
    expectCost('{ nodes(ids: ["a", "b", "c"]) { id } }').toBe(3);
    expectCost('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ['a', 'b'] }).toBe(2);
    expectCost('{ nodes(ids: []) { id } }').toBe(0);
    // One value where a list is expected coerces to a one-item list (GraphQL input coercion).
    expectCost('{ nodes(ids: "a") { id } }').toBe(1);
    expectCost('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: 'a' }).toBe(1);
    // 4 items, plus 1 for the input object given as an argument (Apollo's rule).
    expectCost('{ byLookup(lookup: { ids: ["a", "b", "c", "d"] }) { id } }').toBe(4 + 1);
    // The outer list's length: a list of lists is as many items as it has rows.
    expectCost('{ matrix(rows: [[1, 2], [3]]) { id } }').toBe(2);
  });

  test('a huge list is clamped to maxListSize like any size', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => String(i));
    expectCost('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids }).toBe(10_000);
  });
});

describe('dotted paths reach into input objects, including defaults declared on input fields', () => {
  const schema = costSchema(`
    input Filter { max: Int = 10, name: String }
    input Outer { filter: Filter, limit: Int }
    type User { id: ID }
    type Query {
      users(filter: Filter): [User] @listSize(slicingArguments: ["filter.max"])
      deep(outer: Outer = { limit: 2 }): [User] @listSize(slicingArguments: ["outer.filter.max", "outer.limit"], requireOneSlicingArgument: false)
    }`);
  const { expectCost } = costHarness(schema);

  test('given, defaulted inside a given object, and materialized from an omitted object', () => {
    // A given input object also costs 1 (Apollo's rule); an omitted one costs nothing.
    expectCost('{ users(filter: { max: 4 }) { id } }').toBe(4 + 1);
    expectCost('query($f: Filter) { users(filter: $f) { id } }', { f: { max: 6 } }).toBe(6 + 1);
    expectCost('{ users(filter: { name: "x" }) { id } }').toBe(10 + 1);
    expectCost('{ users { id } }').toBe(10);
    expectCost('query($f: Filter) { users(filter: $f) { id } }').toBe(10);
  });

  test('several paths: the largest given value wins', () => {
    // The argument's default { limit: 2 } holds no filter: filter.max materializes to 10. Each input
    // object the arguments hold (defaults included) costs 1.
    expectCost('{ deep { id } }').toBe(10 + 1);
    expectCost('{ deep(outer: { limit: 30 }) { id } }').toBe(30 + 1);
    expectCost('{ deep(outer: { filter: { max: 3 }, limit: 1 }) { id } }').toBe(3 + 2);
  });
});

describe('a single string for a list-typed directive argument is a one-item list', () => {
  test('slicingArguments: "first" and sizedFields: "edges"', () => {
    const schema = costSchema(`
      type Edge { id: ID }
      type Conn { edges: [Edge] }
      type Query {
        items(first: Int): [Edge] @listSize(slicingArguments: "first")
        conn(first: Int): Conn @listSize(slicingArguments: "first", sizedFields: "edges")
      }`);
    const { expectCost } = costHarness(schema);
    expectCost('{ items(first: 7) { id } }').toBe(7);
    expectCost('{ conn(first: 3) { edges { id } } }').toBe(1 + 3);
  });
});

describe('schema-build validation accepts exactly what evaluation can use', () => {
  const build = (sdl: string): CostError => {
    try {
      new CostAnalyzer(costSchema(sdl));
    } catch (error) {
      if (error instanceof CostError) return error;
      throw error;
    }
    throw new Error('built');
  };
  const head = `input F { max: Int, name: String, kind: K, nested: F, many: [F], size: Float, big: Big } enum K { A } scalar Big type T { id: ID }`;

  test.each([
    ['f.max', null],
    ['f.size', null],
    ['f.big', null],
    ['f.nested.max', null],
    ['list', null],
    ['f.many', null],
    ['nope', '"nope" is not an argument of the field'],
    ['f.nope', '"nope" is not a field of F'],
    ['f.many.max', 'whose "f.many" is a list: a path cannot pass through a list'],
    ['f.max.x', '"f.max" is not an input object'],
    [
      'f.name',
      'of type String: a slicing argument must be an Int, a Float, a numeric custom scalar or a list',
    ],
    ['f.kind', 'of type K: a slicing argument must be an Int, a Float, a numeric custom scalar or a list'],
    ['f.nested', 'of type F: a slicing argument must be an Int, a Float, a numeric custom scalar or a list'],
    [
      'flag',
      'of type Boolean: a slicing argument must be an Int, a Float, a numeric custom scalar or a list',
    ],
  ])('%s', (path, reason) => {
    const sdl = `${head} type Query { a(f: F, list: [ID], flag: Boolean): [T] @listSize(slicingArguments: ["${path}"]) }`;
    if (reason === null) {
      expect(() => new CostAnalyzer(costSchema(sdl))).not.toThrow();
      return;
    }
    const error = build(sdl);
    expect(error.code).toBe('INVALID_COST_DIRECTIVE');
    expect(error.message).toBe(
      `Invalid cost annotation on Query.a: @listSize(slicingArguments:) names "${path}", ${reason.startsWith('of type') || reason.startsWith('whose') ? '' : 'but '}${reason}`,
    );
  });

  test('the message names the renamed directive', () => {
    const names = { cost: 'weight', listSize: 'size' };
    const schema = buildSchema(`
      directive @size(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
      type Query { a(n: String): [Int] @size(slicingArguments: ["n"]) }`);
    expect(() => new CostAnalyzer(schema, { directiveNames: names })).toThrow(
      'Invalid cost annotation on Query.a: @size(slicingArguments:) names "n", of type String: a slicing argument must be an Int, a Float, a numeric custom scalar or a list',
    );
  });
});

describe('an explicit null argument', () => {
  const sdl = `
    input Filter { tag: String @cost(weight: 2) }
    type Item { id: ID }
    type Query {
      search(filter: Filter @cost(weight: 5), first: Int = 4): [Item] @listSize(slicingArguments: ["first"]) @cost(weight: 1)
    }`;

  test('apollo: null costs 0 (no argument weight, no type cost); a null slicing argument takes the schema default', () => {
    const { expectCost } = costHarness(costSchema(sdl));
    // Field 1 + 4 items.
    expectCost('{ search { id } }').toBe(5);
    expectCost('{ search(filter: null, first: null) { id } }').toBe(5);
    expectCost('query($f: Filter, $n: Int) { search(filter: $f, first: $n) { id } }', {
      f: null,
      n: null,
    }).toBe(5);
    // A given filter: weight 5, input object 1, tag 2.
    expectCost('{ search(filter: { tag: "a" }) { id } }').toBe(5 + 5 + 1 + 2);
    expectCost('{ search(filter: { tag: null }) { id } }').toBe(5 + 5 + 1);
  });

  test('ibm: null is present (its weight, nothing below it); a null slicing argument sizes nothing', () => {
    const analyzer = new CostAnalyzer(costSchema(sdl), { model: 'ibm' });
    const field = (query: string): number | undefined => analyzer.analyze(parse(query)).fieldCost;
    expect(field('{ search { id } }')).toBe(1);
    expect(field('{ search(filter: null) { id } }')).toBe(1 + 5);
    expect(field('{ search(filter: { tag: null }) { id } }')).toBe(1 + 5 + 2);
    // Query 1 + default list size 10 items (null suppresses the schema default of 4).
    expect(analyzer.analyze(parse('{ search(first: null) { id } }')).typeCost).toBe(11);
    expect(analyzer.analyze(parse('{ search { id } }')).typeCost).toBe(5);
  });
});

describe('a complexityDirective that clashes with the cost directives', () => {
  const gqc = `
    directive @cost(value: Int!, multipliers: [String!]) on FIELD_DEFINITION
    type Query { posts(limit: Int): [Post] @cost(value: 3, multipliers: ["limit"]) }
    type Post { id: ID }`;

  test('complexityDirective: "cost" reads graphql-query-complexity\'s @cost(value:) and still reads @cost(weight:)', () => {
    const schema = buildSchema(gqc);
    const analyzer = new CostAnalyzer(schema, { complexityDirective: 'cost' });
    expect(analyzer.analyze(parse('{ posts(limit: 2) { id } }')).total).toBe(6);
    const apollo = costSchema('type Query { a: Int @cost(weight: 4) }');
    expect(new CostAnalyzer(apollo, { complexityDirective: 'cost' }).analyze(parse('{ a }')).total).toBe(4);
  });

  test('without it, a clear error at start that names the directive and the fix', () => {
    expect(() => new CostAnalyzer(buildSchema(gqc))).toThrow(
      "Invalid cost annotation on Query.posts: @cost has no weight argument (it has value, multipliers); this looks like graphql-query-complexity's directive: set complexityDirective: 'cost' or model: 'graphql-query-complexity'",
    );
  });

  test('a complexityDirective named like @listSize is refused, naming both', () => {
    const schema = costSchema('type Query { a: Int }');
    expect(() => new CostAnalyzer(schema, { complexityDirective: 'listSize' })).toThrow(
      'CostOptions.complexityDirective "@listSize" is also the @listSize directive (directiveNames.listSize): rename one of them.',
    );
  });

  test('never "weight must be a number, got undefined"', () => {
    for (const sdl of [gqc, `directive @cost(other: Int) on FIELD_DEFINITION type Query { a: Int @cost }`]) {
      let message = '';
      try {
        new CostAnalyzer(buildSchema(sdl));
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/has no weight argument/);
      expect(message).not.toMatch(/got undefined/);
    }
  });
});

describe('scalar lists', () => {
  test.each<[CostModelName, number]>([
    ['apollo', 0],
    // IBM: the Query object's type cost only.
    ['ibm', 1],
    // Every field costs 1 per item; this preset honours @listSize where a schema has it.
    ['graphql-query-complexity', 10_000],
  ])(
    '%s prices tags(first: 10000) at %i: the audit warns about scalar lists (see audit tests)',
    (model, total) => {
      const schema = buildSchema(
        COST_DIRECTIVES_SDL +
          'type Query { tags(first: Int): [String!] @listSize(slicingArguments: ["first"]) }',
      );
      expect(new CostAnalyzer(schema, { model }).analyze(parse('{ tags(first: 10000) }')).total).toBe(total);
    },
  );
});
