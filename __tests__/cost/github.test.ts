/**
 * The `'github'` model (issue 15): GitHub's published GraphQL rate-limit formula and node limit, on a
 * reduced copy of GitHub's public schema (bench/fixtures/schemas/github/schema.graphql, real SDL) with the
 * operations of GitHub's own documentation ("Rate limits and node limits for the GraphQL API", "Forming calls
 * with GraphQL"). Every figure is the published one, or worked out by hand below.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse } from 'graphql';
import { CostAnalyzer, CostError, GITHUB_POINTS } from '../../src/cost/index.js';
import type { CostOptions } from '../../src/cost/index.js';

const DIR = join(__dirname, '../../bench/fixtures/schemas/github');
const schema = buildSchema(readFileSync(join(DIR, 'schema.graphql'), 'utf8'));
const operation = (name: string) => parse(readFileSync(join(DIR, `${name}.graphql`), 'utf8'));

function figures(name: string, options: CostOptions = { model: 'github' }) {
  const report = new CostAnalyzer(schema, options).analyze(operation(name));
  return { requests: report.total, points: report.points, nodes: report.nodes };
}

describe("GitHub's published examples", () => {
  test('rate limit: 1 repositories + 100 issues + 5,000 labels = 5,101 requests → 51 points', () => {
    expect(figures('rate-limit')).toEqual({ requests: 5101, points: 51, nodes: 100 + 5_000 + 300_000 });
  });
  test('node limit, simple query: 50 + 50 × 10 = 550 total nodes (1 + 50 = 51 requests, 1 point)', () => {
    expect(figures('node-limit-simple')).toEqual({ requests: 51, points: 1, nodes: 550 });
  });
  test('node limit, complex query: 50 + 1,000 + 10,000 + 1,000 + 10,000 + 10 = 22,060 total nodes', () => {
    // Requests: repositories 1, pullRequests 50, their comments 1,000, issues 50, their comments 1,000,
    // followers 1 = 2,102 → 21 points.
    expect(figures('node-limit-complex')).toEqual({ requests: 2102, points: 21, nodes: 22_060 });
  });
  test('forming calls: issues(last: 20) 1 + labels 20 = 21 requests → 1 point (the minimum); 20 + 100 nodes', () => {
    expect(figures('forming-calls')).toEqual({ requests: 21, points: 1, nodes: 120 });
  });
});

describe('the model', () => {
  test('the scale is GitHub’s: ÷100, rounded, at least 1', () => {
    expect(GITHUB_POINTS).toEqual({ divisor: 100, rounding: 'round', minimum: 1 });
    expect(new CostAnalyzer(schema, { model: 'github' }).options.points).toEqual(GITHUB_POINTS);
  });
  test('a query without connections costs the minimum: 0 requests → 1 point', () => {
    const report = new CostAnalyzer(schema, { model: 'github' }).analyze(parse('{ viewer { login } }'));
    expect({ total: report.total, points: report.points, nodes: report.nodes }).toEqual({
      total: 0,
      points: 1,
      nodes: 0,
    });
  });
  test('first/last above 100 count as 100 (GitHub refuses them): 1 + 100 = 101 requests', () => {
    const report = new CostAnalyzer(schema, { model: 'github' }).analyze(
      parse('{ viewer { repositories(first: 500) { nodes { issues(last: 7) { totalCount } } } } }'),
    );
    expect({ total: report.total, nodes: report.nodes }).toEqual({ total: 101, nodes: 100 + 700 });
  });
  test('variables size connections as literals do', () => {
    const analyzer = new CostAnalyzer(schema, { model: 'github' });
    const document = parse(
      'query($n: Int, $m: Int) { viewer { repositories(first: $n) { nodes { issues(first: $m) { totalCount } } } } }',
    );
    const report = analyzer.analyze(document, { variables: { n: 30, m: 40 } });
    expect({ total: report.total, points: report.points, nodes: report.nodes }).toEqual({
      total: 31,
      points: 1,
      nodes: 30 + 1_200,
    });
  });
  test('maxNodes: more than GitHub’s 500,000 nodes is COST_LIMIT_EXCEEDED with limit nodes', () => {
    const analyzer = new CostAnalyzer(schema, { model: 'github', maxNodes: 22_059 });
    let caught: unknown;
    try {
      analyzer.analyze(operation('node-limit-complex'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CostError);
    const error = caught as CostError;
    expect(error.message).toBe(
      'Operation "NodeLimitComplex" requests 22060 nodes, more than the maximum of 22059 (maxNodes).',
    );
    expect(error.extensions).toMatchObject({
      code: 'COST_LIMIT_EXCEEDED',
      cost: 21,
      limit: 'nodes',
      nodes: 22_060,
      maxNodes: 22_059,
    });
    expect(new CostAnalyzer(schema, { model: 'github' }).options.maxNodes).toBe(500_000);
  });
  test('maxCost is in points: 51 is over 50, within 51', () => {
    expect(() =>
      new CostAnalyzer(schema, { model: 'github', maxCost: 50 }).analyze(operation('rate-limit')),
    ).toThrow('Operation "RateLimitExample" costs 51 points, more than the maximum of 50.');
    expect(
      new CostAnalyzer(schema, { model: 'github', maxCost: 51 }).analyze(operation('rate-limit')).points,
    ).toBe(51);
  });
  test('actualCost is in points too: the response’s connections, ÷100, at least 1', () => {
    const analyzer = new CostAnalyzer(schema, { model: 'github' });
    const data = {
      viewer: {
        repositories: {
          edges: Array.from({ length: 3 }, () => ({
            repository: { name: 'r', issues: { totalCount: 0, edges: [] } },
          })),
        },
      },
    };
    // 1 repositories + 3 issues = 4 requests → 1 point.
    expect(analyzer.actualCost(operation('node-limit-simple'), { data })).toBe(1);
  });
  test('toJSON states points and nodes', () => {
    const report = new CostAnalyzer(schema, { model: 'github' }).analyze(operation('node-limit-simple'));
    expect(JSON.parse(JSON.stringify(report))).toMatchObject({ total: 51, points: 1, nodes: 550 });
  });
});

describe('a points scale on any model', () => {
  test('apollo with conventions, ÷1000 rounded up: 620,302 → 621 points; maxCost compares points', () => {
    const options: CostOptions = {
      conventions: { connections: true },
      points: { divisor: 1000, rounding: 'ceil' },
    };
    const report = new CostAnalyzer(schema, options).analyze(operation('rate-limit'));
    expect({ total: report.total, points: report.points }).toEqual({ total: 620_302, points: 621 });
    expect(() =>
      new CostAnalyzer(schema, { ...options, maxCost: 620 }).analyze(operation('rate-limit')),
    ).toThrow('Operation "RateLimitExample" costs 621 points, more than the maximum of 620.');
  });
  test('without a scale there are no points: report.points is absent', () => {
    const report = new CostAnalyzer(schema).analyze(operation('rate-limit'));
    const json = JSON.parse(JSON.stringify(report)) as object;
    expect({ total: report.total, points: report.points, json: 'points' in json }).toEqual({
      total: 2432,
      points: undefined,
      json: false,
    });
  });
  test('an invalid scale is a TypeError naming the option', () => {
    expect(() => new CostAnalyzer(schema, { points: { divisor: -1 } })).toThrow(
      'CostOptions.points.divisor must be a positive finite number, got -1',
    );
  });
});

test('a deep chain of connections saturates honestly: 100^49 requests is past the ceiling', () => {
  let selection = 'login';
  for (let i = 0; i < 49; i++) selection = `followers(first: 100) { nodes { ${selection} } }`;
  const report = new CostAnalyzer(schema, { model: 'github', maxDepth: 200, maxNodes: Infinity }).analyze(
    parse(`{ viewer { ${selection} } }`),
  );
  expect({ total: report.total, saturated: report.saturated, points: report.points }).toEqual({
    total: Number.MAX_SAFE_INTEGER,
    saturated: true,
    points: Number.MAX_SAFE_INTEGER,
  });
});

describe('chargeDefaultedArguments: Issue.labels(orderBy: LabelOrder = {field: CREATED_AT, direction: ASC})', () => {
  // Apollo model with connections sized (objects 1, an input object argument 1). Forming calls, by hand:
  // repository 1 + issues 1 + 20 × (edge 1 + issue 1 + labels 1 + LabelOrder 1 + 5 × (edge 1 + label 1)).
  const conventions = { connections: true } as const;
  test('charged (the default): 2 + 20 × 14 = 282; the rate-limit example 620,302', () => {
    expect(figures('forming-calls', { conventions }).requests).toBe(282);
    expect(figures('rate-limit', { conventions }).requests).toBe(620_302);
  });
  test('not charged: 2 + 20 × 13 = 262; the rate-limit example 620,302 − 5,000 labels = 615,302', () => {
    const options = { conventions, chargeDefaultedArguments: false };
    expect(figures('forming-calls', options).requests).toBe(262);
    expect(figures('rate-limit', options).requests).toBe(615_302);
  });
  test('an orderBy the operation writes costs in both, as a literal or a variable', () => {
    const query = (orderBy: string) =>
      `query($o: LabelOrder) { repository(owner: "o", name: "n") { issues(first: 1) { nodes { labels(first: 2, orderBy: ${orderBy}) { nodes { name } } } } } }`;
    // repository 1 + issues 1 + issue 1 + labels 1 + LabelOrder 1 + 2 labels = 7.
    for (const chargeDefaultedArguments of [true, false]) {
      const analyzer = new CostAnalyzer(schema, { conventions, chargeDefaultedArguments });
      expect(analyzer.analyze(parse(query('{ field: NAME, direction: DESC }'))).total).toBe(7);
      const variables = { o: { field: 'NAME', direction: 'DESC' } };
      expect(analyzer.analyze(parse(query('$o')), { variables }).total).toBe(7);
    }
  });
  test('a defaulted slicing argument still sizes its list when defaults are not charged', () => {
    const sdl = `type Query { items(first: Int = 3): ItemConnection } type ItemConnection { nodes: [Item] } type Item { id: ID }`;
    const analyzer = new CostAnalyzer(buildSchema(sdl), { conventions, chargeDefaultedArguments: false });
    expect(analyzer.analyze(parse('{ items { nodes { id } } }')).total).toBe(1 + 3);
  });
  test('not a boolean: a TypeError', () => {
    expect(() => new CostAnalyzer(schema, { chargeDefaultedArguments: 'no' as unknown as boolean })).toThrow(
      'CostOptions.chargeDefaultedArguments must be a boolean',
    );
  });
});
