import { OPERATION_BITS } from './compilePlan.js';
import type { CompiledMatch, CompiledPlan } from './compilePlan.js';
import type { OperationScope, OperationType } from './types.js';

/** The scope of an operation given only its type (`peek(client, plan, 'query')`). */
export function scopeOf(operation: OperationType | OperationScope): OperationScope {
  return typeof operation === 'string' ? { operation } : operation;
}

/**
 * Whether an operation is in a limit's (or an exemption rule's) scope: its type is listed, its name is listed
 * (when names are given), and it selects at least one listed root field (when root fields are given). The one
 * statement of this rule: both stores, the in-memory arithmetic and the Redis store's script arguments, take it
 * from here.
 */
export function matches(match: CompiledMatch, scope: OperationScope): boolean {
  if ((match.operations & OPERATION_BITS[scope.operation]) === 0) return false;
  if (match.operationNames !== null) {
    const name = scope.operationName;
    if (name == null || !match.operationNames.has(name)) return false;
  }
  if (match.rootFields !== null) {
    const fields = scope.rootFields;
    if (fields === undefined || !fields.some((f) => match.rootFields!.has(f))) return false;
  }
  return true;
}

/** Whether the plan's `exempt` rules exempt the operation (it then counts nowhere). */
export function isExempt(plan: CompiledPlan, scope: OperationScope): boolean {
  for (const rule of plan.exempt) if (matches(rule, scope)) return true;
  return false;
}

/**
 * For each limit of the plan, in plan order, whether it applies to the operation: none when it is exempt,
 * else those whose scope it is in.
 */
export function applyingLimits(plan: CompiledPlan, scope: OperationScope): boolean[] {
  const exempt = isExempt(plan, scope);
  return plan.limits.map((limit) => !exempt && matches(limit, scope));
}
