/**
 * Where costs come from: the directive definitions, renamed directives, IBM string weights, code-first
 * extensions, graphql-query-complexity's @complexity, and what happens with malformed annotations.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GraphQLInt,
  GraphQLList,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  buildSchema,
  parse,
} from 'graphql';
import {
  COST_DIRECTIVES_SDL,
  CostAnalyzer,
  CostError,
  DEFAULT_LIST_SIZE,
  DEFAULT_MAX_LIST_SIZE,
  analyzeCost,
  costDirectivesSDL,
} from '../../src/cost/index.js';
import { costHarness, costSchema } from '../helpers/costHarness.js';

test('schema/cost-directives.graphql holds exactly COST_DIRECTIVES_SDL', () => {
  const file = readFileSync(join(__dirname, '../../schema/cost-directives.graphql'), 'utf8');
  expect(file).toBe(COST_DIRECTIVES_SDL);
});

test('COST_DIRECTIVES_SDL defines @cost and @listSize as Apollo Federation does', () => {
  const schema = buildSchema(COST_DIRECTIVES_SDL + 'type Query { a: Int }');
  const cost = schema.getDirective('cost')!;
  const listSize = schema.getDirective('listSize')!;
  expect(cost.args.map((arg) => `${arg.name}: ${String(arg.type)}`)).toEqual(['weight: Int!']);
  expect(cost.locations).toEqual([
    'ARGUMENT_DEFINITION',
    'ENUM',
    'FIELD_DEFINITION',
    'INPUT_FIELD_DEFINITION',
    'OBJECT',
    'SCALAR',
  ]);
  expect(
    listSize.args.map((arg) => `${arg.name}: ${String(arg.type)} = ${String(arg.defaultValue)}`),
  ).toEqual([
    'assumedSize: Int = undefined',
    'slicingArguments: [String!] = undefined',
    'sizedFields: [String!] = undefined',
    'requireOneSlicingArgument: Boolean = true',
  ]);
  expect(listSize.locations).toEqual(['FIELD_DEFINITION']);
});

test('renamed directives are read under their new names, and costDirectivesSDL renames them', () => {
  const names = { cost: 'weight', listSize: 'size' };
  expect(costDirectivesSDL(names)).toContain('directive @weight(\n  weight: Int!');
  const schema = costSchema(
    `type Query { items: [Item] @size(assumedSize: 3) @weight(weight: 4) }
     type Item @weight(weight: 2) { id: ID }`,
    costDirectivesSDL(names),
  );
  costHarness(schema, { directiveNames: names }).expectCost('{ items { id } }').toBe(10);
  // Under the default names the renamed directives mean nothing.
  costHarness(schema).expectCost('{ items { id } }').toBe(DEFAULT_LIST_SIZE);
});

test('IBM / Hot Chocolate string weights ("2.0") are accepted; fractions round up', () => {
  const ibm = `directive @cost(weight: String!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
    directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION`;
  const schema = costSchema(
    `type Query { a: Int @cost(weight: "2.0") b: Item @cost(weight: "1.5") }
     type Item @cost(weight: "3") { id: ID }`,
    ibm,
  );
  const { expectCost } = costHarness(schema);
  expectCost('{ a }').toBe(2);
  expectCost('{ b { id } }').toBe(5);
});

test('an implementation without its own annotation inherits the interface field’s', () => {
  const schema = costSchema(`
    type Query { node: Node thing: Thing }
    interface Node { related: [Thing] @listSize(assumedSize: 2) score: Int @cost(weight: 3) }
    type Thing implements Node { related: [Thing] score: Int }
  `);
  const { expectCost } = costHarness(schema);
  expectCost('{ thing { related { score } } }').toBe(1 + 2 + 2 * 3);
  expectCost('{ node { related { score } } }').toBe(1 + 2 + 2 * 3);
});

describe('code-first extensions', () => {
  const item = new GraphQLObjectType({
    name: 'Item',
    extensions: { cost: { weight: 2 } },
    fields: { id: { type: GraphQLString } },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        item: { type: item },
        priced: { type: GraphQLInt, extensions: { cost: { weight: '4' } } },
        plain: { type: GraphQLInt, extensions: { cost: 6 } },
        items: {
          type: new GraphQLList(item),
          args: {
            first: { type: GraphQLInt },
            q: { type: GraphQLString, extensions: { cost: { weight: 5 } } },
          },
          extensions: {
            listSize: { slicingArguments: ['first'], requireOneSlicingArgument: false, assumedSize: 3 },
          },
        },
      },
    }),
  });
  const { expectCost } = costHarness(schema);

  test('extensions.cost on types, fields and arguments; extensions.listSize on fields', () => {
    expectCost('{ item { id } }').toBe(2);
    expectCost('{ priced plain }').toBe(10);
    expectCost('{ items { id } }').toBe(6);
    expectCost('{ items(first: 4, q: "x") { id } }').toBe(13);
  });

  test('code-first listSize defaults requireOneSlicingArgument to true, like the directive', () => {
    const strict = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          items: {
            type: new GraphQLList(item),
            args: { first: { type: GraphQLInt } },
            extensions: { listSize: { slicingArguments: ['first'] } },
          },
        },
      }),
    });
    costHarness(strict).expectCost('{ items { id } }').toThrowCode('INVALID_SLICING_ARGUMENTS');
  });
});

describe('graphql-query-complexity compatibility (opt-in)', () => {
  const sdl = `
    directive @complexity(value: Int!, multipliers: [String!]) on FIELD_DEFINITION
    type Query {
      posts(limit: Int, ids: [ID], filter: PostFilter): [Post] @complexity(value: 2, multipliers: ["limit", "ids", "filter.take"])
      fixed: Post @complexity(value: 7)
    }
    input PostFilter { take: Int }
    type Post { id: ID }
  `;

  test('value is the points per instance, multipliers multiply into the list size', () => {
    const { expectCost } = costHarness(costSchema(sdl), { complexityDirective: true });
    expectCost('{ posts(limit: 5) { id } }').toBe(10);
    expectCost('{ posts(ids: [1, 2, 3]) { id } }').toBe(6);
    // 5 × 2 posts × 2 points, plus 1 for the input object given as an argument.
    expectCost('{ posts(limit: 5, filter: { take: 2 }) { id } }').toBe(21);
    expectCost('query($l: Int) { posts(limit: $l) { id } }', { l: 4 }).toBe(8);
    expectCost('{ posts { id } }').toBe(2);
    expectCost('{ fixed { id } }').toBe(7);
  });

  test('off by default, and renamable', () => {
    costHarness(costSchema(sdl)).expectCost('{ fixed { id } }').toBe(1);
    const renamed = sdl.replaceAll('@complexity', '@cx');
    costHarness(costSchema(renamed), { complexityDirective: 'cx' }).expectCost('{ fixed { id } }').toBe(7);
  });

  test('code-first extensions.complexity numbers', () => {
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: { n: { type: GraphQLInt, extensions: { complexity: 3 } } },
      }),
    });
    costHarness(schema, { complexityDirective: true }).expectCost('{ n }').toBe(3);
  });
});

describe('malformed annotations are INVALID_COST_DIRECTIVE when the analyzer is built', () => {
  const build = (sdl: string): CostError | null => {
    try {
      new CostAnalyzer(costSchema(sdl));
      return null;
    } catch (error) {
      return error as CostError;
    }
  };

  test.each([
    [
      'type Query { a(first: Int): [Int] @listSize(slicingArguments: ["nope"]) }',
      'Query.a',
      '@listSize(slicingArguments:) names "nope", but "nope" is not an argument of the field',
    ],
    [
      'type Query { a: T @listSize(sizedFields: ["nope"]) } type T { id: ID }',
      'Query.a',
      '@listSize(sizedFields:) names "nope", which is not a field of T',
    ],
    [
      'type Query { a: [Int] @listSize(assumedSize: -1) }',
      'Query.a',
      '@listSize(assumedSize:) must be a non-negative integer, got -1',
    ],
  ])('%s', (sdl, coordinate, reason) => {
    const error = build(sdl);
    expect(error).toBeInstanceOf(CostError);
    expect(error?.code).toBe('INVALID_COST_DIRECTIVE');
    expect(error?.message).toBe(`Invalid cost annotation on ${coordinate}: ${reason}`);
  });

  test('a non-numeric string weight', () => {
    const ibm = 'directive @cost(weight: String!) on FIELD_DEFINITION\n';
    const error = (() => {
      try {
        new CostAnalyzer(buildSchema(ibm + 'type Query { a: Int @cost(weight: "lots") }'));
      } catch (caught) {
        return caught as CostError;
      }
      return null;
    })();
    expect(error?.code).toBe('INVALID_COST_DIRECTIVE');
    expect(error?.message).toBe(
      'Invalid cost annotation on Query.a: weight must be a number from -1000000000 to 1000000000, got "lots"',
    );
  });

  test.each([
    [
      'a weight beyond the cap',
      '@cost(weight: "2000000000")',
      'weight must be a number from -1000000000 to 1000000000, got "2000000000"',
    ],
    [
      'an infinite weight',
      '@cost(weight: "1e400")',
      'weight must be a number from -1000000000 to 1000000000, got "1e400"',
    ],
    [
      'an infinite assumed size',
      '@listSize(assumedSize: 1e400)',
      'listSize(assumedSize:) must be a non-negative integer, got Infinity',
    ],
  ])('%s names the range and the value as written', (_name, annotation, reason) => {
    let error: unknown;
    try {
      new CostAnalyzer(costSchema(`type Query { a: [Int] ${annotation} }`));
    } catch (caught) {
      error = caught;
    }
    expect((error as CostError).message).toContain(reason);
  });
});

describe('options are validated eagerly', () => {
  const schema = costSchema('type Query { a: Int }');
  test.each([
    [{ maxDepth: 0 }, 'CostOptions.maxDepth must be an integer from 1 to 500, got 0'],
    [{ maxDepth: 5000 }, 'CostOptions.maxDepth must be an integer from 1 to 500, got 5000'],
    [
      { defaultListSize: 2.5 },
      'CostOptions.defaultListSize must be an integer from 0 to 1000000000, got 2.5',
    ],
    [{ maxCost: -1 }, 'CostOptions.maxCost must be a non-negative number or Infinity, got -1'],
    [
      { directiveNames: { cost: 'not a name' } },
      'CostOptions.directiveNames.cost must be a GraphQL name, got not a name',
    ],
  ])('%j', (options, message) => {
    expect(() => new CostAnalyzer(schema, options)).toThrow(new TypeError(message));
  });

  test('defaults', () => {
    const analyzer = new CostAnalyzer(schema);
    expect(analyzer.options).toEqual({
      model: 'apollo',
      objectTypeCost: 1,
      leafTypeCost: 0,
      mutationCost: 10,
      queryCost: 0,
      subscriptionCost: 0,
      introspectionCost: 1,
      defaultListSize: 10,
      maxListSize: DEFAULT_MAX_LIST_SIZE,
      depthCost: 0,
      maxDepth: 64,
      maxCost: Number.POSITIVE_INFINITY,
      maxFieldCost: Number.POSITIVE_INFINITY,
      maxTypeCost: Number.POSITIVE_INFINITY,
      errorFieldCount: 5,
      maxBreakdownFields: 1000,
      directiveNames: { cost: 'cost', listSize: 'listSize' },
      complexityDirective: null,
      conventions: null,
      maxNodes: Number.POSITIVE_INFINITY,
      points: null,
      chargeDefaultedArguments: true,
    });
  });
});

test('analyzeCost prices SDL and query text in one call', () => {
  const report = analyzeCost({
    schema:
      COST_DIRECTIVES_SDL +
      'type Query { items(first: Int): [Item] @listSize(slicingArguments: ["first"]) } type Item { id: ID }',
    query: 'query Q($n: Int) { items(first: $n) { id } }',
    variables: { n: 7 },
    operationName: 'Q',
    options: { mutationCost: 10 },
  });
  expect([report.total, report.operationName]).toEqual([7, 'Q']);
  expect(analyzeCost({ schema: costSchema('type Query { a: Int }'), query: parse('{ a }') }).total).toBe(0);
});
