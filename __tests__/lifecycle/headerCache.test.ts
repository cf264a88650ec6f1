import { HeaderCache, exposedFor, policyFor } from '../../src/lifecycle/headerCache.js';
import { exposeHeadersValue, partitionKey, rateLimitPolicyValue } from '../../src/http/index.js';
import type { LimitStatus } from '../../src/quota/index.js';

const SECRET = 'test-secret';
const hourly: LimitStatus = {
  name: 'hourly',
  kind: 'fixed-window',
  counts: 'cost',
  limit: 100,
  remaining: 40,
  consumed: 60,
  resetAtMs: 3_600_000,
  windowMs: 3_600_000,
  firstInWindow: false,
  applies: true,
};

describe('HeaderCache', () => {
  it("keeps each client's pk, computed as partitionKey() would", () => {
    const cache = new HeaderCache({}, SECRET);
    const alice = cache.client('id:alice');
    expect(cache.client('id:alice')).toBe(alice);
    expect(alice.options.partitionKey).toEqual(partitionKey('id:alice', SECRET));
    expect(cache.client('id:bob').options.partitionKey).toEqual(partitionKey('id:bob', SECRET));
    expect(Buffer.from(alice.options.partitionKey!).equals(Buffer.from(partitionKey('id:bob', SECRET)))).toBe(
      false,
    );
  });

  it('forgets the least recently used client past its bound, which then gets the same pk again', () => {
    const cache = new HeaderCache({}, SECRET, 2);
    const a = cache.client('a');
    cache.client('b');
    cache.client('c');
    const again = cache.client('a');
    expect(again).not.toBe(a);
    expect(again.options.partitionKey).toEqual(a.options.partitionKey);
  });

  it('shares one state without pk when there is no secret', () => {
    const cache = new HeaderCache({ costQuotaUnit: null }, null);
    expect(cache.client('a')).toBe(cache.client('b'));
    expect(cache.client('a').options).toEqual({ costQuotaUnit: null, partitionKey: null });
  });
});

describe('policyFor', () => {
  it('serialises the policy once for the same static limits and again when they change', () => {
    const state = new HeaderCache({}, SECRET).client('a');
    const first = policyFor(state, [hourly]);
    expect(first).toBe(rateLimitPolicyValue([hourly], state.options));
    // Only remaining/consumed/reset moved: the same policy.
    expect(policyFor(state, [{ ...hourly, remaining: 1, consumed: 99, resetAtMs: 7 }])).toBe(first);
    const bigger = { ...hourly, limit: 500 };
    expect(policyFor(state, [bigger])).toBe(rateLimitPolicyValue([bigger], state.options));
    expect(policyFor(state, [bigger])).not.toBe(first);
    expect(policyFor(state, [{ ...hourly, name: 'daily' }])).toMatch(/^"daily";q=100;/);
    expect(policyFor(state, [{ ...hourly, windowMs: 60_000 }])).toMatch(/;w=60;/);
    expect(policyFor(state, [])).toBeNull();
  });
});

describe('exposedFor', () => {
  it('equals exposeHeadersValue and follows a change of header names', () => {
    const state = new HeaderCache({}, SECRET).client('a');
    const fields = [
      ['ratelimit-policy', 'x'],
      ['ratelimit', 'y'],
    ] as const;
    expect(exposedFor(state, fields)).toBe('ratelimit-policy, ratelimit');
    expect(exposedFor(state, [...fields, ['retry-after', '3']])).toBe(
      exposeHeadersValue([...fields, ['retry-after', '3']]),
    );
    expect(exposedFor(state, [['ratelimit', 'y']])).toBe('ratelimit');
  });
});
