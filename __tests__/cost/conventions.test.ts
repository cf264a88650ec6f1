/**
 * `conventions` (issue 15): sizing an unannotated schema by the Cursor Connections convention and plain
 * list arguments, a default page size, free edges; explicit annotations win; the audit lists what the
 * conventions sized. Totals in the Apollo model (objects 1, leaves 0, unsized lists 10), by hand.
 */
import { auditSchema } from '../../src/cost/index.js';
import type { CostOptions } from '../../src/cost/index.js';
import { costHarness, costSchema } from '../helpers/costHarness.js';
import { memoryCli } from '../helpers/memoryCli.js';

const SDL = `
type Query {
  repository(name: String!): Repository
  projects(first: Int, after: String): ProjectConnection
  users(limit: Int, offset: Int): [User!]!
  named(first: String): ProjectConnection
}
type Repository {
  issues(first: Int, last: Int, after: String): IssueConnection
  labels(first: Int): LabelConnection
  pinned(first: Int): IssueConnection
    @listSize(slicingArguments: ["first"], sizedFields: ["nodes"], requireOneSlicingArgument: false)
}
type IssueConnection { edges: [IssueEdge] nodes: [Issue] totalCount: Int! pageInfo: PageInfo! }
type IssueEdge { cursor: String! node: Issue }
type Issue { title: String! }
type PageInfo { hasNextPage: Boolean! }
type ProjectConnection { edges: [ProjectEdge] }
type ProjectEdge { node: Project }
type Project { name: String }
type LabelConnection { nodes: [Label] }
type Label { name: String }
type User { name: String }
`;
const schema = costSchema(SDL);

const ISSUES = (args: string): string =>
  `{ repository(name: "r") { issues${args} { edges { node { title } } nodes { title } totalCount pageInfo { hasNextPage } } } }`;

function harness(conventions?: CostOptions['conventions']): ReturnType<typeof costHarness>['expectCost'] {
  return costHarness(schema, conventions === undefined ? {} : { conventions }).expectCost;
}

describe('without conventions (the default) every list counts defaultListSize', () => {
  test('first is ignored: 1 + 1 + edges 10 × (1 + 1) + nodes 10 + pageInfo 1 = 33', () => {
    harness()(ISSUES('(first: 5)')).toBe(33);
  });
});

describe('connections', () => {
  const connections = harness({ connections: true });

  test('first sizes edges and nodes: 1 + 1 + 5 × 2 + 5 + 1 = 18', () => {
    connections(ISSUES('(first: 5)')).toBe(18);
  });
  test('last too: 1 + 1 + 3 × 2 + 3 + 1 = 12', () => {
    connections(ISSUES('(last: 3)')).toBe(12);
  });
  test('a connection with only first is counted by first: 1 + 2 × (1 + 1) = 5', () => {
    connections('{ projects(first: 2) { edges { node { name } } } }').toBe(5);
  });
  test('a connection with nodes only (no edges) is sized: 1 + 1 + 7 = 9', () => {
    connections('{ repository(name: "r") { labels(first: 7) { nodes { name } } } }').toBe(9);
  });
  test('no argument given: defaultListSize, 1 + 1 + 10 × 2 + 10 + 1 = 33', () => {
    connections(ISSUES('')).toBe(33);
  });
  test('a first that is not a number sizes nothing: 1 + 10 × 2 = 21', () => {
    connections('{ named(first: "x") { edges { node { name } } } }').toBe(21);
  });
  test('an explicit @listSize wins: pinned sizes nodes only; edges stay at 10: 1 + 1 + 10 + 2 = 14', () => {
    connections('{ repository(name: "r") { pinned(first: 2) { edges { cursor } nodes { title } } } }').toBe(
      14,
    );
  });
});

describe('defaultPageSize, freeEdges, listArguments', () => {
  test('defaultPageSize 100 (GitLab) when no argument is given: 1 + 1 + 100 × 2 + 100 + 1 = 303', () => {
    harness({ connections: true, defaultPageSize: 100 })(ISSUES('')).toBe(303);
    harness({ connections: true, defaultPageSize: 100 })(ISSUES('(first: 5)')).toBe(18);
  });
  test('freeEdges: edges { node } is charged for the nodes only: 1 + 1 + 5 × 1 + 5 + 1 = 13', () => {
    harness({ connections: true, freeEdges: true })(ISSUES('(first: 5)')).toBe(13);
  });
  test('listArguments size a plain list by whichever it has: 4, and 10 without the convention', () => {
    harness({ listArguments: ['limit', 'take', 'pageSize'] })('{ users(limit: 4) { name } }').toBe(4);
    harness()('{ users(limit: 4) { name } }').toBe(10);
  });
  test('an invalid option is a TypeError', () => {
    expect(() => harness({ defaultPageSize: -1 })).toThrow(
      'CostOptions.conventions.defaultPageSize must be a non-negative integer, got -1',
    );
  });
});

describe('the audit reports what the conventions sized', () => {
  test('SIZED_BY_CONVENTION per field, explicit annotations excluded', () => {
    const audit = auditSchema(schema, {
      conventions: { connections: true, defaultPageSize: 100, listArguments: ['limit'] },
    });
    const sized = audit.findings.filter((f) => f.code === 'SIZED_BY_CONVENTION');
    expect(sized.map((f) => f.coordinate)).toEqual([
      'Query.projects',
      'Query.users',
      'Repository.issues',
      'Repository.labels',
    ]);
    expect(sized.find((f) => f.coordinate === 'Repository.issues')?.message).toBe(
      'Repository.issues is sized by convention: slicingArguments: first, last, sizedFields: edges, nodes; 100 items when none is given.',
    );
    expect(sized.every((f) => f.severity === 'info')).toBe(true);
  });
});

describe('the CLI flags', () => {
  const files = { 's.graphql': SDL };
  const query = ISSUES('');
  test('--connections --default-page-size 100 --free-edges: 1 + 1 + 100 + 100 + 1 = 203', async () => {
    const run = await memoryCli(
      [
        'cost',
        '--schema',
        's.graphql',
        '-q',
        query,
        '--connections',
        '--default-page-size',
        '100',
        '--free-edges',
        '--json',
      ],
      files,
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 203, saturated: false });
  });
  test('--list-arguments limit,take sizes users(limit: 4): 4', async () => {
    const run = await memoryCli(
      [
        'cost',
        '--schema',
        's.graphql',
        '-q',
        '{ users(limit: 4) { name } }',
        '--list-arguments',
        'limit,take',
        '--json',
      ],
      files,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 4 });
  });
  test('audit --connections lists SIZED_BY_CONVENTION findings', async () => {
    const run = await memoryCli(['audit', 's.graphql', '--connections', '--fail-on', 'never'], files);
    expect(run.stdout).toContain('SIZED_BY_CONVENTION');
    expect(run.stdout).toContain('Repository.issues is sized by convention: slicingArguments: first, last');
  });
});
