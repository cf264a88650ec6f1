import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { QuotaEngine } from '../../src/engine/index.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { startPrivateRedis } from '../helpers/redis-private.js';
import type { Decision, Plan } from '../../src/quota/types.js';
import {
  deleteKeys,
  ioredisClient,
  keysUnder,
  nodeRedisClient,
  startRedis,
  uniquePrefix,
} from '../helpers/redis.js';
import type { TestRedis } from '../helpers/redis.js';
import { describeStoreContract, T0 } from './storeContract.js';

let server: TestRedis;
const shared = {
  get url() {
    return server.url;
  },
};
let io: Redis;
let node: Awaited<ReturnType<typeof nodeRedisClient>>;
const prefix = uniquePrefix('store');

beforeAll(async () => {
  server = await startRedis();
  io = ioredisClient(server.url);
  node = await nodeRedisClient(server.url);
});
afterAll(async () => {
  await deleteKeys(io, prefix);
  io.disconnect();
  await node.quit();
  await server.stop();
});

describeStoreContract('RedisStore (ioredis)', (clock) => ({
  store: new RedisStore({ client: io, keyPrefix: `${prefix}io:`, clock: () => clock.now }),
}));

describeStoreContract('RedisStore (node-redis)', (clock) => ({
  store: new RedisStore({ client: node, keyPrefix: `${prefix}node:`, clock: () => clock.now }),
}));

// The usage history rides on the same script calls and changes no decision.
describeStoreContract('RedisStore (ioredis, usage history on)', (clock) => ({
  store: new RedisStore({
    client: io,
    keyPrefix: `${prefix}usage:`,
    clock: () => clock.now,
    usageHistory: true,
  }),
}));

describeStoreContract('RedisStore (cluster mode)', (clock) => ({
  store: new RedisStore({
    client: io,
    keyPrefix: `${prefix}cluster:`,
    clock: () => clock.now,
    cluster: true,
  }),
}));

describe('RedisStore', () => {
  const plan: Plan = {
    name: 'three',
    limits: [
      { kind: 'fixed-window', name: 'points', limit: 1_000, windowMs: 60_000 },
      { kind: 'token-bucket', name: 'rate', rate: 3, burst: 5 },
      { kind: 'concurrency', name: 'slots', max: 2 },
    ],
  };

  /** The client's keys, found with SCAN. */
  const keysOf = (p: string): Promise<string[]> => keysUnder(io, p);

  it('decides in exactly one round trip, once the script is loaded', async () => {
    const sent: string[][] = [];
    const counting = {
      call: (command: string, args: string[]) => (sent.push([command, ...args]), io.call(command, args)),
    };
    const store = new RedisStore({ client: counting, keyPrefix: `${prefix}rt:` });
    await store.decide({ client: 'c', plan, cost: 1, operation: 'query' });
    sent.length = 0;
    const d = await store.decide({ client: 'c', plan, cost: 1, operation: 'query' });
    expect(d.allowed).toBe(true);
    expect(sent.map((args) => args[0])).toEqual(['EVALSHA']);
  });

  it.each([false, true])(
    'releases a lease of a plan with one concurrency limit as one ZREM (cluster mode: %s)',
    async (cluster) => {
      const sent: string[][] = [];
      const counting = {
        call: (command: string, args: string[]) => (sent.push([command, ...args]), io.call(command, args)),
      };
      const store = new RedisStore({ client: counting, keyPrefix: `${prefix}zrem-${cluster}:`, cluster });
      const capped: Plan = {
        name: 'capped',
        limits: [
          { kind: 'fixed-window', name: 'points', limit: 100, windowMs: 60_000 },
          { kind: 'concurrency', name: 'slots', max: 1 },
        ],
      };
      const decide = () => store.decide({ client: 'c', plan: capped, cost: 1, operation: 'query' });
      const settle = (refund: number, leaseId: string | null) =>
        store.settle({ client: 'c', plan: capped, operation: 'query', refund, leaseId });
      const first = await decide();
      expect((await decide()).refusedBy).toBe('slots');
      sent.length = 0;
      await settle(0, first.leaseId);
      expect(sent).toEqual([['ZREM', `${store.clientKey('c')}:c:slots`, first.leaseId]]);
      expect(await decide()).toMatchObject({ allowed: true, limits: [{ consumed: 2 }, { consumed: 1 }] });
      // A refund still goes through the script (it reads the hash).
      sent.length = 0;
      await settle(1, first.leaseId);
      expect(sent.map((args) => args[0])).toEqual(['EVALSHA']);
    },
  );

  it('sends decisions started together as one script call, each decided exactly as alone', async () => {
    const sent: string[][] = [];
    const counting = {
      call: (command: string, args: string[]) => (sent.push([command, ...args]), io.call(command, args)),
    };
    // Not overlapped: as few calls as maxBatch allows (the overlapping split is tested below).
    const store = new RedisStore({ client: counting, keyPrefix: `${prefix}batch:`, overlapBatches: false });
    await store.ready();
    sent.length = 0;
    const small: Plan = {
      name: 'small',
      limits: [
        { kind: 'fixed-window', name: 'points', limit: 10, windowMs: 60_000 },
        { kind: 'concurrency', name: 'slots', max: 3 },
      ],
    };
    // 12 decisions for one client and one for each of 4 others, all started in the same turn.
    const decisions = await Promise.all([
      ...Array.from({ length: 12 }, () =>
        store.decide({ client: 'busy', plan: small, cost: 2, operation: 'query' }),
      ),
      ...['a', 'b', 'c', 'd'].map((client) =>
        store.decide({ client, plan: small, cost: 4, operation: 'query' }),
      ),
    ]);
    expect(sent.map((args) => [args[0], args[3 + Number(args[2])]])).toEqual([['EVALSHA', 'M']]);
    // In order, as if alone: the slots bind at 3 for 'busy'; every other client is admitted.
    expect(decisions.map((d) => d.allowed)).toEqual([
      ...[true, true, true],
      ...Array(9).fill(false),
      true,
      true,
      true,
      true,
    ]);
    expect(decisions.slice(0, 4).map((d) => d.limits.map((l) => l.consumed))).toEqual([
      [2, 1],
      [4, 2],
      [6, 3],
      [6, 3],
    ]);
    expect(decisions[3]).toMatchObject({ reason: 'limit', refusedBy: 'slots' });
    expect(new Set(decisions.map((d) => d.leaseId)).size).toBe(1 + 3 + 4);
    await Promise.all(
      decisions
        .filter((d) => d.allowed)
        .map((d, i) =>
          store.settle({
            client: i < 3 ? 'busy' : 'abcd'[i - 3]!,
            plan: small,
            operation: 'query',
            refund: 0,
            leaseId: d.leaseId,
          }),
        ),
    );
    expect((await store.peek('busy', small, 'query')).limits[1]!.consumed).toBe(0);
    // At most 64 to a call: 130 started together go as 64, 64 and 2.
    sent.length = 0;
    const many = await Promise.all(
      Array.from({ length: 130 }, (_, i) =>
        store.decide({ client: `m${i}`, plan: small, cost: 1, operation: 'query' }),
      ),
    );
    expect(many.every((d) => d.allowed)).toBe(true);
    // Each call's ARGV begins 'M', then how many operations it carries.
    expect(sent.map((args) => args.slice(3 + Number(args[2]), 5 + Number(args[2])))).toEqual([
      ['M', '64'],
      ['M', '64'],
      ['M', '2'],
    ]);
  });

  it('overlaps batches: splits a turn in two, and hands out answers read together one turn apart', async () => {
    const sent: string[][] = [];
    const events: string[] = [];
    // Holds every answer until `release`, which hands out all those held in one turn (as one socket read).
    let held: Array<() => void> = [];
    let holding = true;
    const gated = {
      call: async (command: string, args: string[]) => {
        sent.push([command, ...args]);
        // args: the SHA, the number of keys, the keys, then ARGV ('M', then how many operations).
        const argv = 2 + Number(args[1]);
        if (command === 'EVALSHA' && args[argv] === 'M') events.push(`send ${args[argv + 1]}`);
        const reply = await io.call(command, args);
        if (holding) await new Promise<void>((resolve) => held.push(resolve));
        return reply;
      },
    };
    const store = new RedisStore({ client: gated, keyPrefix: `${prefix}overlap:` });
    holding = false;
    await store.ready();
    holding = true;
    const one: Plan = {
      name: 'one',
      limits: [{ kind: 'fixed-window', name: 'points', limit: 100, windowMs: 60_000 }],
    };
    const decide = (client: string) => store.decide({ client, plan: one, cost: 1, operation: 'query' });
    // 16 callers, each deciding twice in a row; half of 16 outstanding is 8 a call.
    const callers = Array.from({ length: 16 }, async (_, i) => {
      await decide(`c${i}`);
      events.push(`answer ${i < 8 ? 'A' : 'B'}`);
      holding = false;
      return decide(`c${i}`);
    });
    while (held.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const release = held;
    held = [];
    for (const r of release) r();
    const second = await Promise.all(callers);
    expect(second.map((d) => d.limits[0]!.consumed)).toEqual(Array(16).fill(2));
    // The second answer waited a turn: the first one's callers sent their next batch before it was read.
    expect(events.filter((e, i) => i === 0 || e !== events[i - 1])).toEqual([
      'send 8',
      'answer A',
      'send 8',
      'answer B',
      'send 8',
    ]);
    expect(events.filter((e) => e === 'send 8')).toHaveLength(4);
    // maxBatch still bounds a call, and 1 sends each operation alone.
    const single = new RedisStore({ client: io, keyPrefix: `${prefix}overlap-1:`, maxBatch: 1 });
    sent.length = 0;
    const counted = new RedisStore({ client: gated, keyPrefix: `${prefix}overlap-1:`, maxBatch: 1 });
    await counted.ready();
    sent.length = 0;
    await Promise.all(
      ['x', 'y', 'z'].map((client) => counted.decide({ client, plan: one, cost: 1, operation: 'query' })),
    );
    expect(sent.map((args) => args[3 + Number(args[2])])).toEqual(['d', 'd', 'd']);
    expect((await single.peek('x', one, 'query')).limits[0]!.consumed).toBe(1);
    for (const [option, value] of [
      ['maxBatch', 0],
      ['maxBatch', 1.5],
      ['overlapBatches', 'yes'],
    ] as const) {
      expect(() => new RedisStore({ client: io, [option]: value })).toThrow(
        expect.objectContaining({
          code: 'QUOTA_INVALID_OPTION',
          message: `RedisStore: ${option} must be ${option === 'maxBatch' ? 'a positive integer' : 'a boolean'}, got ${String(value)}`,
        }),
      );
    }
  });

  it('a batch mixing plans, decides, peeks, refunds and releases gives each exactly its answer alone', async () => {
    const sent: string[][] = [];
    const counting = {
      call: (command: string, args: string[]) => (sent.push([command, ...args]), io.call(command, args)),
    };
    let now = T0 + 5_000;
    const batched = new RedisStore({
      client: counting,
      keyPrefix: `${prefix}mixed-b:`,
      clock: () => now,
      overlapBatches: false,
    });
    const alone = new RedisStore({ client: io, keyPrefix: `${prefix}mixed-a:`, clock: () => now });
    const windows: Plan = {
      name: 'windows',
      limits: [
        { kind: 'fixed-window', name: 'points', limit: 9, windowMs: 60_000 },
        { kind: 'fixed-window', name: 'daily', counts: 'requests', limit: 4, windowMs: 86_400_000 },
      ],
    };
    const buckets: Plan = {
      name: 'buckets',
      limits: [
        { kind: 'token-bucket', name: 'rate', counts: 'cost', rate: 2, burst: 6 },
        { kind: 'concurrency', name: 'slots', max: 2 },
      ],
    };
    type Step =
      | { readonly kind: 'decide'; readonly client: string; readonly plan: Plan; readonly cost: number }
      | { readonly kind: 'peek'; readonly client: string; readonly plan: Plan }
      | { readonly kind: 'settle'; readonly of: number; readonly refund: number; readonly release: boolean };
    const first: Step[] = [
      { kind: 'decide', client: 'x', plan: windows, cost: 4 },
      { kind: 'decide', client: 'x', plan: buckets, cost: 3 },
      { kind: 'decide', client: 'y', plan: windows, cost: 5 },
      { kind: 'peek', client: 'x', plan: windows },
      { kind: 'decide', client: 'x', plan: windows, cost: 4 },
      { kind: 'decide', client: 'x', plan: buckets, cost: 2 },
      { kind: 'decide', client: 'x', plan: buckets, cost: 1 },
      { kind: 'decide', client: 'x', plan: windows, cost: 2 },
    ];
    const second: Step[] = [
      { kind: 'settle', of: 0, refund: 3, release: false },
      { kind: 'settle', of: 1, refund: 2, release: true },
      { kind: 'peek', client: 'x', plan: buckets },
      { kind: 'decide', client: 'x', plan: windows, cost: 4 },
      { kind: 'settle', of: 5, refund: 0, release: true },
      { kind: 'decide', client: 'x', plan: buckets, cost: 4 },
      { kind: 'peek', client: 'x', plan: windows },
      { kind: 'decide', client: 'y', plan: buckets, cost: 6 },
    ];
    const comparable = (d: Decision | undefined) =>
      d === undefined ? undefined : { ...d, leaseId: d.leaseId === null ? null : 'lease' };
    const answers: { batched: (Decision | undefined)[]; alone: (Decision | undefined)[] } = {
      batched: [],
      alone: [],
    };
    const stepOf = (store: RedisStore, mine: (Decision | undefined)[], step: Step) => {
      if (step.kind === 'decide') {
        return store.decide({ client: step.client, plan: step.plan, cost: step.cost, operation: 'query' });
      }
      if (step.kind === 'peek') return store.peek(step.client, step.plan, 'query');
      const d = mine[step.of]!;
      const by = first[step.of] as Extract<Step, { kind: 'decide' }>;
      return store
        .settle({
          client: by.client,
          plan: by.plan,
          operation: 'query',
          refund: step.refund,
          leaseId: step.release ? d.leaseId : null,
          decidedAtMs: d.nowMs,
        })
        .then(() => undefined);
    };
    await batched.ready();
    for (const steps of [first, second]) {
      sent.length = 0;
      answers.batched.push(...(await Promise.all(steps.map((s) => stepOf(batched, answers.batched, s)))));
      for (const s of steps) answers.alone.push(await stepOf(alone, answers.alone, s));
      // Every step of a phase went to Redis as one script call.
      expect(sent.map((args) => [args[0], args[3 + Number(args[2])]])).toEqual([['EVALSHA', 'M']]);
      now += 700;
    }
    expect(answers.batched.map(comparable)).toEqual(answers.alone.map(comparable));
    // The limits bind along the way: the bucket, then the points window (refunded 3, filled to 9 again).
    expect(answers.alone.map((d) => (d === undefined ? 'settled' : d.allowed))).toEqual([
      ...[true, true, true, true, true, true, false, false],
      ...['settled', 'settled', true, true, 'settled', true, false, true],
    ]);
  });

  it('reloads the script after the server forgot it (NOSCRIPT)', async () => {
    // SCRIPT FLUSH empties every script of the server: on a redis-server of this test's own, never the shared one.
    const own = await startPrivateRedis();
    const client = ioredisClient(own.url);
    try {
      const store = new RedisStore({ client, keyPrefix: `${prefix}noscript:` });
      await store.decide({ client: 'c', plan, cost: 1, operation: 'query' });
      await client.script('FLUSH');
      const again = await store.decide({ client: 'c', plan, cost: 1, operation: 'query' });
      expect(again.limits[0]!.consumed).toBe(2);
    } finally {
      await client.quit();
      await own.stop();
    }
  });

  it('takes time from the Redis server when no clock is given', async () => {
    const store = new RedisStore({ client: node, keyPrefix: `${prefix}time:` });
    const serverMs = async () => {
      const [seconds, micros] = await io.time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    };
    const before = await serverMs();
    const d = await store.decide({ client: 'c', plan, cost: 1, operation: 'query' });
    // Bracketed by Redis's own clock read before and after, however long the machine took in between.
    expect(d.nowMs).toBeGreaterThanOrEqual(before);
    expect(d.nowMs).toBeLessThanOrEqual(await serverMs());
  });

  it('keeps integer state in one hash slot per client, every key with a TTL', async () => {
    const p = `${prefix}layout:`;
    const store = new RedisStore({ client: io, keyPrefix: p, clock: () => T0 });
    const client = 'org}{weird%';
    await store.decide({ client, plan, cost: 10, operation: 'query' });
    await store.block(client, 5_000);
    const keys = await keysOf(p);
    expect(keys).toEqual([`${p}{org%7d%7bweird%25}`, `${p}{org%7d%7bweird%25}:c:slots`]);
    const fields = Object.entries(await io.hgetall(keys[0]!)).sort();
    expect(fields).toEqual([
      ['b', String(T0 + 5_000)],
      [expect.stringMatching(/^points\/[0-9a-z]+:c$/), '10'],
      [expect.stringMatching(/^points\/[0-9a-z]+:s$/), String(T0)],
      [expect.stringMatching(/^rate\/[0-9a-z]+$/), String(T0 * 3 + 1_000)],
    ]);
    for (const key of keys) {
      const ttl = await io.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(61_000);
    }
  });

  it('never shortens a lease set kept by a longer lease of a same-named limit in another plan', async () => {
    // Regression: the set's TTL was reset to the current plan's leaseMs at every admission, so a 1 s lease
    // taken after a 60 s one let the set (and the 60 s lease in it) expire after 1 s: a slot freed early.
    const p = `${prefix}leases:`;
    const store = new RedisStore({ client: io, keyPrefix: p });
    const long: Plan = {
      name: 'long',
      limits: [{ kind: 'concurrency', name: 'slots', max: 2, leaseMs: 60_000 }],
    };
    const short: Plan = {
      name: 'short',
      limits: [{ kind: 'concurrency', name: 'slots', max: 2, leaseMs: 1_000 }],
    };
    expect((await store.decide({ client: 'c', plan: long, cost: 1, operation: 'query' })).allowed).toBe(true);
    expect((await store.decide({ client: 'c', plan: short, cost: 1, operation: 'query' })).allowed).toBe(
      true,
    );
    const ttl = await io.pttl(`${p}{c}:c:slots`);
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(61_000);
  });

  it('gives a lease set that held only expired leases the new lease length, and one with a live lease no less', async () => {
    // A set without a live lease gets its TTL without PTTL: only the new lease is left in it to outlive.
    const p = `${prefix}stale-leases:`;
    let now = T0;
    const store = new RedisStore({ client: io, keyPrefix: p, clock: () => now });
    const long: Plan = {
      name: 'long',
      limits: [{ kind: 'concurrency', name: 'slots', max: 2, leaseMs: 30_000 }],
    };
    const short: Plan = {
      name: 'short',
      limits: [{ kind: 'concurrency', name: 'slots', max: 2, leaseMs: 3_000 }],
    };
    const set = `${p}{c}:c:slots`;
    expect((await store.decide({ client: 'c', plan: long, cost: 1, operation: 'query' })).allowed).toBe(true);
    expect(await io.pttl(set)).toBeGreaterThan(29_000);
    // The 30 s lease has expired on the store's clock: the short lease is the only one that matters.
    now += 30_001;
    const d = await store.decide({ client: 'c', plan: short, cost: 1, operation: 'query' });
    expect(d.limits[0]).toMatchObject({ consumed: 1, resetAtMs: now + 3_000 });
    expect(await io.zcard(set)).toBe(1);
    const ttl = await io.pttl(set);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(4_000);
    // A live 30 s lease taken now is not shortened by another short one.
    await store.decide({ client: 'c', plan: long, cost: 1, operation: 'query' });
    await store.settle({ client: 'c', plan: short, operation: 'query', refund: 0, leaseId: d.leaseId });
    await store.decide({ client: 'c', plan: short, cost: 1, operation: 'query' });
    expect(await io.pttl(set)).toBeGreaterThan(29_000);
  });

  it('shows a kill switch to every instance, whichever client library it uses', async () => {
    const p = `${prefix}kill:`;
    const a = new RedisStore({ client: io, keyPrefix: p });
    const b = new RedisStore({ client: node, keyPrefix: p });
    await a.block('*', 60_000);
    try {
      expect(await b.decide({ client: 'x', plan, cost: 1, operation: 'query' })).toMatchObject({
        allowed: false,
        reason: 'blocked',
        retryAfterSeconds: 60,
      });
      const late = new RedisStore({ client: node, keyPrefix: p, cluster: true });
      expect(await late.decide({ client: 'y', plan, cost: 1, operation: 'query' })).toMatchObject({
        allowed: false,
        reason: 'blocked',
      });
    } finally {
      await a.unblock('*');
    }
    expect((await b.decide({ client: 'x', plan, cost: 1, operation: 'query' })).allowed).toBe(true);
  });

  it.each<[string, object, string]>([
    [
      'an empty object as client',
      { client: {} },
      'RedisStore: client must be an ioredis Redis or Cluster (with call), or a node-redis createClient() or createCluster() client (with sendCommand); got an object with neither',
    ],
    [
      'a URL as client',
      { client: 'redis://127.0.0.1:6379' },
      'RedisStore: client must be an ioredis Redis or Cluster, or a node-redis createClient() or createCluster() client, got string',
    ],
    [
      'no client',
      { client: null },
      'RedisStore: client must be an ioredis Redis or Cluster, or a node-redis createClient() or createCluster() client, got null',
    ],
    [
      'a brace in the prefix',
      { keyPrefix: 'a{b' },
      'RedisStore: keyPrefix must be a string without { or }, got "a{b"',
    ],
  ])('rejects %s with QUOTA_INVALID_OPTION', (_, options, message) => {
    expect(() => new RedisStore({ client: io, ...options })).toThrow(
      expect.objectContaining({ code: 'QUOTA_INVALID_OPTION', message }),
    );
  });

  const input = { client: 'c', plan, cost: 1, operation: 'query' } as const;

  describe('the start-up self-check', () => {
    const engineOf = (store: RedisStore) => new QuotaEngine({ store, logger: silentLogger() });

    it.each<[string, () => object, RegExp]>([
      [
        'a client that answers with no promise (node-redis v3, or v4 in legacyMode)',
        () => ({ sendCommand: () => true }),
        /returned no promise/,
      ],
      [
        'a client that throws',
        () => ({
          call: () => {
            throw new TypeError("Cannot read properties of undefined (reading 'length')");
          },
        }),
        /threw instead of answering: Cannot read properties of undefined \(reading 'length'\)/,
      ],
      [
        'a client that rejects with a TypeError',
        () => ({ sendCommand: () => Promise.reject(new TypeError('args is not iterable')) }),
        /args is not iterable/,
      ],
      [
        "a client whose replies are not the script's",
        () => ({ call: () => Promise.resolve('OK') }),
        /reply was "OK"/,
      ],
      [
        'a node-redis client never connected',
        () => createClient({ url: shared.url }),
        /The client is closed: connect it first/,
      ],
    ])(
      'refuses %s, loudly and for good, and the engine does not take it for an outage',
      async (_, make, why) => {
        const store = new RedisStore({ client: make() as never, keyPrefix: `${prefix}wrong:` });
        const expected = {
          name: 'QuotaValidationError',
          code: 'QUOTA_INVALID_OPTION',
          message: expect.stringMatching(/^RedisStore: the client cannot drive the store: /),
        };
        const error = await store.ready().catch((e: unknown) => e);
        expect(error).toMatchObject(expected);
        expect((error as Error).message).toMatch(why);
        // Kept: every later call fails the same way, and the engine passes it on instead of deciding by failure mode.
        await expect(store.decide(input)).rejects.toBe(error);
        await expect(engineOf(store).decide(input)).rejects.toBe(error);
        await expect(engineOf(store).block('*', 1_000)).rejects.toBe(error);
      },
    );

    it('takes a Redis outage for an outage: the engine applies its failure mode, and the check runs again', async () => {
      let calls = 0;
      const down = {
        call: () => (calls++, Promise.reject(new Error('Connection is closed.'))),
      };
      const store = new RedisStore({ client: down, keyPrefix: `${prefix}down:` });
      await expect(store.ready()).rejects.toThrow('Connection is closed.');
      await expect(store.decide(input)).rejects.toThrow('Connection is closed.');
      expect(calls).toBe(2);
      expect(await engineOf(store).decide(input)).toMatchObject({ allowed: true, source: 'fallback' });
    });

    it('passes with both client libraries, once: later calls are one round trip each', async () => {
      for (const client of [io, node]) {
        const sent: string[] = [];
        const counting =
          client === io
            ? { call: (c: string, a: string[]) => (sent.push(c), io.call(c, a)) }
            : { sendCommand: (a: string[]) => (sent.push(a[0]!), node.sendCommand(a)) };
        const store = new RedisStore({ client: counting, keyPrefix: `${prefix}ready:` });
        await store.ready();
        await store.ready();
        await store.decide(input);
        await store.decide(input);
        expect(sent).toEqual(['EVALSHA', 'EVALSHA', 'EVALSHA']);
      }
    });
  });

  describe('the local refusal cache', () => {
    const perMinute: Plan = {
      name: 'per-minute',
      limits: [
        { kind: 'fixed-window', name: 'points', limit: 100, windowMs: 60_000 },
        { kind: 'fixed-window', name: 'requests', counts: 'requests', limit: 5, windowMs: 60_000 },
      ],
    };
    const bucket: Plan = {
      name: 'bucket',
      limits: [{ kind: 'token-bucket', name: 'rate', rate: 2, burst: 3 }],
    };

    /** Client c's refund of `refund` points of the perMinute decision taken at `decidedAtMs`. */
    function refundPoints(store: RedisStore, refund: number, decidedAtMs: number) {
      return store.settle({
        client: 'c',
        plan: perMinute,
        operation: 'query',
        refund,
        leaseId: null,
        decidedAtMs,
      });
    }

    /** A store on the test clock whose Redis commands are counted. */
    function counted(p: string, options: { localRefusalClients?: number } = {}) {
      const clock = { now: T0 + 1_000 };
      const sent: string[] = [];
      const store = new RedisStore({
        client: { call: (c: string, a: string[]) => (sent.push(c), io.call(c, a)) },
        keyPrefix: p,
        clock: () => clock.now,
        ...options,
      });
      return { store, clock, sent };
    }

    it("answers at least 99 % of a flooding client's refusals without Redis, admitting exactly the quota", async () => {
      const { store, sent } = counted(`${prefix}flood:`);
      let admitted = 0;
      for (let i = 0; i < 1_000; i++) {
        if ((await store.decide({ client: 'flood', plan: perMinute, cost: 1, operation: 'query' })).allowed)
          admitted++;
      }
      expect(admitted).toBe(5);
      // The self-check, 5 admissions, and the one refusal that taught the cache.
      expect(sent).toHaveLength(7);
      expect(store.answeredLocally).toBe(994);
      expect(store.answeredLocally / (1_000 - admitted)).toBeGreaterThanOrEqual(0.99);
    });

    it('repeats the refusal, with its own nowMs and Retry-After, until the moment Redis named, then asks Redis', async () => {
      const { store, clock, sent } = counted(`${prefix}until:`);
      const decide = (cost = 1) => store.decide({ client: 'c', plan: bucket, cost, operation: 'query' });
      for (let i = 0; i < 3; i++) expect((await decide()).allowed).toBe(true);
      const refused = await decide();
      expect(refused).toMatchObject({
        allowed: false,
        reason: 'limit',
        refusedBy: 'rate',
        retryAfterSeconds: 1,
      });
      sent.length = 0;
      clock.now += 499;
      expect(await decide()).toEqual({ ...refused, nowMs: clock.now, retryAfterSeconds: 1 });
      expect(sent).toEqual([]);
      // Half a second after the refusal a token is back (2 a second): Redis is asked, and admits.
      clock.now += 1;
      expect((await decide()).allowed).toBe(true);
      expect(sent).toEqual(['EVALSHA']);
    });

    it('answers only the same charge: a smaller one, a larger one (which may wait longer) and one above capacity ask Redis', async () => {
      const { store, sent } = counted(`${prefix}smaller:`);
      const decide = (cost: number) =>
        store.decide({ client: 'c', plan: perMinute, cost, operation: 'query' });
      expect((await decide(90)).allowed).toBe(true);
      const refused = await decide(20);
      expect(refused).toMatchObject({ allowed: false, refusedBy: 'points' });
      sent.length = 0;
      expect(await decide(20)).toEqual(refused);
      expect(sent).toEqual([]);
      expect(await decide(30)).toMatchObject({ allowed: false, refusedBy: 'points' });
      expect(await decide(101)).toMatchObject({ allowed: false, reason: 'exceeds-capacity' });
      expect((await decide(10)).allowed).toBe(true);
      expect(sent).toEqual(['EVALSHA', 'EVALSHA', 'EVALSHA']);
    });

    it('forgets a client when this process refunds, blocks or unblocks it; never caches a block', async () => {
      const { store, sent } = counted(`${prefix}forget:`);
      const other = new RedisStore({ client: io, keyPrefix: `${prefix}forget:`, clock: () => T0 + 1_000 });
      const decide = (cost: number) =>
        store.decide({ client: 'c', plan: perMinute, cost, operation: 'query' });
      const first = await decide(100);
      expect((await decide(1)).allowed).toBe(false);
      await refundPoints(store, 50, first.nowMs);
      expect(await decide(40)).toMatchObject({ allowed: true, limits: [{ consumed: 90 }, { consumed: 2 }] });
      // Blocked by another instance: refused by Redis, not remembered, so its unblock is seen at once.
      await other.block('c', 60_000);
      expect(await decide(1)).toMatchObject({ allowed: false, reason: 'blocked' });
      await other.unblock('c');
      sent.length = 0;
      expect((await decide(1)).allowed).toBe(true);
      expect(sent).toEqual(['EVALSHA']);
    });

    // Regression: a refusal whose answer arrived after this process had sent a refund (or a block or unblock)
    // of the same client was remembered, stating the state before the refund: the same charge was then refused
    // here, with no Redis call, though Redis admitted it (a client's two concurrent requests: one settles while
    // the other's decision is in flight). Every way the settle and the decision can share a batch or not.
    it('does not learn a refusal answered after this process forgot the client (refund, block, unblock sent meanwhile)', async () => {
      for (const forget of ['refund', 'block', 'unblock'] as const) {
        for (const maxBatch of [1, 64]) {
          const p = `${prefix}race:${forget}:${maxBatch}:`;
          const clock = { now: T0 + 1_000 };
          const store = new RedisStore({ client: io, keyPrefix: p, clock: () => clock.now, maxBatch });
          const decide = (cost: number) =>
            store.decide({ client: 'c', plan: perMinute, cost, operation: 'query' });
          const first = await decide(100);
          expect(first.allowed).toBe(true);
          // In flight together: a refusal (sent first), then what makes room or changes nothing the refusal states.
          const refusedNow = decide(20);
          const forgotten =
            forget === 'refund'
              ? refundPoints(store, 50, first.nowMs)
              : forget === 'block'
                ? store.block('c', 1).then(() => {
                    clock.now += 2;
                  })
                : store.unblock('c');
          // (A block is sent at once, not batched: it may reach Redis first and refuse this one itself.)
          expect(await refusedNow).toMatchObject({ allowed: false });
          await forgotten;
          if (forget === 'refund') {
            // Redis has 50 points of room: the same charge is admitted, by Redis.
            expect(await decide(20)).toMatchObject({
              allowed: true,
              limits: [{ consumed: 70 }, { consumed: 2 }],
            });
            expect(store.answeredLocally).toBe(0);
          } else {
            // Nothing changed the refusal's figures: Redis refuses it again, and the cache learns from that.
            expect(await decide(20)).toMatchObject({ allowed: false, refusedBy: 'points' });
            expect(store.answeredLocally).toBe(0);
            expect(await decide(20)).toMatchObject({ allowed: false, refusedBy: 'points' });
            expect(store.answeredLocally).toBe(1);
          }
        }
      }
    });

    it('never admits: two processes, one with the cache, admit exactly a bucket of 3 between them', async () => {
      const p = `${prefix}shared:`;
      const a = counted(p);
      const b = new RedisStore({
        client: io,
        keyPrefix: p,
        clock: () => a.clock.now,
        localRefusalClients: 0,
      });
      const decide = (store: RedisStore) =>
        store.decide({ client: 'c', plan: bucket, cost: 1, operation: 'query' });
      const admitted = [];
      for (let i = 0; i < 4; i++) admitted.push((await decide(a.store)).allowed, (await decide(b)).allowed);
      expect(admitted.filter(Boolean)).toHaveLength(3);
      expect((await b.peek('c', bucket, 'query')).limits[0]!.remaining).toBe(0);
    });

    it('is off with localRefusalClients: 0, and bounded by it', async () => {
      const off = counted(`${prefix}off:`, { localRefusalClients: 0 });
      for (let i = 0; i < 10; i++)
        await off.store.decide({ client: 'c', plan: perMinute, cost: 1, operation: 'query' });
      expect(off.sent).toHaveLength(11);
      expect(off.store.answeredLocally).toBe(0);
      const two = counted(`${prefix}two:`, { localRefusalClients: 2 });
      const flood = async (client: string) => {
        for (let i = 0; i < 6; i++)
          await two.store.decide({ client, plan: perMinute, cost: 1, operation: 'query' });
      };
      await flood('x');
      await flood('y');
      await flood('z');
      two.sent.length = 0;
      // z and y are remembered; x, the least recently refused, was forgotten.
      await flood('z');
      await flood('y');
      expect(two.sent).toEqual([]);
      await flood('x');
      expect(two.sent).toEqual(['EVALSHA']);
      expect(() => new RedisStore({ client: io, localRefusalClients: -1 })).toThrow(
        'RedisStore: localRefusalClients must be a non-negative integer, got -1',
      );
    });
  });

  describe('the store deadline', () => {
    /** The deadline argument of each decide the store sent (ARGV[6] of the script). */
    function deadlines(sent: string[][]): string[] {
      return sent
        .filter((args) => args[0] === 'EVALSHA' && args[3 + Number(args[2]) + 0] === 'd')
        .map((args) => args[3 + Number(args[2]) + 5]!);
    }

    it.each(['ioredis', 'node-redis'] as const)(
      '%s: every decide with a timeout carries its deadline, the first of a process included',
      async (kind) => {
        const sent: string[][] = [];
        const counting =
          kind === 'ioredis'
            ? { call: (c: string, a: string[]) => (sent.push([c, ...a]), io.call(c, a)) }
            : { sendCommand: (a: string[]) => (sent.push(a), node.sendCommand(a)) };
        const store = new RedisStore({ client: counting, keyPrefix: `${prefix}deadline-${kind}:` });
        const [seconds] = await io.time();
        for (let i = 0; i < 3; i++) await store.decide({ ...input, timeoutMs: 200 });
        const sentDeadlines = deadlines(sent);
        expect(sentDeadlines).toHaveLength(3);
        // On Redis's clock: after the moment the test started, within the wait (not a local clock's reading).
        for (const d of sentDeadlines) expect(Number(d)).toBeGreaterThan(Number(seconds) * 1000);
        await store.decide(input);
        expect(deadlines(sent)[3]).toBe('');
      },
    );

    it('a first decision stalled past its deadline is not committed', async () => {
      // Regression: before any reply the store knew no Redis clock and sent no deadline, so a process's first
      // decision, held by a stalled Redis, was committed after the engine had decided it by failure mode.
      const redis = await startPrivateRedis();
      const client = new Redis(redis.url);
      try {
        await client.ping();
        const fresh = new RedisStore({ client, keyPrefix: 'first:' });
        const engine = new QuotaEngine({ store: fresh, timeoutMs: 100, logger: silentLogger() });
        await redis.pause(400);
        expect(await engine.decide({ ...input, cost: 5 })).toMatchObject({
          allowed: true,
          source: 'fallback',
        });
        const direct = new RedisStore({ client, keyPrefix: 'first:' });
        await redis.pause(400);
        await expect(direct.decide({ ...input, cost: 7, timeoutMs: 100 })).rejects.toThrow(
          'graphql-quota: the decision reached Redis too late for a caller waiting 100 ms and was not committed',
        );
        expect((await direct.peek('c', plan, 'query')).limits[0]!.consumed).toBe(0);
      } finally {
        client.disconnect();
        await redis.stop();
      }
    });
  });

  it('rejects with an Error, not over quota, when Redis fails', async () => {
    const broken = { sendCommand: () => Promise.reject(new Error('Socket closed unexpectedly')) };
    await expect(
      new RedisStore({ client: broken }).decide({ client: 'c', plan, cost: 1, operation: 'query' }),
    ).rejects.toThrow('Socket closed unexpectedly');
  });
});

function silentLogger() {
  return { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
}
