/**
 * Scoped limits, exemptions and soft limits through the Apollo plugin (issue 10): the lifecycle passes the
 * operation's name and root fields (through fragments, not aliases) into the decision; exact statuses, headers
 * and messages.
 */
import type { QuotaThresholdEvent } from '../../src/lifecycle/index.js';
import type { Plan } from '../../src/quota/index.js';
import { ANONYMOUS, Gate, HOUR_RESET_S, post, quotaHeadersOf, startHarness } from './harness.js';

const alice = { context: { quotaClient: 'alice' } };
const HOUR = 3_600_000;

/** 100 points an hour, and `product` (a root field) at most twice an hour, and `Sync` once. */
const SCOPED: Plan = {
  name: 'scoped',
  limits: [
    { name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: HOUR },
    {
      name: 'product-lookups',
      kind: 'fixed-window',
      counts: 'requests',
      limit: 2,
      windowMs: HOUR,
      rootFields: ['product'],
    },
    {
      name: 'sync',
      kind: 'fixed-window',
      counts: 'requests',
      limit: 1,
      windowMs: HOUR,
      operationNames: ['Sync'],
    },
  ],
  exempt: [{ operations: ['mutation'], rootFields: ['touch'] }],
};

describe('quotaPlugin: limits scoped to a root field or an operation name', () => {
  it('counts the root field however it is reached (alias, fragment), and refuses the third with its own numbers', async () => {
    const { server } = await startHarness({ plans: [SCOPED, ANONYMOUS] });
    try {
      const aliased = await post(server, { query: '{ a: product(id: "p1") { id } }' }, alice);
      expect(aliased.status).toBe(200);
      expect(quotaHeadersOf(aliased)['ratelimit']).toBe('"hourly";r=99;t=2980, "product-lookups";r=1;t=2980');
      const fragment = await post(
        server,
        { query: 'query { ...F } fragment F on Query { ... on Query { product(id: "p2") { id } } }' },
        alice,
      );
      expect(quotaHeadersOf(fragment)['ratelimit']).toBe(
        '"hourly";r=98;t=2980, "product-lookups";r=0;t=2980',
      );
      // Another root field: the scoped limit does not apply and is not listed in RateLimit.
      const other = await post(server, { query: '{ products(first: 3) { id } }' }, alice);
      expect(other.status).toBe(200);
      expect(quotaHeadersOf(other)['ratelimit']).toBe('"hourly";r=95;t=2980');
      const third = await post(server, { query: '{ product(id: "p3") { id } }' }, alice);
      expect(third.status).toBe(429);
      expect(third.headers['retry-after']).toBe('2980');
      expect(third.body.errors[0].message).toBe(
        'Quota exceeded: this operation needs 1 request and limit "product-lookups" of plan "scoped" has 0 requests left. Retry in 2980 s.',
      );
      // Nothing charged for the refusal.
      expect(
        (await post(server, { query: '{ products(first: 1) { id } }' }, alice)).headers[
          'x-rate-limit-remaining'
        ],
      ).toBe('94');
    } finally {
      await server.stop();
    }
  });

  it('an operation-name limit: the named operation once an hour, others unaffected', async () => {
    const { server } = await startHarness({ plans: [SCOPED, ANONYMOUS] });
    try {
      const sync = {
        query: 'query Sync { products(first: 1) { id } } query Other { products(first: 1) { id } }',
      };
      expect((await post(server, { ...sync, operationName: 'Sync' }, alice)).status).toBe(200);
      const again = await post(server, { ...sync, operationName: 'Sync' }, alice);
      expect(again.status).toBe(429);
      expect(again.body.errors[0].extensions.quota).toEqual({
        plan: 'scoped',
        limit: 'sync',
        remaining: 0,
        retryAfterSeconds: 2980,
      });
      expect((await post(server, { ...sync, operationName: 'Other' }, alice)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: exempt operations', () => {
  it("a plan's exempt rule: admitted, counted nowhere, headers show the usage unchanged and say so", async () => {
    const { server } = await startHarness({ plans: [SCOPED, ANONYMOUS] });
    try {
      await post(server, { query: '{ products(first: 10) { id } }' }, alice);
      for (let i = 0; i < 12; i++) {
        const push = await post(server, { query: 'mutation { touch }' }, alice);
        expect(push.status).toBe(200);
        expect(quotaHeadersOf(push)).toEqual({
          'x-rate-limit-exempt': 'true',
          'x-rate-limit-remaining': '90',
          'x-rate-limit-reset': `${HOUR_RESET_S}`,
          'x-rate-limit-consumed': '10',
          'x-rate-limit-first-in-duration': 'false',
          'ratelimit-policy':
            '"hourly";q=100;qu="graphql-cost";w=3600, "product-lookups";q=2;w=3600, "sync";q=1;w=3600',
        });
        expect(push.headers['access-control-expose-headers']).toContain('x-rate-limit-exempt');
      }
    } finally {
      await server.stop();
    }
  });

  it('the exempt option: a predicate on the operation, checked after identification', async () => {
    const { server } = await startHarness({
      exempt: ({ rootFields, client }) => client.id === 'alice' && rootFields.includes('touch'),
    });
    try {
      for (let i = 0; i < 10; i++) {
        const push = await post(server, { query: 'mutation { touch }' }, alice);
        expect(push.status).toBe(200);
        expect(push.headers['x-rate-limit-exempt']).toBe('true');
        expect(push.headers['x-rate-limit-remaining']).toBe('100');
      }
      // Not exempt for anyone else: 15 points a mutation against the anonymous 20.
      const anonymous = await post(server, { query: 'mutation { touch }' });
      expect(anonymous.headers['x-rate-limit-exempt']).toBeUndefined();
      expect(anonymous.headers['x-rate-limit-remaining']).toBe('5');
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: soft limits', () => {
  it('past the soft line: served, told 0 left, notified at 100 %; refused only past the hard ceiling', async () => {
    const SOFT: Plan = {
      name: 'soft',
      limits: [
        {
          name: 'hourly',
          kind: 'fixed-window',
          counts: 'requests',
          limit: 5,
          windowMs: HOUR,
          soft: true,
          hardCeiling: 6,
        },
      ],
    };
    const events: string[] = [];
    const onThreshold = (e: QuotaThresholdEvent): void => {
      events.push(`${e.limit.name} ${e.threshold} ${e.limit.consumed}`);
    };
    const { server } = await startHarness({
      plans: [SOFT, ANONYMOUS],
      onThreshold,
      usageThresholds: [0.8, 1],
    });
    try {
      for (let i = 0; i < 5; i++)
        expect((await post(server, { query: '{ product(id: "p") { id } }' }, alice)).status).toBe(200);
      const over = await post(server, { query: '{ product(id: "p") { id } }' }, alice);
      expect(over.status).toBe(200);
      expect(quotaHeadersOf(over)).toMatchObject({
        'x-rate-limit-remaining': '0',
        'x-rate-limit-consumed': '6',
        ratelimit: '"hourly";r=0;t=2980',
      });
      expect(events).toEqual(['hourly 0.8 4', 'hourly 1 5']);
      const refused = await post(server, { query: '{ product(id: "p") { id } }' }, alice);
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('2980');
    } finally {
      await server.stop();
    }
  });
});

describe('quotaPlugin: refusals that tell the truth', () => {
  const SLOT: Plan = {
    name: 'slot',
    limits: [
      { name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: HOUR },
      { name: 'inflight', kind: 'concurrency', max: 1, leaseMs: 60_000 },
    ],
  };

  it('a concurrency refusal estimates when the slot frees from observed durations, never the 60 s lease, and speaks of slots', async () => {
    const { server, data, clock } = await startHarness({ plans: [SLOT, ANONYMOUS] });
    try {
      // Nothing observed yet: retry in 1 s.
      const first = post(server, { query: '{ gated }' }, alice);
      await data.gate.reached;
      const early = await post(server, { query: '{ product(id: "p") { id } }' }, alice);
      expect(early.status).toBe(429);
      expect(early.headers['retry-after']).toBe('1');
      expect(early.body.errors[0].message).toBe(
        'Quota exceeded: this operation needs a free operation slot and limit "inflight" of plan "slot" has 0 free slots of 1. Retry in 1 s.',
      );
      // That operation takes 5 s.
      clock.advance(5_000);
      data.gate.open();
      expect((await first).status).toBe(200);
      // The next one started 1 s ago: it should end in about 4 s.
      data.gate = new Gate();
      const second = post(server, { query: '{ gated }' }, alice);
      await data.gate.reached;
      clock.advance(1_000);
      const refused = await post(server, { query: '{ product(id: "p") { id } }' }, alice);
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('4');
      expect(refused.headers['x-rate-limit-remaining']).toBe('0');
      expect(refused.body.errors[0].extensions.quota).toEqual({
        plan: 'slot',
        limit: 'inflight',
        remaining: 0,
        retryAfterSeconds: 4,
      });
      data.gate.open();
      expect((await second).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('wording: "1 point" in the singular; a request-limit refusal carries no cost beside "needs 1 request"', async () => {
    const plans: Plan[] = [
      {
        name: 'tiny',
        limits: [
          { name: 'points', kind: 'fixed-window', limit: 1, windowMs: HOUR },
          {
            name: 'per-10s',
            kind: 'token-bucket',
            rate: 1,
            periodMs: 10_000,
            burst: 1,
            operations: ['mutation'],
          },
        ],
      },
      ANONYMOUS,
    ];
    const { server } = await startHarness({ plans });
    try {
      expect((await post(server, { query: '{ product(id: "p") { id } }' }, alice)).status).toBe(200);
      const points = await post(server, { query: '{ product(id: "p") { id } }' }, alice);
      expect(points.body.errors[0].message).toBe(
        'Quota exceeded: this operation needs 1 point and limit "points" of plan "tiny" has 0 points left. Retry in 2980 s.',
      );
      expect(points.body.errors[0].extensions.quota.cost).toBe(1);
      // A mutation costs 15 points here, over the 1-point window: request-limit numbers need a plan without it.
    } finally {
      await server.stop();
    }
    const requests: Plan[] = [
      {
        name: 'writes',
        limits: [
          {
            name: 'per-10s',
            kind: 'token-bucket',
            rate: 1,
            periodMs: 10_000,
            burst: 1,
            operations: ['mutation'],
          },
        ],
      },
      ANONYMOUS,
    ];
    const second = await startHarness({ plans: requests });
    try {
      expect((await post(second.server, { query: 'mutation { touch }' }, alice)).status).toBe(200);
      const refused = await post(second.server, { query: 'mutation { touch }' }, alice);
      expect(refused.status).toBe(429);
      expect(refused.body.errors[0].message).toBe(
        'Quota exceeded: this operation needs 1 request and limit "per-10s" of plan "writes" has 0 requests left. Retry in 10 s.',
      );
      expect(refused.body.errors[0].extensions.quota).toEqual({
        plan: 'writes',
        limit: 'per-10s',
        remaining: 0,
        retryAfterSeconds: 10,
      });
      expect(refused.headers['x-rate-limit-remaining']).toBe('0');
    } finally {
      await second.server.stop();
    }
  });
});
