/** Stable codes carried by {@link QuotaValidationError}; match on these, never on the message. */
export type QuotaErrorCode =
  /** A plan or one of its limits is malformed (thrown eagerly, when the plan is defined or first used). */
  | 'QUOTA_INVALID_PLAN'
  /** A `decide`/`settle`/`peek`/`block` argument is malformed (empty client key, negative cost...). */
  | 'QUOTA_INVALID_INPUT'
  /** A store or engine constructor option is malformed. */
  | 'QUOTA_INVALID_OPTION';

/**
 * A programming error in what was handed to the quota layer. It is a `TypeError` so it reads as one in logs,
 * and carries a stable `code`. Store failures are never reported this way: the engine turns them into a
 * decision per its failure mode.
 */
export class QuotaValidationError extends TypeError {
  readonly code: QuotaErrorCode;

  constructor(code: QuotaErrorCode, message: string) {
    super(message);
    this.name = 'QuotaValidationError';
    this.code = code;
  }
}

/**
 * Throws the {@link QuotaValidationError} of a malformed constructor or factory option (`QUOTA_INVALID_OPTION`),
 * its message prefixed with who rejected it: `invalidOption('RedisStore', 'keyPrefix must ...')`.
 */
export function invalidOption(owner: string, message: string): never {
  throw new QuotaValidationError('QUOTA_INVALID_OPTION', `${owner}: ${message}`);
}
