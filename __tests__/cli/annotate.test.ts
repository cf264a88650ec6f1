/**
 * `graphql-quota annotate` (issue 15): the annotated SDL, or a unified diff of it, for review; exact output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../../src/cli/main.js';
import { memoryCli } from '../helpers/memoryCli.js';

const SDL = `type Query {
  a: Int
  b: Int
  c: Int
  issues(first: Int): IssueConnection
  users(limit: Int): [User]
}
type IssueConnection {
  edges: [IssueEdge]
}
type IssueEdge {
  node: Issue
}
type Issue {
  title: String
}
type User {
  name: String
}
`;
const LIST_SIZE =
  '@listSize(slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false)';

describe('graphql-quota annotate', () => {
  test('prints the annotated SDL (connections by default), the declarations prepended', async () => {
    const run = await memoryCli(['annotate', 'schema.graphql'], { 'schema.graphql': SDL });
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(
      `  issues(first: Int): IssueConnection ${LIST_SIZE}\n  users(limit: Int): [User]\n`,
    );
    expect(run.stdout.startsWith('directive @cost(\n')).toBe(true);
  });

  test('--diff prints a unified diff that patch -p1 applies', async () => {
    const run = await memoryCli(
      ['annotate', 'schema.graphql', '--diff', '--connections', '--free-edges', '--list-arguments', 'limit'],
      { 'schema.graphql': SDL },
    );
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout).toBe(`--- a/schema.graphql
+++ b/schema.graphql
@@ -1,14 +1,25 @@
+directive @cost(
+  weight: Int!
+) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
+
+directive @listSize(
+  assumedSize: Int
+  slicingArguments: [String!]
+  sizedFields: [String!]
+  requireOneSlicingArgument: Boolean = true
+) on FIELD_DEFINITION
+
 type Query {
   a: Int
   b: Int
   c: Int
-  issues(first: Int): IssueConnection
-  users(limit: Int): [User]
+  issues(first: Int): IssueConnection ${LIST_SIZE}
+  users(limit: Int): [User] @listSize(slicingArguments: ["limit"], requireOneSlicingArgument: false)
 }
 type IssueConnection {
   edges: [IssueEdge]
 }
-type IssueEdge {
+type IssueEdge @cost(weight: 0) {
   node: Issue
 }
 type Issue {
`);
  });

  test('--free-edges alone: only the edge type (flags given replace the default --connections)', async () => {
    const run = await memoryCli(['annotate', 'schema.graphql', '--diff', '--free-edges'], {
      'schema.graphql': SDL,
    });
    expect(run.stdout).toContain('-type IssueEdge {\n+type IssueEdge @cost(weight: 0) {\n');
    expect(run.stdout).not.toContain('@listSize(slicingArguments');
  });

  test('distant changes make separate hunks', async () => {
    const far = `type Query {\n  x(first: Int): XConnection\n${Array.from({ length: 10 }, (_, i) => `  f${i}: Int\n`).join('')}  y(first: Int): XConnection\n}\ntype XConnection { nodes: [Int] }\n`;
    const run = await memoryCli(['annotate', 'far.graphql', '--diff'], { 'far.graphql': far });
    expect(run.stdout.match(/^@@ .* @@$/gm)).toEqual(['@@ -1,5 +1,16 @@', '@@ -10,6 +21,6 @@']);
  });

  test('--json: the annotations with their lines and columns, and the SDL', async () => {
    const run = await memoryCli(['annotate', 'schema.graphql', '--json'], { 'schema.graphql': SDL });
    const json = JSON.parse(run.stdout) as { annotations: unknown[]; sdl: string };
    expect(json.annotations).toEqual([
      { coordinate: 'Query.issues', directive: LIST_SIZE, line: 5, column: 39 },
    ]);
    expect(json.sdl).toContain(LIST_SIZE);
  });

  test('nothing to infer: --diff prints nothing, exit 0', async () => {
    const run = await memoryCli(['annotate', 's.graphql', '--diff'], {
      's.graphql': 'type Query { a: Int }\n',
    });
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: ExitCode.OK, stdout: '' });
  });

  test("GitHub's reduced schema: 5 connections annotated, reviewed in full", async () => {
    const file = join(__dirname, '../../bench/fixtures/schemas/github/schema.graphql');
    const run = await memoryCli(['annotate', 'github.graphql', '--json'], {
      'github.graphql': readFileSync(file, 'utf8'),
    });
    const json = JSON.parse(run.stdout) as { annotations: { coordinate: string; directive: string }[] };
    const both =
      '@listSize(slicingArguments: ["first", "last"], sizedFields: ["edges", "nodes"], requireOneSlicingArgument: false)';
    expect(json.annotations.map((a) => [a.coordinate, a.directive])).toEqual([
      ['Issue.comments', both],
      ['Issue.labels', both],
      ['PullRequest.comments', both],
      ['Repository.issues', both],
      ['Repository.pullRequests', both],
      ['User.followers', both],
      ['User.repositories', both],
    ]);
  });

  test('errors: two files, introspection JSON, a missing file, bad SDL (located)', async () => {
    const two = await memoryCli(['annotate', 'a.graphql', 'b.graphql'], {});
    expect(two.code).toBe(ExitCode.ERROR);
    expect(two.stderr).toContain('USAGE: annotate takes exactly one schema file');
    const json = await memoryCli(['annotate', 's.json'], { 's.json': '{"data": {}}' });
    expect(json.stderr).toBe(
      'graphql-quota: INVALID_SCHEMA: s.json: annotate needs SDL (an introspection result has no text to annotate).\n',
    );
    const missing = await memoryCli(['annotate', 'nope.graphql'], {});
    expect(missing.stderr).toBe(
      'graphql-quota: FILE_NOT_READABLE: Cannot read schema file "nope.graphql": ENOENT: nope.graphql\n',
    );
    const bad = await memoryCli(['annotate', 'bad.graphql'], {
      'bad.graphql': 'type Query {\n  a: Nope\n}\n',
    });
    expect(bad.code).toBe(ExitCode.ERROR);
    expect(bad.stderr).toBe('graphql-quota: INVALID_SCHEMA: bad.graphql:2:6: Unknown type "Nope".\n');
  });
});

describe('graphql-quota cost --model github', () => {
  const dir = join(__dirname, '../../bench/fixtures/schemas/github');
  const files = {
    'github.graphql': readFileSync(join(dir, 'schema.graphql'), 'utf8'),
    'example.graphql': readFileSync(join(dir, 'rate-limit.graphql'), 'utf8'),
  };
  test("states the requests, GitHub's points and nodes; --max-cost compares the points", async () => {
    const run = await memoryCli(
      [
        'cost',
        '--schema',
        'github.graphql',
        '--query',
        'example.graphql',
        '--model',
        'github',
        '--max-cost',
        '50',
        '--top',
        '1',
      ],
      files,
    );
    expect(run.code).toBe(ExitCode.OVER_LIMIT);
    expect(run.stdout.split('\n').slice(0, 6)).toEqual([
      'query RateLimitExample',
      '  total  5101 before the points scale',
      '  points 51',
      '  nodes  305100',
      '  limit  50, over by 1',
      '  depth  11',
    ]);
    expect(run.stderr).toBe(
      'graphql-quota: COST_LIMIT_EXCEEDED: the operation costs 51 points, more than --max-cost 50.\n',
    );
    const json = await memoryCli(
      ['cost', '--schema', 'github.graphql', '--query', 'example.graphql', '--model', 'github', '--json'],
      files,
    );
    expect(JSON.parse(json.stdout)).toMatchObject({ total: 5101, points: 51, nodes: 305_100 });
  });
});
