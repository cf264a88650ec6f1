/**
 * Hostile documents: every one gets an answer (a total or a CostError with its exact code), never a crash
 * or a hang. Results are asserted, not times.
 */
import { parse } from 'graphql';
import { CostAnalyzer, MAX_SUPPORTED_DEPTH, analyzeCost, parseDocument } from '../../src/cost/index.js';
import type { CostError } from '../../src/cost/index.js';
import { costHarness, costSchema } from '../helpers/costHarness.js';

const SDL = `
  type Query {
    leaf: Int
    item: Item
    items(first: Int): [Item] @listSize(slicingArguments: ["first"])
    big(first: Float): [Item] @listSize(slicingArguments: ["first"])
    strict(first: Int, last: Int): [Item] @listSize(slicingArguments: ["first", "last"])
  }
  type Mutation { noop: Int }
  type Item { id: ID child: Item left: Item right: Item }
`;
const schema = costSchema(SDL);
const { expectCost } = costHarness(schema);

test('text nested past what the parser can recurse is a CostError GRAPHQL_PARSE_FAILED, not a RangeError', () => {
  const query = `{ ${'item { child { '.repeat(5_000)}id${' } }'.repeat(5_000)} }`;
  for (const attempt of [() => analyzeCost({ schema, query }), () => parseDocument(query)]) {
    let thrown: unknown;
    try {
      attempt();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      message: 'The document is nested too deeply to parse.',
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    expect((thrown as CostError).originalError).toBeInstanceOf(RangeError);
  }
  // A syntax error keeps the parser's own message.
  expect(() => parseDocument('{ item {')).toThrow('Syntax Error: Expected Name, found <EOF>.');
});

test('a 2^24 fragment fan-out (F0 { ...F1 ...F1 } … F23 { leaf }) is priced: identical spreads merge', () => {
  const fragments = Array.from(
    { length: 24 },
    (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
  );
  const query = `{ ...F0 }\n${fragments.join('\n')}\nfragment F24 on Query { leaf item { id } }`;
  expectCost(query).toBe(1);
});

test('a 2^24 fan-out through fields is priced exactly, memoised per fragment', () => {
  // Every level resolves both `left` and `right`: 2 + 4 + … + 2^24 objects.
  const fragments = Array.from(
    { length: 24 },
    (_, i) => `fragment F${i} on Item { left { ...F${i + 1} } right { ...F${i + 1} } }`,
  );
  const query = `{ item { ...F0 } }\n${fragments.join('\n')}\nfragment F24 on Item { id }`;
  const { expectCost: deep } = costHarness(schema, { maxDepth: 30 });
  deep(query).toBe(2 ** 25 - 1);
  const report = deep(query).report();
  expect(report.depth).toBe(26);
  // The breakdown of 2^25 paths is summarised past maxBreakdownFields, and still adds up.
  expect(report.fields).toHaveLength(1000);
  expect(report.fields[report.fields.length - 1]!.path).toBe('…');
  expect(report.fields.reduce((sum, field) => sum + field.cost, 0)).toBe(2 ** 25 - 1);
});

test('fragment cycles are INVALID_OPERATION, direct or through fields', () => {
  expectCost('{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }').toThrowCode(
    'INVALID_OPERATION',
  );
  const error = expectCost('{ item { ...A } } fragment A on Item { child { ...A } }').toThrowCode(
    'INVALID_OPERATION',
  );
  expect(error.message).toBe('Fragment cycle: A -> A.');
});

test('unknown fragments, fields, types and operations are INVALID_OPERATION', () => {
  expect(expectCost('{ ...Nope }').toThrowCode('INVALID_OPERATION').message).toBe('Unknown fragment "Nope".');
  expect(expectCost('{ nope }').toThrowCode('INVALID_OPERATION').message).toBe(
    'Cannot query field "nope" on type "Query".',
  );
  expectCost('{ item { ... on Nope { id } } }').toThrowCode('INVALID_OPERATION');
  expectCost('{ item }').toThrowCode('INVALID_OPERATION');
  expectCost('{ leaf { id } }').toThrowCode('INVALID_OPERATION');
  expectCost('query A { leaf } query B { leaf }').toThrowCode('INVALID_OPERATION');
  expectCost('query A { leaf }', {}, 'B').toThrowCode('INVALID_OPERATION');
  expectCost('subscription { leaf }').toThrowCode('INVALID_OPERATION');
  expectCost('fragment F on Query { leaf }').toThrowCode('INVALID_OPERATION');
});

test('2,000 aliases of a list are priced apart', () => {
  const aliases = Array.from({ length: 2000 }, (_, i) => `a${i}: items(first: 100) { id }`).join(' ');
  expectCost(`{ ${aliases} }`).toBe(200_000);
});

test('depth 100+ is DEPTH_LIMIT_EXCEEDED at the default maxDepth (64), and priced below the ceiling', () => {
  const nest = (depth: number): string =>
    `{ item ${'{ child '.repeat(depth - 2)}{ id }${' }'.repeat(depth - 2)} }`;
  expectCost(nest(150)).toThrowCode('DEPTH_LIMIT_EXCEEDED');
  const { expectCost: deep } = costHarness(schema, { maxDepth: MAX_SUPPORTED_DEPTH });
  deep(nest(150)).toBe(149);
  // Regression: the ceiling used to be 1,000, past what a cold process's stack holds (it overflowed near 900
  // levels and answered INVALID_OPERATION). At the ceiling itself the operation must be priced.
  deep(nest(MAX_SUPPORTED_DEPTH)).toBe(MAX_SUPPORTED_DEPTH - 1);
  const atCeiling = Array.from(
    { length: MAX_SUPPORTED_DEPTH - 2 },
    (_, i) => `fragment F${i} on Item { child { ...F${i + 1} } }`,
  );
  deep(`{ item { ...F0 } } ${atCeiling.join(' ')} fragment F${MAX_SUPPORTED_DEPTH - 2} on Item { id }`).toBe(
    MAX_SUPPORTED_DEPTH - 1,
  );
  // Fragment chains nest without bound in few bytes; the limit stops them early.
  const chain = Array.from({ length: 5000 }, (_, i) => `fragment F${i} on Item { child { ...F${i + 1} } }`);
  deep(`{ item { ...F0 } } ${chain.join(' ')} fragment F5000 on Item { id }`).toThrowCode(
    'DEPTH_LIMIT_EXCEEDED',
  );
});

test('a long chain of same-level fragments is collected without recursion', () => {
  const chain = Array.from({ length: 20_000 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} }`);
  expectCost(`{ ...F0 } ${chain.join(' ')} fragment F20000 on Query { item { id } }`).toBe(1);
});

test('first: 1e15 is clamped to maxListSize; negative and fractional sizes are usable', () => {
  expectCost('{ big(first: 1e15) { id } }').toBe(10_000);
  expectCost('query($n: Float) { big(first: $n) { id } }', { n: 1e15 }).toBe(10_000);
  expectCost('query($n: Float) { big(first: $n) { id } }', { n: -1 }).toBe(0);
  expectCost('query($n: Float) { big(first: $n) { id } }', { n: 0.5 }).toBe(1);
});

test('an Int slicing argument out of range is the coercion error, not a cost', () => {
  expectCost('{ items(first: 1e15) { id } }').toThrowCode('INVALID_OPERATION');
  expectCost('query($n: Int) { items(first: $n) { id } }', { n: 1e15 }).toThrowCode('INVALID_VARIABLES');
});

test('variables of the wrong type are INVALID_VARIABLES, on a fresh and on a cached document', () => {
  const analyzer = new CostAnalyzer(schema);
  const document = parse('query($n: Int, $skip: Boolean!) { items(first: $n) { id } leaf @skip(if: $skip) }');
  const codeOf = (variables: Record<string, unknown>): string => {
    try {
      analyzer.analyze(document, { variables });
      return 'ok';
    } catch (error) {
      return (error as CostError).code;
    }
  };
  expect(codeOf({ n: 'ten', skip: false })).toBe('INVALID_VARIABLES');
  expect(codeOf({ n: 3, skip: 'no' })).toBe('INVALID_VARIABLES');
  expect(codeOf({ n: 3 })).toBe('INVALID_VARIABLES');
  expect(codeOf({ n: 3, skip: false })).toBe('ok');
  expect(codeOf({ n: 'ten', skip: false })).toBe('INVALID_VARIABLES');
  expect(codeOf({ n: 3, skip: 1 })).toBe('INVALID_VARIABLES');
});

test('requireOneSlicingArgument with variables is checked per request', () => {
  const query = 'query($f: Int, $l: Int) { strict(first: $f, last: $l) { id } }';
  expectCost(query, { f: 2 }).toBe(2);
  const error = expectCost(query, { f: 2, l: 3 }).toThrowCode('INVALID_SLICING_ARGUMENTS');
  expect(error.extensions).toEqual({
    code: 'INVALID_SLICING_ARGUMENTS',
    field: 'Query.strict',
    slicingArguments: ['first', 'last'],
    given: 2,
  });
  expect(error.message).toBe(
    'Field "Query.strict" requires exactly one of its slicing arguments (first, last); 2 given.',
  );
  expectCost(query, {}).toThrowCode('INVALID_SLICING_ARGUMENTS');
});

test('only a real syntax error is GRAPHQL_PARSE_FAILED; cost problems never say "Syntax Error"', () => {
  const parseError = (() => {
    try {
      analyzeCost({ schema, query: '{ item { id }' });
    } catch (error) {
      return error as CostError;
    }
    return null;
  })();
  expect(parseError?.code).toBe('GRAPHQL_PARSE_FAILED');
  expect(parseError?.message).toMatch(/^Syntax Error/);
  for (const query of ['{ nope }', '{ ...X }', '{ item { ...A } } fragment A on Item { child { ...A } }']) {
    let message = '';
    try {
      analyzeCost({ schema, query });
    } catch (error) {
      message = (error as CostError).message;
      expect((error as CostError).code).toBe('INVALID_OPERATION');
    }
    expect(message).not.toMatch(/Syntax Error/);
  }
});

test('a document that is not a DocumentNode is a TypeError', () => {
  const analyzer = new CostAnalyzer(schema);
  expect(() => analyzer.analyze('{ leaf }' as never)).toThrow(TypeError);
});

test('the same error is given again for the same bad document (cached)', () => {
  const analyzer = new CostAnalyzer(schema);
  const document = parse('{ ...A } fragment A on Query { ...A }');
  expect(() => analyzer.analyze(document)).toThrow('Fragment cycle: A -> A.');
  expect(() => analyzer.analyze(document)).toThrow('Fragment cycle: A -> A.');
});
