import { AlertWatcher, type QuotaAlert, type QuotaOperationEvent } from '../../src/observability/index.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function operation(
  result: 'allowed' | 'refused',
  status = result === 'allowed' ? 200 : 429,
  source: QuotaOperationEvent['source'] = 'store',
): QuotaOperationEvent {
  return {
    timeMs: T0,
    client: { id: 'c', anonymous: false, plan: 'free' },
    operationName: null,
    operationType: 'query',
    query: null,
    documentHash: null,
    variables: null,
    estimatedCost: 1,
    result,
    code: result === 'allowed' ? null : 'QUOTA_EXCEEDED',
    status,
    source,
    decision: null,
    actualCost: null,
    durationMs: 1,
  };
}

function watcher(thresholds: ConstructorParameters<typeof AlertWatcher>[0]['thresholds'], minEvents = 10) {
  let nowMs = T0;
  const alerts: QuotaAlert[] = [];
  const w = new AlertWatcher({
    thresholds,
    windowMs: 60_000,
    buckets: 6,
    minEvents,
    clock: () => nowMs,
    onAlert: (a) => alerts.push(a),
  });
  return {
    w,
    alerts,
    advance: (ms: number) => (nowMs += ms),
    now: () => nowMs,
    ops: (n: number, result: 'allowed' | 'refused') => {
      for (let i = 0; i < n; i++) {
        w.decided(operation(result));
        w.settled(operation(result));
      }
    },
  };
}

describe('alert watcher (injected clock)', () => {
  it('fires when the refusal rate reaches its threshold, and resolves when the window rolls past', () => {
    const { w, alerts, advance, ops, now } = watcher({ refusals: 0.5 });
    ops(6, 'allowed');
    ops(5, 'refused');
    // 5 of 11: under 50 %.
    expect(alerts).toEqual([]);
    ops(1, 'refused');
    // 6 of 12 = 50 %: fires, once.
    expect(alerts).toEqual([
      {
        kind: 'refusals',
        status: 'firing',
        rate: 0.5,
        threshold: 0.5,
        count: 6,
        total: 12,
        windowMs: 60_000,
        atMs: T0,
        startsAtMs: T0,
      },
    ]);
    ops(3, 'refused');
    expect(alerts).toHaveLength(1);
    expect(w.firing()).toEqual(['refusals']);

    // 30 s later, healthy traffic: the 4th allowed operation takes the rate to 9 of 19, under 50 %.
    advance(30_000);
    ops(3, 'allowed');
    expect(alerts).toHaveLength(1);
    ops(1, 'allowed');
    expect(alerts[1]).toEqual({
      kind: 'refusals',
      status: 'resolved',
      rate: 9 / 19,
      threshold: 0.5,
      count: 9,
      total: 19,
      windowMs: 60_000,
      atMs: T0 + 30_000,
      startsAtMs: T0,
    });
    expect(w.firing()).toEqual([]);
    expect(now()).toBe(T0 + 30_000);
  });

  it('recovers with no traffic once the bad minute has left the window (check on a timer)', () => {
    const { w, alerts, advance, ops } = watcher({ refusals: 0.5 });
    ops(20, 'refused');
    expect(alerts.map((a) => a.status)).toEqual(['firing']);
    advance(59_999);
    w.check();
    expect(alerts).toHaveLength(1);
    // The window is 6 buckets of 10 s: at T0 + 60 s the bucket of T0 is out.
    advance(1);
    w.check();
    expect(alerts[1]).toMatchObject({
      kind: 'refusals',
      status: 'resolved',
      rate: 0,
      count: 0,
      total: 0,
      atMs: T0 + 60_000,
    });
  });

  it('needs minEvents before firing', () => {
    const { alerts, ops } = watcher({ refusals: 0.1 }, 10);
    ops(9, 'refused');
    expect(alerts).toEqual([]);
    ops(1, 'refused');
    expect(alerts.map((a) => [a.kind, a.status, a.count, a.total])).toEqual([['refusals', 'firing', 10, 10]]);
  });

  it('watches 5xx responses, store failures and fallback use, each on its own', () => {
    const { w, alerts } = watcher({ serverErrors: 0.2, storeFailures: 0.5, fallback: 0.3 });
    for (let i = 0; i < 10; i++) {
      w.decided(operation('allowed', 200, i < 3 ? 'fallback' : 'store'));
      w.settled(operation('allowed', i < 2 ? 503 : 200));
    }
    expect(alerts.map((a) => [a.kind, a.status, a.count, a.total])).toEqual([
      ['fallback', 'firing', 3, 10],
      ['server-errors', 'firing', 2, 10],
    ]);
    for (let i = 0; i < 10; i++)
      w.storeCall({
        method: 'decide',
        outcome: i < 5 ? 'timeout' : 'ok',
        durationMs: 1,
        failureMode: 'fallback',
      });
    expect(alerts.at(-1)).toMatchObject({
      kind: 'store-failures',
      status: 'firing',
      count: 5,
      total: 10,
      rate: 0.5,
    });
    // Refusals are not watched here: no threshold was set.
    for (let i = 0; i < 50; i++) w.decided(operation('refused'));
    expect(alerts.some((a) => a.kind === 'refusals')).toBe(false);
  });

  it('an onAlert that throws breaks nothing; the window follows the clock over 100,000 events', () => {
    let nowMs = T0;
    const w = new AlertWatcher({
      thresholds: { refusals: 0.5 },
      minEvents: 1,
      clock: () => nowMs,
      onAlert: () => {
        throw new Error('webhook down');
      },
    });
    expect(() => {
      for (let i = 0; i < 100_000; i++) {
        nowMs += 7;
        // Two refusals in three for the first 50,000 events, then none.
        w.decided(operation(i < 50_000 && i % 3 !== 0 ? 'refused' : 'allowed'));
        if (i === 49_999) expect(w.firing()).toEqual(['refusals']);
      }
    }).not.toThrow();
    expect(w.firing()).toEqual([]);
  });

  it('rejects malformed options', () => {
    const onAlert = () => undefined;
    expect(() => new AlertWatcher({ thresholds: {}, onAlert })).toThrow(/at least one/);
    expect(() => new AlertWatcher({ thresholds: { refusals: 0 }, onAlert })).toThrow(
      /thresholds.refusals must be in \(0, 1\]/,
    );
    expect(
      () => new AlertWatcher({ thresholds: { refusals: 0.5 }, onAlert, windowMs: 1000, buckets: 7 }),
    ).toThrow(/multiple/);
    expect(() => new AlertWatcher({ thresholds: { refusals: 0.5 } } as never)).toThrow(
      expect.objectContaining({ code: 'QUOTA_INVALID_OPTION' }),
    );
  });
});
