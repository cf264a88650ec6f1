import { OPERATION_BITS } from './compilePlan.js';
import { QuotaValidationError } from './errors.js';
import type { DecideInput, OperationScope, OperationType, SettleInput } from './types.js';

/** Throws `QUOTA_INVALID_INPUT` unless `client` is a non-empty string. */
export function assertClient(client: unknown, method: string): asserts client is string {
  if (typeof client !== 'string' || client.length === 0) {
    invalid(`${method}: client must be a non-empty string, got ${describe(client)}`);
  }
}

/** Throws `QUOTA_INVALID_INPUT` unless `operation` is 'query', 'mutation' or 'subscription'. */
export function assertOperation(operation: unknown, method: string): asserts operation is OperationType {
  if (typeof operation !== 'string' || !Object.hasOwn(OPERATION_BITS, operation)) {
    invalid(`${method}: operation must be 'query', 'mutation' or 'subscription', got ${describe(operation)}`);
  }
}

/** Throws `QUOTA_INVALID_INPUT` unless `operationName` and `rootFields`, when given, are a string and strings. */
function assertNames(input: Omit<OperationScope, 'operation'>, method: string): void {
  const name = input.operationName;
  if (name !== undefined && name !== null && typeof name !== 'string') {
    invalid(`${method}: operationName must be a string or null when given, got ${describe(name)}`);
  }
  const fields = input.rootFields;
  if (fields !== undefined && (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string'))) {
    invalid(`${method}: rootFields must be an array of strings when given, got ${describe(fields)}`);
  }
}

/** Validates `peek`'s operation: an operation type, or an {@link OperationScope}. */
export function assertScope(
  operation: unknown,
  method: string,
): asserts operation is OperationType | OperationScope {
  if (typeof operation === 'object' && operation !== null) {
    assertOperation((operation as OperationScope).operation, method);
    assertNames(operation, method);
  } else assertOperation(operation, method);
}

/** Validates the parts of a decide input that the plan's compilation does not. */
export function assertDecideInput(input: DecideInput): void {
  if (typeof input !== 'object' || input === null)
    invalid(`decide: input must be an object, got ${describe(input)}`);
  assertClient(input.client, 'decide');
  assertOperation(input.operation, 'decide');
  assertNames(input, 'decide');
  if (!Number.isSafeInteger(input.cost) || input.cost < 0) {
    invalid(`decide: cost must be a non-negative integer number of points, got ${describe(input.cost)}`);
  }
  if (input.leaseId !== undefined && (typeof input.leaseId !== 'string' || input.leaseId.length === 0)) {
    invalid(`decide: leaseId must be a non-empty string when given, got ${describe(input.leaseId)}`);
  }
  if (input.timeoutMs !== undefined && (!Number.isSafeInteger(input.timeoutMs) || input.timeoutMs <= 0)) {
    invalid(
      `decide: timeoutMs must be a positive integer number of milliseconds, got ${describe(input.timeoutMs)}`,
    );
  }
}

/** Validates a settle input (the plan is validated by its compilation). */
export function assertSettleInput(input: SettleInput): void {
  if (typeof input !== 'object' || input === null)
    invalid(`settle: input must be an object, got ${describe(input)}`);
  assertClient(input.client, 'settle');
  assertOperation(input.operation, 'settle');
  assertNames(input, 'settle');
  if (!Number.isSafeInteger(input.refund) || input.refund < 0) {
    invalid(`settle: refund must be a non-negative integer number of points, got ${describe(input.refund)}`);
  }
  if (input.leaseId !== null && (typeof input.leaseId !== 'string' || input.leaseId.length === 0)) {
    invalid(`settle: leaseId must be a non-empty string or null, got ${describe(input.leaseId)}`);
  }
  if (input.decidedAtMs !== undefined && !Number.isSafeInteger(input.decidedAtMs)) {
    invalid(
      `settle: decidedAtMs must be an integer number of epoch milliseconds, got ${describe(input.decidedAtMs)}`,
    );
  }
}

/** Throws `QUOTA_INVALID_INPUT` unless `durationMs` is a positive integer. */
export function assertDuration(durationMs: unknown, method: string): asserts durationMs is number {
  if (typeof durationMs !== 'number' || !Number.isSafeInteger(durationMs) || durationMs <= 0) {
    invalid(
      `${method}: durationMs must be a positive integer number of milliseconds, got ${describe(durationMs)}`,
    );
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function invalid(message: string): never {
  throw new QuotaValidationError('QUOTA_INVALID_INPUT', message);
}
