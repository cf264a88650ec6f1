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
    tagged(ids: [Int!], weight: Float): [Item] @listSize(slicingArguments: ["ids"], requireOneSlicingArgument: false)
    literal(Int: Int @cost(weight: 1), Float: Float @cost(weight: 2), String: String @cost(weight: 4), Boolean: Boolean @cost(weight: 8), ID: ID @cost(weight: 16), Ints: [Int] @cost(weight: 32), Strings: [String!] @cost(weight: 64), IDs: [ID!] @cost(weight: 128)): Item
    typed(Int: Int @cost(weight: 1), Float: Float @cost(weight: 2), String: String @cost(weight: 4), Boolean: Boolean @cost(weight: 8), ID: ID @cost(weight: 16)): Item
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

  test('Int literals at the edges of 32 bits, and Int literals given to other types, coerce as graphql-js does', () => {
    expectCost('{ items(first: 2147483647) { id } }').toBe(10000); // clamped to maxListSize
    expectCost('{ items(first: -2147483648) { id } }').toBe(0); // a negative size counts as 0
    expectCost('{ paged(first: 5) { id } }').toBe(5);
    // An Int literal for a list of Int is a one-item list (size 1); for a Float it is that number.
    expectCost('{ tagged(ids: 7) { id } }').toBe(1);
    expectCost('{ tagged(ids: [7, 8, 9], weight: 2) { id } }').toBe(3);
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
    ['a negative Int beyond 32 bits', '{ items(first: -2147483649) { id } }'],
    ['an Int beyond 32 bits for a required Int', '{ required(first: 9007199254740993) { id } }'],
    ['an Int beyond 32 bits in a list', '{ tagged(ids: [1, 2147483648]) { id } }'],
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

describe('literals of every built-in scalar and lists of them, read without valueFromAST when plain', () => {
  const WEIGHT = { Int: 1, Float: 2, String: 4, Boolean: 8, ID: 16, Ints: 32, Strings: 64, IDs: 128 };
  const LITERALS = [
    '5',
    '-0',
    '2147483647',
    '2147483648',
    '-2147483649',
    '2.5',
    '1e3',
    '"5"',
    '""',
    '"""block"""',
    'true',
    'null',
    'RED',
    '{ a: 1 }',
    '[]',
    '[1, 2]',
    '[1, null]',
    '["a", "b"]',
    '["a", 2]',
    '[2147483648]',
    '[true]',
  ];
  const cases = Object.keys(WEIGHT).flatMap((arg) => LITERALS.map((literal) => ({ arg, literal })));

  test.each(cases)('$arg: $literal, accepted or refused as graphql-js does', ({ arg, literal }) => {
    const query = `{ literal(${arg}: ${literal}) { id } }`;
    const node = (parse(query).definitions[0] as OperationDefinitionNode).selectionSet
      .selections[0] as FieldNode;
    let coerced: Record<string, unknown> | null = null;
    let message: string | null = null;
    try {
      coerced = getArgumentValues(schema.getQueryType()!.getFields()['literal']!, node, {});
    } catch (error) {
      message = (error as Error).message;
    }
    if (message !== null) {
      expect(expectCost(query).toThrowCode('INVALID_OPERATION').message).toBe(message);
      return;
    }
    const value = coerced![arg];
    expectCost(query).toBe(
      1 + (value === null || value === undefined ? 0 : WEIGHT[arg as keyof typeof WEIGHT]),
    );
  });
});

describe('variables of every built-in scalar, read without getVariableValues when plainly valid', () => {
  const SCALARS = ['Int', 'Float', 'String', 'Boolean', 'ID'] as const;
  const WEIGHT = { Int: 1, Float: 2, String: 4, Boolean: 8, ID: 16 };
  const VALUES: readonly unknown[] = [
    5,
    -0,
    2.5,
    1e3,
    2147483648,
    -2147483649,
    Infinity,
    NaN,
    '5',
    '',
    'x',
    true,
    false,
    null,
    [1],
    {},
  ];
  const cases = SCALARS.flatMap((type) =>
    ['', '!', ' = null', '! = 7'].flatMap((suffix) =>
      [...VALUES.map((value) => ({ v: value })), {}].map((variables) => ({ type, suffix, variables })),
    ),
  );

  test.each(cases)(
    '$type$suffix with $variables: accepted or refused as graphql-js does, charged when not null',
    ({ type, suffix, variables }) => {
      const query = `query ($v: ${type}${suffix}) { typed(${type}: $v) { id } }`;
      const message = graphqlJsVariableError(query, variables);
      if (message !== null) {
        expect(expectCost(query, variables).toThrowCode('INVALID_VARIABLES').message).toBe(message);
        return;
      }
      const operation = parse(query).definitions[0] as OperationDefinitionNode;
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables).coerced;
      const given = coerced?.['v'] !== undefined && coerced['v'] !== null;
      expectCost(query, variables).toBe(1 + (given ? WEIGHT[type] : 0));
    },
  );
});

describe('variable arguments, read without getArgumentValues', () => {
  /** graphql-js's own message for the first field's arguments, with the variables coerced, or null. */
  function graphqlJsArgumentError(query: string, variables: Record<string, unknown>): string | null {
    const operation = parse(query).definitions[0] as OperationDefinitionNode;
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables).coerced!;
    const node = operation.selectionSet.selections[0] as FieldNode;
    try {
      getArgumentValues(schema.getQueryType()!.getFields()[node.name.value]!, node, coerced);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  test.each([
    ['a variable left out, for a non-null argument', 'query ($n: Int) { required(first: $n) { id } }', {}],
    ['null, for a non-null argument', 'query ($n: Int) { required(first: $n) { id } }', { n: null }],
    [
      'null, for a non-null argument with a default',
      'query ($n: Int) { search(limit: $n) { id } }',
      { n: null },
    ],
  ])('%s is graphql-js’s own INVALID_VARIABLES error', (_, query, variables) => {
    const message = graphqlJsArgumentError(query, variables);
    expect(message).not.toBeNull();
    expect(expectCost(query, variables).toThrowCode('INVALID_VARIABLES').message).toBe(message);
  });

  test('a variable left out takes the argument’s default; a literal beside a variable is coerced once', () => {
    expect(graphqlJsArgumentError('query ($n: Int) { search(limit: $n) { id } }', {})).toBeNull();
    expectCost('query ($n: Int) { search(limit: $n) { id } }', {}).toBe(2);
    expectCost('query ($n: Int) { search(limit: $n) { id } }', { n: 5 }).toBe(5);
    // term: 4 points, a literal; limit from the variable: 3 items.
    expectCost('query ($n: Int!) { search(term: "x", limit: $n) { id } }', { n: 3 }).toBe(7);
    expectCost('query ($n: Int!, $t: String) { search(term: $t, limit: $n) { id } }', { n: 3 }).toBe(3);
    expectCost('query ($i: Int) { tagged(ids: [1, $i, 3]) { id } }', { i: 2 }).toBe(3);
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
