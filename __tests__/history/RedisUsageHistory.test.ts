/**
 * The Redis store's usage history (issue 16) against a real Redis: what a scripted sequence of decisions and
 * settles through two store instances (two "processes") leaves in Redis, read back through RedisUsageHistory
 * with exact counts; refusals by code, refunds, retention (TTLs), operation-name bounds; and no round trip
 * of its own (script calls counted).
 */
import type { Redis } from 'ioredis';
import { HOUR_MS, MINUTE_MS, OTHER_OPERATIONS, RedisUsageHistory } from '../../src/history/index.js';
import { QuotaValidationError, type Plan } from '../../src/quota/index.js';
import {
  historyOperationName,
  MAX_HISTORY_OPERATION_NAME_LENGTH,
  RedisStore,
} from '../../src/store/index.js';
import {
  deleteKeys,
  ioredisClient,
  keysUnder,
  startRedis,
  uniquePrefix,
  type TestRedis,
} from '../helpers/redis.js';

let server: TestRedis;
let io: Redis;
const prefix = uniquePrefix('usage');

beforeAll(async () => {
  server = await startRedis();
  io = ioredisClient(server.url);
});
/** Second connections (the second "process"), closed at the end. */
const clients: Redis[] = [];
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await deleteKeys(io, prefix);
  io.disconnect();
  await server.stop();
});

const plan: Plan = {
  name: 'pro',
  limits: [
    { kind: 'fixed-window', name: 'points', limit: 50, windowMs: HOUR_MS },
    { kind: 'concurrency', name: 'slots', max: 1 },
  ],
};
const alice = { id: 'alice', anonymous: false };
const bob = { id: 'bob', anonymous: false };

/** A clock 10 minutes into the current hour. */
function testClock() {
  const clock = { now: Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 10 * MINUTE_MS };
  return clock;
}

/** Every EVALSHA/EVAL the client is asked for. */
function counting(sent: string[]) {
  return { call: (command: string, args: string[]) => (sent.push(command), io.call(command, args)) };
}

/**
 * The sequence: alice admitted (10 points, a slot), refused for want of a slot on the other instance, settled
 * with a 4-point refund; a minute later refused above capacity, blocked, and refused by cost analysis (told
 * to instance A, carried by its next call); bob admitted twice (an anonymous operation, then 'Search').
 */
async function scriptedSequence(a: RedisStore, b: RedisStore, clock: { now: number }): Promise<void> {
  const first = await a.decide({
    client: 'id:alice',
    plan,
    cost: 10,
    operation: 'query',
    operationName: 'Products',
  });
  expect(first.allowed).toBe(true);
  const second = await b.decide({
    client: 'id:alice',
    plan,
    cost: 10,
    operation: 'query',
    operationName: 'Products',
  });
  expect(second.reason).toBe('limit');
  await a.settle({
    client: 'id:alice',
    plan,
    operation: 'query',
    operationName: 'Products',
    refund: 4,
    leaseId: first.leaseId,
    decidedAtMs: first.nowMs,
  });
  clock.now += MINUTE_MS;
  const big = await b.decide({
    client: 'id:alice',
    plan,
    cost: 60,
    operation: 'query',
    operationName: 'Big',
  });
  expect(big.reason).toBe('exceeds-capacity');
  const anonymousOp = await b.decide({ client: 'id:bob', plan, cost: 5, operation: 'query' });
  // A release without a refund: no settle of the history's.
  await b.settle({
    client: 'id:bob',
    plan,
    operation: 'query',
    refund: 0,
    leaseId: anonymousOp.leaseId,
    decidedAtMs: anonymousOp.nowMs,
  });
  await a.block('id:alice', 60_000);
  const blocked = await a.decide({
    client: 'id:alice',
    plan,
    cost: 1,
    operation: 'query',
    operationName: 'Products',
  });
  expect(blocked.reason).toBe('blocked');
  // Kept only when the history is on.
  a.recordRefusal('id:alice', 'pro', 'Products', 'COST_LIMIT_EXCEEDED');
  expect(a.pendingUsage).toBe(a.usage === null ? 0 : 1);
  const search = await a.decide({
    client: 'id:bob',
    plan,
    cost: 3,
    operation: 'query',
    operationName: 'Search',
  });
  expect(search.allowed).toBe(true);
  expect(a.pendingUsage).toBe(0);
}

describe('RedisUsageHistory', () => {
  it('holds exact counts of a sequence run through two store instances sharing one Redis', async () => {
    const clock = testClock();
    const p = `${prefix}two:`;
    const options = { keyPrefix: p, clock: () => clock.now, localRefusalClients: 0, usageHistory: true };
    const a = new RedisStore({ client: io, ...options });
    const other = ioredisClient(server.url);
    clients.push(other);
    const b = new RedisStore({ client: other, ...options });
    const t0 = clock.now;
    await scriptedSequence(a, b, clock);
    const history = new RedisUsageHistory(b, { clock: () => clock.now });
    const range = { fromMs: t0 - 23 * HOUR_MS, toMs: t0 + 2 * MINUTE_MS };

    expect(await history.clientHistory(alice, range)).toEqual([
      {
        timeMs: t0,
        durationMs: MINUTE_MS,
        operations: 2,
        pointsCharged: 10,
        pointsRefunded: 4,
        actualCost: 6,
        refused: 1,
        refusals: { QUOTA_EXCEEDED: 1 },
      },
      {
        timeMs: t0 + MINUTE_MS,
        durationMs: MINUTE_MS,
        operations: 3,
        pointsCharged: 0,
        pointsRefunded: 0,
        actualCost: 0,
        refused: 3,
        refusals: { QUOTA_CAPACITY_EXCEEDED: 1, CLIENT_BLOCKED: 1, COST_LIMIT_EXCEEDED: 1 },
      },
    ]);
    expect(await history.clientHistory(bob, range)).toEqual([
      {
        timeMs: t0 + MINUTE_MS,
        durationMs: MINUTE_MS,
        operations: 2,
        pointsCharged: 8,
        pointsRefunded: 0,
        actualCost: 8,
        refused: 0,
        refusals: null,
      },
    ]);
    // An anonymous client of the same id is another client.
    expect(await history.clientHistory({ id: 'alice', anonymous: true }, range)).toEqual([]);
    expect(
      (await history.totals(range)).map((t) => [
        t.timeMs - t0,
        t.operations,
        t.pointsCharged,
        t.pointsRefunded,
        t.refused,
      ]),
    ).toEqual([
      [0, 2, 10, 4, 1],
      [MINUTE_MS, 5, 8, 0, 3],
    ]);
    expect(await history.topClients(range, 'pointsCharged', 10)).toEqual([
      {
        client: alice,
        plan: 'pro',
        lastSeenMs: t0 + MINUTE_MS,
        operations: 5,
        pointsCharged: 10,
        pointsRefunded: 4,
        actualCost: 6,
        refused: 4,
        refusals: {
          QUOTA_EXCEEDED: 1,
          QUOTA_CAPACITY_EXCEEDED: 1,
          CLIENT_BLOCKED: 1,
          COST_LIMIT_EXCEEDED: 1,
        },
      },
      {
        client: bob,
        plan: 'pro',
        lastSeenMs: t0 + MINUTE_MS,
        operations: 2,
        pointsCharged: 8,
        pointsRefunded: 0,
        actualCost: 8,
        refused: 0,
        refusals: null,
      },
    ]);
    expect((await history.topClients(range, 'refused', 1)).map((c) => c.client.id)).toEqual(['alice']);
    expect(
      (await history.topClients(range, 'operations', 5)).map((c) => [c.client.id, c.operations]),
    ).toEqual([
      ['alice', 5],
      ['bob', 2],
    ]);
    expect(await history.topOperations(range, 10)).toEqual([
      { operationName: 'Products', operations: 4, pointsCharged: 10, actualCost: 6, maxActualCost: 10 },
      { operationName: null, operations: 1, pointsCharged: 5, actualCost: 5, maxActualCost: 5 },
      { operationName: 'Search', operations: 1, pointsCharged: 3, actualCost: 3, maxActualCost: 3 },
      { operationName: 'Big', operations: 1, pointsCharged: 0, actualCost: 0, maxActualCost: 0 },
    ]);
    expect(await history.topOperations(range, 1, alice)).toEqual([
      { operationName: 'Products', operations: 4, pointsCharged: 10, actualCost: 6, maxActualCost: 10 },
    ]);
    // Either instance reads the same.
    expect(await new RedisUsageHistory(a, { clock: () => clock.now }).clientHistory(alice, range)).toEqual(
      await history.clientHistory(alice, range),
    );
  });

  it('adds no script call: the same sequence makes as many calls with the history on as off', async () => {
    const calls = async (usageHistory: boolean) => {
      const clock = testClock();
      const sent: string[] = [];
      const p = `${prefix}count${usageHistory ? 'on' : 'off'}:`;
      const options = { keyPrefix: p, clock: () => clock.now, localRefusalClients: 0, usageHistory };
      const a = new RedisStore({ client: counting(sent), ...options });
      const b = new RedisStore({ client: counting(sent), ...options });
      await Promise.all([a.ready(), b.ready()]);
      sent.length = 0;
      await scriptedSequence(a, b, clock);
      const keys = await keysUnder(io, p);
      return { sent, historyKeys: keys.filter((k) => k.includes(':u:') || k.includes('{%u}')).length };
    };
    const on = await calls(true);
    const off = await calls(false);
    // decide ×6, settle ×2, block ×1: one call each, with or without the history. The settle that only
    // releases a lease (nothing to record) is a plain ZREM; every other call is one script call.
    expect(on.sent).toEqual([...Array(5).fill('EVALSHA'), 'ZREM', ...Array(3).fill('EVALSHA')]);
    expect(off.sent).toEqual(on.sent);
    expect(off.historyKeys).toBe(0);
    // Two clients × (2 minutes + 1 hour) for alice, 1 minute + 1 hour for bob, then the totals' 2 minutes,
    // 1 hour and the hour's ranking.
    expect(on.historyKeys).toBe(3 + 2 + 4);
  });

  it('keeps minutes and hours exactly as long as configured (TTLs anchored to the bucket)', async () => {
    const clock = testClock();
    const p = `${prefix}ttl:`;
    const store = new RedisStore({
      client: io,
      keyPrefix: p,
      clock: () => clock.now,
      usageHistory: { minuteRetentionMs: 2 * HOUR_MS, hourRetentionMs: 48 * HOUR_MS },
    });
    const t0 = clock.now;
    clock.now += 30_000; // half a minute into the minute
    const d = await store.decide({
      client: 'id:alice',
      plan,
      cost: 2,
      operation: 'query',
      operationName: 'Q',
    });
    const minute = Math.floor(t0 / MINUTE_MS);
    const hour = Math.floor(t0 / HOUR_MS);
    const grace = 1_000;
    const pttl = (key: string) => io.pttl(key);
    // The minute is kept until it is 2 hours old, the hour until its end is 48 hours old (+1 s of grace);
    // Redis counts down in real time, so the values read are at most a few milliseconds lower.
    const expectTtl = async (key: string, ttl: number) => {
      const left = await pttl(key);
      expect(left).toBeLessThanOrEqual(ttl);
      expect(left).toBeGreaterThan(ttl - 5_000);
    };
    await expectTtl(`${p}{id:alice}:u:m:${minute}`, 2 * HOUR_MS - 30_000 + grace);
    await expectTtl(`${p}{id:alice}:u:h:${hour}`, HOUR_MS - 10 * MINUTE_MS - 30_000 + 48 * HOUR_MS + grace);
    await expectTtl(`${p}{%u}:m:${minute}`, 2 * HOUR_MS - 30_000 + grace);
    await expectTtl(`${p}{%u}:h:${hour}`, HOUR_MS - 10 * MINUTE_MS - 30_000 + 48 * HOUR_MS + grace);
    await expectTtl(`${p}{%u}:c:${hour}`, HOUR_MS - 10 * MINUTE_MS - 30_000 + 48 * HOUR_MS + grace);
    // A refund 10 minutes later sets the same deadlines again, not later ones.
    clock.now += 10 * MINUTE_MS;
    await store.settle({
      client: 'id:alice',
      plan,
      operation: 'query',
      operationName: 'Q',
      refund: 1,
      leaseId: d.leaseId,
      decidedAtMs: d.nowMs,
    });
    await expectTtl(`${p}{id:alice}:u:m:${minute}`, 2 * HOUR_MS - 30_000 - 10 * MINUTE_MS + grace);
    // Once the minutes have aged out, the reader reads their hour whole.
    const history = new RedisUsageHistory(store, { clock: () => t0 + 3 * HOUR_MS });
    const points = await history.clientHistory(alice, { fromMs: t0 - HOUR_MS, toMs: t0 + 3 * HOUR_MS });
    expect(points).toEqual([
      {
        timeMs: hour * HOUR_MS,
        durationMs: HOUR_MS,
        operations: 1,
        pointsCharged: 2,
        pointsRefunded: 1,
        actualCost: 1,
        refused: 0,
        refusals: null,
      },
    ]);
    // And a refund of a decision whose buckets aged out writes nothing.
    await store.settle({
      client: 'id:alice',
      plan,
      operation: 'query',
      operationName: 'Q',
      refund: 1,
      leaseId: null,
      decidedAtMs: t0 - 60 * HOUR_MS,
    });
    expect(await io.exists(`${p}{id:alice}:u:h:${hour - 60}`, `${p}{id:alice}:u:m:${minute - 3600}`)).toBe(0);
  });

  it('carries refusals the local refusal cache answered on the next script call: none lost, none twice', async () => {
    const clock = testClock();
    const p = `${prefix}local:`;
    const small: Plan = {
      name: 'small',
      limits: [{ kind: 'fixed-window', name: 'points', limit: 5, windowMs: HOUR_MS }],
    };
    const store = new RedisStore({ client: io, keyPrefix: p, clock: () => clock.now, usageHistory: true });
    const t0 = clock.now;
    const decide = (client: string) =>
      store.decide({ client, plan: small, cost: 5, operation: 'query', operationName: 'Q' });
    expect((await decide('id:alice')).allowed).toBe(true);
    expect((await decide('id:alice')).allowed).toBe(false); // by Redis
    expect((await decide('id:alice')).allowed).toBe(false); // by the local cache
    expect((await decide('id:alice')).allowed).toBe(false); // by the local cache
    expect(store.answeredLocally).toBe(2);
    expect(store.pendingUsage).toBe(1);
    expect((await decide('id:bob')).allowed).toBe(true);
    expect(store.pendingUsage).toBe(0);
    const history = new RedisUsageHistory(store, { clock: () => clock.now });
    const range = { fromMs: t0, toMs: t0 + MINUTE_MS };
    expect(await history.clientHistory(alice, range)).toEqual([
      {
        timeMs: t0,
        durationMs: MINUTE_MS,
        operations: 4,
        pointsCharged: 5,
        pointsRefunded: 0,
        actualCost: 5,
        refused: 3,
        refusals: { QUOTA_EXCEEDED: 3 },
      },
    ]);
    // flushUsage writes what waits without waiting for another decision.
    store.recordRefusal('id:carol', 'small', null, 'COST_LIMIT_EXCEEDED');
    await store.flushUsage();
    expect(store.pendingUsage).toBe(0);
    expect(
      (await history.clientHistory({ id: 'carol', anonymous: false }, range)).map((p) => p.refusals),
    ).toEqual([{ COST_LIMIT_EXCEEDED: 1 }]);
  });

  it('bounds operation names per client and hour; the rest count as (other)', async () => {
    const clock = testClock();
    const p = `${prefix}names:`;
    const free: Plan = {
      name: 'free',
      limits: [{ kind: 'fixed-window', name: 'points', limit: 1_000, windowMs: HOUR_MS }],
    };
    const store = new RedisStore({
      client: io,
      keyPrefix: p,
      clock: () => clock.now,
      usageHistory: { maxOperationNames: 2 },
    });
    for (const name of ['A', 'B', 'C', 'D', 'A'])
      await store.decide({
        client: 'id:alice',
        plan: free,
        cost: 1,
        operation: 'query',
        operationName: name,
      });
    const history = new RedisUsageHistory(store, { clock: () => clock.now });
    const ops = await history.topOperations({ fromMs: clock.now, toMs: clock.now + MINUTE_MS }, 10, alice);
    expect(ops.map((o) => [o.operationName, o.operations])).toEqual([
      ['A', 2],
      [OTHER_OPERATIONS, 2],
      ['B', 1],
    ]);
  });

  // Regression: an hour whose first record was named '(other)' (a client's operationName param, reported by
  // recordRefusal) counted no name, so its hash, everyone's hour and the ranking were kept without a TTL; and a
  // name of any length was kept whole (200 kB per name, 50 per client-hour, 1,000 in everyone's hour).
  it('gives every key a TTL and keeps names bounded, whatever the operation name and whichever call writes it', async () => {
    const clock = testClock();
    const free: Plan = {
      name: 'free',
      limits: [{ kind: 'fixed-window', name: 'points', limit: 1_000, windowMs: HOUR_MS }],
    };
    const huge = 'x'.repeat(200_000);
    // A surrogate pair across the cut: kept whole or not at all.
    const emoji = 'y'.repeat(MAX_HISTORY_OPERATION_NAME_LENGTH - 2) + '\u{1F600}'.repeat(3);
    const hostile = [
      OTHER_OPERATIONS,
      '',
      huge,
      emoji,
      'a:b:c',
      '{x}',
      '%7b',
      'o:p',
      'n',
      'p',
      'r:X',
      'ünï ✓',
    ];
    const kept = (name: string) => historyOperationName(name);
    expect(kept(huge)).toBe(`${'x'.repeat(MAX_HISTORY_OPERATION_NAME_LENGTH - 1)}…`);
    expect(kept(emoji)).toBe(`${'y'.repeat(MAX_HISTORY_OPERATION_NAME_LENGTH - 2)}…`);
    let n = 0;
    for (const name of hostile) {
      for (const via of ['recordRefusal', 'decide', 'settle'] as const) {
        // Each name and call in a fresh key space: the first record of every hash.
        const p = `${prefix}ttl-names:${n++}:`;
        const store = new RedisStore({
          client: io,
          keyPrefix: p,
          clock: () => clock.now,
          usageHistory: true,
        });
        if (via === 'recordRefusal') {
          store.recordRefusal('id:alice', 'free', name, 'COST_LIMIT_EXCEEDED');
          await store.flushUsage();
        } else if (via === 'decide') {
          await store.decide({
            client: 'id:alice',
            plan: free,
            cost: 3,
            operation: 'query',
            operationName: name,
          });
        } else {
          await store.settle({
            client: 'id:alice',
            plan: free,
            operation: 'query',
            operationName: name,
            refund: 1,
            leaseId: null,
            decidedAtMs: clock.now,
          });
        }
        const keys = await keysUnder(io, p);
        expect(keys.length).toBeGreaterThan(0);
        for (const key of keys) {
          const ttl = await io.pttl(key);
          if (ttl <= 0)
            throw new Error(`${via} of ${JSON.stringify(name.slice(0, 20))}: ${key} has PTTL ${ttl}`);
          const size = await io.memory('USAGE', key);
          expect(size).toBeLessThan(2_000);
        }
        if (via !== 'settle') {
          const history = new RedisUsageHistory(store, { clock: () => clock.now });
          const ops = await history.topOperations(
            { fromMs: clock.now, toMs: clock.now + MINUTE_MS },
            10,
            alice,
          );
          expect(ops.map((o) => [o.operationName, o.operations])).toEqual([
            [kept(name) === '' ? null : kept(name), 1],
          ]);
        }
      }
    }
  });

  it('is refused when the store keeps no history, and malformed options are refused', () => {
    expect(() => new RedisUsageHistory(new RedisStore({ client: io, keyPrefix: `${prefix}off:` }))).toThrow(
      QuotaValidationError,
    );
    expect(() => new RedisStore({ client: io, usageHistory: { minuteRetentionMs: 90_000 } })).toThrow(
      /minuteRetentionMs must be a positive whole number of minutes/,
    );
    expect(
      () =>
        new RedisStore({
          client: io,
          usageHistory: { minuteRetentionMs: 2 * HOUR_MS, hourRetentionMs: HOUR_MS },
        }),
    ).toThrow(/hourRetentionMs must be at least minuteRetentionMs/);
  });
});
