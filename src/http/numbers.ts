import { SF_MAX_INTEGER } from './structuredFields.js';

/**
 * Milliseconds to whole seconds, rounded up: a client told to wait less than the real time would come back
 * too early and be refused again (rate-limiter-flexible's fractional `Retry-After` is the bug avoided).
 */
export function ceilSeconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

/** A count for a header: an integer in [0, SF_MAX_INTEGER], rounded with `round` (token buckets are fractional). */
export function headerCount(value: number, round: (x: number) => number = Math.floor): number {
  if (!Number.isFinite(value)) return value > 0 ? SF_MAX_INTEGER : 0;
  return Math.min(SF_MAX_INTEGER, Math.max(0, round(value)));
}
