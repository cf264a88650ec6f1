import {
  mergeDecisions,
  quotaHeaders,
  rateLimitPolicyValue,
  rateLimitValue,
  retryAfterValue,
  selectHeaderLimit,
  xRateLimitHeaders,
} from '../../src/http/index.js';
import { partitionKey } from '../../src/lifecycle/partitionKey.js';
import { decision, NOW_MS, status, typicalLimits } from './decisions.js';

const PK = Uint8Array.from([0xfb, 0xff, 0x00, 0x10]); // ":+/8AEA==:" exercises + and / in base64

describe('RateLimit-Policy (draft-ietf-httpapi-ratelimit-headers-11, section 3)', () => {
  it('lists one policy per limit: q, qu for cost and concurrency, w in seconds, pk', () => {
    expect(rateLimitPolicyValue(typicalLimits(), { partitionKey: PK })).toBe(
      '"hourly";q=1000;qu="graphql-cost";w=3600;pk=:+/8AEA==:, ' +
        '"burst";q=10;w=1;pk=:+/8AEA==:, ' +
        '"inflight";q=4;qu="concurrent-requests";pk=:+/8AEA==:',
    );
  });

  it('omits pk when no partition key is given, and qu for cost with costQuotaUnit null', () => {
    expect(rateLimitPolicyValue(typicalLimits().slice(0, 1), { costQuotaUnit: null })).toBe(
      '"hourly";q=1000;w=3600',
    );
    expect(rateLimitPolicyValue(typicalLimits().slice(0, 1), { costQuotaUnit: 'points' })).toBe(
      '"hourly";q=1000;qu="points";w=3600',
    );
  });

  it('rounds windows up to whole seconds, never below one', () => {
    const limits = [status({ name: 'a', windowMs: 1500 }), status({ name: 'b', windowMs: 200 })];
    expect(rateLimitPolicyValue(limits, { costQuotaUnit: null })).toBe('"a";q=1000;w=2, "b";q=1000;w=1');
  });

  it('is null for a plan without limits (the field must be a non-empty list)', () => {
    expect(rateLimitPolicyValue([])).toBeNull();
  });
});

describe('RateLimit (draft-11, section 4)', () => {
  it('gives r rounded down and t rounded up to the reset, no t for concurrency', () => {
    // hourly resets at 01:00:00, 49 min 39.5 s after NOW: t=2980; the bucket is full in 140 ms: t=1.
    expect(rateLimitValue(decision(typicalLimits()), { partitionKey: PK })).toBe(
      '"hourly";r=954;t=2980;pk=:+/8AEA==:, "burst";r=8;t=1;pk=:+/8AEA==:, "inflight";r=3;pk=:+/8AEA==:',
    );
  });

  it("uses Retry-After as the refusing limit's t so Retry-After never precedes the window's end", () => {
    const limits = [
      status({
        name: 'burst',
        kind: 'token-bucket',
        counts: 'requests',
        limit: 10,
        remaining: 0.4,
        resetAtMs: NOW_MS + 9600,
        windowMs: 10_000,
      }),
    ];
    const refused = decision(limits, {
      allowed: false,
      reason: 'limit',
      refusedBy: 'burst',
      retryAfterSeconds: 1,
    });
    expect(rateLimitValue(refused)).toBe('"burst";r=0;t=1');
  });

  it('lists only the limits that apply to the operation, and nothing when none does', () => {
    const limits = [
      status({ name: 'mutations', applies: false }),
      status({ name: 'all', resetAtMs: NOW_MS + 1 }),
    ];
    expect(rateLimitValue(decision(limits))).toBe('"all";r=1000;t=1');
    expect(rateLimitValue(decision([status({ name: 'm', applies: false })]))).toBeNull();
  });

  it('never sends negative t when the reset is already past', () => {
    expect(rateLimitValue(decision([status({ name: 'w', resetAtMs: NOW_MS - 5000 })]))).toBe(
      '"w";r=1000;t=0',
    );
  });
});

describe('X-Rate-Limit-* (openPIM)', () => {
  it('describes the first cost-counting fixed window by default', () => {
    expect(xRateLimitHeaders(decision(typicalLimits()))).toEqual([
      ['x-rate-limit-remaining', '954'],
      ['x-rate-limit-reset', `${Date.UTC(2026, 0, 1, 1) / 1000}`],
      ['x-rate-limit-consumed', '46'],
      ['x-rate-limit-first-in-duration', 'true'],
    ]);
  });

  it('describes the limit named by headerLimit, rounding a bucket so remaining + consumed = limit', () => {
    expect(xRateLimitHeaders(decision(typicalLimits()), 'burst')).toEqual([
      ['x-rate-limit-remaining', '8'],
      ['x-rate-limit-reset', `${Math.ceil((NOW_MS + 140) / 1000)}`],
      ['x-rate-limit-consumed', '2'],
      ['x-rate-limit-first-in-duration', 'false'],
    ]);
  });

  it('rounds the reset instant up to the next whole second', () => {
    const headers = xRateLimitHeaders(decision([status({ name: 'w', resetAtMs: 1_767_225_600_001 })]));
    expect(headers[1]).toEqual(['x-rate-limit-reset', '1767225601']);
  });

  it('sends nothing for a plan without limits', () => {
    expect(xRateLimitHeaders(decision([]))).toEqual([]);
  });
});

describe('selectHeaderLimit', () => {
  const bucket = status({ name: 'bucket', kind: 'token-bucket' });
  const requestsWindow = status({ name: 'requests', counts: 'requests' });
  const costWindow = status({ name: 'cost' });

  it('on a refusal, the limit that refused, whatever is named', () => {
    expect(selectHeaderLimit([bucket, requestsWindow, costWindow], 'cost', 'bucket')?.name).toBe('bucket');
    // An unknown refusing name (a block has none) falls back to the usual choice.
    expect(selectHeaderLimit([bucket, requestsWindow, costWindow], null, 'absent')?.name).toBe('cost');
  });

  it('prefers the named limit, then the first cost window, then the first limit', () => {
    expect(selectHeaderLimit([bucket, requestsWindow, costWindow], 'requests')?.name).toBe('requests');
    expect(selectHeaderLimit([bucket, requestsWindow, costWindow])?.name).toBe('cost');
    expect(selectHeaderLimit([bucket, requestsWindow], 'absent')?.name).toBe('bucket');
    expect(selectHeaderLimit([])).toBeNull();
  });
});

describe('Retry-After', () => {
  const limits = typicalLimits();
  it('is whole seconds on a refusal that waiting cures', () => {
    expect(
      retryAfterValue(
        decision(limits, { allowed: false, reason: 'limit', refusedBy: 'hourly', retryAfterSeconds: 2980 }),
      ),
    ).toBe('2980');
    expect(
      retryAfterValue(decision(limits, { allowed: false, reason: 'blocked', retryAfterSeconds: 30 })),
    ).toBe('30');
  });

  it('rounds a fractional wait up rather than inviting an early retry', () => {
    expect(
      retryAfterValue(decision(limits, { allowed: false, reason: 'limit', retryAfterSeconds: 0.2 })),
    ).toBe('1');
  });

  it('is absent when admitted, when waiting cannot help, or when no wait is known', () => {
    expect(retryAfterValue(decision(limits))).toBeNull();
    expect(
      retryAfterValue(decision(limits, { allowed: false, reason: 'exceeds-capacity', retryAfterSeconds: 5 })),
    ).toBeNull();
    expect(
      retryAfterValue(
        decision(limits, { allowed: false, reason: 'store-unavailable', retryAfterSeconds: 0 }),
      ),
    ).toBeNull();
  });
});

describe('quotaHeaders', () => {
  const refused = decision(typicalLimits(), {
    allowed: false,
    reason: 'limit',
    refusedBy: 'hourly',
    retryAfterSeconds: 2980,
  });

  it('sends every family by default, in a stable order', () => {
    expect(quotaHeaders(refused, { partitionKey: PK })).toEqual([
      ['x-rate-limit-remaining', '954'],
      ['x-rate-limit-reset', '1767229200'],
      ['x-rate-limit-consumed', '46'],
      ['x-rate-limit-first-in-duration', 'true'],
      [
        'ratelimit-policy',
        '"hourly";q=1000;qu="graphql-cost";w=3600;pk=:+/8AEA==:, "burst";q=10;w=1;pk=:+/8AEA==:, "inflight";q=4;qu="concurrent-requests";pk=:+/8AEA==:',
      ],
      [
        'ratelimit',
        '"hourly";r=954;t=2980;pk=:+/8AEA==:, "burst";r=8;t=1;pk=:+/8AEA==:, "inflight";r=3;pk=:+/8AEA==:',
      ],
      ['retry-after', '2980'],
    ]);
  });

  it('switches each family off on its own', () => {
    const names = (o: Parameters<typeof quotaHeaders>[1]) => quotaHeaders(refused, o).map(([n]) => n);
    expect(names({ xRateLimit: false })).toEqual(['ratelimit-policy', 'ratelimit', 'retry-after']);
    expect(names({ ietf: false })).toEqual([
      'x-rate-limit-remaining',
      'x-rate-limit-reset',
      'x-rate-limit-consumed',
      'x-rate-limit-first-in-duration',
      'retry-after',
    ]);
    expect(names({ retryAfter: false, ietf: false, xRateLimit: false })).toEqual([]);
  });
});

describe('mergeDecisions (one response head for a batch)', () => {
  it('keeps the smallest remaining, the largest consumption and the latest reset per limit', () => {
    const a = decision(
      [status({ name: 'hourly', remaining: 90, consumed: 10, resetAtMs: 5000, firstInWindow: true })],
      { nowMs: 100 },
    );
    const b = decision([status({ name: 'hourly', remaining: 80, consumed: 20, resetAtMs: 4000 })], {
      nowMs: 120,
    });
    expect(mergeDecisions([a, b])).toEqual(
      decision(
        [status({ name: 'hourly', remaining: 80, consumed: 20, resetAtMs: 5000, firstInWindow: true })],
        { nowMs: 120 },
      ),
    );
  });

  it('is refused if any is, with the longest wait and its limit', () => {
    const ok = decision([status({ name: 'w' })]);
    const short = decision([status({ name: 'w' })], {
      allowed: false,
      reason: 'limit',
      refusedBy: 'w',
      retryAfterSeconds: 3,
    });
    const long = decision([status({ name: 'v' })], {
      allowed: false,
      reason: 'blocked',
      retryAfterSeconds: 60,
    });
    const merged = mergeDecisions([ok, short, long]);
    expect(merged).toMatchObject({
      allowed: false,
      reason: 'blocked',
      refusedBy: null,
      retryAfterSeconds: 60,
    });
    expect(merged?.limits.map((l) => l.name)).toEqual(['w', 'v']);
  });

  it('returns the only decision as is, and null for none', () => {
    const only = decision(typicalLimits());
    expect(mergeDecisions([only])).toBe(only);
    expect(mergeDecisions([])).toBeNull();
  });
});

describe('partitionKey', () => {
  it('is the first 16 bytes of HMAC-SHA-256(secret, client)', () => {
    // echo -n 'client-42' | openssl dgst -sha256 -hmac 's3cret' | cut -c1-32
    expect(Buffer.from(partitionKey('client-42', 's3cret')).toString('hex')).toBe(
      '390f520b728db0e32665315434a04a2f',
    );
  });

  it('differs per secret, so a key cannot be reversed without it', () => {
    expect(partitionKey('203.0.113.7', 'a')).not.toEqual(partitionKey('203.0.113.7', 'b'));
  });
});
