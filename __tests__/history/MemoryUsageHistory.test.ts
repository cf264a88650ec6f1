import { QuotaValidationError } from '../../src/quota/index.js';
import { MAX_HISTORY_OPERATION_NAME_LENGTH } from '../../src/store/index.js';
import {
  HOUR_MS,
  MINUTE_MS,
  MemoryUsageHistory,
  OTHER_OPERATIONS,
  usageRecordOf,
  type UsageRecord,
} from '../../src/history/index.js';
import type { QuotaOperationEvent } from '../../src/observability/index.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0); // a whole hour
const alice = { id: 'alice', anonymous: false };
const bob = { id: 'bob', anonymous: false };

function record(over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    timeMs: T0,
    client: alice,
    plan: 'pro',
    operationName: 'Products',
    pointsCharged: 10,
    pointsRefunded: 0,
    actualCost: 10,
    refusalCode: null,
    ...over,
  };
}

describe('MemoryUsageHistory', () => {
  it('sums each client per minute: points charged and refunded, actual cost, operations, refusals by code', async () => {
    const now = T0 + 5 * MINUTE_MS;
    const history = new MemoryUsageHistory({ clock: () => now });
    history.record(record());
    history.record(record({ timeMs: T0 + 59_999, pointsCharged: 30, pointsRefunded: 12, actualCost: 18 }));
    history.record(
      record({ timeMs: T0 + 1_000, pointsCharged: 0, actualCost: 0, refusalCode: 'QUOTA_EXCEEDED' }),
    );
    history.record(
      record({ timeMs: T0 + MINUTE_MS, pointsCharged: 0, actualCost: 0, refusalCode: 'CLIENT_BLOCKED' }),
    );
    history.record(record({ client: bob, pointsCharged: 7, actualCost: 7 }));

    expect(await history.clientHistory(alice, { fromMs: T0, toMs: now })).toEqual([
      {
        timeMs: T0,
        durationMs: MINUTE_MS,
        operations: 3,
        pointsCharged: 40,
        pointsRefunded: 12,
        actualCost: 28,
        refused: 1,
        refusals: { QUOTA_EXCEEDED: 1 },
      },
      {
        timeMs: T0 + MINUTE_MS,
        durationMs: MINUTE_MS,
        operations: 1,
        pointsCharged: 0,
        pointsRefunded: 0,
        actualCost: 0,
        refused: 1,
        refusals: { CLIENT_BLOCKED: 1 },
      },
    ]);
    // An anonymous client of the same id is another client.
    expect(await history.clientHistory({ id: 'alice', anonymous: true }, { fromMs: T0, toMs: now })).toEqual(
      [],
    );
    const totals = await history.totals({ fromMs: T0, toMs: now });
    expect(totals.map((p) => [p.operations, p.pointsCharged, p.refused])).toEqual([
      [4, 47, 1],
      [1, 0, 1],
    ]);
    // The range selects minutes: from included, to excluded.
    expect(await history.clientHistory(alice, { fromMs: T0 + MINUTE_MS, toMs: now })).toHaveLength(1);
    expect(await history.clientHistory(alice, { fromMs: T0, toMs: T0 + MINUTE_MS })).toHaveLength(1);
  });

  it('ranks clients by any count, and operations by actual cost', async () => {
    const history = new MemoryUsageHistory({ clock: () => T0 });
    history.record(record({ pointsCharged: 5, actualCost: 5 }));
    history.record(
      record({
        client: bob,
        operationName: 'Export',
        pointsCharged: 900,
        actualCost: 850,
        pointsRefunded: 50,
      }),
    );
    history.record(record({ client: bob, operationName: null, pointsCharged: 1, actualCost: 1 }));
    history.record(record({ refusalCode: 'QUOTA_EXCEEDED', pointsCharged: 0, actualCost: 0 }));
    const range = { fromMs: T0, toMs: T0 + MINUTE_MS };

    const byPoints = await history.topClients(range, 'pointsCharged', 10);
    expect(byPoints.map((c) => [c.client.id, c.pointsCharged, c.operations, c.refused, c.plan])).toEqual([
      ['bob', 901, 2, 0, 'pro'],
      ['alice', 5, 2, 1, 'pro'],
    ]);
    expect((await history.topClients(range, 'refused', 1)).map((c) => c.client.id)).toEqual(['alice']);
    expect(await history.topOperations(range, 10)).toEqual([
      { operationName: 'Export', operations: 1, pointsCharged: 900, actualCost: 850, maxActualCost: 850 },
      { operationName: 'Products', operations: 2, pointsCharged: 5, actualCost: 5, maxActualCost: 5 },
      { operationName: null, operations: 1, pointsCharged: 1, actualCost: 1, maxActualCost: 1 },
    ]);
    expect((await history.topOperations(range, 10, alice)).map((o) => o.operationName)).toEqual(['Products']);
  });

  it('rolls minutes older than the minute retention into hours, and drops hours older than the hour retention', async () => {
    let now = T0;
    const history = new MemoryUsageHistory({
      clock: () => now,
      minuteRetentionMs: 2 * HOUR_MS,
      hourRetentionMs: 5 * HOUR_MS,
    });
    history.record(record({ timeMs: T0 + 10 * MINUTE_MS }));
    history.record(record({ timeMs: T0 + 50 * MINUTE_MS, pointsCharged: 3, actualCost: 3 }));
    now = T0 + 3 * HOUR_MS;
    history.record(record({ timeMs: now }));
    const all = { fromMs: 0, toMs: now + MINUTE_MS };
    expect(
      (await history.clientHistory(alice, all)).map((p) => [p.timeMs, p.durationMs, p.pointsCharged]),
    ).toEqual([
      [T0, HOUR_MS, 13],
      [now, MINUTE_MS, 10],
    ]);
    now = T0 + 6 * HOUR_MS;
    history.record(record({ timeMs: now }));
    expect((await history.clientHistory(alice, all)).map((p) => p.timeMs)).toEqual([T0 + 3 * HOUR_MS]);
    expect((await history.topOperations({ fromMs: 0, toMs: now + 1 }, 10))[0]!.operations).toBe(2);
  });

  it('keeps at most maxClients clients and maxOperationNames names per client and hour', async () => {
    const history = new MemoryUsageHistory({ clock: () => T0, maxClients: 2, maxOperationNames: 2 });
    history.record(record({ client: { id: 'a', anonymous: false } }));
    history.record(record({ client: { id: 'b', anonymous: false } }));
    history.record(record({ client: { id: 'c', anonymous: false } }));
    const range = { fromMs: T0, toMs: T0 + MINUTE_MS };
    expect((await history.topClients(range, 'operations', 10)).map((c) => c.client.id).sort()).toEqual([
      'b',
      'c',
    ]);
    for (const name of ['A', 'B', 'C', 'D'])
      history.record(record({ client: { id: 'c', anonymous: false }, operationName: name }));
    // Client c: Products and A fill its two names for the hour; B, C and D count as (other).
    expect((await history.topOperations(range, 10)).map((o) => [o.operationName, o.operations])).toEqual([
      [OTHER_OPERATIONS, 3],
      ['Products', 2],
      ['A', 1],
    ]);
  });

  it('keeps an operation name of any length as at most MAX_HISTORY_OPERATION_NAME_LENGTH characters', async () => {
    const history = new MemoryUsageHistory({ clock: () => T0 });
    const long = 'L'.repeat(100_000);
    history.record(record({ operationName: long }));
    history.record(record({ operationName: `${long}2` }));
    const range = { fromMs: T0, toMs: T0 + MINUTE_MS };
    expect((await history.topOperations(range, 10)).map((o) => [o.operationName, o.operations])).toEqual([
      [`${'L'.repeat(MAX_HISTORY_OPERATION_NAME_LENGTH - 1)}…`, 2],
    ]);
  });

  it('rejects malformed options with QUOTA_INVALID_OPTION', () => {
    for (const options of [
      { maxClients: 0 },
      { minuteRetentionMs: -1 },
      { hourRetentionMs: 1.5 },
      { minuteRetentionMs: 10, hourRetentionMs: 5 },
    ]) {
      expect(() => new MemoryUsageHistory(options)).toThrow(QuotaValidationError);
    }
  });
});

describe('usageRecordOf (what the observer records of a settled operation)', () => {
  const base: QuotaOperationEvent = {
    timeMs: T0,
    client: { id: 'alice', anonymous: false, plan: 'pro' },
    operationName: 'Products',
    operationType: 'query',
    query: null,
    documentHash: null,
    variables: null,
    estimatedCost: 40,
    result: 'allowed',
    code: null,
    status: 200,
    source: 'store',
    decision: {
      allowed: true,
      reason: null,
      refusedBy: null,
      retryAfterSeconds: 0,
      limits: [],
      nowMs: T0,
      leaseId: null,
      source: 'store',
    },
    actualCost: 25,
    durationMs: 3,
  };

  it('an admitted operation: the estimate charged, the difference refunded, the actual cost', () => {
    expect(usageRecordOf(base)).toEqual({
      timeMs: T0,
      client: { id: 'alice', anonymous: false },
      plan: 'pro',
      operationName: 'Products',
      pointsCharged: 40,
      pointsRefunded: 15,
      actualCost: 25,
      refusalCode: null,
    });
    // Actual cost unknown: the estimate stands, nothing refunded.
    expect(usageRecordOf({ ...base, actualCost: null })).toMatchObject({ pointsRefunded: 0, actualCost: 40 });
  });

  it('a refused operation: nothing charged, no cost, its code', () => {
    expect(
      usageRecordOf({
        ...base,
        result: 'refused',
        code: 'QUOTA_EXCEEDED',
        status: 429,
        decision: { ...base.decision!, allowed: false, reason: 'limit' },
        actualCost: null,
      }),
    ).toMatchObject({ pointsCharged: 0, pointsRefunded: 0, actualCost: 0, refusalCode: 'QUOTA_EXCEEDED' });
    // A failure-mode admission charged nothing anywhere.
    expect(
      usageRecordOf({
        ...base,
        source: 'failure-mode',
        decision: { ...base.decision!, source: 'failure-mode' },
      }),
    ).toMatchObject({
      pointsCharged: 0,
      pointsRefunded: 0,
      actualCost: 25,
    });
    expect(usageRecordOf({ ...base, client: null })).toBeNull();
  });
});
