import { parseQuotaHeaders, type QuotaLimit } from '../../src/client/index.js';
import { parseSfList } from '../../src/client/structuredFields.js';

const NOW = Date.UTC(2026, 10, 23, 5, 11, 33); // 2026-11-23T05:11:33Z
const at = (s: number) => NOW + s * 1000;

function limitOf(over: Partial<QuotaLimit> & Pick<QuotaLimit, 'name' | 'sources' | 'unit'>): QuotaLimit {
  return {
    limit: null,
    remaining: null,
    used: null,
    windowSeconds: null,
    resetAtMs: null,
    restorePerSecond: null,
    partitionKey: null,
    firstInWindow: null,
    ...over,
  };
}

describe('parseQuotaHeaders: graphql-quota (README samples: X-Rate-Limit-* and IETF together)', () => {
  const pk = '6jGO+RaFcR7shO8FIrL/lg==';
  const sample = new Headers({
    date: 'Mon, 23 Nov 2026 05:11:33 GMT',
    'x-rate-limit-remaining': '987',
    'x-rate-limit-reset': '1795413600',
    'x-rate-limit-consumed': '13',
    'x-rate-limit-first-in-duration': 'true',
    'ratelimit-policy': `"hourly";q=1000;qu="graphql-cost";w=3600;pk=:${pk}:, "rate";q=10;w=2;pk=:${pk}:, "inflight";q=4;qu="concurrent-requests";pk=:${pk}:`,
    ratelimit: `"hourly";r=987;t=2907;pk=:${pk}:, "rate";r=9;t=1;pk=:${pk}:, "inflight";r=3;pk=:${pk}:`,
  });

  it('gives one limit per policy, the X-Rate-Limit-* headers merged into the policy they describe', () => {
    const state = parseQuotaHeaders(sample, { nowMs: NOW });
    expect(state.limits).toEqual([
      limitOf({
        name: 'hourly',
        sources: ['ietf', 'x-rate-limit'],
        unit: 'graphql-cost',
        limit: 1000,
        remaining: 987,
        used: 13,
        windowSeconds: 3600,
        resetAtMs: at(2907),
        partitionKey: pk,
        firstInWindow: true,
      }),
      limitOf({
        name: 'rate',
        sources: ['ietf'],
        unit: 'requests',
        limit: 10,
        remaining: 9,
        windowSeconds: 2,
        resetAtMs: at(1),
        partitionKey: pk,
      }),
      limitOf({
        name: 'inflight',
        sources: ['ietf'],
        unit: 'concurrent-requests',
        limit: 4,
        remaining: 3,
        partitionKey: pk,
      }),
    ]);
    expect(state.retryAfterMs).toBeNull();
    expect(state.observedAtMs).toBe(NOW);
    expect(state.refusals).toEqual([]);
  });

  it('reads a 429: Retry-After, and the refusal in the body with extensions.quota', () => {
    const headers = {
      'x-rate-limit-remaining': '78',
      'x-rate-limit-reset': '1795413600',
      'x-rate-limit-consumed': '922',
      'x-rate-limit-first-in-duration': 'false',
      'ratelimit-policy': '"hourly";q=1000;qu="graphql-cost";w=3600',
      ratelimit: '"hourly";r=78;t=2907',
      'retry-after': '2907',
    };
    const body = {
      errors: [
        {
          message: 'Quota exceeded: ...',
          extensions: {
            quota: { plan: 'free', limit: 'hourly', cost: 101, remaining: 78, retryAfterSeconds: 2907 },
            code: 'QUOTA_EXCEEDED',
          },
        },
      ],
    };
    const state = parseQuotaHeaders(headers, { nowMs: NOW, body });
    expect(state.retryAfterMs).toBe(2_907_000);
    expect(state.refusals).toEqual([
      { code: 'QUOTA_EXCEEDED', limit: 'hourly', retryAfterSeconds: 2907, cost: 101 },
    ]);
    // No Date header: the reset is the server's epoch second taken as is.
    expect(state.limits[0]).toMatchObject({
      name: 'hourly',
      used: 922,
      limit: 1000,
      remaining: 78,
      firstInWindow: false,
    });
  });

  it('merges extensions.cost.throttleStatus into the named policy, with the bucket restore rate', () => {
    const headers = {
      'ratelimit-policy': '"bucket";q=1000;qu="graphql-cost";w=10',
      ratelimit: '"bucket";r=450;t=6',
    };
    const body = {
      data: {},
      extensions: {
        cost: {
          requestedQueryCost: 51,
          actualQueryCost: 40,
          throttleStatus: {
            limit: 'bucket',
            maximumAvailable: 1000,
            currentlyAvailable: 450,
            restoreRate: 100,
            resetAt: '2026-11-23T05:11:39.000Z',
          },
        },
      },
    };
    const state = parseQuotaHeaders(headers, { nowMs: NOW, body });
    expect(state.requestedCost).toBe(51);
    expect(state.actualCost).toBe(40);
    expect(state.limits).toEqual([
      limitOf({
        name: 'bucket',
        sources: ['ietf', 'cost-extension'],
        unit: 'graphql-cost',
        limit: 1000,
        remaining: 450,
        windowSeconds: 10,
        resetAtMs: at(6),
        restorePerSecond: 100,
      }),
    ]);
  });

  it('reads every refusal code of a batch, ignoring other errors', () => {
    const body = [
      { data: { a: 1 } },
      {
        errors: [
          {
            message: 'x',
            extensions: { code: 'QUOTA_EXCEEDED', quota: { limit: 'rate', retryAfterSeconds: 1, cost: 3 } },
          },
        ],
      },
      { errors: [{ message: 'bad', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
      {
        errors: [
          { message: 'too dear', extensions: { code: 'COST_LIMIT_EXCEEDED', cost: 9000, maxCost: 5000 } },
        ],
      },
      {
        errors: [
          {
            message: 'blocked',
            extensions: { code: 'CLIENT_BLOCKED', quota: { limit: null, retryAfterSeconds: 600, cost: 3 } },
          },
        ],
      },
    ];
    expect(parseQuotaHeaders({}, { nowMs: NOW, body }).refusals).toEqual([
      { code: 'QUOTA_EXCEEDED', limit: 'rate', retryAfterSeconds: 1, cost: 3 },
      { code: 'COST_LIMIT_EXCEEDED', limit: null, retryAfterSeconds: null, cost: 9000 },
      { code: 'CLIENT_BLOCKED', limit: null, retryAfterSeconds: 600, cost: 3 },
    ]);
  });
});

describe('parseQuotaHeaders: IETF draft-11 examples', () => {
  it.each<[string | null, string | null, Partial<QuotaLimit> & Pick<QuotaLimit, 'name'>]>([
    [
      '"default";q=100;w=10',
      '"default";r=50;t=30',
      { name: 'default', limit: 100, windowSeconds: 10, remaining: 50, resetAtMs: at(30) },
    ],
    [
      '"peruser";q=65535;qu="content-bytes";w=10;pk=:sdfjLJUOUH==:',
      null,
      {
        name: 'peruser',
        limit: 65535,
        unit: 'content-bytes',
        windowSeconds: 10,
        partitionKey: 'sdfjLJUOUH==',
      },
    ],
    [
      null,
      '"default";r=999;pk=:dHJpYWwxMjEzMjM=:',
      { name: 'default', remaining: 999, partitionKey: 'dHJpYWwxMjEzMjM=' },
    ],
  ])('Policy %s, RateLimit %s', (policy, current, expected) => {
    const h: Record<string, string> = {};
    if (policy) h['RateLimit-Policy'] = policy;
    if (current) h['RateLimit'] = current;
    const [l, ...rest] = parseQuotaHeaders(h, { nowMs: NOW }).limits;
    expect(rest).toEqual([]);
    expect(l).toEqual(limitOf({ sources: ['ietf'], unit: 'requests', ...expected }));
  });

  it('reads several policies, in a list split over several fields (Node array values)', () => {
    const state = parseQuotaHeaders(
      {
        'ratelimit-policy': ['"permin";q=50;w=60', '"perhr";q=1000;w=3600'],
        ratelimit: '"permin";r=0;t=12,"perhr";r=600;t=1800',
      },
      { nowMs: NOW },
    );
    expect(state.limits.map((l) => [l.name, l.limit, l.windowSeconds, l.remaining, l.resetAtMs])).toEqual([
      ['permin', 50, 60, 0, at(12)],
      ['perhr', 1000, 3600, 600, at(1800)],
    ]);
  });

  it('ignores unknown parameters and vendor parameters', () => {
    const [l] = parseQuotaHeaders(
      { ratelimit: '"d";r=5;t=2;acme-burst=7;comment="x";flag' },
      { nowMs: NOW },
    ).limits;
    expect(l).toEqual(
      limitOf({ name: 'd', sources: ['ietf'], unit: 'requests', remaining: 5, resetAtMs: at(2) }),
    );
  });

  it.each([
    ['a token name (draft-08 syntax)', 'default;r=5;t=1'],
    ['the old dictionary syntax (draft-07)', 'limit=100, remaining=50, reset=5'],
    ['an unterminated string', '"default;r=5'],
    ['a trailing comma', '"a";r=1,'],
    ['a 16-digit integer', '"a";r=1234567890123456'],
    ['an inner list', '("a" "b");r=1'],
    ['garbage', '☃'],
    ['an empty value', ''],
  ])('ignores a malformed RateLimit field: %s', (_why, value) => {
    expect(parseQuotaHeaders({ ratelimit: value }, { nowMs: NOW }).limits).toEqual([]);
  });

  it.each([
    ['r missing', '"a";t=3'],
    ['r negative', '"a";r=-1'],
    ['r a decimal', '"a";r=1.5'],
    ['r a string', '"a";r="5"'],
  ])('skips an item without a valid r (%s), keeps the others', (_why, item) => {
    const state = parseQuotaHeaders({ ratelimit: `${item}, "b";r=2` }, { nowMs: NOW });
    expect(state.limits.map((l) => [l.name, l.remaining])).toEqual([['b', 2]]);
  });

  it('drops a malformed t but keeps r', () => {
    const [l] = parseQuotaHeaders({ ratelimit: '"a";r=3;t=-2' }, { nowMs: NOW }).limits;
    expect([l?.remaining, l?.resetAtMs]).toEqual([3, null]);
  });
});

describe('parseQuotaHeaders: GitHub x-ratelimit-*', () => {
  it('reads the REST headers (docs sample), reset against the Date header', () => {
    const state = parseQuotaHeaders(
      {
        date: 'Tue, 20 Aug 2013 14:50:41 GMT',
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '60',
        'x-ratelimit-reset': '1377013266',
        'x-ratelimit-resource': 'core',
      },
      { nowMs: NOW },
    );
    expect(state.limits).toEqual([
      limitOf({
        name: 'core',
        sources: ['github'],
        unit: 'requests',
        limit: 60,
        remaining: 0,
        used: 60,
        // 1377013266 is 15:41:06, 3,025 s after the response's Date.
        resetAtMs: at(3025),
      }),
    ]);
  });

  it('counts points for the graphql resource, and defaults the name', () => {
    expect(
      parseQuotaHeaders({
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-resource': 'graphql',
      }).limits[0],
    ).toMatchObject({ name: 'graphql', unit: 'points' });
    expect(
      parseQuotaHeaders({ 'X-RateLimit-Limit': '10', 'X-RateLimit-Remaining': '9' }).limits[0],
    ).toMatchObject({ name: 'github', unit: 'requests', limit: 10, remaining: 9 });
  });

  it('ignores malformed numbers field by field', () => {
    const state = parseQuotaHeaders(
      { 'x-ratelimit-limit': 'sixty', 'x-ratelimit-remaining': '-1', 'x-ratelimit-reset': '1e9' },
      { nowMs: NOW },
    );
    expect(state.limits).toEqual([]);
  });
});

describe('parseQuotaHeaders: Retry-After', () => {
  it.each<[string, Record<string, string>, number | null]>([
    ['delay-seconds', { 'retry-after': '120' }, 120_000],
    ['zero', { 'retry-after': '0' }, 0],
    ['a fraction (rate-limiter-flexible), rounded up to the ms', { 'retry-after': '0.0015' }, 2],
    [
      'an HTTP-date, against the Date header',
      { date: 'Fri, 31 Dec 1999 23:59:00 GMT', 'retry-after': 'Fri, 31 Dec 1999 23:59:59 GMT' },
      59_000,
    ],
    [
      'an HTTP-date in the past',
      { date: 'Fri, 31 Dec 1999 23:59:59 GMT', 'retry-after': 'Fri, 31 Dec 1999 23:59:00 GMT' },
      0,
    ],
    [
      'an HTTP-date without Date, against the clock',
      { 'retry-after': new Date(NOW + 5000).toUTCString() },
      5000,
    ],
    ['garbage', { 'retry-after': 'soon' }, null],
    ['negative', { 'retry-after': '-5' }, null],
    ['empty', { 'retry-after': '' }, null],
  ])('%s', (_why, headers, expected) => {
    expect(parseQuotaHeaders(headers, { nowMs: NOW }).retryAfterMs).toBe(expected);
  });
});

describe('parseQuotaHeaders: Shopify extensions.cost', () => {
  it('reads a THROTTLED response sent with HTTP 200 (the current shape)', () => {
    const body = {
      errors: [
        {
          message: 'Throttled',
          extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
        },
      ],
      extensions: {
        cost: {
          requestedQueryCost: 70,
          actualQueryCost: null,
          throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 66, restoreRate: 50 },
        },
      },
    };
    const state = parseQuotaHeaders(new Headers(), { nowMs: NOW, body });
    expect(state.refusals).toEqual([{ code: 'THROTTLED', limit: null, retryAfterSeconds: null, cost: 70 }]);
    expect(state.requestedCost).toBe(70);
    expect(state.actualCost).toBeNull();
    expect(state.limits).toEqual([
      limitOf({
        name: 'cost',
        sources: ['cost-extension'],
        unit: 'graphql-cost',
        limit: 1000,
        remaining: 66,
        restorePerSecond: 50,
        // Full after (1000 - 66) / 50 s.
        resetAtMs: NOW + 18_680,
      }),
    ]);
  });

  it('reads the older shape: message "Throttled" without a code, decimals', () => {
    const body = {
      errors: [{ message: 'Throttled' }],
      extensions: {
        cost: {
          requestedQueryCost: 202,
          actualQueryCost: null,
          throttleStatus: { maximumAvailable: 1000.0, currentlyAvailable: 118, restoreRate: 50.0 },
        },
      },
    };
    const state = parseQuotaHeaders({}, { nowMs: NOW, body });
    expect(state.refusals.map((r) => r.code)).toEqual(['THROTTLED']);
    expect(state.limits[0]).toMatchObject({ limit: 1000, remaining: 118, restorePerSecond: 50 });
  });

  it.each([
    null,
    'text',
    42,
    { extensions: 'x' },
    { extensions: { cost: { throttleStatus: 'x' } } },
    { errors: 'x' },
    { errors: [null, 'x', { extensions: { code: 7 } }] },
    [null, [1]],
  ])('never throws on a malformed body: %p', (body) => {
    const state = parseQuotaHeaders({}, { nowMs: NOW, body });
    expect([state.limits, state.refusals]).toEqual([[], []]);
  });
});

describe('parseQuotaHeaders: robustness', () => {
  it('accepts fetch Headers, a Map, and plain records in any case', () => {
    const h = { 'X-Rate-Limit-Remaining': '5', 'X-RATE-LIMIT-CONSUMED': '5' };
    for (const headers of [
      h,
      new Headers(h),
      new Map(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v])),
    ]) {
      expect(parseQuotaHeaders(headers, { nowMs: NOW }).limits).toEqual([
        limitOf({
          name: 'x-rate-limit',
          sources: ['x-rate-limit'],
          unit: 'graphql-cost',
          limit: 10,
          remaining: 5,
          used: 5,
        }),
      ]);
    }
  });

  it('keeps X-Rate-Limit-* apart when no policy has its numbers', () => {
    const state = parseQuotaHeaders({ ratelimit: '"a";r=3', 'x-rate-limit-remaining': '4' }, { nowMs: NOW });
    expect(state.limits.map((l) => l.name)).toEqual(['a', 'x-rate-limit']);
  });

  it('never throws on hostile values (property: any string in every field)', () => {
    const values = [
      '',
      ' ',
      '"',
      '\\',
      ';;;',
      ',,',
      ':::',
      '?2',
      '"a";r=1;r=2',
      '"\u0000"',
      'x'.repeat(10_000),
      '1'.repeat(400),
      'NaN',
      'Infinity',
      '1e3',
    ];
    const names = [
      'ratelimit',
      'ratelimit-policy',
      'retry-after',
      'date',
      'x-rate-limit-remaining',
      'x-rate-limit-reset',
      'x-rate-limit-consumed',
      'x-rate-limit-first-in-duration',
      'x-ratelimit-limit',
      'x-ratelimit-reset',
      'x-ratelimit-resource',
    ];
    for (const v of values) {
      const headers = Object.fromEntries(names.map((n) => [n, v]));
      expect(() => parseQuotaHeaders(headers)).not.toThrow();
    }
  });
});

describe('parseSfList', () => {
  it('parses every bare item type it supports', () => {
    expect(parseSfList('"a";i=-12;d=1.5;s="q\\"x";t=tok/en;b=:AQ==:;y=?1;n=?0;f, tok')).toEqual([
      [
        'a',
        true,
        new Map<string, unknown>([
          ['i', -12],
          ['d', 1.5],
          ['s', 'q"x'],
          ['t', 'tok/en'],
          ['b', { bytes: 'AQ==' }],
          ['y', true],
          ['n', false],
          ['f', true],
        ]),
      ],
      ['tok', false, new Map()],
    ]);
  });
  it.each([
    '"a";R=1',
    '"a";=1',
    '"a" "b"',
    '"a";d=1.2345',
    '"a";d=1234567890123.5',
    '"bad\\n"',
    '',
    '"a",',
    '"a",,"b"',
    ',"a"',
    '"a";q=',
    '"a";q=;w=1',
    '"a" ;q=1',
    '12abc',
    '"a";q=1"b"',
  ])('rejects %s', (v) => {
    expect(parseSfList(v)).toBeNull();
  });
});
