import { QuotaValidationError } from '../../src/quota/errors.js';
import { definePlan, planPolicies } from '../../src/quota/definePlan.js';
import { createPlanResolver, resolvePlan } from '../../src/quota/planResolver.js';
import type { Plan } from '../../src/quota/types.js';

function planError(plan: unknown): QuotaValidationError {
  try {
    definePlan(plan as Plan);
  } catch (error) {
    if (error instanceof QuotaValidationError) return error;
    throw error;
  }
  throw new Error('definePlan accepted the plan');
}

const window = { kind: 'fixed-window', name: 'w', limit: 10, windowMs: 1_000 } as const;

describe('definePlan', () => {
  it('returns a valid plan unchanged', () => {
    const plan: Plan = { name: 'ok', limits: [window] };
    expect(definePlan(plan)).toBe(plan);
  });

  it('accepts a plan without limits (unlimited)', () => {
    expect(definePlan({ name: 'unlimited', limits: [] }).limits).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['a missing plan name', { limits: [] }, 'a plan needs a non-empty string name, got undefined'],
    ['non-array limits', { name: 'p', limits: {} }, 'plan "p": limits must be an array, got {}'],
    [
      'a zero limit',
      { name: 'p', limits: [{ ...window, limit: 0 }] },
      'plan "p", limits[0] "w": limit must be a positive integer, got 0',
    ],
    [
      'a negative limit',
      { name: 'p', limits: [{ ...window, limit: -5 }] },
      'plan "p", limits[0] "w": limit must be a positive integer, got -5',
    ],
    [
      'a fractional window',
      { name: 'p', limits: [{ ...window, windowMs: 1.5 }] },
      'plan "p", limits[0] "w": windowMs must be a positive integer, got 1.5',
    ],
    [
      'a NaN rate',
      { name: 'p', limits: [{ kind: 'token-bucket', name: 'b', rate: NaN, burst: 1 }] },
      'plan "p", limits[0] "b": rate must be a positive number of tokens per periodMs, got NaN',
    ],
    [
      'an infinite burst',
      { name: 'p', limits: [{ kind: 'token-bucket', name: 'b', rate: 1, burst: Infinity }] },
      'plan "p", limits[0] "b": burst must be a positive integer, got Infinity',
    ],
    [
      'a rate too fine to represent',
      { name: 'p', limits: [{ kind: 'token-bucket', name: 'b', rate: 10_007, burst: 1 }] },
      'plan "p", limits[0] "b": rate 10007 per 1000 ms needs a time step finer than 1/2048 ms; choose rate and periodMs so that periodMs / rate is a simpler fraction of milliseconds',
    ],
    [
      'duplicate limit names',
      { name: 'p', limits: [window, { ...window }] },
      'plan "p": two limits are named "w"; names must be unique in a plan',
    ],
    [
      'an unknown kind',
      { name: 'p', limits: [{ kind: 'sliding', name: 's' }] },
      `plan "p", limits[0] "s": kind must be 'fixed-window', 'token-bucket' or 'concurrency', got "sliding"`,
    ],
    [
      'a bad name',
      { name: 'p', limits: [{ ...window, name: 'has space' }] },
      'plan "p", limits[0]: name must be 1 to 64 characters of A-Z a-z 0-9 _ . : -, got "has space"',
    ],
    [
      'an unknown operation',
      { name: 'p', limits: [{ ...window, operations: ['query', 'batch'] }] },
      `plan "p", limits[0] "w": unknown operation type "batch" in operations`,
    ],
    [
      'empty operations',
      { name: 'p', limits: [{ ...window, operations: [] }] },
      `plan "p", limits[0] "w": operations must be a non-empty array of 'query', 'mutation', 'subscription', got []`,
    ],
    [
      'a repeated operation',
      { name: 'p', limits: [{ ...window, operations: ['query', 'query'] }] },
      `plan "p", limits[0] "w": operation type 'query' is listed twice in operations`,
    ],
    [
      'a bad counts',
      { name: 'p', limits: [{ ...window, counts: 'bytes' }] },
      `plan "p", limits[0] "w": counts must be 'cost' or 'requests', got "bytes"`,
    ],
    [
      'a bad align',
      { name: 'p', limits: [{ ...window, align: 'hour' }] },
      `plan "p", limits[0] "w": align must be 'clock' or 'first-request', got "hour"`,
    ],
    [
      'counts on concurrency',
      { name: 'p', limits: [{ kind: 'concurrency', name: 'c', max: 2, counts: 'cost' }] },
      'plan "p", limits[0] "c": a concurrency limit counts operations in flight; remove counts',
    ],
    [
      'a huge concurrency',
      { name: 'p', limits: [{ kind: 'concurrency', name: 'c', max: 5_000 }] },
      'plan "p", limits[0] "c": max must be at most 1000, got 5000',
    ],
    [
      'a zero lease',
      { name: 'p', limits: [{ kind: 'concurrency', name: 'c', max: 2, leaseMs: 0 }] },
      'plan "p", limits[0] "c": leaseMs must be a positive integer, got 0',
    ],
  ])('rejects %s with a precise TypeError', (_, plan, message) => {
    const error = planError(plan);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('QUOTA_INVALID_PLAN');
    expect(error.message).toBe(message);
  });

  it('accepts fractional rates that are whole tokens per whole milliseconds', () => {
    expect(() =>
      definePlan({ name: 'p', limits: [{ kind: 'token-bucket', name: 'b', rate: 0.25, burst: 1 }] }),
    ).not.toThrow();
  });
});

describe('planPolicies', () => {
  it('fills in every default', () => {
    const plan: Plan = {
      name: 'p',
      limits: [
        window,
        { kind: 'token-bucket', name: 'b', rate: 0.25, burst: 2, operations: ['query'] },
        { kind: 'concurrency', name: 'c', max: 3 },
      ],
    };
    expect(planPolicies(plan)).toEqual([
      {
        name: 'w',
        kind: 'fixed-window',
        counts: 'cost',
        limit: 10,
        windowMs: 1_000,
        operations: ['query', 'mutation', 'subscription'],
      },
      {
        name: 'b',
        kind: 'token-bucket',
        counts: 'requests',
        limit: 2,
        windowMs: 8_000,
        operations: ['query'],
      },
      {
        name: 'c',
        kind: 'concurrency',
        counts: 'requests',
        limit: 3,
        windowMs: 60_000,
        operations: ['query', 'mutation', 'subscription'],
      },
    ]);
  });
});

describe('createPlanResolver', () => {
  const free: Plan = { name: 'free', limits: [window] };
  const pro: Plan = { name: 'pro', limits: [{ ...window, limit: 100 }] };
  const custom: Plan = { name: 'acme', limits: [{ ...window, limit: 5_000 }] };

  it('gives the default plan, a named override or a plan of the client own', () => {
    const planFor = createPlanResolver({
      plans: [free, pro],
      defaultPlan: 'free',
      overrides: { alice: 'pro', acme: custom },
    });
    expect(planFor('bob')).toBe(free);
    expect(planFor('alice')).toBe(pro);
    expect(planFor('acme')).toBe(custom);
    expect(
      resolvePlan({ plans: [free, pro], defaultPlan: 'pro', overrides: new Map([['x', 'free']]) }, 'x'),
    ).toBe(free);
  });

  it.each<[string, Parameters<typeof createPlanResolver>[0], string]>([
    [
      'an unknown default',
      { plans: [free], defaultPlan: 'gold' },
      'defaultPlan "gold" is not one of the plans (free)',
    ],
    [
      'an unknown override',
      { plans: [free], defaultPlan: 'free', overrides: { bob: 'gold' } },
      'the override for client "bob" names an unknown plan "gold"',
    ],
    [
      'duplicate plan names',
      { plans: [free, { ...pro, name: 'free' }], defaultPlan: 'free' },
      'two plans are named "free"; plan names must be unique',
    ],
    [
      'a malformed override plan',
      {
        plans: [free],
        defaultPlan: 'free',
        overrides: { bob: { name: 'b', limits: [{ ...window, windowMs: 0 }] } },
      },
      'plan "b", limits[0] "w": windowMs must be a positive integer, got 0',
    ],
  ])('rejects %s eagerly', (_, options, message) => {
    expect(() => createPlanResolver(options)).toThrow(
      expect.objectContaining({ code: 'QUOTA_INVALID_PLAN', message }),
    );
  });
});
