import type { Redis } from 'ioredis';
import { RedisStore } from '../../src/store/RedisStore.js';
import type { Plan } from '../../src/quota/types.js';
import { deleteKeys, ioredisClient, nodeRedisClient, startRedis, uniquePrefix } from '../helpers/redis.js';
import type { TestRedis } from '../helpers/redis.js';
import { describeStoreContract, T0 } from './storeContract.js';

let server: TestRedis;
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
    const [seconds, micros] = await io.time();
    const d = await store.decide({ client: 'c', plan, cost: 1, operation: 'query' });
    const serverMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    expect(d.nowMs).toBeGreaterThanOrEqual(serverMs);
    expect(d.nowMs - serverMs).toBeLessThan(5_000);
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
      'no client',
      { client: {} },
      'RedisStore: client must be an ioredis client (with call) or a node-redis client (with sendCommand)',
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

  it('rejects with an Error, not over quota, when Redis fails', async () => {
    const broken = { sendCommand: () => Promise.reject(new Error('Socket closed unexpectedly')) };
    await expect(
      new RedisStore({ client: broken }).decide({ client: 'c', plan, cost: 1, operation: 'query' }),
    ).rejects.toThrow('Socket closed unexpectedly');
  });
});
