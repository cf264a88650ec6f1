/**
 * The published API usage policies of /work/shared/seeds, each as a plan, with the API keys that choose them:
 * shared by the end-to-end policy proofs and the conformance suite (every server).
 */
import type { Plan } from '../../src/quota/index.js';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** 2030-01-01T00:15:00Z: 2,700 s before the hour ends, 85,500 s before the day does. */
export const T0 = Date.UTC(2030, 0, 1, 0, 15);
export const HOUR_END_S = Date.UTC(2030, 0, 1, 1) / 1000;
export const DAY_END_S = Date.UTC(2030, 0, 2) / 1000;

/** openPIM: 30,000 points of query cost per hour, told in X-Rate-Limit-*. */
export const OPENPIM: Plan = {
  name: 'openpim',
  limits: [{ name: 'total', kind: 'fixed-window', limit: 30_000, windowMs: HOUR }],
};
/** About 5,000 requests an hour, in short bursts of up to 100. */
export const HOURLY_5000: Plan = {
  name: 'hourly-5000',
  limits: [{ name: 'hourly', kind: 'token-bucket', rate: 5_000, periodMs: HOUR, burst: 100 }],
};
/** 2,500 calls a day per organisation, at most 3 at once. */
export const ORGANISATION: Plan = {
  name: 'organisation',
  limits: [
    { name: 'daily', kind: 'fixed-window', counts: 'requests', limit: 2_500, windowMs: DAY },
    { name: 'concurrent', kind: 'concurrency', max: 3, leaseMs: 30_000 },
  ],
};
/** 20 requests a second, at most 5 at once, at most 250,000 a day. */
export const API: Plan = {
  name: 'api',
  limits: [
    { name: 'per-second', kind: 'token-bucket', rate: 20, burst: 20 },
    { name: 'concurrent', kind: 'concurrency', max: 5 },
    { name: 'daily', kind: 'fixed-window', counts: 'requests', limit: 250_000, windowMs: DAY },
  ],
};
/** Tiers of sustained rate and burst; writes are throttled harder than reads. */
export const TIER_1: Plan = {
  name: 'tier-1',
  limits: [
    { name: 'reads', kind: 'token-bucket', rate: 1, periodMs: 4_000, burst: 1, operations: ['query'] },
    { name: 'writes', kind: 'token-bucket', rate: 1, periodMs: 60_000, burst: 1, operations: ['mutation'] },
  ],
};
export const TIER_2: Plan = {
  name: 'tier-2',
  limits: [
    { name: 'reads', kind: 'token-bucket', rate: 4, burst: 4, operations: ['query'] },
    { name: 'writes', kind: 'token-bucket', rate: 1, burst: 1, operations: ['mutation'] },
  ],
};
export const ANONYMOUS: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 10, windowMs: HOUR }],
};

/** API key → client: two keys of one organisation share its quota. */
export const API_KEYS = {
  'key-pim': 'pim-user',
  'key-rest': 'rest-user',
  'key-org-a1': 'org-a',
  'key-org-a2': 'org-a',
  'key-org-b': 'org-b',
  'key-api': 'api-user',
  'key-tier-1': 'shop-1',
  'key-tier-2': 'shop-2',
};
export const PLAN_OF = {
  'pim-user': 'openpim',
  'rest-user': 'hourly-5000',
  'org-a': 'organisation',
  'org-b': 'organisation',
  'api-user': 'api',
  'shop-1': 'tier-1',
  'shop-2': 'tier-2',
};

/** Every seed plan and the anonymous one, as a server's `plans`. */
export const SEED_PLANS: readonly Plan[] = [
  OPENPIM,
  HOURLY_5000,
  ORGANISATION,
  API,
  TIER_1,
  TIER_2,
  ANONYMOUS,
];
