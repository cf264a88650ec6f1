/**
 * Quota: limits and plans, and the arithmetic of one decision across all of a client's limits. Pure over
 * state, time injected; knows nothing of GraphQL, stores or servers.
 *
 * The first block is public (re-exported by the package root). The second is the quota model as the stores
 * compute with it: exported here for the layers above (store, engine), not from the package root.
 */
export type * from './types.js';
export * from './defaults.js';
export { QuotaValidationError } from './errors.js';
export type { QuotaErrorCode } from './errors.js';
export { definePlan, planPolicies } from './definePlan.js';
export type { LimitPolicy } from './definePlan.js';
export { createPlanResolver, resolvePlan } from './planResolver.js';
export type { PlanResolver, PlanResolverOptions } from './planResolver.js';

// Internal, shared with the layers above.
export { invalidOption } from './errors.js';
export { limitCharge, limitRefund } from './charge.js';
export type { ChargedLimit } from './charge.js';
export { OPERATION_BITS, UNBOUNDED, compilePlan } from './compilePlan.js';
export type {
  CompiledConcurrency,
  CompiledFixedWindow,
  CompiledLimit,
  CompiledMatch,
  CompiledPlan,
  CompiledTokenBucket,
} from './compilePlan.js';
export {
  adoptState,
  bucketFiguresHoldUntil,
  evaluateLimits,
  globalRemaining,
  settleLimits,
} from './arithmetic.js';
export type { GlobalState, GlobalWindow } from './arithmetic.js';
export { applyingLimits, isExempt, matches, scopeOf } from './scope.js';
export {
  REFUSAL_CAPACITY,
  REFUSAL_CODES,
  REFUSAL_LIMIT,
  REFUSAL_NONE,
  buildDecision,
  newOutcomes,
  secondsUntil,
} from './outcome.js';
export type { LimitOutcome, Refusal } from './outcome.js';
export {
  assertClient,
  assertDecideInput,
  assertDuration,
  assertOperation,
  assertScope,
  assertSettleInput,
} from './validateInput.js';
