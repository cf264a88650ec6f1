import { refusalMessage } from '../../src/lifecycle/refusals.js';
import type { QuotaRefusalDetails } from '../../src/lifecycle/refusals.js';

/** A saturated cost is a lower bound: a quota refusal must not state it as exact (issue 15). */
describe('refusal messages of a saturated cost', () => {
  const details: QuotaRefusalDetails = {
    cost: Number.MAX_SAFE_INTEGER,
    limit: 'points',
    plan: 'free',
    remaining: 100,
    retryAfterSeconds: 3,
  };
  test.each(['QUOTA_EXCEEDED', 'QUOTA_CAPACITY_EXCEEDED'] as const)(
    '%s says "at least … (saturated)"',
    (code) => {
      const message = refusalMessage(code, details, null);
      expect(message).toContain('at least 9007199254740991 points (saturated)');
    },
  );
  test('an exact cost stays exact', () => {
    expect(refusalMessage('QUOTA_CAPACITY_EXCEEDED', { ...details, cost: 12 }, null)).toContain(
      'This operation costs 12 points, more than',
    );
  });
});
