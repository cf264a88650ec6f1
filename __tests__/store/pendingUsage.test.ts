/**
 * The refusals a RedisStore keeps for the usage history until a script call carries them are bounded: a
 * client choosing a new operation name per request (or many clients during a Redis outage) cannot grow the
 * process without end. Every refusal is accounted for: carried under its name, under `(other)`, or counted
 * as dropped.
 */
import { MAX_PENDING_TOTAL, PENDING_NAMED_GROUPS, PendingUsage } from '../../src/store/usageHistory.js';
import { OTHER_OPERATIONS } from '../../src/store/defaults.js';

const T = Date.UTC(2026, 10, 30, 12, 0, 0);

/** Every group a take() carries: [client, minute, count, name, plan, code] (6 arguments each). */
function drain(pending: PendingUsage): { client: string; count: number; name: string }[] {
  const groups: { client: string; count: number; name: string }[] = [];
  for (;;) {
    const args = pending.take();
    const n = Number(args[0]);
    if (n === 0) return groups;
    for (let j = 1; j < args.length; j += 6)
      groups.push({ client: args[j]!, count: Number(args[j + 2]), name: args[j + 3]! });
  }
}

describe('PendingUsage', () => {
  it('counts a repeated refusal in its group', () => {
    const pending = new PendingUsage();
    for (let i = 0; i < 5; i++) pending.add('{a}', T + i * 1_000, 'Q', 'pro', 'QUOTA_EXCEEDED');
    expect(pending.size).toBe(1);
    expect(drain(pending)).toEqual([{ client: '{a}', count: 5, name: 'Q' }]);
  });

  it(`past ${PENDING_NAMED_GROUPS} groups names a new group (other); past ${MAX_PENDING_TOTAL} drops only what fits no kept group`, () => {
    const pending = new PendingUsage();
    for (let i = 0; i < PENDING_NAMED_GROUPS; i++)
      pending.add('{a}', T, `Op${i}`, 'pro', 'COST_LIMIT_EXCEEDED');
    expect(pending.size).toBe(PENDING_NAMED_GROUPS);
    // New names of the same client, minute, plan and code share one (other) group.
    pending.add('{a}', T, 'Fresh1', 'pro', 'COST_LIMIT_EXCEEDED');
    pending.add('{a}', T, 'Fresh2', 'pro', 'COST_LIMIT_EXCEEDED');
    expect(pending.size).toBe(PENDING_NAMED_GROUPS + 1);
    // A kept name still counts in its own group.
    pending.add('{a}', T, 'Op7', 'pro', 'COST_LIMIT_EXCEEDED');
    expect(pending.size).toBe(PENDING_NAMED_GROUPS + 1);
    // Other clients fill the rest with (other) groups of their own.
    const others = MAX_PENDING_TOTAL - PENDING_NAMED_GROUPS - 1;
    for (let i = 0; i < others; i++) pending.add(`{c${i}}`, T, 'Any', 'pro', 'UNKNOWN_API_KEY');
    expect(pending.size).toBe(MAX_PENDING_TOTAL);
    expect(pending.dropped).toBe(0);
    // Full: a refusal of a kept group still counts; one that fits none is dropped, and counted as such.
    pending.add('{c0}', T, 'Other name', 'pro', 'UNKNOWN_API_KEY');
    pending.add('{new}', T, 'Q', 'pro', 'QUOTA_EXCEEDED');
    pending.add('{a}', T + 60_000, 'Op1', 'pro', 'COST_LIMIT_EXCEEDED');
    expect(pending.size).toBe(MAX_PENDING_TOTAL);
    expect(pending.dropped).toBe(2);

    const groups = drain(pending);
    expect(groups).toHaveLength(MAX_PENDING_TOTAL);
    const added = PENDING_NAMED_GROUPS + 3 + others + 3;
    expect(groups.reduce((sum, g) => sum + g.count, 0) + pending.dropped).toBe(added);
    expect(groups.find((g) => g.client === '{a}' && g.name === OTHER_OPERATIONS)?.count).toBe(2);
    expect(groups.find((g) => g.client === '{a}' && g.name === 'Op7')?.count).toBe(2);
    expect(groups.find((g) => g.client === '{c0}')).toEqual({
      client: '{c0}',
      count: 2,
      name: OTHER_OPERATIONS,
    });
    expect(pending.size).toBe(0);
  });
});
