/**
 * The `'graphql-query-complexity'` model against graphql-query-complexity 2.x itself: its
 * directiveEstimator test suite (src/estimators/directive/__tests__/directiveEstimator-test.ts) with the
 * same schema and numbers, its QueryComplexity tests that need no estimator function, and the installed
 * package run side by side on the same documents (`[directiveEstimator(), simpleEstimator({
 * defaultComplexity: 1 })]`, the combination its README recommends).
 */
import { buildSchema, parse } from 'graphql';
import { directiveEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { CostAnalyzer, CostError } from '../../../src/cost/index.js';
import type { CostOptions } from '../../../src/cost/index.js';

const gqc = (options: CostOptions = {}): CostOptions => ({ model: 'graphql-query-complexity', ...options });

describe('directiveEstimator tests', () => {
  // The suite's fixture schema, verbatim in substance.
  const schema = buildSchema(`
    directive @cost(value: Int!, multipliers: [String!]) on FIELD_DEFINITION
    directive @complexity(value: Int!, multipliers: [String!]) on FIELD_DEFINITION
    type Query {
      scalar: String @complexity(value: 5)
      negativeCostScalar: String @complexity(value: -20)
      multiDirective: String @cost(value: 1) @complexity(value: 2)
      noDirective: Boolean
      childList(limit: Int, ids: [ID], first: Int, filter: Filter): [ChildType]
        @complexity(value: 3, multipliers: ["first", "limit", "ids", "filter.limit", "filter.filters.0.limit"])
    }
    input Filter { limit: Int ids: [ID] filters: [Filter] }
    type ChildType { scalar: String @complexity(value: 2) }`);
  const analyzer = new CostAnalyzer(schema, gqc());
  const cost = (query: string, analyzerUsed: CostAnalyzer = analyzer): number =>
    analyzerUsed.analyze(parse(query)).total;

  test.each([
    ['should read complexity from directive', '{ scalar }', 5],
    ['should not allow negative cost', '{ negativeCostScalar }', 0],
    ['uses default directive name', '{ multiDirective }', 2],
    [
      'returns value + child complexity for configured multipliers but no values',
      '{ childList { scalar } }',
      5,
    ],
    ['uses numeric multiplier value', '{ childList(limit: 2) { scalar } }', 10],
    ['combines multiple numeric multiplier values', '{ childList(limit: 2, first: 2) { scalar } }', 20],
    ['uses multiplier array value length', '{ childList(ids: ["a", "b"]) { scalar } }', 10],
    ['uses nested multiplier paths', '{ childList(filter: { limit: 3 }) { scalar } }', 15],
    [
      'uses multi level nested multiplier paths with array reference',
      '{ childList(filter: { filters: [{ limit: 2 }] }) { scalar } }',
      10,
    ],
  ])('%s', (_name, query, expected) => {
    expect(cost(query)).toBe(expected);
    expect(getComplexity({ schema, query: parse(query), estimators: [directiveEstimator()] })).toBe(expected);
  });

  test('uses configured directive name (complexityDirective: "cost")', () => {
    expect(cost('{ multiDirective }', new CostAnalyzer(schema, gqc({ complexityDirective: 'cost' })))).toBe(
      1,
    );
  });

  test('ignores fields without complexity directive: the preset falls back to simpleEstimator (1 point)', () => {
    // directiveEstimator alone reports "No complexity could be calculated"; the preset is
    // [directiveEstimator(), simpleEstimator({ defaultComplexity: 1 })], which gives 1.
    expect(cost('{ noDirective }')).toBe(1);
    const estimators = [directiveEstimator(), simpleEstimator({ defaultComplexity: 1 })];
    expect(getComplexity({ schema, query: parse('{ noDirective }'), estimators })).toBe(1);
  });
});

/** graphql-query-complexity's QueryComplexity fixture, in SDL, where its complexities are numbers. */
const FIXTURE = `
  directive @complexity(value: Int!, multipliers: [String!]) on FIELD_DEFINITION
  type Item {
    variableList(count: Int): Item @complexity(value: 0, multipliers: ["count"])
    scalar: String
    complexScalar: String @complexity(value: 20)
    variableScalar(count: Int): Item
    list: [Item]
    nonNullItem: Item!
    nonNullList: [Item!]!
  }
  interface NameInterface { name: String }
  type SecondItem implements NameInterface { name: String scalar: String }
  enum RGB { RED GREEN BLUE }
  union Union = Item | SecondItem
  interface UnionInterface { union: Union }
  interface SDLInterface { sdl: String }
  type SDL implements SDLInterface { sdl: String }
  type Query {
    name: String
    variableList(count: Int): Item @complexity(value: 0, multipliers: ["count"])
    interface: NameInterface
    enum: RGB
    scalar: String
    complexScalar: String @complexity(value: 20)
    union: Union
    variableScalar(count: Int): Item
    list: [Item]
    nonNullItem: Item!
    nonNullList: [Item!]!
    requiredArgs(count: Int!): Item
    _service: SDLInterface
  }
  type Mutation { scalar: String, list: [Item] }
`;

describe('QueryComplexity tests and the package side by side', () => {
  const schema = buildSchema(FIXTURE);
  const analyzer = new CostAnalyzer(schema, gqc());
  const estimators = [directiveEstimator(), simpleEstimator({ defaultComplexity: 1 })];
  const theirs = (query: string, variables: Record<string, unknown> = {}): number =>
    getComplexity({ schema, query: parse(query), variables, estimators });
  const ours = (query: string, variables: Record<string, unknown> = {}): number =>
    analyzer.analyze(parse(query), { variables }).total;

  // The test names are theirs; a query whose field needs a selection in valid GraphQL gets `{ scalar }`.
  test.each<[string, string, Record<string, unknown>, number]>([
    ['should calculate complexity', '{ scalar }', {}, 1],
    [
      'should respect @include(if: false) via default variable value',
      'query Foo($shouldSkip: Boolean = false) { variableScalar(count: 10) @include(if: $shouldSkip) { scalar } }',
      {},
      0,
    ],
    [
      'should respect @include(if: false)',
      '{ variableScalar(count: 10) @include(if: false) { scalar } }',
      {},
      0,
    ],
    [
      'should respect @include(if: true)',
      '{ variableScalar(count: 10) @include(if: true) { scalar } }',
      {},
      2,
    ],
    ['should respect @skip(if: true)', '{ variableScalar(count: 10) @skip(if: true) { scalar } }', {}, 0],
    ['should respect @skip(if: false)', '{ variableScalar(count: 10) @skip(if: false) { scalar } }', {}, 2],
    [
      'should respect @skip(if: false) @include(if: true)',
      '{ variableScalar(count: 10) @skip(if: false) @include(if: true) { scalar } }',
      {},
      2,
    ],
    [
      'should calculate complexity with variables',
      'query Q($count: Int) { variableList(count: $count) { scalar complexScalar } }',
      { count: 5 },
      105,
    ],
    [
      'should calculate complexity with variables and default value',
      'query Q($count: Int = 5) { variableList(count: $count) { scalar complexScalar } }',
      {},
      105,
    ],
    [
      'should add inline fragments',
      '{ variableScalar(count: 5) { ... on Item { scalar complexScalar } } }',
      {},
      22,
    ],
    [
      'should add fragments',
      '{ variableScalar(count: 5) { ...F } } fragment F on Item { scalar complexScalar }',
      {},
      22,
    ],
    [
      'should add complexity for union types',
      '{ union { ... on Item { scalar complexScalar } ... on SecondItem { name scalar } } }',
      {},
      22,
    ],
    [
      'should add complexity for interface types',
      '{ interface { name ... on SecondItem { scalar } } }',
      {},
      3,
    ],
    [
      'should add complexity for inline fragments without type condition',
      '{ interface { ... { name } } }',
      {},
      2,
    ],
    ['should add complexity for enum types', '{ enum }', {}, 1],
    [
      'should calculate complexity for meta fields',
      '{ __typename union { ... on Item { __typename } } }',
      {},
      3,
    ],
    [
      'should calculate max complexity for fragment on union type',
      '{ union { ...on Item { scalar } ...on SecondItem { scalar name } } }',
      {},
      3,
    ],
    [
      'lists count once (simpleEstimator)',
      '{ list { scalar list { scalar } } nonNullList { scalar } }',
      {},
      6,
    ],
    ['mutations have no surcharge', 'mutation { scalar list { scalar } }', {}, 3],
    ['aliases count as fields', '{ a: scalar b: scalar c: complexScalar }', {}, 22],
  ])('%s', (_name, query, variables, expected) => {
    expect(ours(query, variables)).toBe(expected);
    expect(theirs(query, variables)).toBe(expected);
  });

  test('should not allow negative cost (defaultComplexity -100 → 0)', () => {
    const negative = new CostAnalyzer(schema, gqc({ leafTypeCost: -100, objectTypeCost: -100 }));
    expect(negative.analyze(parse('{ variableScalar(count: -100) { scalar } }')).total).toBe(0);
    const estimatorsNegative = [simpleEstimator({ defaultComplexity: -100 })];
    const query = parse('{ variableScalar(count: -100) { scalar } }');
    expect(getComplexity({ schema, query, estimators: estimatorsNegative })).toBe(0);
  });

  test('should calculate complexity for specific operation', () => {
    const document = parse(`
      query A { variableList(count: 2) { scalar complexScalar } }
      query B { scalar complexScalar }`);
    expect(analyzer.analyze(document, { operationName: 'A' }).total).toBe(42);
    expect(analyzer.analyze(document, { operationName: 'B' }).total).toBe(21);
    expect(getComplexity({ schema, query: document, operationName: 'A', estimators })).toBe(42);
    expect(getComplexity({ schema, query: document, operationName: 'B', estimators })).toBe(21);
  });

  // Deliberate differences (docs/cost-models.md): graphql-query-complexity silently prices invalid
  // documents; graphql-quota refuses them, since execution would.
  test.each([
    ['should ignore unknown fragments', '{ ...UnknownFragment scalar }', 1],
    ['should ignore inline fragment on unknown type', '{ ... on UnknownType { scalar } }', 0],
    ['should ignore fragment on unknown type', '{ ...F } fragment F on UnknownType { scalar }', 0],
    ['should ignore unknown field', '{ unknownField }', 0],
  ])('%s: they score %i, graphql-quota refuses the document', (_name, query, theirScore) => {
    expect(theirs(query)).toBe(theirScore);
    expect(() => ours(query)).toThrow(CostError);
  });

  test('fields that execution merges count once here, once per occurrence there', () => {
    const query = '{ __typename union { __typename ... on Item { __typename } } }';
    expect(theirs(query)).toBe(4);
    expect(ours(query)).toBe(3);
    expect(theirs('{ scalar scalar }')).toBe(2);
    expect(ours('{ scalar scalar }')).toBe(1);
  });
});
