import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { QuotaEngine } from '../../src/engine/index.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import { startPrivateRedis } from '../helpers/redis-private.js';
import type { Plan } from '../../src/quota/types.js';
import { deleteKeys, ioredisClient, nodeRedisClient, startRedis, uniquePrefix } from '../helpers/redis.js';
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
  async function keysOf(p: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await io.scan(cursor, 'MATCH', `${p}*`, 'COUNT', 100);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found.sort();
  }

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

  it('reloads the script after the server forgot it (NOSCRIPT)', async () => {
    const store = new RedisStore({ client: io, keyPrefix: `${prefix}noscript:` });
    await store.decide({ client: 'c', plan, cost: 1, operation: 'query' });
    await io.script('FLUSH');
    expect((await store.decide({ client: 'c', plan, cost: 1, operation: 'query' })).limits[0]!.consumed).toBe(
      2,
    );
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
