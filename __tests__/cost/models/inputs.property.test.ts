/**
 * In every model, an input gives the same price whether it is written as a literal, passed as a variable,
 * or taken from a variable's default; an argument left out prices as its schema default written out.
 */
import fc from 'fast-check';
import { buildSchema, parse } from 'graphql';
import { COST_MODELS, CostAnalyzer, CostError } from '../../../src/cost/index.js';

const SDL = `
directive @cost(weight: String!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
directive @complexity(value: Int!, multipliers: [String!]) on FIELD_DEFINITION
input Filter { max: Int = 4 @cost(weight: "2"), tag: String @cost(weight: "-1"), inner: Filter @cost(weight: "3") }
type Item @cost(weight: "2") { id: ID name: String @cost(weight: "1") }
type Query {
  items(first: Int = 5 @cost(weight: "1"), filter: Filter @cost(weight: "4"), ids: [ID!]): [Item]
    @listSize(slicingArguments: ["first", "filter.max", "ids"], requireOneSlicingArgument: false)
  legacy(limit: Int, filter: Filter): [Item] @complexity(value: 2, multipliers: ["limit", "filter.max"])
}`;

type Filter = { max?: number | null; tag?: string | null; inner?: Filter | null };
interface Inputs {
  first?: number | null;
  filter?: Filter | null;
  ids?: string[] | null;
}

function literal(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{ ${fields.map(([k, v]) => `${k}: ${literal(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

const filter: fc.Arbitrary<Filter> = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.record(
    {
      max: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
      tag: fc.option(fc.string({ maxLength: 3 }), { nil: null }),
      inner: fc.option(tie('filter'), { nil: null, depthSize: 'small' }),
    },
    { requiredKeys: [] },
  ),
})).filter;

const inputs: fc.Arbitrary<Inputs> = fc.record(
  {
    first: fc.option(fc.integer({ min: 0, max: 50 }), { nil: null }),
    filter: fc.option(filter, { nil: null }),
    ids: fc.option(fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 6 }), { nil: null }),
  },
  { requiredKeys: [] },
);

const TYPES: Record<keyof Inputs, string> = { first: 'Int', filter: 'Filter', ids: '[ID!]' };
const SELECTION = '{ id name }';

/** The price of each spelling, or the error code: they must all agree. */
function outcome(analyzer: CostAnalyzer, query: string, variables: Record<string, unknown> = {}): string {
  try {
    const report = analyzer.analyze(parse(query), { variables });
    return `${report.total}/${report.fieldCost ?? '-'}/${report.typeCost ?? '-'}`;
  } catch (error) {
    if (error instanceof CostError) return error.code;
    throw error;
  }
}

describe.each(COST_MODELS)('model %s', (model) => {
  const analyzer = new CostAnalyzer(buildSchema(SDL), { model, complexityDirective: 'complexity' });

  test.each(['items', 'legacy'])('%s: literal = variable = variable default', (field) => {
    fc.assert(
      fc.property(inputs, (given) => {
        const names = (Object.keys(given) as (keyof Inputs)[]).filter(
          (name) => given[name] !== undefined && (field === 'items' || name !== 'ids'),
        );
        const argName = (name: keyof Inputs): string =>
          field === 'legacy' && name === 'first' ? 'limit' : name;
        const args = (value: (name: keyof Inputs) => string): string =>
          names.length === 0 ? '' : `(${names.map((n) => `${argName(n)}: ${value(n)}`).join(', ')})`;
        const defs = (value: (name: keyof Inputs) => string): string =>
          names.length === 0 ? '' : `(${names.map((n) => `$${n}: ${TYPES[n]}${value(n)}`).join(', ')})`;
        const asLiteral = outcome(analyzer, `{ ${field}${args((n) => literal(given[n]))} ${SELECTION} }`);
        const variables = Object.fromEntries(names.map((n) => [n, given[n]]));
        const asVariable = outcome(
          analyzer,
          `query${defs(() => '')} { ${field}${args((n) => `$${n}`)} ${SELECTION} }`,
          variables,
        );
        const asDefault = outcome(
          analyzer,
          `query${defs((n) => ` = ${literal(given[n])}`)} { ${field}${args((n) => `$${n}`)} ${SELECTION} }`,
        );
        expect(asVariable).toBe(asLiteral);
        expect(asDefault).toBe(asLiteral);
      }),
      { numRuns: 150 },
    );
  });

  test('an omitted argument prices as its schema default written out', () => {
    expect(outcome(analyzer, `{ items ${SELECTION} }`)).toBe(
      outcome(analyzer, `{ items(first: 5) ${SELECTION} }`),
    );
    expect(outcome(analyzer, `{ items(filter: {}) ${SELECTION} }`)).toBe(
      outcome(analyzer, `{ items(filter: { max: 4 }) ${SELECTION} }`),
    );
  });
});
