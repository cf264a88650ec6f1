/**
 * Saturation: a total or a field cost that reaches Number.MAX_SAFE_INTEGER is a lower bound, and every
 * place that reports it (the report, the breakdown, refusals, the CLI) says so and never shows a negative
 * or inconsistent figure. The whole class: every model, every row, the IBM channels, the CLI's table,
 * JSON and audit output, and a depth-50 query on each public schema fixture.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildASTSchema, buildSchema, parse } from 'graphql';
import {
  COST_DIRECTIVES_SDL,
  COST_MODELS,
  CostAnalyzer,
  CostError,
  CostErrorCode,
  withCostDirectives,
} from '../../src/cost/index.js';
import type { CostModelName, CostReport } from '../../src/cost/index.js';
import { ExitCode } from '../../src/cli/main.js';
import { memoryCli } from '../helpers/memoryCli.js';
import type { MemoryRun } from '../helpers/memoryCli.js';

const CEILING = Number.MAX_SAFE_INTEGER;
/** GitHub's model counts connections only (this schema has none): its saturation is in github.test.ts. */
const NON_GITHUB = COST_MODELS.filter((model) => model !== 'github');

/**
 * A recursive list sized 1,000 in every model (graphql-query-complexity counts a list once unless
 * `@complexity(multipliers:)` says otherwise), so that a deep chain multiplies past the ceiling.
 */
const SDL = `${COST_DIRECTIVES_SDL}
directive @complexity(value: Int!, multipliers: [String!]) on FIELD_DEFINITION
type Query { users: [User!]! viewer: User }
type Mutation { befriend(id: ID!): User @cost(weight: 7) }
type User {
  name: String
  friends(first: Int = 1000): [User!]!
    @listSize(slicingArguments: ["first"])
    @complexity(value: 1, multipliers: ["first"])
}
`;
const schema = buildSchema(SDL);

function chain(depth: number): string {
  let selection = 'name';
  for (let i = 0; i < depth; i++) selection = `friends { ${selection} }`;
  return selection;
}
const DEEP = `query Deep { users { ${chain(49)} } }`;
const DEEP_MUTATION = `mutation DeepMutation { befriend(id: "1") { ${chain(49)} } }`;

function analyzer(model: CostModelName, maxCost = Infinity): CostAnalyzer {
  return new CostAnalyzer(schema, { model, maxCost, maxDepth: 100 });
}

/** Every row is a non-negative safe integer, and a row at the ceiling says it is saturated. */
function expectHonestRows(report: CostReport): void {
  for (const row of report.fields) {
    expect(Number.isSafeInteger(row.cost)).toBe(true);
    expect(row.cost).toBeGreaterThanOrEqual(0);
    expect(row.saturated === true).toBe(row.cost === CEILING);
  }
}

describe.each(NON_GITHUB)('saturation in the %s model', (model) => {
  test('a deep query saturates: total at the ceiling, saturated: true, rows honest', () => {
    const report = analyzer(model).analyze(parse(DEEP));
    expect(report.total).toBe(CEILING);
    expect(report.saturated).toBe(true);
    expect(report.fields.some((row) => row.saturated === true)).toBe(true);
    expectHonestRows(report);
    expect(JSON.parse(JSON.stringify(report))).toMatchObject({ total: CEILING, saturated: true });
  });

  test('a mutation that saturates keeps its base cost out of the rows', () => {
    const report = analyzer(model).analyze(parse(DEEP_MUTATION));
    expect(report).toMatchObject({ total: CEILING, saturated: true });
    expectHonestRows(report);
  });

  test('an exact total is not saturated and no row says so', () => {
    const report = analyzer(model).analyze(parse(`query Shallow { users { ${chain(2)} } }`));
    expect(report.saturated).toBe(false);
    expect(report.total).toBeLessThan(CEILING);
    expect(report.fields.every((row) => row.saturated === undefined)).toBe(true);
  });

  test('the refusal says "at least … (saturated)", never an exact figure', () => {
    let error: unknown;
    try {
      analyzer(model, 1000).analyze(parse(DEEP));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CostError);
    const costError = error as CostError;
    expect(costError.code).toBe(CostErrorCode.COST_LIMIT_EXCEEDED);
    expect(costError.message).toBe(
      `Operation "Deep" costs at least ${CEILING} points (saturated), more than the maximum of 1000.`,
    );
    expect(costError.extensions).toMatchObject({ cost: CEILING, saturated: true, maxCost: 1000 });
  });

  test('an exact refusal keeps its exact figure and no saturated flag', () => {
    const error = (() => {
      try {
        analyzer(model, 1).analyze(parse(`query Shallow { users { ${chain(2)} } }`));
      } catch (caught) {
        return caught as CostError;
      }
      throw new Error('not refused');
    })();
    expect(error.message).toMatch(/^Operation "Shallow" costs \d+ points, more than the maximum of 1\.$/);
    expect(error.extensions.saturated).toBeUndefined();
  });

  test('a truncated breakdown of a saturated total ends with a non-negative summary row', () => {
    const report = new CostAnalyzer(schema, { model, maxDepth: 100, maxBreakdownFields: 5 }).analyze(
      parse(DEEP),
    );
    expect(report.fields).toHaveLength(5);
    expect(report.fields[4]).toEqual({ path: '…', count: 0, cost: 0 });
    expectHonestRows(report);
  });
});

describe('ibm: each channel', () => {
  test('a field cost limit refusal on a saturated field cost says so', () => {
    const ibm = new CostAnalyzer(schema, { model: 'ibm', maxDepth: 100, maxFieldCost: 10 });
    expect(() => ibm.analyze(parse(DEEP))).toThrow(
      `Operation "Deep" has a field cost of at least ${CEILING} points (saturated), more than the maximum of 10 (maxFieldCost).`,
    );
  });
});

function cli(argv: string[], query: string): Promise<MemoryRun> {
  return memoryCli(argv, { 's.graphql': SDL, 'q.graphql': query });
}

describe.each(NON_GITHUB)('CLI, %s model, a saturated total', (model) => {
  const base = [
    'cost',
    '--schema',
    's.graphql',
    '--query',
    'q.graphql',
    '--model',
    model,
    '--max-depth',
    '100',
  ];

  test.each([
    ['query', DEEP],
    ['mutation', DEEP_MUTATION],
  ])('the %s report has no negative row and no base-cost row, and says "at least"', async (_kind, query) => {
    const run = await cli([...base, '--top', '0'], query);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout).toContain(`  total  at least ${CEILING} points (saturated)\n`);
    expect(run.stdout).toContain('the rows are lower bounds');
    expect(run.stdout).not.toMatch(/-\d/);
    expect(run.stdout).not.toContain('base cost');
    expect(run.stdout).toContain(`≥${CEILING}`);
  });

  test('--max-cost: "over by at least", exit code for over the limit', async () => {
    const run = await cli([...base, '--max-cost', '100'], DEEP);
    expect(run.stdout).toContain(`  limit  100, over by at least ${CEILING - 100}\n`);
    expect(run.stdout).not.toMatch(/-\d/);
    expect(run.code).toBe(ExitCode.OVER_LIMIT);
    expect(run.stderr).toBe(
      `graphql-quota: COST_LIMIT_EXCEEDED: the operation costs at least ${CEILING} points (saturated), more than --max-cost 100.\n`,
    );
  });

  test('--json carries saturated: true', async () => {
    const run = await cli([...base, '--json'], DEEP);
    expect(JSON.parse(run.stdout)).toMatchObject({ total: CEILING, saturated: true });
  });
});

/**
 * Issue 15's case: a valid depth-50 query on each public schema fixture (real SDL, priced with the
 * connection conventions) saturates, and the CLI and the refusal say so, with no negative row.
 */
describe('a depth-50 chain of connections on each public schema fixture', () => {
  const repeat = (times: number, open: string, close: string, inner: string): string =>
    open.repeat(times) + inner + close.repeat(times);
  const FIXTURES: readonly [string, string][] = [
    // viewer 1, then followers/nodes 24 times (48), login: depth 50.
    [
      'github',
      `query Deep { viewer { ${repeat(24, 'followers(first: 100) { nodes { ', '} } ', 'login ')}} }`,
    ],
    // category 1, then children/edges/node 16 times (48), name: depth 50.
    [
      'saleor',
      `query Deep { category(slug: "x") { ${repeat(16, 'children(first: 100) { edges { node { ', '} } } ', 'name ')}} }`,
    ],
    // users/nodes 2, groupMemberships/nodes/createdBy 15 times (45), groupMemberships/nodes/createdAt: depth 50.
    [
      'gitlab',
      `query Deep { users(first: 100) { nodes { ${repeat(15, 'groupMemberships(first: 100) { nodes { createdBy { ', '} } } ', 'groupMemberships(first: 100) { nodes { createdAt } } ')}} } }`,
    ],
  ];
  const sdl = (name: string): string =>
    readFileSync(join(__dirname, '../../bench/fixtures/schemas', name, 'schema.graphql'), 'utf8');

  test.each(FIXTURES)('%s: depth 50, saturated, refused as "at least"', (name, query) => {
    const analyzer = new CostAnalyzer(buildASTSchema(withCostDirectives(sdl(name))), {
      conventions: { connections: true },
    });
    const report = analyzer.analyze(parse(query));
    expect({ depth: report.depth, total: report.total, saturated: report.saturated }).toEqual({
      depth: 50,
      total: CEILING,
      saturated: true,
    });
    expectHonestRows(report);
    const limited = new CostAnalyzer(analyzer.schema, { conventions: { connections: true }, maxCost: 1000 });
    expect(() => limited.analyze(parse(query))).toThrow(
      `Operation "Deep" costs at least ${CEILING} points (saturated), more than the maximum of 1000.`,
    );
  });

  test.each(FIXTURES)(
    '%s: the CLI prints no negative and no base-cost row, and refuses "at least"',
    async (name, query) => {
      const run = await memoryCli(
        ['cost', '--schema', 's.graphql', '--query', 'q.graphql', '--connections', '--max-cost', '1000'],
        { 's.graphql': sdl(name), 'q.graphql': query },
      );
      expect(run.stderr).toBe(
        `graphql-quota: COST_LIMIT_EXCEEDED: the operation costs at least ${CEILING} points (saturated), more than --max-cost 1000.\n`,
      );
      expect(run.code).toBe(ExitCode.OVER_LIMIT);
      expect(run.stdout).toContain(`  total  at least ${CEILING} points (saturated)\n`);
      expect(run.stdout).toContain(`  limit  1000, over by at least ${CEILING - 1000}\n`);
      expect(run.stdout).not.toMatch(/-\d/);
      expect(run.stdout).not.toContain('base cost');
    },
  );
});
