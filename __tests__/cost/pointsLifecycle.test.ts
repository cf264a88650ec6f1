/**
 * Points in the request lifecycle (issue 15): what the quotas charge, the headers state and
 * `extensions.cost` reports is the report's points (its total under the analyzer's points scale), through
 * the Apollo plugin, with exact headers. The refund compares points with points.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { post, quotaHeadersOf, startHarness } from '../apollo/harness.js';
import { HOUR_RESET_S } from '../apollo/harness.js';

const alice = { context: { quotaClient: 'alice' } };
const query = (text: string) => ({ query: text });

test('a points scale: products(first: 7) { id price } is 21, ceil(21 / 10) = 3 points charged and stated', async () => {
  const { server } = await startHarness({
    cost: { points: { divisor: 10, rounding: 'ceil' } },
    exposeCost: 'always',
  });
  try {
    const first = await post(server, query('{ products(first: 7) { id price } }'), alice);
    expect(first.status).toBe(200);
    expect(quotaHeadersOf(first)).toEqual({
      'x-rate-limit-remaining': '97',
      'x-rate-limit-reset': `${HOUR_RESET_S}`,
      'x-rate-limit-consumed': '3',
      'x-rate-limit-first-in-duration': 'true',
      'ratelimit-policy': '"hourly";q=100;qu="graphql-cost";w=3600',
      ratelimit: '"hourly";r=97;t=2980',
    });
    expect(first.body.extensions.cost).toMatchObject({ requestedQueryCost: 3, actualQueryCost: 3 });
    const second = await post(server, query('{ products(first: 7) { id price } }'), alice);
    expect(second.headers['x-rate-limit-consumed']).toBe('6');
    expect(second.headers['x-rate-limit-remaining']).toBe('94');
  } finally {
    await server.stop();
  }
});

test("the github model on GitHub's schema: the published example charges 51 points; the refund is in points", async () => {
  const schema = buildSchema(
    readFileSync(join(__dirname, '../../bench/fixtures/schemas/github/schema.graphql'), 'utf8'),
  );
  const example = readFileSync(
    join(__dirname, '../../bench/fixtures/schemas/github/rate-limit.graphql'),
    'utf8',
  );
  // One repository without issues: the response made 2 connection requests (repositories, its issues).
  schema.getQueryType()!.getFields()['viewer']!.resolve = () => ({
    login: 'octocat',
    repositories: { edges: [{ node: { id: 'R1', issues: { edges: [] } } }] },
  });
  const { server } = await startHarness({ cost: { model: 'github' }, exposeCost: 'always' }, { schema });
  try {
    const first = await post(server, query(example), alice);
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual({
      viewer: { login: 'octocat', repositories: { edges: [{ node: { id: 'R1', issues: { edges: [] } } }] } },
    });
    expect(first.headers['x-rate-limit-consumed']).toBe('51');
    expect(first.headers['x-rate-limit-remaining']).toBe('49');
    expect(first.body.extensions.cost).toMatchObject({ requestedQueryCost: 51, actualQueryCost: 1 });
    // 2 requests are 1 point (GitHub's minimum): 51 charged, 50 refunded; the next one sees 100 − 1 − 51.
    const second = await post(server, query(example), alice);
    expect(second.headers['x-rate-limit-consumed']).toBe('52');
    expect(second.headers['x-rate-limit-remaining']).toBe('48');
  } finally {
    await server.stop();
  }
});

test('maxCost of the plugin compares points: 51 points is over 50 (400 COST_LIMIT_EXCEEDED, the cost in points)', async () => {
  const schema = buildSchema(
    readFileSync(join(__dirname, '../../bench/fixtures/schemas/github/schema.graphql'), 'utf8'),
  );
  const example = readFileSync(
    join(__dirname, '../../bench/fixtures/schemas/github/rate-limit.graphql'),
    'utf8',
  );
  const { server } = await startHarness({ cost: { model: 'github' }, maxCost: 50 }, { schema });
  try {
    const refused = await post(server, query(example), alice);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toBe(
      'Operation "RateLimitExample" costs 51 points, more than the maximum of 50.',
    );
    expect(refused.body.errors[0].extensions).toMatchObject({
      code: 'COST_LIMIT_EXCEEDED',
      cost: 51,
      maxCost: 50,
    });
  } finally {
    await server.stop();
  }
});
