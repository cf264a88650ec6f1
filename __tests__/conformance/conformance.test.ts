/**
 * One table of scenarios (scenarios.ts), every server: Apollo Server 5 standalone and on Express 5, GraphQL
 * Yoga 5 with `useQuota`, Mercurius 16 with the Fastify plugin. Each runs on 127.0.0.1 and a free port and is
 * driven over HTTP. What differs between servers is in exceptions.ts, asserted as documented.
 */
import { useTestRedis } from '../helpers/redis.js';
import { SERVER_KINDS } from '../helpers/serverApp.js';
import { EXCEPTIONS } from './exceptions.js';
import { runScenario, usedExceptions } from './harness.js';
import { SCENARIOS } from './scenarios.js';

const redis = useTestRedis('conformance');
const servers = (process.env['CONFORMANCE_SERVERS']?.split(',') ?? SERVER_KINDS) as typeof SERVER_KINDS;

describe.each(servers)('%s', (server) => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    await runScenario(server, scenario, redis);
  });
});

describe('the table of exceptions', () => {
  it('names only scenarios that exist, each with a reason', () => {
    const names = new Set(SCENARIOS.map((s) => s.name));
    for (const e of EXCEPTIONS) {
      expect({ scenario: e.scenario, known: names.has(e.scenario) }).toEqual({
        scenario: e.scenario,
        known: true,
      });
      expect(e.reason.length).toBeGreaterThan(40);
    }
  });

  it('has no entry that no scenario used (when every server ran)', () => {
    if (servers.length !== SERVER_KINDS.length) return;
    expect(EXCEPTIONS.filter((e) => !usedExceptions.has(e))).toEqual([]);
  });
});
