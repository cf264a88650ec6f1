/**
 * The request lifecycle driven directly, with no server: what any adapter gets back from it (admissions,
 * refusals as plain data, header fields, statuses, settlements), with exact values.
 */
import { buildSchema, execute, parse } from 'graphql';
import { COST_DIRECTIVES_SDL, CostError } from '../../src/cost/index.js';
import {
  createQuotaLifecycle,
  identifyByApiKey,
  type QuotaOptions,
  type QuotaResponse,
} from '../../src/lifecycle/index.js';
import { QuotaValidationError, type Plan } from '../../src/quota/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { CountingStore, FailingStore } from '../helpers/stores.js';

/** 2026-01-01T00:10:20.500Z: 49 min 39.5 s (t=2980) before the hourly window resets. */
const T0 = Date.UTC(2026, 0, 1, 0, 10, 20, 500);
const HOUR_RESET_S = Date.UTC(2026, 0, 1, 1) / 1000;

/** Costs: `products(first: n) { id }` = n, `{ id price }` = 3n, `mutation { touch }` = 15. */
const schema = buildSchema(`${COST_DIRECTIVES_SDL}
type Query {
  products(first: Int = 10): [Product!]! @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)
}
type Product { id: ID! price: Int @cost(weight: 2) }
type Mutation { touch: Boolean @cost(weight: 5) }
`);

const FREE: Plan = {
  name: 'free',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 100, windowMs: 3_600_000 }],
};
const ANONYMOUS: Plan = {
  name: 'anonymous',
  limits: [{ name: 'hourly', kind: 'fixed-window', limit: 20, windowMs: 3_600_000 }],
};
const WITH_SLOT: Plan = {
  name: 'free',
  limits: [...FREE.limits, { name: 'inflight', kind: 'concurrency', max: 1 }],
};

interface Context {
  quotaClient?: string;
  ip?: string;
}

function setup(options: Partial<QuotaOptions<Context>> = {}) {
  const store = new CountingStore(new MemoryStore({ clock: () => T0 }));
  const logs: string[] = [];
  const log = (level: string) => (message: string) => void logs.push(`${level}: ${message}`);
  const lifecycle = createQuotaLifecycle<Context>({
    store,
    clock: () => T0,
    plans: [FREE, ANONYMOUS],
    partitionKeySecret: false,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    ...options,
  });

  /** One operation of a request by `client` (anonymous when absent), in `response` (a new one when absent). */
  const operation = (
    query: string,
    {
      client,
      headers = {},
      context = {},
    }: { client?: string; headers?: Record<string, string>; context?: Context } = {},
    response?: QuotaResponse,
  ) =>
    lifecycle.startOperation(
      {
        schema,
        document: parse(query),
        request: {
          // The Fetch API's Headers: `get` answers null for an absent header.
          headers: new Headers(headers),
          context: client === undefined ? context : { ...context, quotaClient: client },
        },
      },
      response,
    );
  return { lifecycle, store, logs, operation };
}

/** Runs `query` against resolvers that return `returned` products whatever `first` asks for. */
async function run(query: string, returned: number): Promise<Record<string, unknown> | null> {
  const rootValue = {
    products: () => Array.from({ length: returned }, (_, i) => ({ id: `p${i + 1}`, price: 10 })),
  };
  const result = await execute({ schema, document: parse(query), rootValue });
  return (result.data as Record<string, unknown> | null | undefined) ?? null;
}

const products = (first: number, fields = 'id') => `{ products(first: ${first}) { ${fields} } }`;
const alice = { client: 'alice' };

const QUOTA_NAMES =
  'x-rate-limit-remaining, x-rate-limit-reset, x-rate-limit-consumed, x-rate-limit-first-in-duration, ' +
  'ratelimit-policy, ratelimit';

describe('createQuotaLifecycle: admission', () => {
  it('admits, charges the estimate, and gives the exact header fields of the response', async () => {
    const { operation } = setup();
    const op = operation(products(5), alice);
    const admission = await op.admit();
    expect(admission).toMatchObject({ allowed: true, cost: 5, decision: { allowed: true, source: 'store' } });
    expect(op.response.status).toBeNull();
    expect(op.response.headers()).toEqual([
      ['x-rate-limit-remaining', '95'],
      ['x-rate-limit-reset', `${HOUR_RESET_S}`],
      ['x-rate-limit-consumed', '5'],
      ['x-rate-limit-first-in-duration', 'true'],
      ['ratelimit-policy', '"hourly";q=100;qu="graphql-cost";w=3600'],
      ['ratelimit', '"hourly";r=95;t=2980'],
    ]);
    expect(op.admit()).toBe(op.admit());

    const target = new Headers({ 'content-type': 'application/json' });
    op.response.writeHeaders(target);
    expect(Object.fromEntries(target)).toEqual({
      'content-type': 'application/json',
      'x-rate-limit-remaining': '95',
      'x-rate-limit-reset': `${HOUR_RESET_S}`,
      'x-rate-limit-consumed': '5',
      'x-rate-limit-first-in-duration': 'true',
      'ratelimit-policy': '"hourly";q=100;qu="graphql-cost";w=3600',
      ratelimit: '"hourly";r=95;t=2980',
      'access-control-expose-headers': QUOTA_NAMES,
      // exposeCost 'on-request' (the default): the cost request header decides extensions.cost.
      vary: 'x-quota-cost',
    });
    const merged = new Headers({ 'access-control-expose-headers': 'X-Request-Id' });
    op.response.writeHeaders(merged);
    expect(merged.get('access-control-expose-headers')).toBe(`X-Request-Id, ${QUOTA_NAMES}`);
  });

  it('settles once: refunds what the result did not return and reports it in extensions.cost', async () => {
    const { operation, store } = setup({ exposeCost: 'always' });
    const query = products(10);
    const op = operation(query, alice);
    await op.admit();
    const data = await run(query, 2);
    await Promise.all([op.settle({ data }), op.settle({ data })]);
    await op.settle('unknown');
    expect(store.calls).toEqual({ decide: 1, settle: 1 });
    expect(store.settled[0]).toMatchObject({ client: 'id:alice', refund: 8, leaseId: null, decidedAtMs: T0 });
    expect(op.costExtension()).toEqual({
      requestedQueryCost: 10,
      actualQueryCost: 2,
      throttleStatus: {
        limit: 'hourly',
        maximumAvailable: 100,
        currentlyAvailable: 90,
        restoreRate: null,
        resetAt: '2026-01-01T01:00:00.000Z',
      },
    });
    const next = operation(products(10), alice);
    await next.admit();
    expect(next.response.headers()).toContainEqual(['ratelimit', '"hourly";r=88;t=2980']);
  });

  it('asks nothing of the store at settle when there is nothing to refund and no slot to release', async () => {
    const { operation, store } = setup();
    const query = products(5);
    const op = operation(query, alice);
    await op.admit();
    await op.settle({ data: await run(query, 5) });
    expect(store.calls).toEqual({ decide: 1, settle: 0 });
  });

  it('refunds everything and releases the slot of an operation that did not run, waiting for its admission', async () => {
    const { operation, store } = setup({ plans: [WITH_SLOT, ANONYMOUS] });
    const op = operation(products(30), alice);
    const admitting = op.admit();
    const settling = op.settle('not-executed'); // before the admission has answered
    await Promise.all([admitting, settling]);
    expect(store.calls).toEqual({ decide: 1, settle: 1 });
    expect(store.settled[0]).toMatchObject({ refund: 30, client: 'id:alice' });
    expect(store.settled[0]!.leaseId).toEqual(expect.any(String));
    expect(await operation(products(1), alice).admit()).toMatchObject({ allowed: true });
  });

  it('charges nothing when no operation of the document matches', async () => {
    const { operation, store } = setup();
    const op = operation('query A { products { id } } query B { products { id } }', alice);
    expect(await op.admit()).toEqual({ allowed: true, cost: null, decision: null });
    expect(store.calls.decide).toBe(0);
    expect(op.response.headers()).toEqual([]);
    expect(op.costExtension()).toBeNull();
  });
});

describe('createQuotaLifecycle: refusals are plain data', () => {
  it('429 QUOTA_EXCEEDED with the header fields, Retry-After included, and the numbers', async () => {
    const { operation, store } = setup();
    await operation(products(60), alice).admit();
    const op = operation(products(60), alice);
    expect(await op.admit()).toEqual({
      allowed: false,
      status: 429,
      code: 'QUOTA_EXCEEDED',
      message:
        'Quota exceeded: this operation needs 60 points and limit "hourly" of plan "free" has 40 points left. Retry in 2980 s.',
      headers: [
        ['x-rate-limit-remaining', '40'],
        ['x-rate-limit-reset', `${HOUR_RESET_S}`],
        ['x-rate-limit-consumed', '60'],
        ['x-rate-limit-first-in-duration', 'false'],
        ['ratelimit-policy', '"hourly";q=100;qu="graphql-cost";w=3600'],
        ['ratelimit', '"hourly";r=40;t=2980'],
        ['retry-after', '2980'],
      ],
      extensions: {
        quota: { plan: 'free', limit: 'hourly', cost: 60, remaining: 40, retryAfterSeconds: 2980 },
        code: 'QUOTA_EXCEEDED',
      },
      cause: null,
    });
    expect(op.response.status).toBe(429);
    await op.settle('not-executed');
    expect(store.calls).toEqual({ decide: 2, settle: 0 });
  });

  it('400 COST_LIMIT_EXCEEDED over maxCost, before any cost is charged, with the analyzer error as cause', async () => {
    const { operation, store } = setup({ maxCost: 50, exposeCost: 'always' });
    const op = operation(products(20, 'id price'), alice);
    const refusal = await op.admit();
    expect(refusal).toMatchObject({
      allowed: false,
      status: 400,
      code: 'COST_LIMIT_EXCEEDED',
      message: 'The operation costs 60 points, more than the maximum of 50.',
      // Counted as an invalid request (no request-counting limit here, so nothing moved): the quota headers.
      headers: [
        ['x-rate-limit-remaining', '100'],
        ['x-rate-limit-reset', `${HOUR_RESET_S}`],
        ['x-rate-limit-consumed', '0'],
        ['x-rate-limit-first-in-duration', 'false'],
        ['ratelimit-policy', '"hourly";q=100;qu="graphql-cost";w=3600'],
      ],
      extensions: { code: 'COST_LIMIT_EXCEEDED', cost: 60, maxCost: 50 },
    });
    expect(!refusal.allowed && refusal.cause).toBeInstanceOf(CostError);
    expect(!refusal.allowed && 'http' in refusal.extensions).toBe(false);
    expect(store.calls.decide).toBe(1);
    expect(op.response.status).toBe(400);
    expect(op.costExtension()).toEqual({
      requestedQueryCost: 60,
      actualQueryCost: null,
      throttleStatus: null,
    });
  });

  it('500 QUOTA_MISCONFIGURED for a plan planFor cannot name, logged; a dry run lets it through uncharged', async () => {
    const enforcing = setup({ planFor: () => 'platinum' });
    expect(await enforcing.operation(products(1), alice).admit()).toEqual({
      allowed: false,
      status: 500,
      code: 'QUOTA_MISCONFIGURED',
      message: 'The quota configuration for this client is invalid.',
      headers: [],
      extensions: { code: 'QUOTA_MISCONFIGURED' },
      cause: null,
    });
    expect(enforcing.logs).toEqual([
      'error: graphql-quota: planFor chose "platinum" for client "alice", which is not one of the plans',
      // Told to onRejection too, as every refusal (the client could not be resolved).
      'info: graphql-quota: refused unnamed operation of unresolved client: QUOTA_MISCONFIGURED (The quota configuration for this client is invalid.)',
    ]);

    const dryRun = setup({ planFor: () => 'platinum', mode: 'dry-run' });
    const op = dryRun.operation(products(1), alice);
    expect(await op.admit()).toEqual({ allowed: true, cost: null, decision: null });
    expect(op.response.status).toBeNull();
    expect(dryRun.store.calls.decide).toBe(0);
  });

  it('403 CLIENT_BLOCKED through the kill switch, whose functions work detached, in a dry run too', async () => {
    const { lifecycle, operation } = setup({ mode: 'dry-run' });
    const { block, unblock, blockEveryone, unblockEveryone } = lifecycle;
    expect(await block('alice', 60_000)).toBe(true);
    expect(await operation(products(1), alice).admit()).toMatchObject({
      allowed: false,
      status: 403,
      code: 'CLIENT_BLOCKED',
      message: 'This client is blocked. Retry in 60 s.',
      extensions: { quota: { plan: 'free', limit: null, cost: 1, remaining: null, retryAfterSeconds: 60 } },
    });
    expect(await unblock('alice')).toBe(true);
    expect(await operation(products(1), alice).admit()).toMatchObject({ allowed: true, cost: 1 });
    await blockEveryone(30_000);
    expect(await operation(products(1)).admit()).toMatchObject({ allowed: false, status: 403 });
    await unblockEveryone();
    expect(await operation(products(1)).admit()).toMatchObject({ allowed: true });
  });

  it('a dry run refuses nothing over quota, reports it as not enforced, and charges nothing for it', async () => {
    const rejections: unknown[] = [];
    const { operation } = setup({
      mode: 'dry-run',
      onRejection: (event) => void rejections.push([event.code, event.status, event.dryRun, event.mode]),
    });
    await operation(products(60), alice).admit();
    const over = operation(products(60), alice);
    expect(await over.admit()).toEqual({ allowed: true, cost: null, decision: null });
    expect(over.response.status).toBeNull();
    expect(over.response.headers()).toContainEqual(['retry-after', '2980']);
    expect(rejections).toEqual([['QUOTA_EXCEEDED', 429, true, 'dry-run']]);
    expect(await operation(products(40), alice).admit()).toMatchObject({ allowed: true, cost: 40 });
  });
});

describe('createQuotaLifecycle: invalid requests are not free (countInvalidRequests)', () => {
  /** 1 request a second in bursts of 5, beside limits an invalid request must not touch. */
  const RATED: Plan = {
    name: 'anonymous',
    limits: [
      { name: 'rate', kind: 'token-bucket', rate: 1, burst: 5 },
      { name: 'hourly', kind: 'fixed-window', limit: 20, windowMs: 3_600_000 },
      {
        name: 'writes',
        kind: 'fixed-window',
        counts: 'requests',
        limit: 3,
        windowMs: 3_600_000,
        operations: ['mutation'],
      },
      { name: 'inflight', kind: 'concurrency', max: 1 },
    ],
  };
  const POLICY =
    '"rate";q=5;w=5, "hourly";q=20;qu="graphql-cost";w=3600, "writes";q=3;w=3600, "inflight";q=1;qu="concurrent-requests"';
  const request = { headers: new Headers(), context: {} };

  it('counts one request against each unscoped request-counting limit, and nothing else', async () => {
    const { lifecycle, store, operation } = setup({ plans: [FREE, RATED] });
    const response = lifecycle.startResponse();
    expect(await lifecycle.chargeInvalidRequest(request, response, 'Broken')).toBeNull();
    expect(response.status).toBeNull();
    expect(response.headers()).toEqual([
      // X-Rate-Limit-* describe the first applying limit: the bucket, the only one counted.
      ['x-rate-limit-remaining', '4'],
      ['x-rate-limit-reset', `${Math.ceil((T0 + 1_000) / 1000)}`],
      ['x-rate-limit-consumed', '1'],
      ['x-rate-limit-first-in-duration', 'true'],
      ['ratelimit-policy', POLICY],
      ['ratelimit', '"rate";r=4;t=1'],
    ]);
    // No slot taken (so nothing to settle), no cost, no scoped limit: a valid operation sees them untouched.
    const next = await operation('mutation { touch }').admit();
    expect(next.allowed).toBe(true);
    const limits = next.allowed ? next.decision!.limits : [];
    expect(limits.map((l) => [l.name, l.consumed])).toEqual([
      ['rate', 2],
      ['hourly', 15],
      ['writes', 1],
      ['inflight', 1],
    ]);
    expect(store.calls).toEqual({ decide: 2, settle: 0 });
  });

  it('refuses with 429 QUOTA_EXCEEDED once the bucket is empty, and the next valid operation too', async () => {
    const { lifecycle, operation } = setup({ plans: [FREE, RATED] });
    for (let i = 0; i < 5; i++)
      expect(await lifecycle.chargeInvalidRequest(request, lifecycle.startResponse())).toBeNull();
    const response = lifecycle.startResponse();
    const refusal = await lifecycle.chargeInvalidRequest(request, response);
    const headers = [
      ['x-rate-limit-remaining', '0'],
      ['x-rate-limit-reset', `${Math.ceil((T0 + 5_000) / 1000)}`],
      ['x-rate-limit-consumed', '5'],
      ['x-rate-limit-first-in-duration', 'false'],
      ['ratelimit-policy', POLICY],
      ['ratelimit', '"rate";r=0;t=1'],
      ['retry-after', '1'],
    ];
    expect(refusal).toEqual({
      allowed: false,
      status: 429,
      code: 'QUOTA_EXCEEDED',
      message:
        'Quota exceeded: this operation needs 1 request and limit "rate" of plan "anonymous" has 0 requests left. Retry in 1 s.',
      headers,
      extensions: {
        code: 'QUOTA_EXCEEDED',
        quota: { plan: 'anonymous', limit: 'rate', remaining: 0, retryAfterSeconds: 1 },
      },
      cause: null,
    });
    expect(response.status).toBe(429);
    expect(response.headers()).toEqual(headers);
    const valid = await operation(products(1)).admit();
    expect(valid).toMatchObject({
      allowed: false,
      status: 429,
      code: 'QUOTA_EXCEEDED',
      extensions: { quota: { plan: 'anonymous', limit: 'rate', remaining: 0, retryAfterSeconds: 1 } },
    });
  });

  it('over maxCost: counted with its headers, then the quota refusal (429) replaces the cost refusal (400)', async () => {
    const { operation } = setup({ plans: [FREE, RATED], maxCost: 50 });
    const statuses: [number, string, string | undefined][] = [];
    for (let i = 0; i < 6; i++) {
      const refusal = await operation(products(60)).admit();
      if (refusal.allowed) throw new Error('admitted');
      const remaining = refusal.headers.find(([name]) => name === 'x-rate-limit-remaining')?.[1];
      statuses.push([refusal.status, refusal.code, remaining]);
    }
    expect(statuses).toEqual([
      [400, 'COST_LIMIT_EXCEEDED', '4'],
      [400, 'COST_LIMIT_EXCEEDED', '3'],
      [400, 'COST_LIMIT_EXCEEDED', '2'],
      [400, 'COST_LIMIT_EXCEEDED', '1'],
      [400, 'COST_LIMIT_EXCEEDED', '0'],
      [429, 'QUOTA_EXCEEDED', '0'],
    ]);
  });

  it('the exact headers of an invalid request, counted or not, and when it is the first in duration', async () => {
    // Counted (the plan has an unscoped request-counting limit): X-Rate-Limit-* describe that limit, and the
    // count is first in duration when it is the first thing that limit counted in its window (a full bucket).
    const rated = setup({ plans: [FREE, RATED], maxCost: 50 });
    const counted = async (invalid: 'over-maxCost' | 'unparsable') => {
      if (invalid === 'unparsable') {
        const response = rated.lifecycle.startResponse();
        expect(await rated.lifecycle.chargeInvalidRequest(request, response)).toBeNull();
        return response.headers();
      }
      const refusal = await rated.operation(products(60)).admit();
      return refusal.allowed ? [] : [refusal.code, ...refusal.headers];
    };
    const countedHeaders = (remaining: number, first: boolean) => [
      ['x-rate-limit-remaining', `${remaining}`],
      ['x-rate-limit-reset', `${Math.ceil((T0 + (5 - remaining) * 1_000) / 1000)}`],
      ['x-rate-limit-consumed', `${5 - remaining}`],
      ['x-rate-limit-first-in-duration', `${first}`],
      ['ratelimit-policy', POLICY],
      ['ratelimit', `"rate";r=${remaining};t=${5 - remaining}`],
    ];
    expect(await counted('over-maxCost')).toEqual(['COST_LIMIT_EXCEEDED', ...countedHeaders(4, true)]);
    expect(await counted('unparsable')).toEqual(countedHeaders(3, false));
    // A fresh window: an unparsable request is the first too.
    const fresh = setup({ plans: [FREE, RATED] });
    const response = fresh.lifecycle.startResponse();
    await fresh.lifecycle.chargeInvalidRequest(request, response);
    expect(response.headers()).toEqual(countedHeaders(4, true));

    // Uncounted (no request-counting limit: nothing moves): X-Rate-Limit-* describe where the client stands
    // on the plan's cost window, never first in duration; RateLimit-Policy, but no RateLimit (no limit
    // applied), as for an exempt operation. Over maxCost and unparsable alike.
    const free = setup({ plans: [FREE, ANONYMOUS], maxCost: 50 });
    const uncounted = [
      ['x-rate-limit-remaining', '20'],
      ['x-rate-limit-reset', `${HOUR_RESET_S}`],
      ['x-rate-limit-consumed', '0'],
      ['x-rate-limit-first-in-duration', 'false'],
      ['ratelimit-policy', '"hourly";q=20;qu="graphql-cost";w=3600'],
    ];
    const refusal = await free.operation(products(60)).admit();
    expect(refusal.allowed ? [] : [refusal.code, ...refusal.headers]).toEqual([
      'COST_LIMIT_EXCEEDED',
      ...uncounted,
    ]);
    const unparsable = free.lifecycle.startResponse();
    expect(await free.lifecycle.chargeInvalidRequest(request, unparsable)).toBeNull();
    expect(unparsable.headers()).toEqual(uncounted);
    expect(free.store.calls).toEqual({ decide: 2, settle: 0 });
  });

  it('countInvalidRequests: false counts nothing and adds no header; a dry run counts but refuses nothing', async () => {
    const off = setup({ plans: [FREE, RATED], countInvalidRequests: false });
    const response = off.lifecycle.startResponse();
    expect(await off.lifecycle.chargeInvalidRequest(request, response)).toBeNull();
    expect([response.headers(), off.store.calls]).toEqual([[], { decide: 0, settle: 0 }]);

    const dry = setup({ plans: [FREE, RATED], mode: 'dry-run' });
    for (let i = 0; i < 5; i++)
      await dry.lifecycle.chargeInvalidRequest(request, dry.lifecycle.startResponse());
    const sixth = dry.lifecycle.startResponse();
    expect(await dry.lifecycle.chargeInvalidRequest(request, sixth)).toBeNull();
    expect([sixth.status, sixth.headers().at(-1)]).toEqual([null, ['retry-after', '1']]);
    expect(dry.logs.at(-1)).toBe(
      'info: graphql-quota: dry-run, would refuse unnamed operation of client "anonymous": QUOTA_EXCEEDED ' +
        '(Quota exceeded: this operation needs 1 request and limit "rate" of plan "anonymous" has 0 requests left. Retry in 1 s.)',
    );
    expect(() => setup({ countInvalidRequests: 'yes' as unknown as boolean })).toThrow(
      'graphql-quota: countInvalidRequests must be a boolean, got yes',
    );
  });
});

describe('createQuotaLifecycle: Vary names the request headers the quota read', () => {
  it.each([
    [
      'the default identify (the context) and exposeCost always: none',
      { exposeCost: 'always' as const },
      {},
      [],
    ],
    ["exposeCost 'on-request': the cost request header, asked for or not", {}, {}, ['x-quota-cost']],
    [
      'identifyByApiKey: its header, whether the key is known or not',
      { identify: identifyByApiKey<Context>({ 'key-alice': 'alice' }), exposeCost: 'never' as const },
      { headers: { 'x-api-key': 'key-alise' } },
      ['x-api-key'],
    ],
    [
      'a custom identify and anonymousKey: every header they read, once, in lower case',
      {
        identify: ({ headers }: { headers: { get(n: string): string | null | undefined } }) =>
          headers.get('Authorization') ?? headers.get('authorization') ?? null,
        anonymousKey: ({ headers }: { headers: { get(n: string): string | null | undefined } }) =>
          headers.get('x-forwarded-for') ?? 'anonymous',
      },
      {},
      ['x-quota-cost', 'authorization', 'x-forwarded-for'],
    ],
  ])('%s', async (_name, options, who, vary) => {
    const { operation } = setup(options);
    const op = operation(products(1), who);
    await op.admit();
    expect(op.response.vary()).toEqual(vary);
    const target = new Headers({ vary: 'Origin' });
    op.response.writeHeaders(target);
    expect(target.get('vary')).toBe(['Origin', ...vary].join(', '));
  });
});

describe('createQuotaLifecycle: each refusal fires each hook exactly once', () => {
  /** 1 request a second in bursts of 1: one request exhausts it. */
  const ONE_REQUEST: Plan = {
    name: 'free',
    limits: [{ name: 'rate', kind: 'token-bucket', rate: 1, burst: 1 }],
  };

  /**
   * Runs `prepare` (unobserved), then `refuse`, and returns what the hooks saw of `refuse` alone: the codes
   * told to onRejection, and how many decisions onDecision was told of.
   */
  async function hooksOf(
    options: Partial<QuotaOptions<Context>>,
    refuse: (s: ReturnType<typeof setup>) => Promise<unknown>,
    prepare: (s: ReturnType<typeof setup>) => Promise<unknown> = () => Promise.resolve(),
  ) {
    const seen = { rejections: [] as string[], decisions: 0, observing: false };
    const s = setup({
      ...options,
      onRejection: (e) => void (seen.observing && seen.rejections.push(`${e.status} ${e.code}`)),
      onDecision: () => void (seen.observing && seen.decisions++),
    });
    await prepare(s);
    seen.observing = true;
    const outcome = await refuse(s);
    return { outcome, rejections: seen.rejections, decisions: seen.decisions };
  }
  const admit =
    (query: string, who: { client?: string; headers?: Record<string, string> } = alice) =>
    (s: ReturnType<typeof setup>) =>
      s
        .operation(query, who)
        .admit()
        .then((a) => (a.allowed ? 'allowed' : `${a.status} ${a.code}`));

  it.each([
    ['QUOTA_EXCEEDED', {}, admit(products(20)), admit(products(90)), '429 QUOTA_EXCEEDED', 1],
    ['QUOTA_CAPACITY_EXCEEDED', {}, admit(products(200)), undefined, '400 QUOTA_CAPACITY_EXCEEDED', 1],
    // Over maxCost: counted as an invalid request (its one decision), the cost refusal stands.
    ['COST_LIMIT_EXCEEDED', { maxCost: 50 }, admit(products(60)), undefined, '400 COST_LIMIT_EXCEEDED', 1],
    // Over maxCost once the request-counting limit is exhausted: the quota's refusal replaces the cost
    // refusal, and only it is told (it was told twice: COST_LIMIT_EXCEEDED, then QUOTA_EXCEEDED).
    [
      'COST_LIMIT_EXCEEDED counted, refused by the quota',
      { maxCost: 50, plans: [ONE_REQUEST, ANONYMOUS] },
      admit(products(60)),
      admit(products(1)),
      '429 QUOTA_EXCEEDED',
      1,
    ],
    [
      'CLIENT_BLOCKED',
      {},
      admit(products(1)),
      (s: ReturnType<typeof setup>) => s.lifecycle.block('alice', 60_000),
      '403 CLIENT_BLOCKED',
      1,
    ],
    [
      'QUOTA_STORE_UNAVAILABLE',
      { store: new FailingStore(), onStoreFailure: 'deny' as const },
      admit(products(1)),
      undefined,
      '503 QUOTA_STORE_UNAVAILABLE',
      1,
    ],
    // Refused before any decision: none is told to onDecision.
    [
      'QUOTA_MISCONFIGURED',
      { planFor: () => 'platinum' },
      admit(products(1)),
      undefined,
      '500 QUOTA_MISCONFIGURED',
      0,
    ],
    [
      'UNKNOWN_API_KEY',
      { identify: identifyByApiKey<Context>({ 'key-alice': 'alice' }), unknownApiKey: 'refuse' as const },
      admit(products(1), { headers: { 'x-api-key': 'key-alise' } }),
      undefined,
      '401 UNKNOWN_API_KEY',
      0,
    ],
    [
      'an invalid document once its limit is exhausted',
      { plans: [FREE, { ...ONE_REQUEST, name: 'anonymous' }] },
      (s: ReturnType<typeof setup>) =>
        s.lifecycle
          .chargeInvalidRequest({ headers: new Headers(), context: {} }, s.lifecycle.startResponse())
          .then((r) => (r === null ? 'counted' : `${r.status} ${r.code}`)),
      (s: ReturnType<typeof setup>) =>
        s.lifecycle.chargeInvalidRequest(
          { headers: new Headers(), context: {} },
          s.lifecycle.startResponse(),
        ),
      '429 QUOTA_EXCEEDED',
      1,
    ],
  ] as const)(
    '%s: onRejection once, onDecision once per decision',
    async (_name, options, refuse, prepare, refusal, decisions) => {
      const seen = await hooksOf(options, refuse, prepare);
      expect(seen).toEqual({ outcome: refusal, rejections: [refusal], decisions });
    },
  );
});

describe('createQuotaLifecycle: every header the quota writes is merged, never replaced', () => {
  it("keeps the application's RateLimit policies, the later Retry-After, its exposed headers and the rest", async () => {
    const { operation } = setup();
    await operation(products(90), alice).admit();
    const refused = operation(products(20), alice);
    expect((await refused.admit()).allowed).toBe(false);
    const target = new Headers({
      'x-request-id': 'req-1',
      'access-control-expose-headers': 'X-Request-Id',
      // A gateway's own policy, with a comma inside its quoted name.
      'ratelimit-policy': '"gateway, eu";q=100;w=60',
      ratelimit: '"gateway, eu";r=50;t=30',
      'retry-after': '5000',
      vary: 'Origin, Accept-Encoding',
      'cache-control': 'private, max-age=60',
    });
    refused.response.writeHeaders(target);
    // Written twice (Apollo applies a refusal's headers, then the response's): its own members replace themselves.
    refused.response.writeHeaders(target);
    expect(Object.fromEntries(target)).toEqual({
      'x-request-id': 'req-1',
      'access-control-expose-headers': `X-Request-Id, ${QUOTA_NAMES}, retry-after`,
      'ratelimit-policy': '"gateway, eu";q=100;w=60, "hourly";q=100;qu="graphql-cost";w=3600',
      ratelimit: '"gateway, eu";r=50;t=30, "hourly";r=10;t=2980',
      'retry-after': '5000',
      'x-rate-limit-remaining': '10',
      'x-rate-limit-reset': `${HOUR_RESET_S}`,
      'x-rate-limit-consumed': '90',
      'x-rate-limit-first-in-duration': 'false',
      // The cost request header decides extensions.cost (exposeCost 'on-request', the default).
      vary: 'Origin, Accept-Encoding, x-quota-cost',
      // A refusal is never stored by a cache; the application's directives stay.
      'cache-control': 'private, max-age=60, no-store',
    });
    // A shorter Retry-After of the application's gives way to the quota's.
    const shorter = new Headers({ 'retry-after': '3' });
    refused.response.writeHeaders(shorter);
    expect(shorter.get('retry-after')).toBe('2980');
  });
});

describe('createQuotaLifecycle: unknown API keys (unknownApiKey)', () => {
  const keys = identifyByApiKey({ 'key-alice': 'alice' });
  const mistyped = { headers: { 'x-api-key': 'key-alise' } };

  it("'anonymous' (default): served on the anonymous plan, and X-Rate-Limit-Anonymous says why", async () => {
    const { operation } = setup({ identify: keys });
    const op = operation(products(2), mistyped);
    const admission = await op.admit();
    expect(admission).toMatchObject({ allowed: true, cost: 2 });
    expect(op.response.headers()).toEqual([
      ['x-rate-limit-anonymous', 'unknown-api-key'],
      ['x-rate-limit-remaining', '18'],
      ['x-rate-limit-reset', `${HOUR_RESET_S}`],
      ['x-rate-limit-consumed', '2'],
      ['x-rate-limit-first-in-duration', 'true'],
      ['ratelimit-policy', '"hourly";q=20;qu="graphql-cost";w=3600'],
      ['ratelimit', '"hourly";r=18;t=2980'],
    ]);
    expect(op.response.exposeHeaders()).toBe(`x-rate-limit-anonymous, ${QUOTA_NAMES}`);
    // No key at all: anonymous, nothing to tell.
    const none = operation(products(2));
    await none.admit();
    expect(none.response.headers()[0]).toEqual(['x-rate-limit-remaining', '16']);
  });

  it("'refuse': 401 UNKNOWN_API_KEY before anything is charged; a dry run serves it as anonymous", async () => {
    const { operation, store } = setup({ identify: keys, unknownApiKey: 'refuse' });
    const op = operation(products(2), mistyped);
    expect(await op.admit()).toEqual({
      allowed: false,
      status: 401,
      code: 'UNKNOWN_API_KEY',
      message:
        'The API key sent is not known. Send a valid key, or none to be served as an anonymous client.',
      headers: [],
      extensions: { code: 'UNKNOWN_API_KEY' },
      cause: null,
    });
    expect([op.response.status, store.calls]).toEqual([401, { decide: 0, settle: 0 }]);
    expect((await operation(products(2), { headers: { 'x-api-key': 'key-alice' } }).admit()).allowed).toBe(
      true,
    );

    const dry = setup({ identify: keys, unknownApiKey: 'refuse', mode: 'dry-run' });
    const served = dry.operation(products(2), mistyped);
    expect((await served.admit()).allowed).toBe(true);
    expect(served.response.headers()[0]).toEqual(['x-rate-limit-anonymous', 'unknown-api-key']);
    expect(() => setup({ unknownApiKey: 'ignore' as 'refuse' })).toThrow(
      "graphql-quota: unknownApiKey must be 'anonymous' or 'refuse', got ignore",
    );
  });

  it('an invalid request with an unknown key: refused with 401 too, or counted as anonymous and told so', async () => {
    const request = { headers: new Headers(mistyped.headers), context: {} };
    const refuse = setup({ identify: keys, unknownApiKey: 'refuse' });
    const refused = await refuse.lifecycle.chargeInvalidRequest(request, refuse.lifecycle.startResponse());
    expect(refused).toMatchObject({ status: 401, code: 'UNKNOWN_API_KEY' });
    const served = setup({ identify: keys });
    const response = served.lifecycle.startResponse();
    expect(await served.lifecycle.chargeInvalidRequest(request, response)).toBeNull();
    expect(response.headers()[0]).toEqual(['x-rate-limit-anonymous', 'unknown-api-key']);
  });
});

describe('createQuotaLifecycle: one response shared by a batch', () => {
  it('merges the decisions of its operations into one set of header fields', async () => {
    const { lifecycle, operation } = setup();
    const response = lifecycle.startResponse();
    await Promise.all([
      operation(products(5), alice, response).admit(),
      operation(products(7), alice, response).admit(),
    ]);
    expect(response.headers()).toEqual([
      ['x-rate-limit-remaining', '88'],
      ['x-rate-limit-reset', `${HOUR_RESET_S}`],
      ['x-rate-limit-consumed', '12'],
      ['x-rate-limit-first-in-duration', 'true'],
      ['ratelimit-policy', '"hourly";q=100;qu="graphql-cost";w=3600'],
      ['ratelimit', '"hourly";r=88;t=2980'],
    ]);
    expect(response.status).toBeNull();
  });

  it('calls for 200 when some operations ran and others were refused: nothing that ran looks failed', async () => {
    const { lifecycle, operation } = setup();
    await operation(products(90), alice).admit();
    const response = lifecycle.startResponse();
    const [capacity, exceeded, admitted] = await Promise.all([
      operation(products(101), alice, response).admit(),
      operation(products(20), alice, response).admit(),
      operation(products(5), alice, response).admit(),
    ]);
    expect([capacity, exceeded, admitted].map((a) => (a.allowed ? 200 : a.status))).toEqual([400, 429, 200]);
    expect(response.status).toBe(200);
    // The refused operations may be retried then.
    expect(response.headers()).toContainEqual(['retry-after', '2980']);
  });

  it('calls for the largest status of its refusals when every operation was refused: 429 over 400', async () => {
    const { lifecycle, operation } = setup();
    await operation(products(90), alice).admit();
    const response = lifecycle.startResponse();
    const refusals = await Promise.all([
      operation(products(101), alice, response).admit(),
      operation(products(20), alice, response).admit(),
    ]);
    expect(refusals.map((a) => (a.allowed ? 200 : a.status))).toEqual([400, 429]);
    expect(response.status).toBe(429);
  });

  it('refuses a response made elsewhere', () => {
    const { lifecycle } = setup();
    const forged: QuotaResponse = {
      status: null,
      headers: () => [],
      exposeHeaders: () => null,
      vary: () => [],
      writeHeaders() {},
    };
    expect(() =>
      lifecycle.startOperation(
        { schema, document: parse('{ products { id } }'), request: { headers: new Headers(), context: {} } },
        forged,
      ),
    ).toThrow(TypeError);
  });
});

describe('createQuotaLifecycle: who pays', () => {
  it('reads identity from the request headers (identifyByApiKey) and anonymous keys from the context', async () => {
    const { operation } = setup({
      identify: identifyByApiKey({ 'key-alice': 'alice' }),
      anonymousKey: ({ context }) => context.ip ?? 'unknown',
    });
    const known = operation(products(1), { headers: { 'X-Api-Key': 'key-alice' } });
    await known.admit();
    expect(known.response.headers()).toContainEqual(['ratelimit', '"hourly";r=99;t=2980']);

    const first = operation(products(5), { headers: { 'x-api-key': 'nope' }, context: { ip: '192.0.2.1' } });
    await first.admit();
    expect(first.response.headers()).toContainEqual(['ratelimit', '"hourly";r=15;t=2980']);
    const other = operation(products(1), { context: { ip: '192.0.2.2' } });
    await other.admit();
    expect(other.response.headers()).toContainEqual(['ratelimit', '"hourly";r=19;t=2980']);
  });

  it('names the operation run in its events, from the document when the request names none', async () => {
    const events: unknown[] = [];
    const { operation } = setup({
      onDecision: (event) =>
        void events.push([event.operationName, event.operationType, event.cost, event.client]),
    });
    await operation('query Page { products(first: 3) { id } }', alice).admit();
    await operation('mutation { touch }').admit();
    expect(events).toEqual([
      ['Page', 'query', 3, { id: 'alice', anonymous: false, plan: 'free' }],
      [null, 'mutation', 15, { id: 'anonymous', anonymous: true, plan: 'anonymous' }],
    ]);
  });

  it('sends extensions.cost on request only by default (x-quota-cost other than 0 or false)', async () => {
    const { operation } = setup();
    const costOf = async (headers: Record<string, string>) => {
      const op = operation(products(1), { ...alice, headers });
      await op.admit();
      return op.costExtension()?.requestedQueryCost ?? null;
    };
    expect(await costOf({})).toBeNull();
    expect(await costOf({ 'x-quota-cost': '0' })).toBeNull();
    expect(await costOf({ 'x-quota-cost': 'FALSE' })).toBeNull();
    expect(await costOf({ 'x-quota-cost': '1' })).toBe(1);
  });
});

describe('createQuotaLifecycle: options', () => {
  it.each([
    ['no plans', { plans: [] }, 'graphql-quota: plans must be a non-empty array'],
    ['no anonymous plan', { plans: [FREE] }, /anonymousPlan "anonymous" is not one of the plans \(free\)/],
    [
      'an unknown exposeCost',
      { plans: [FREE, ANONYMOUS], exposeCost: 'sometimes' },
      /exposeCost must be 'never', 'on-request' or 'always'/,
    ],
    [
      'a negative maxCost',
      { plans: [FREE, ANONYMOUS], maxCost: -1 },
      /maxCost must be a non-negative number of points, got -1/,
    ],
  ])('rejects %s when created, with code QUOTA_INVALID_OPTION', (_label, options, message) => {
    const create = () =>
      createQuotaLifecycle({ store: new MemoryStore(), ...options } as Parameters<
        typeof createQuotaLifecycle
      >[0]);
    expect(create).toThrow(message);
    let thrown: unknown = null;
    try {
      create();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(QuotaValidationError);
    expect((thrown as QuotaValidationError).code).toBe('QUOTA_INVALID_OPTION');
  });
});
