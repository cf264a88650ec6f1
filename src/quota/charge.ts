import type { LimitStatus } from './types.js';

/** What {@link limitCharge} and {@link limitRefund} read of a limit: a compiled limit or a {@link LimitStatus}. */
export type ChargedLimit = Pick<LimitStatus, 'kind' | 'counts'>;

/**
 * What one operation of `cost` points charges a limit that applies to it: the cost for a limit that counts
 * `'cost'`, one for a limit that counts `'requests'`, one slot for a concurrency limit. The one statement of
 * this rule: the in-memory arithmetic and the Redis store's script arguments take it from here, and
 * __tests__/store/chargeAgreement.test.ts holds the script to it.
 */
export function limitCharge(limit: ChargedLimit, cost: number): number {
  return limit.kind !== 'concurrency' && limit.counts === 'cost' ? cost : 1;
}

/**
 * What a settle gives back to a limit that applied to the operation: `refund` points to a limit that counts
 * `'cost'`, nothing to the others (the request was made, the slot is released separately).
 */
export function limitRefund(limit: ChargedLimit, refund: number): number {
  return limit.kind !== 'concurrency' && limit.counts === 'cost' ? refund : 0;
}
