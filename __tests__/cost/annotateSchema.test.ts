/**
 * `annotateSchema` (issue 15): the annotations the conventions infer, written into the SDL. The whole
 * class: the annotated schema analyzed WITHOUT conventions prices every operation exactly as the original
 * WITH them, on each public schema fixture (GitHub, Saleor, GitLab) and on the conventions test schema (plain-list
 * arguments, default page size, free edges, an explicit @listSize that wins).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildASTSchema, buildSchema, parse } from 'graphql';
import {
  COST_DIRECTIVES_SDL,
  CostAnalyzer,
  annotateSchema,
  auditSchema,
  withCostDirectives,
} from '../../src/cost/index.js';
import type { CostConventions } from '../../src/cost/index.js';

const FIXTURES = join(__dirname, '../../bench/fixtures/schemas');

function fixture(name: string): { sdl: string; operations: { file: string; text: string }[] } {
  const dir = join(FIXTURES, name);
  const files = readdirSync(dir).filter((f) => f.endsWith('.graphql') && f !== 'schema.graphql');
  return {
    sdl: readFileSync(join(dir, 'schema.graphql'), 'utf8'),
    operations: files.map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') })),
  };
}

const VARIABLES = { first: 2, channel: 'default-channel', slug: 'juices' };

/** Totals of every operation: the original with conventions, and the annotated SDL without them. */
function roundTrip(sdl: string, operations: readonly string[], conventions: CostConventions) {
  const original = new CostAnalyzer(buildASTSchema(withCostDirectives(sdl)), { conventions });
  const annotated = annotateSchema(sdl, { conventions });
  const plain = new CostAnalyzer(buildSchema(annotated.sdl));
  return operations.map((text) => {
    const document = parse(text);
    return [
      original.analyze(document, { variables: VARIABLES }).total,
      plain.analyze(document, { variables: VARIABLES }).total,
    ];
  });
}

const CONVENTIONS: readonly CostConventions[] = [
  { connections: true },
  { connections: true, freeEdges: true },
  { connections: true, defaultPageSize: 100, freeEdges: true },
];

describe.each(['github', 'saleor', 'gitlab'])('the %s fixture round-trips', (name) => {
  const { sdl, operations } = fixture(name);
  test.each(CONVENTIONS)('%j: annotated without conventions = original with them', (conventions) => {
    const totals = roundTrip(
      sdl,
      operations.map((o) => o.text),
      conventions,
    );
    for (const [withConventions, annotated] of totals) expect(annotated).toBe(withConventions);
  });
});

test('hand-checked totals: GitHub’s rate-limit example 620,302 with connections, 2,432 without', () => {
  const { sdl } = fixture('github');
  const example = parse(readFileSync(join(FIXTURES, 'github/rate-limit.graphql'), 'utf8'));
  const annotated = buildSchema(annotateSchema(sdl).sdl);
  expect(new CostAnalyzer(annotated).analyze(example).total).toBe(620_302);
  expect(new CostAnalyzer(buildSchema(sdl)).analyze(example).total).toBe(2_432);
});

test('hand-checked totals: the Saleor storefront category page, 16,568 annotated (13,794 without)', () => {
  // category 1 + children 1 + 20 × (edge + node) + products 1 + pageInfo 1 + 12 × 1,377 per product:
  // edge 1, node 1, thumbnail 1, media 10, pricing 4, attributes 10 × 12, variants 10 × 124.
  const { sdl } = fixture('saleor');
  const page = parse(readFileSync(join(FIXTURES, 'saleor/storefront-category.graphql'), 'utf8'));
  const annotated = buildSchema(annotateSchema(sdl).sdl);
  expect(new CostAnalyzer(annotated).analyze(page, { variables: VARIABLES }).total).toBe(16_568);
  expect(new CostAnalyzer(buildSchema(sdl)).analyze(page, { variables: VARIABLES }).total).toBe(13_794);
});

describe('what is written, reviewed', () => {
  const SDL = `type Query {
  repository(name: String!): Repository
  users(limit: Int, offset: Int): [User!]!
}

type Repository {
  issues(first: Int, last: Int, after: String): IssueConnection
  pinned(first: Int): IssueConnection @listSize(slicingArguments: ["first"], sizedFields: ["nodes"], requireOneSlicingArgument: false)
}

type IssueConnection { edges: [IssueEdge] nodes: [Issue] }
type IssueEdge implements Cursor { cursor: String! node: Issue }
interface Cursor { cursor: String! }
type Issue { title: String! }
type User { name: String }
`;
  const conventions = { connections: true, defaultPageSize: 100, freeEdges: true, listArguments: ['limit'] };

  test('each annotation in place, everything else byte for byte, the directive declarations prepended', () => {
    const { sdl, annotations } = annotateSchema(SDL, { conventions });
    expect(sdl).toBe(
      `${COST_DIRECTIVES_SDL.trimEnd()}

type Query {
  repository(name: String!): Repository
  users(limit: Int, offset: Int): [User!]! @listSize(assumedSize: 100, slicingArguments: ["limit"], requireOneSlicingArgument: false)
}

type Repository {
  issues(first: Int, last: Int, after: String): IssueConnection @listSize(assumedSize: 100, slicingArguments: ["first", "last"], sizedFields: ["edges", "nodes"], requireOneSlicingArgument: false)
  pinned(first: Int): IssueConnection @listSize(slicingArguments: ["first"], sizedFields: ["nodes"], requireOneSlicingArgument: false)
}

type IssueConnection { edges: [IssueEdge] nodes: [Issue] }
type IssueEdge implements Cursor @cost(weight: 0) { cursor: String! node: Issue }
interface Cursor { cursor: String! }
type Issue { title: String! }
type User { name: String }
`,
    );
    expect(annotations).toEqual([
      {
        coordinate: 'Query.users',
        directive:
          '@listSize(assumedSize: 100, slicingArguments: ["limit"], requireOneSlicingArgument: false)',
        line: 3,
        column: 44,
      },
      {
        coordinate: 'Repository.issues',
        directive:
          '@listSize(assumedSize: 100, slicingArguments: ["first", "last"], sizedFields: ["edges", "nodes"], requireOneSlicingArgument: false)',
        line: 7,
        column: 65,
      },
      { coordinate: 'IssueEdge', directive: '@cost(weight: 0)', line: 12, column: 34 },
    ]);
  });

  test('round trip on it, with the page size and free edges', () => {
    const ops = [
      '{ repository(name: "r") { issues { edges { node { title } } nodes { title } } } }',
      '{ repository(name: "r") { issues(first: 3) { edges { cursor } } pinned(first: 2) { nodes { title } } } }',
      '{ users(limit: 4) { name } }',
      '{ users { name } }',
    ];
    expect(roundTrip(SDL, ops, conventions)).toEqual([
      [1 + 1 + 100 * 0 + 100 + 100, 202],
      [1 + 1 + 3 * 0 + 1 + 2, 5],
      [4, 4],
      [100, 100],
    ]);
  });

  test('nothing to infer: the SDL comes back unchanged, without declarations', () => {
    const sdl = 'type Query { a: Int }\n';
    expect(annotateSchema(sdl)).toEqual({ sdl, annotations: [] });
  });

  test('declared directives are not declared twice; renamed ones are used by name', () => {
    const declared = `${COST_DIRECTIVES_SDL}\ntype Query { c(first: Int): XConnection }\ntype XConnection { nodes: [X] }\ntype X { id: ID }\n`;
    const once = annotateSchema(declared).sdl;
    expect(once.split('directive @listSize').length).toBe(2);
    expect(once).toContain(
      'c(first: Int): XConnection @listSize(slicingArguments: ["first"], sizedFields: ["nodes"], requireOneSlicingArgument: false)',
    );
    const renamed = annotateSchema(
      'type Query { c(first: Int): XConnection }\ntype XConnection { nodes: [X] }\ntype X { id: ID }\n',
      {
        directiveNames: { listSize: 'size' },
      },
    ).sdl;
    expect(renamed).toContain('directive @size(');
    expect(renamed).toContain('XConnection @size(slicingArguments: ["first"]');
    expect(
      new CostAnalyzer(buildSchema(renamed), { directiveNames: { listSize: 'size' } }).analyze(
        parse('{ c(first: 4) { nodes { id } } }'),
      ).total,
    ).toBe(5);
  });

  test('bad SDL is graphql-js’s GraphQLError with its location', () => {
    expect(() => annotateSchema('type Query {')).toThrow('Syntax Error: Expected Name, found <EOF>.');
  });
});

describe('the audit agrees with annotate on each fixture', () => {
  test.each(['github', 'saleor', 'gitlab'])(
    '%s: SIZED_BY_CONVENTION with conventions, none once annotated',
    (name) => {
      const { sdl } = fixture(name);
      const conventions = { connections: true };
      const annotated = annotateSchema(sdl, { conventions });
      const byConvention = auditSchema(buildSchema(sdl), { conventions })
        .findings.filter((f) => f.code === 'SIZED_BY_CONVENTION')
        .map((f) => f.coordinate);
      // The same fields (the audit lists them in schema order, annotate in text order).
      expect([...byConvention].sort()).toEqual(annotated.annotations.map((a) => a.coordinate).sort());
      expect(byConvention.length).toBeGreaterThan(0);
      const after = auditSchema(buildSchema(annotated.sdl), { conventions }).findings;
      expect(after.filter((f) => f.code === 'SIZED_BY_CONVENTION')).toEqual([]);
    },
  );
});
