/**
 * GitLab's public schema (issue 15): a reduced copy (bench/fixtures/schemas/gitlab/schema.graphql, real SDL)
 * with the operations of GitLab's own GraphQL documentation ("Get started with GitLab GraphQL API",
 * "Identify issue boards with GraphQL", "Set up an Audit Report with GraphQL"). GitLab returns 100 items
 * when `first` is absent ("By default, the GitLab GraphQL API returns 100 records per page"), so its
 * conventions are `{ connections: true, defaultPageSize: 100, freeEdges: true }`. Every total below is
 * worked out by hand in its comment.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildASTSchema, buildSchema, parse } from 'graphql';
import { CostAnalyzer, annotateSchema, auditSchema, withCostDirectives } from '../../src/cost/index.js';
import type { CostConventions } from '../../src/cost/index.js';

const DIR = join(__dirname, '../../bench/fixtures/schemas/gitlab');
const SDL = readFileSync(join(DIR, 'schema.graphql'), 'utf8');
const schema = buildASTSchema(withCostDirectives(SDL));
const operation = (name: string) => parse(readFileSync(join(DIR, `${name}.graphql`), 'utf8'));
const GITLAB: CostConventions = { connections: true, defaultPageSize: 100, freeEdges: true };

const total = (name: string, conventions?: CostConventions) =>
  new CostAnalyzer(schema, conventions ? { conventions } : {}).analyze(operation(name)).total;

describe("GitLab's documented operations, priced with GitLab's conventions", () => {
  test('group projects: group 1 + projects 1 + 100 default-page nodes = 102 (12 unannotated)', () => {
    // Unannotated, `nodes` is a plain list of the default 10: 1 + 1 + 10 = 12.
    expect([total('group-projects', GITLAB), total('group-projects')]).toEqual([102, 12]);
  });
  test('issue boards: project 1 + statistics 1 + boards 1 + 100 board nodes = 103 (13 unannotated)', () => {
    expect([total('issue-boards', GITLAB), total('issue-boards')]).toEqual([103, 13]);
  });
  test('pagination, issues(first: 2): project 1 + issues 1 + 2 × (free edge 0 + issue 1) + pageInfo 1 = 5', () => {
    // Without free edges each edge costs 1: 1 + 1 + 2 × 2 + 1 = 7. Unannotated, `first` is ignored and
    // edges is a list of 10: 1 + 1 + 10 × 2 + 1 = 23.
    expect([
      total('issues-pagination', GITLAB),
      total('issues-pagination', { connections: true }),
      total('issues-pagination'),
    ]).toEqual([5, 7, 23]);
  });
  test('audit report: users 1 + pageInfo 1 + 100 users × 803 = 80,302 (832 unannotated)', () => {
    // Per user: the user 1, groupMemberships 1 + 100 × (member 1 + accessLevel 1 + createdBy 1 + group 1),
    // projectMemberships 1 + 100 × (member 1 + accessLevel 1 + createdBy 1 + project 1) = 1 + 401 + 401.
    // Unannotated every list is 10: 1 + 1 + 10 × (1 + 1 + 10 × 4 + 1 + 10 × 4) = 832.
    expect([total('audit-report', GITLAB), total('audit-report')]).toEqual([80_302, 832]);
  });
  test('a client that pages explicitly pays for what it asks: users(first: 3), memberships(first: 5)', () => {
    const document = parse(
      '{ users(first: 3) { nodes { groupMemberships(first: 5) { nodes { group { name } } } } } }',
    );
    // users 1 + 3 × (user 1 + groupMemberships 1 + 5 × (member 1 + group 1)) = 1 + 3 × 12 = 37.
    expect(new CostAnalyzer(schema, { conventions: GITLAB }).analyze(document).total).toBe(37);
  });
});

describe('annotate and audit on the GitLab fixture, output reviewed', () => {
  const SIZED =
    '@listSize(assumedSize: 100, slicingArguments: ["first", "last"], sizedFields: ["edges", "nodes"], requireOneSlicingArgument: false)';

  test('six connections sized (every one has first and last, edges and nodes), six edge types freed', () => {
    const { annotations } = annotateSchema(SDL, { conventions: GITLAB });
    expect(annotations.map((a) => [a.coordinate, a.directive])).toEqual([
      ['BoardEdge', '@cost(weight: 0)'],
      ['Group.projects', SIZED],
      ['GroupMemberEdge', '@cost(weight: 0)'],
      ['IssueEdge', '@cost(weight: 0)'],
      ['Project.boards', SIZED],
      ['Project.issues', SIZED],
      ['ProjectEdge', '@cost(weight: 0)'],
      ['ProjectMemberEdge', '@cost(weight: 0)'],
      ['Query.users', SIZED],
      ['User.groupMemberships', SIZED],
      ['User.projectMemberships', SIZED],
      ['UserEdge', '@cost(weight: 0)'],
    ]);
  });

  test('the annotated SDL, priced without conventions, gives every documented operation the same total', () => {
    const annotated = new CostAnalyzer(buildSchema(annotateSchema(SDL, { conventions: GITLAB }).sdl));
    for (const name of ['group-projects', 'issue-boards', 'issues-pagination', 'audit-report']) {
      expect(annotated.analyze(operation(name)).total).toBe(total(name, GITLAB));
    }
  });

  test('the audit lists the same six fields as SIZED_BY_CONVENTION, with the 100-item default', () => {
    const findings = auditSchema(schema, { conventions: GITLAB }).findings;
    expect(findings.map((f) => [f.code, f.coordinate])).toEqual(
      [
        'Group.projects',
        'Project.boards',
        'Project.issues',
        'Query.users',
        'User.groupMemberships',
        'User.projectMemberships',
      ].map((c) => ['SIZED_BY_CONVENTION', c]),
    );
    expect(findings[0]!.message).toBe(
      'Group.projects is sized by convention: slicingArguments: first, last, sizedFields: edges, nodes; 100 items when none is given.',
    );
  });
});
