/**
 * Arguments written as literals, and plain `Int` variables, are coerced without graphql-js's
 * `getArgumentValues`/`getVariableValues` on the cold path, and selections are memoised only where a
 * selection set can be reached twice: all must give exactly what graphql-js (and execution) would, errors
 * included.
 */
import { getArgumentValues, getVariableValues, parse } from 'graphql';
import type { FieldNode, OperationDefinitionNode } from 'graphql';
import { costHarness, costSchema } from '../helpers/costHarness.js';

const SDL = `
  type Query {
    items(first: Int, kind: Kind): [Item] @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)
    paged(first: Int = 4): [Item] @listSize(slicingArguments: ["first"])
    required(first: Int!): [Item] @listSize(slicingArguments: ["first"])
    search(term: String @cost(weight: 4), limit: Int! = 2): [Item] @listSize(slicingArguments: ["limit"])
    sizes(size: Int, scale: Int): [Item] @complexity(value: 1, multipliers: ["size", "scale"])
    nodes: [Node] @listSize(assumedSize: 3)
  }
  enum Kind { IMAGE VIDEO }
  interface Node { id: ID }
  type Item implements Node { id: ID child: Item children: [Item] @listSize(assumedSize: 2) }
  type Heavy implements Node @cost(weight: 5) { id: ID parts: [Item] @listSize(assumedSize: 2) }
  directive @complexity(value: Int!, multipliers: [String!]) on FIELD_DEFINITION
`;

const schema = costSchema(SDL);
const { expectCost } = costHarness(schema);
const compat = costHarness(schema, { complexityDirective: 'complexity' });

/** graphql-js's own message for the first field's arguments of `query`. */
function graphqlJsError(query: string): string {
  const operation = parse(query).definitions[0] as OperationDefinitionNode;
  const node = operation.selectionSet.selections[0] as FieldNode;
  const def = schema.getQueryType()!.getFields()[node.name.value]!;
  try {
    getArgumentValues(def, node, {});
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('graphql-js accepted the arguments');
}

describe('literal arguments', () => {
  test('an Int literal sizes the list', () => {
    expectCost('{ items(first: 3) { id } }').toBe(3);
    expectCost('{ items(first: 0) { id } }').toBe(0);
  });

  test('a repeated argument counts its last value, as graphql-js keeps the last node of a name', () => {
    expectCost('{ items(first: 2, first: 7) { id } }').toBe(7);
  });

  test('a missing argument takes its schema default; an explicit null takes the slicing default', () => {
    expectCost('{ paged { id } }').toBe(4);
    expectCost('{ paged(first: null) { id } }').toBe(4);
    // term: 4 points; limit defaults to 2 items of 1 point.
    expectCost('{ search(term: "x") { id } }').toBe(6);
  });

  test('enum literals and unknown arguments do not disturb the size', () => {
    expectCost('{ items(kind: VIDEO, first: 5) { id } }').toBe(5);
  });

  test('compat multipliers read literal arguments, and absent ones are ignored', () => {
    // 1 point per instance (value) and 1 per child: 3 × 4 × 2 = 24; size 3 alone: 3 × 2 = 6.
    compat.expectCost('{ sizes(size: 3, scale: 4) { id child { id } } }').toBe(24);
    compat.expectCost('{ sizes(size: 3) { id child { id } } }').toBe(6);
  });

  test.each([
    ['a string for an Int', '{ items(first: "x") { id } }'],
    ['an Int beyond 32 bits', '{ items(first: 2147483648) { id } }'],
    ['an unknown enum value', '{ items(kind: AUDIO) { id } }'],
    ['a missing required argument', '{ required { id } }'],
    ['null for a required argument', '{ required(first: null) { id } }'],
    ['null for a non-null argument with a default', '{ search(limit: null) { id } }'],
  ])('%s is graphql-js’s own INVALID_OPERATION error', (_, query) => {
    const error = expectCost(query).toThrowCode('INVALID_OPERATION');
    expect(error.message).toBe(graphqlJsError(query));
  });

  test('the graphql-js messages pinned above are the ones users see', () => {
    expect(graphqlJsError('{ items(first: "x") { id } }')).toBe('Argument "first" has invalid value "x".');
    expect(graphqlJsError('{ required { id } }')).toBe(
      'Argument "first" of required type "Int!" was not provided.',
    );
    expect(graphqlJsError('{ required(first: null) { id } }')).toBe(
      'Argument "first" of non-null type "Int!" must not be null.',
    );
  });
});

/** graphql-js's own message for the variables of `query`, or null when it accepts them. */
function graphqlJsVariableError(query: string, variables: Record<string, unknown>): string | null {
  const operation = parse(query).definitions[0] as OperationDefinitionNode;
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  return result.errors?.[0]?.message ?? null;
}

describe('Int variables', () => {
  const query = 'query ($n: Int) { items(first: $n) { id } }';
  const required = 'query ($n: Int!) { items(first: $n) { id } }';
  const withDefault = 'query ($n: Int = 6) { items(first: $n) { id } }';

  test('a valid value, a default, null and absence size the list as graphql-js coerces them', () => {
    expectCost(query, { n: 9 }).toBe(9);
    expectCost(query, { n: -2 }).toBe(0);
    // Clamped to maxListSize (default 10,000).
    expectCost(query, { n: 2147483647 }).toBe(10000);
    expectCost(withDefault, {}).toBe(6);
    expectCost(withDefault, { n: 3 }).toBe(3);
    // requireOneSlicingArgument is off for items: no slicing argument means the default list size, 10.
    expectCost(query, { n: null }).toBe(10);
    expectCost(query, {}).toBe(10);
    expectCost('query ($n: Int = 6) { paged(first: $n) { id } }', { n: null }).toBe(4);
  });

  test.each([
    ['a string', query, { n: '5' }],
    ['a fraction', query, { n: 2.5 }],
    ['an int beyond 32 bits', query, { n: 2147483648 }],
    ['a boolean', query, { n: true }],
    ['null for Int!', required, { n: null }],
    ['no value for Int!', required, {}],
  ])('%s is graphql-js’s own INVALID_VARIABLES error', (_, source, variables) => {
    const error = expectCost(source, variables).toThrowCode('INVALID_VARIABLES');
    expect(error.message).toBe(graphqlJsVariableError(source, variables));
  });

  test('the graphql-js messages pinned above are the ones users see', () => {
    expect(graphqlJsVariableError(query, { n: '5' })).toBe(
      'Variable "$n" got invalid value "5"; Int cannot represent non-integer value: "5"',
    );
    expect(graphqlJsVariableError(required, {})).toBe(
      'Variable "$n" of required type "Int!" was not provided.',
    );
  });
});

describe('selections reached once or several times', () => {
  test('a selection under an abstract type is priced per possible type, inline or through fragments', () => {
    // Item: 1 + 2 children = 3; Heavy: 5 + 2 parts = 7; 3 nodes of the costliest.
    const inline = '{ nodes { id ... on Item { children { id } } ... on Heavy { parts { id } } } }';
    const named =
      '{ nodes { id ...I ...H } } fragment I on Item { children { id } } fragment H on Heavy { parts { id } }';
    expectCost(inline).toBe(21);
    expectCost(named).toBe(21);
  });

  test('a field selected on the interface is compiled for each implementation, with the same result', () => {
    const report = expectCost(
      '{ nodes { ... on Node { id } ... on Item { child { child { id } } } } }',
    ).report();
    // Item: 1 + 1 + 1 = 3 < Heavy 5.
    expect(report.total).toBe(15);
    expect(report.fields).toEqual([
      { path: 'nodes', count: 1, cost: 15 },
      { path: 'nodes.id', count: 3, cost: 0 },
    ]);
  });
});
