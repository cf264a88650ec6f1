/**
 * The `'ibm'` model: the IBM GraphQL Cost Directives specification's worked examples
 * (https://ibm.github.io/graphql-specs/cost-spec.html) and Hot Chocolate's cost-analysis conformance
 * cases (ChilliCream/graphql-platform, src/HotChocolate/CostAnalysis/test/CostAnalysis.Core.Conformance.Tests,
 * `rust-unit` fixtures, themselves ports of graphql-static-analysis-rs), each with IBM's field cost and
 * type cost reported separately, as Hot Chocolate reports them.
 */
import { buildSchema, parse } from 'graphql';
import { CostAnalyzer, CostError } from '../../../src/cost/index.js';
import type { CostOptions } from '../../../src/cost/index.js';

/** IBM's own directive definitions: string weights. */
const IBM_DIRECTIVES = `
directive @cost(weight: String!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
`;

function ibm(sdl: string, options: CostOptions = {}): CostAnalyzer {
  return new CostAnalyzer(buildSchema(IBM_DIRECTIVES + sdl), { model: 'ibm', ...options });
}

function costs(
  analyzer: CostAnalyzer,
  query: string,
  variables: Record<string, unknown> = {},
): { fieldCost: number | undefined; typeCost: number | undefined } {
  const report = analyzer.analyze(parse(query), { variables });
  expect(report.total).toBe((report.fieldCost ?? NaN) + (report.typeCost ?? NaN));
  return { fieldCost: report.fieldCost, typeCost: report.typeCost };
}

describe('the IBM specification’s examples', () => {
  test('Example 1–3: users(max: 5) { age } has a field cost of 11; the response with 3 users, 7', () => {
    const analyzer = ibm(`
      type User { name: String age: Int @cost(weight: "2.0") }
      type Query { users(max: Int): [User] @listSize(slicingArguments: ["max"]) }`);
    const document = parse('query Example { users (max: 5) { age } }');
    const report = analyzer.analyze(document);
    expect(report.fieldCost).toBe(11);
    // Type cost: the Query object and 5 Users.
    expect(report.typeCost).toBe(6);
    const data = { users: [{ age: 33 }, { age: 45 }, { age: 27 }] };
    // Query Response Analysis: field cost 1 + 3 × 2 = 7, type cost 1 + 3 = 4.
    expect(analyzer.actualCost(document, { data })).toBe(7 + 4);
  });

  const products = (filter: string): CostAnalyzer =>
    ibm(`
      input Approximate { tolerance: Float }
      type Product { name: String }
      ${filter}
      type Query {
        topProducts(filter: Filter @cost(weight: "15.0")): [String] @cost(weight: "5.0") @listSize(assumedSize: 10)
        mostPopularProduct(approx: Approximate @cost(weight: "-3.0")): Product @cost(weight: "5.0")
      }`);

  test('Example 10: an argument weight adds to its field (5 + 15 = 20)', () => {
    const analyzer = products('input Filter { approx: Approximate }');
    expect(costs(analyzer, '{ topProducts }').fieldCost).toBe(5);
    // The input field approx is itself of a composite type: IBM's default weight 1.0.
    expect(costs(analyzer, '{ topProducts(filter: {}) }').fieldCost).toBe(20);
  });

  test('Example 11: a negative argument weight reduces its field (5 - 3 = 2)', () => {
    const analyzer = products('input Filter { approx: Approximate }');
    expect(costs(analyzer, '{ mostPopularProduct { name } }').fieldCost).toBe(5);
    expect(costs(analyzer, '{ mostPopularProduct(approx: { tolerance: 0.1 }) { name } }').fieldCost).toBe(2);
  });

  test('Example 12: input field weights (15 - 12 = 3 for the filter, 8 for the field)', () => {
    const analyzer = products('input Filter { approx: Approximate @cost(weight: "-12.0") }');
    expect(costs(analyzer, '{ topProducts(filter: { approx: { tolerance: 0.5 } }) }').fieldCost).toBe(8);
  });

  test('Example 13: a directive argument weight (-1.0 for every @approx)', () => {
    const analyzer = ibm(`
      directive @approx(tolerance: Float! @cost(weight: "-1.0")) on FIELD
      type Query { value: String @cost(weight: "5.0") }`);
    expect(costs(analyzer, '{ value @approx(tolerance: 0.5) }')).toEqual({ fieldCost: 4, typeCost: 1 });
  });

  test('7.1: a field’s overall weight never goes below zero', () => {
    const analyzer = ibm(`type Query { a(cheap: Boolean @cost(weight: "-10")): Int @cost(weight: "3") }`);
    expect(costs(analyzer, '{ a(cheap: true) }').fieldCost).toBe(0);
  });
});

/** The schema most Hot Chocolate conformance cases share. */
const FIXTURE = `
type Query {
  book: Book
  bestsellers: [Book] @listSize(assumedSize: 5)
  newest(limit: Int): [Book] @listSize(slicingArguments: ["limit"])
  users(max: Int): [User] @listSize(slicingArguments: ["max"])
  rangeBooks(first: Int, last: Int): [Book] @listSize(assumedSize: 2, slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
  container(first: Int): Container @listSize(slicingArguments: ["first"], sizedFields: ["page"], requireOneSlicingArgument: false)
  defaultContainer(first: Int = 4): Container @listSize(slicingArguments: ["first"], sizedFields: ["page"])
  listContainer(first: Int): [Container] @listSize(slicingArguments: ["first"], sizedFields: ["page"])
  fieldWithCost(approx: Boolean @cost(weight: "-3")): Int @cost(weight: "5")
  publication: Publication
  inputWithCost(filter: Filter @cost(weight: "15")): Int @cost(weight: "5")
  listInputWithCost(ids: [ID] @cost(weight: "3")): Int
}
type Book implements Publication { title: String author: Author publisher: Publisher }
type Magazine implements Publication @cost(weight: "7") { title: String }
interface Publication { title: String }
type Author { name: String }
type User { age: Int @cost(weight: "2") }
type Publisher { name: String, address: Address }
type Address @cost(weight: "5") { zipCode: Int }
type Container { page: [Book], recent: [Book], metadata: String }
input Filter { approx: Boolean @cost(weight: "-12") nested: Filter }
`;

const DEFAULTED = `
input DefaultedNestedFilter { approx: Boolean = true @cost(weight: "-12") }
input DefaultedFilter { nested: DefaultedNestedFilter = {} @cost(weight: "4") }
type Query { search(filter: DefaultedFilter = {} @cost(weight: "15")): Int @cost(weight: "5") }
`;

const SIGNED = `
scalar Text @cost(weight: "5")
type Query { book: Book }
type Book @cost(weight: "-7") { title: Text, author: Author }
type Author { name: Text }
`;

type HotChocolateCase = [
  id: string,
  sdl: string,
  operation: string,
  variables: Record<string, unknown>,
  expected: { typeCost: number; fieldCost: number },
];

// Each row: the fixture's id, schema, operation, variables, and its expected { typeCost, fieldCost }.
const HOT_CHOCOLATE: HotChocolateCase[] = [
  [
    'abstract_output_uses_the_maximum_possible_object_weight',
    FIXTURE,
    '{ publication { title } }',
    {},
    { typeCost: 8, fieldCost: 1 },
  ],
  [
    'argument_and_input_field_weights_are_applied',
    'input Filter { approximate: Boolean @cost(weight: "-12.0") } type Query { products(filter: Filter @cost(weight: "15.0")): String @cost(weight: "5.0") }',
    'query Example($filter: Filter) { products(filter: $filter) }',
    { filter: { approximate: true } },
    { typeCost: 1, fieldCost: 8 },
  ],
  [
    'assumed_list_size_matches_the_lean_ibm_model',
    FIXTURE,
    '{ bestsellers { title author { name } publisher { name address { zipCode } } } }',
    {},
    { typeCost: 41, fieldCost: 16 },
  ],
  [
    'custom_directive_argument_weights_affect_field_cost',
    'directive @approx(tolerance: Float! @cost(weight: "-1.0")) on FIELD type Query { value: String @cost(weight: "5.0") }',
    '{ value @approx(tolerance: 0.5) }',
    {},
    { typeCost: 1, fieldCost: 4 },
  ],
  [
    'default_and_type_costs_match_the_lean_ibm_model',
    FIXTURE,
    '{ book { title author { name } publisher { name address { zipCode } } } }',
    {},
    { typeCost: 9, fieldCost: 4 },
  ],
  [
    'duplicate_collected_field_costs_once',
    FIXTURE,
    '{ book { title } book { title } }',
    {},
    { typeCost: 2, fieldCost: 1 },
  ],
  [
    'exact_cases_preserve_signed_type_costs_when_collecting_fields',
    SIGNED.replace('type Query {', 'type Query @cost(weight: "0") {'),
    'query Example($a: Boolean!, $b: Boolean!) { book @include(if: $a) { title } book @include(if: $b) { author { name } } }',
    { a: true, b: true },
    { typeCost: 4, fieldCost: 2 },
  ],
  [
    'explicit_null_slicing_argument_suppresses_schema_default',
    FIXTURE,
    '{ defaultContainer(first: null) { page { title } } }',
    {},
    { typeCost: 12, fieldCost: 2 },
  ],
  ['field_call_cost_is_not_multiplied', FIXTURE, '{ fieldWithCost }', {}, { typeCost: 1, fieldCost: 5 }],
  [
    'ibm_users_example_costs_eleven',
    'type User { age: Int @cost(weight: "2.0") } type Query { users(max: Int): [User] @listSize(slicingArguments: ["max"]) }',
    'query Example($max: Int!) { users(max: $max) { age } }',
    { max: 5 },
    { typeCost: 6, fieldCost: 11 },
  ],
  [
    'list_argument_weight_is_paid_once',
    FIXTURE,
    '{ listInputWithCost(ids: ["a", "b", "c"]) }',
    {},
    { typeCost: 1, fieldCost: 3 },
  ],
  [
    'multiple_slicing_arguments_use_their_maximum',
    FIXTURE,
    '{ rangeBooks(first: 3, last: 5) { title } }',
    {},
    { typeCost: 6, fieldCost: 1 },
  ],
  [
    'negative_argument_reduces_field_cost_before_clamping',
    FIXTURE,
    '{ fieldWithCost(approx: true) }',
    {},
    { typeCost: 1, fieldCost: 2 },
  ],
  [
    'negative_root_type_weight_is_clamped_at_zero',
    'scalar Text type Query @cost(weight: "-3") { value: Text }',
    '{ value }',
    {},
    { typeCost: 0, fieldCost: 0 },
  ],
  [
    'negative_type_weight_offsets_child_cost',
    SIGNED,
    '{ book { title } }',
    {},
    { typeCost: 1, fieldCost: 1 },
  ],
  [
    'nested_undefined_uses_default_but_explicit_null_suppresses_it',
    DEFAULTED,
    '{ search(filter: { nested: null }) }',
    {},
    { typeCost: 1, fieldCost: 24 },
  ],
  [
    'numeric_slicing_argument_matches_the_lean_ibm_model',
    FIXTURE,
    '{ newest(limit: 3) { title author { name } publisher { name address { zipCode } } } }',
    {},
    { typeCost: 25, fieldCost: 10 },
  ],
  [
    'omitted_undefined_and_supplied_objects_materialize_nested_defaults',
    DEFAULTED,
    'query Example($filter: DefaultedFilter) { search(filter: $filter) }',
    { filter: {} },
    { typeCost: 1, fieldCost: 12 },
  ],
  [
    'operation_and_schema_argument_defaults_bound_lists',
    'type User { name: String } type Query { users(first: Int = 3): [User] @listSize(slicingArguments: "first") }',
    'query Example($first: Int = 4) { schemaDefault: users { name } operationDefault: users(first: $first) { name } }',
    {},
    { typeCost: 8, fieldCost: 2 },
  ],
  [
    'operation_variable_default_is_used_for_slicing',
    FIXTURE,
    'query Example($limit: Int = 3) { newest(limit: $limit) { title author { name } publisher { name address { zipCode } } } }',
    {},
    { typeCost: 25, fieldCost: 10 },
  ],
  [
    'operation_variable_default_prunes_exact_case_cost',
    FIXTURE,
    'query Example($skipBook: Boolean = true) { book @skip(if: $skipBook) { title author { name } publisher { name address { zipCode } } } }',
    {},
    { typeCost: 1, fieldCost: 0 },
  ],
  [
    'recursive_input_object_cost_terminates',
    FIXTURE,
    '{ inputWithCost(filter: { nested: { approx: true } }) }',
    {},
    { typeCost: 1, fieldCost: 9 },
  ],
  [
    'schema_argument_default_applies_when_an_optional_variable_is_undefined',
    'type User { name: String } type Query { users(first: Int = 3): [User] @listSize(slicingArguments: ["first"]) }',
    'query Example($first: Int) { users(first: $first) { name } }',
    {},
    { typeCost: 4, fieldCost: 1 },
  ],
  [
    'signed_input_cost_is_clamped_at_the_field_boundary',
    FIXTURE,
    '{ inputWithCost(filter: { approx: true }) }',
    {},
    { typeCost: 1, fieldCost: 8 },
  ],
  [
    'sized_field_matches_the_lean_ibm_model',
    FIXTURE,
    '{ container(first: 3) { page { title } recent { title } } }',
    {},
    { typeCost: 15, fieldCost: 3 },
  ],
  [
    'sized_fields_apply_a_parent_slice_to_a_child_list',
    'type Edge { node: String } type Connection { edges: [Edge] } type Query { items(first: Int): Connection @listSize(slicingArguments: ["first"], sizedFields: ["edges"]) }',
    'query Example($first: Int!) { items(first: $first) { edges { node } } }',
    { first: 3 },
    { typeCost: 5, fieldCost: 2 },
  ],
  [
    'sized_fields_redirect_size_from_the_annotated_list',
    FIXTURE,
    '{ listContainer(first: 3) { page { title } } }',
    {},
    { typeCost: 41, fieldCost: 11 },
  ],
  [
    'slicing_argument_takes_precedence_over_assumed_size',
    FIXTURE,
    '{ rangeBooks(first: 1) { title } }',
    {},
    { typeCost: 2, fieldCost: 1 },
  ],
  [
    'slicing_argument_uses_schema_default',
    FIXTURE,
    '{ defaultContainer { page { title } } }',
    {},
    { typeCost: 6, fieldCost: 2 },
  ],
  [
    'slicing_argument_uses_schema_default_for_undefined_variable',
    FIXTURE,
    'query Example($first: Int) { defaultContainer(first: $first) { page { title } } }',
    {},
    { typeCost: 6, fieldCost: 2 },
  ],
  [
    'supplied_null_overrides_an_operation_default',
    DEFAULTED,
    'query Example($filter: DefaultedFilter = { nested: null }) { search(filter: $filter) }',
    { filter: null },
    { typeCost: 1, fieldCost: 20 },
  ],
  [
    'undefined_weighted_inputs_are_omitted_but_null_is_present',
    FIXTURE,
    'query Example($approx: Boolean) { inputWithCost(filter: { approx: $approx }) }',
    {},
    { typeCost: 1, fieldCost: 20 },
  ],
];

describe('Hot Chocolate’s cost-analysis conformance cases', () => {
  test.each(HOT_CHOCOLATE)('%s', (_id, sdl, operation, variables, expected) => {
    const report = ibm(sdl).analyze(parse(operation), { variables });
    expect({ typeCost: report.typeCost, fieldCost: report.fieldCost }).toEqual(expected);
  });

  test(`all ${HOT_CHOCOLATE.length} cases are here`, () => {
    expect(HOT_CHOCOLATE.length).toBe(32);
  });
});

describe('field cost and type cost are limited separately, as Hot Chocolate does', () => {
  const analyzer = (options: CostOptions): CostAnalyzer => ibm(FIXTURE, options);
  const query = '{ bestsellers { title author { name } publisher { name address { zipCode } } } }';

  test('maxFieldCost', () => {
    expect(analyzer({ maxFieldCost: 16 }).analyze(parse(query)).fieldCost).toBe(16);
    let caught: unknown;
    try {
      analyzer({ maxFieldCost: 15 }).analyze(parse(query));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CostError);
    const error = caught as CostError;
    expect(error.message).toBe(
      'The operation has a field cost of 16 points, more than the maximum of 15 (maxFieldCost).',
    );
    expect(error.extensions).toMatchObject({
      code: 'COST_LIMIT_EXCEEDED',
      limit: 'fieldCost',
      fieldCost: 16,
      maxFieldCost: 15,
      cost: 57,
    });
  });

  test('maxTypeCost', () => {
    expect(() => analyzer({ maxTypeCost: 41, maxFieldCost: 16 }).analyze(parse(query))).not.toThrow();
    expect(() => analyzer({ maxTypeCost: 40 }).analyze(parse(query))).toThrow(
      'The operation has a type cost of 41 points, more than the maximum of 40 (maxTypeCost).',
    );
  });

  test('maxCost limits their sum, the total', () => {
    expect(analyzer({}).analyze(parse(query)).total).toBe(57);
    expect(() => analyzer({ maxCost: 56 }).analyze(parse(query))).toThrow(
      'The operation costs 57 points, more than the maximum of 56.',
    );
  });

  test('the report shows both, and its breakdown adds up to the total', () => {
    const report = analyzer({}).analyze(parse(query));
    const json = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
    expect(json).toMatchObject({ total: 57, fieldCost: 16, typeCost: 41 });
    expect(report.fields.reduce((sum, f) => sum + f.cost, 0)).toBe(57 - 1);
  });
});
