import { QuotaValidationError } from '../quota/index.js';

/** Throws the `QUOTA_INVALID_OPTION` error of a misconfigured observability component, named in the message. */
export function invalidOption(component: string, message: string): never {
  throw new QuotaValidationError('QUOTA_INVALID_OPTION', `${component}: ${message}`);
}
