/**
 * The schema audit: each check on a schema that has exactly that problem, the share of bounded lists,
 * and the costliest operation within a depth.
 */
import { buildSchema } from 'graphql';
import { COST_DIRECTIVES_SDL, auditSchema } from '../../src/cost/index.js';
import type { AuditFinding } from '../../src/cost/index.js';

const schema = (sdl: string) =>
  buildSchema(
    `${COST_DIRECTIVES_SDL}
    directive @complexity(value: Int!, multipliers: [String!]) on FIELD_DEFINITION
    ${sdl}`,
  );

const codes = (findings: readonly AuditFinding[]): string[] =>
  findings.map((f) => `${f.severity} ${f.code} ${f.coordinate}`);

describe('auditSchema', () => {
  const SDL = `
    type Query {
      everything: [Item]
      items(first: Int): [Item] @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)
      paged(first: Int = 20): Page @listSize(slicingArguments: ["first"], sizedFields: ["nodes"])
      tags(first: Int): [String!] @listSize(slicingArguments: ["first"])
      weighted: [String] @listSize(assumedSize: 5) @cost(weight: 1)
      odd: Item @listSize(assumedSize: 3)
      both: [Item] @listSize(assumedSize: 2) @complexity(value: 3)
    }
    type Page { nodes: [Item] total: Int }
    type Item { id: ID }
    type Mutation { buy(id: ID!): Item @cost(weight: 5) reset: Boolean }`;

  test('finds each problem once, errors first, then warnings, then infos', () => {
    const audit = auditSchema(schema(SDL), { mutationCost: 0 });
    expect(codes(audit.findings)).toEqual(
      [
        'warning CONFLICTING_ANNOTATIONS Query.both',
        'warning UNBOUNDED_LIST Query.everything',
        'warning CONFLICTING_ANNOTATIONS Query.odd',
        'warning LIST_PRICED_ZERO Query.tags',
        'warning LIST_PRICED_ZERO Query.weighted',
        'warning MUTATION_WITHOUT_SURCHARGE Mutation.reset',
        'info SLICING_ARGUMENT_WITHOUT_DEFAULT Query.items(first:)',
        'info SLICING_ARGUMENT_WITHOUT_DEFAULT Query.tags(first:)',
      ].sort((a, b) => {
        const order = (s: string): number => (s.startsWith('error') ? 0 : s.startsWith('warning') ? 1 : 2);
        return order(a) - order(b) || a.split(' ')[2]!.localeCompare(b.split(' ')[2]!);
      }),
    );
    const tags = audit.findings.find((f) => f.code === 'LIST_PRICED_ZERO' && f.coordinate === 'Query.tags')!;
    expect(tags.message).toBe(
      'Query.tags returns a list of String, which weighs 0: any length costs 0 point(s); put @cost on the field or on String if its length matters.',
    );
    expect(audit.findings.find((f) => f.coordinate === 'Query.tags(first:)')?.message).toBe(
      'Slicing argument "first" of Query.tags has no default: an operation that omits it is refused (requireOneSlicingArgument).',
    );
  });

  test('the share of bounded lists: sizedFields children count as bounded', () => {
    // Lists: everything (no), items, tags, weighted, both, Page.nodes (sized by paged): 5 of 6.
    expect(auditSchema(schema(SDL)).lists).toEqual({ total: 6, bounded: 5, percentBounded: 83.3 });
  });

  test('the default mutationCost (10) is a surcharge: no finding', () => {
    expect(codes(auditSchema(schema(SDL)).findings).some((c) => c.includes('MUTATION'))).toBe(false);
  });

  test('an annotation the analyzer refuses is an error finding, and nothing else is checked', () => {
    const audit = auditSchema(
      schema('type Query { a(n: String): [Int] @listSize(slicingArguments: ["n"]) }'),
    );
    expect(codes(audit.findings)).toEqual(['error INVALID_ANNOTATION Query.a']);
    expect(audit.costliest).toEqual([]);
  });

  test('the costliest operation within a depth', () => {
    const audit = auditSchema(
      schema(`
        type Query { shelves: [Shelf] @listSize(assumedSize: 4) featured: Book }
        type Shelf { books(first: Int = 5): [Book] @listSize(slicingArguments: ["first"]) name: String }
        type Book { title: String author: Author }
        type Author { name: String @cost(weight: 2) }`),
      { depth: 3 },
    );
    const [query] = audit.costliest;
    // Depth 3: shelves.books.title (author would be level 4): 4 × (1 + 5 × 1) = 24; featured: 1 +
    // author 1 + name 2 = 4.
    expect(query).toMatchObject({ operationType: 'query', depth: 3, cost: 28 });
    expect(query!.fields[0]).toEqual({ path: 'shelves.books', cost: 20 });
    // A recursive type stops at the depth: a { n } (b would be level 3).
    expect(
      auditSchema(schema('type Query { a: A } type A { b: A n: Int }'), { depth: 2 }).costliest[0]?.cost,
    ).toBe(1);
  });

  test('in the ibm model, lists of scalars still cost nothing of their length', () => {
    const audit = auditSchema(schema(SDL), { model: 'ibm' });
    expect(codes(audit.findings)).toContain('warning LIST_PRICED_ZERO Query.tags');
  });

  test('options are checked', () => {
    expect(() => auditSchema(schema(SDL), { depth: 0 })).toThrow(
      'AuditOptions.depth must be an integer from 1 to 10, got 0',
    );
  });
});
