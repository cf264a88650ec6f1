import type { Decision, LimitStatus } from '../../src/quota/types.js';

/** 2026-01-01T00:00:00Z plus 10 minutes and 20.5 seconds. */
export const NOW_MS = Date.UTC(2026, 0, 1, 0, 10, 20, 500);

export function status(overrides: Partial<LimitStatus> & Pick<LimitStatus, 'name'>): LimitStatus {
  return {
    kind: 'fixed-window',
    counts: 'cost',
    limit: 1000,
    remaining: 1000,
    consumed: 0,
    resetAtMs: NOW_MS,
    windowMs: 3_600_000,
    firstInWindow: false,
    applies: true,
    ...overrides,
  };
}

export function decision(limits: readonly LimitStatus[], overrides: Partial<Decision> = {}): Decision {
  return {
    allowed: true,
    reason: null,
    refusedBy: null,
    retryAfterSeconds: 0,
    limits,
    nowMs: NOW_MS,
    leaseId: null,
    source: 'store',
    ...overrides,
  };
}

/** An hourly cost window (reset on the hour), a 10/s request bucket and a concurrency cap of 4. */
export function typicalLimits(): LimitStatus[] {
  return [
    status({
      name: 'hourly',
      remaining: 954,
      consumed: 46,
      resetAtMs: Date.UTC(2026, 0, 1, 1, 0, 0),
      firstInWindow: true,
    }),
    status({
      name: 'burst',
      kind: 'token-bucket',
      counts: 'requests',
      limit: 10,
      remaining: 8.6,
      consumed: 1.4,
      resetAtMs: NOW_MS + 140,
      windowMs: 1000,
    }),
    status({
      name: 'inflight',
      kind: 'concurrency',
      counts: 'requests',
      limit: 4,
      remaining: 3,
      consumed: 1,
      resetAtMs: NOW_MS + 60_000,
      windowMs: 60_000,
    }),
  ];
}
