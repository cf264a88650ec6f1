import { QuotaEngine } from '../../src/engine/QuotaEngine.js';
import { QuotaValidationError } from '../../src/quota/errors.js';
import type { Decision, Plan, QuotaLogger, QuotaStore } from '../../src/quota/types.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';

const T0 = Date.UTC(2030, 0, 1);
const plan: Plan = {
  name: 'p',
  limits: [
    { kind: 'fixed-window', name: 'w', counts: 'requests', limit: 2, windowMs: 60_000 },
    { kind: 'concurrency', name: 'c', max: 5 },
  ],
};
const input = { client: 'alice', plan, cost: 1, operation: 'query' } as const;

function recordingLogger(): QuotaLogger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  return { warnings, debug: ignore, info: ignore, error: ignore, warn: (m: string) => warnings.push(m) };
}

/** A store whose every method rejects, as a Redis client does when the server is down. */
function failingStore(error: unknown = new Error('connect ECONNREFUSED 127.0.0.1:6379')): QuotaStore {
  // Some drivers reject with non-Errors; the engine must cope, so the test does it on purpose.
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  const fail = () => Promise.reject(error);
  return { decide: fail, settle: fail, peek: fail, block: fail, unblock: fail };
}

/** A store that never answers. */
function silentStore(): QuotaStore {
  const never = () => new Promise<never>(() => undefined);
  return { decide: never, settle: never, peek: never, block: never, unblock: never };
}

describe('QuotaEngine', () => {
  it('passes decisions of a healthy store through', async () => {
    const engine = new QuotaEngine({ store: new MemoryStore({ clock: () => T0 }) });
    const d = await engine.decide(input);
    expect(d).toMatchObject({ allowed: true, source: 'store', nowMs: T0 });
    expect(d.limits.map((l) => l.remaining)).toEqual([1, 4]);
    await engine.settle({ client: 'alice', plan, operation: 'query', refund: 0, leaseId: d.leaseId });
    expect((await engine.peek('alice', plan, 'query')).limits[1]).toMatchObject({ consumed: 0 });
  });

  it('allow: admits, says it came from the failure mode, and warns every time', async () => {
    const logger = recordingLogger();
    const engine = new QuotaEngine({
      store: failingStore(),
      onStoreFailure: 'allow',
      logger,
      clock: () => T0 + 7,
    });
    const expected: Decision = {
      allowed: true,
      reason: null,
      refusedBy: null,
      retryAfterSeconds: 0,
      limits: [],
      nowMs: T0 + 7,
      leaseId: null,
      source: 'failure-mode',
    };
    expect(await engine.decide(input)).toEqual(expected);
    expect(await engine.peek('alice', plan, 'query')).toEqual(expected);
    expect(logger.warnings).toEqual([
      `graphql-quota: store decide failed for client "alice" (Error: connect ECONNREFUSED 127.0.0.1:6379); failure mode 'allow'`,
      `graphql-quota: store peek failed for client "alice" (Error: connect ECONNREFUSED 127.0.0.1:6379); failure mode 'allow'`,
    ]);
  });

  it('deny: refuses as store-unavailable, never as over quota', async () => {
    const logger = recordingLogger();
    const engine = new QuotaEngine({
      store: failingStore('not an Error'),
      onStoreFailure: 'deny',
      unavailableRetryAfterSeconds: 5,
      logger,
      clock: () => T0,
    });
    expect(await engine.decide(input)).toEqual({
      allowed: false,
      reason: 'store-unavailable',
      refusedBy: null,
      retryAfterSeconds: 5,
      limits: [],
      nowMs: T0,
      leaseId: null,
      source: 'failure-mode',
    });
    expect(logger.warnings).toEqual([
      `graphql-quota: store decide failed for client "alice" (not an Error); failure mode 'deny'`,
    ]);
  });

  it('fallback: decides from an in-memory store, and settles its leases there', async () => {
    const logger = recordingLogger();
    const fallbackStore = new MemoryStore({ clock: () => T0 });
    const engine = new QuotaEngine({
      store: failingStore(),
      onStoreFailure: 'fallback',
      fallbackStore,
      logger,
    });
    const first = await engine.decide(input);
    expect(first).toMatchObject({ allowed: true, source: 'fallback' });
    expect(first.limits.map((l) => l.remaining)).toEqual([1, 4]);
    await engine.settle({ client: 'alice', plan, operation: 'query', refund: 0, leaseId: first.leaseId });
    expect((await fallbackStore.peek('alice', plan, 'query')).limits[1]).toMatchObject({ consumed: 0 });
    await engine.decide(input);
    expect(await engine.decide(input)).toMatchObject({
      allowed: false,
      reason: 'limit',
      refusedBy: 'w',
      source: 'fallback',
    });
    expect(logger.warnings).toHaveLength(3);
  });

  it('fallback is the default, with a MemoryStore on the engine clock', async () => {
    const engine = new QuotaEngine({ store: failingStore(), logger: recordingLogger(), clock: () => T0 });
    expect(engine.onStoreFailure).toBe('fallback');
    expect(engine.timeoutMs).toBe(200);
    expect(await engine.decide(input)).toMatchObject({ allowed: true, source: 'fallback', nowMs: T0 });
  });

  describe('a store that does not answer', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('gives a failure-mode decision after timeoutMs', async () => {
      const logger = recordingLogger();
      const engine = new QuotaEngine({
        store: silentStore(),
        timeoutMs: 50,
        onStoreFailure: 'deny',
        logger,
        clock: () => T0,
      });
      const pending = engine.decide(input);
      let settled = false;
      void pending.then(() => (settled = true));
      await jest.advanceTimersByTimeAsync(49);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(await pending).toMatchObject({
        allowed: false,
        reason: 'store-unavailable',
        source: 'failure-mode',
      });
      expect(logger.warnings).toEqual([
        `graphql-quota: store decide failed for client "alice" (no answer within 50 ms); failure mode 'deny'`,
      ]);
    });

    it('settle and block resolve, block reporting it was not recorded', async () => {
      const logger = recordingLogger();
      const engine = new QuotaEngine({
        store: silentStore(),
        timeoutMs: 10,
        onStoreFailure: 'allow',
        logger,
      });
      const settle = engine.settle({ client: 'a', plan, operation: 'query', refund: 0, leaseId: null });
      const block = engine.block('*', 1_000);
      await jest.advanceTimersByTimeAsync(10);
      await expect(settle).resolves.toBeUndefined();
      await expect(block).resolves.toBe(false);
      expect(logger.warnings).toHaveLength(2);
    });
  });

  describe('deadlines', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    /** A store whose decide answers when the test says so. */
    function controlledStore(): QuotaStore & { answer(): void } {
      const memory = new MemoryStore({ clock: () => T0 });
      const waiting: (() => void)[] = [];
      return {
        decide: (i) => new Promise<Decision>((resolve) => waiting.push(() => resolve(memory.decideNow(i)))),
        settle: (i) => memory.settle(i),
        peek: (c, p, o) => memory.peek(c, p, o),
        block: (c, d) => memory.block(c, d),
        unblock: (c) => memory.unblock(c),
        answer: () => waiting.shift()!(),
      };
    }

    it('sets no timer around a synchronous store (MemoryStore)', async () => {
      const store = new MemoryStore({ clock: () => T0 });
      expect(store.synchronous).toBe(true);
      const engine = new QuotaEngine({ store, timeoutMs: 50 });
      const pending = engine.decide(input);
      expect(jest.getTimerCount()).toBe(0);
      expect(await pending).toMatchObject({ allowed: true, source: 'store' });
    });

    it('watches every pending call of an async store with one timer, each expiring timeoutMs after its start', async () => {
      const logger = recordingLogger();
      const engine = new QuotaEngine({ store: silentStore(), timeoutMs: 50, onStoreFailure: 'deny', logger });
      const done: string[] = [];
      const first = engine.decide(input).then((d) => done.push(`first ${d.source}`));
      await jest.advanceTimersByTimeAsync(20);
      const second = engine.decide(input).then((d) => done.push(`second ${d.source}`));
      expect(jest.getTimerCount()).toBe(1);
      await jest.advanceTimersByTimeAsync(29);
      expect(done).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      await first;
      expect(done).toEqual(['first failure-mode']);
      await jest.advanceTimersByTimeAsync(19);
      expect(done).toEqual(['first failure-mode']);
      await jest.advanceTimersByTimeAsync(1);
      await second;
      expect(done).toEqual(['first failure-mode', 'second failure-mode']);
      expect(logger.warnings).toHaveLength(2);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('drops its timer once every call has its answer, and answers in time win', async () => {
      const store = controlledStore();
      const logger = recordingLogger();
      const engine = new QuotaEngine({ store, timeoutMs: 50, onStoreFailure: 'deny', logger });
      const a = engine.decide(input);
      const b = engine.decide(input);
      await jest.advanceTimersByTimeAsync(49);
      store.answer();
      store.answer();
      expect(await a).toMatchObject({ allowed: true, source: 'store' });
      expect(await b).toMatchObject({ allowed: true, source: 'store' });
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(100);
      expect(logger.warnings).toEqual([]);
    });
  });

  describe('a settle past its deadline', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    const single: Plan = {
      name: 'single',
      limits: [
        { kind: 'fixed-window', name: 'points', limit: 10, windowMs: 60_000 },
        { kind: 'concurrency', name: 'single-thread', max: 1 },
      ],
    };

    /** A MemoryStore whose settles complete only when the test opens the gate; its decides are counted. */
    function slowSettles() {
      const memory = new MemoryStore({ clock: () => T0 });
      const gate: (() => void)[] = [];
      const decided: string[] = [];
      const store: QuotaStore = {
        decide: (i) => (decided.push(i.client), memory.decide(i)),
        settle: (i) => new Promise<void>((resolve) => gate.push(() => void memory.settle(i).then(resolve))),
        peek: (c, p, o) => memory.peek(c, p, o),
        block: (c, d) => memory.block(c, d),
        unblock: (c) => memory.unblock(c),
      };
      return { store, decided, open: () => gate.splice(0).forEach((go) => go()) };
    }

    /** Refunds and releases alice's operation; the engine stops waiting for the store after 50 ms. */
    async function settlePastDeadline(engine: QuotaEngine, decided: Decision): Promise<void> {
      const settled = engine.settle({
        client: 'alice',
        plan: single,
        operation: 'query',
        refund: 8,
        leaseId: decided.leaseId,
        decidedAtMs: decided.nowMs,
      });
      await jest.advanceTimersByTimeAsync(50);
      await settled;
    }

    it("holds the client's next decision until its release and refund are in: a sequential client is never refused by its own last operation", async () => {
      const { store, decided, open } = slowSettles();
      const logger = recordingLogger();
      const engine = new QuotaEngine({ store, timeoutMs: 50, onStoreFailure: 'deny', logger });
      const ask = (client: string) => engine.decide({ client, plan: single, cost: 8, operation: 'query' });
      const first = await ask('alice');
      expect(first).toMatchObject({ allowed: true, limits: [{ consumed: 8 }, { consumed: 1 }] });
      await settlePastDeadline(engine, first);
      expect(logger.warnings).toEqual([
        `graphql-quota: store settle failed for client "alice" (no answer within 50 ms); failure mode 'deny'`,
      ]);
      // The response went out; the client asks again at once. Another client is not held.
      const next = ask('alice');
      expect(await ask('bob')).toMatchObject({ allowed: true, source: 'store' });
      await jest.advanceTimersByTimeAsync(10);
      expect(decided).toEqual(['alice', 'bob']);
      open();
      expect(await next).toMatchObject({
        allowed: true,
        source: 'store',
        limits: [{ consumed: 8 }, { consumed: 1 }],
      });
      expect(decided).toEqual(['alice', 'bob', 'alice']);
    });

    it('within the same deadline: a settle still running when it ends gives the failure mode, and the store is never asked', async () => {
      const { store, decided, open } = slowSettles();
      const engine = new QuotaEngine({
        store,
        timeoutMs: 50,
        onStoreFailure: 'deny',
        logger: recordingLogger(),
      });
      const ask = () => engine.decide({ client: 'alice', plan: single, cost: 8, operation: 'query' });
      const first = await ask();
      await settlePastDeadline(engine, first);
      const next = ask();
      await jest.advanceTimersByTimeAsync(50);
      expect(await next).toMatchObject({
        allowed: false,
        reason: 'store-unavailable',
        source: 'failure-mode',
      });
      expect(decided).toEqual(['alice']);
      open();
      await jest.advanceTimersByTimeAsync(0);
      expect(await ask()).toMatchObject({ allowed: true, limits: [{ consumed: 8 }, { consumed: 1 }] });
    });
  });

  it('block reaches the fallback store too, so the kill switch holds while the store is down', async () => {
    const engine = new QuotaEngine({ store: failingStore(), logger: recordingLogger(), clock: () => T0 });
    expect(await engine.block('*', 60_000)).toBe(false);
    expect(await engine.decide(input)).toMatchObject({
      allowed: false,
      reason: 'blocked',
      retryAfterSeconds: 60,
      source: 'fallback',
    });
    expect(await engine.unblock('*')).toBe(false);
    expect((await engine.decide(input)).allowed).toBe(true);
  });

  it('rejects malformed input with a QuotaValidationError, without calling the store', async () => {
    const decide = jest.fn();
    const store = { ...failingStore(), decide };
    const engine = new QuotaEngine({ store, logger: recordingLogger() });
    await expect(engine.decide({ ...input, cost: 1.5 })).rejects.toBeInstanceOf(QuotaValidationError);
    await expect(
      engine.decide({ ...input, plan: { name: 'x', limits: [{ kind: 'concurrency', name: 'c', max: 0 }] } }),
    ).rejects.toMatchObject({
      code: 'QUOTA_INVALID_PLAN',
    });
    expect(decide).not.toHaveBeenCalled();
  });

  describe('validates each input once', () => {
    it('leaves it to a store that declares validatesInput: the store gets it unchecked', async () => {
      const seen: unknown[] = [];
      const store: QuotaStore = {
        ...failingStore(),
        validatesInput: true,
        decide: (i) => {
          seen.push(i);
          return Promise.reject(new QuotaValidationError('QUOTA_INVALID_INPUT', 'the store says no'));
        },
      };
      const engine = new QuotaEngine({ store, logger: recordingLogger() });
      const bad = { ...input, cost: 1.5 };
      await expect(engine.decide(bad)).rejects.toThrow('the store says no');
      expect(seen).toEqual([{ ...bad, timeoutMs: 200 }]);
    });

    it.each<[string, unknown, string]>([
      [
        'a fractional cost',
        { ...input, cost: 1.5 },
        'decide: cost must be a non-negative integer number of points, got 1.5',
      ],
      ['no input', null, 'decide: input must be an object, got null'],
      ['a primitive input', 5, 'decide: input must be an object, got 5'],
      [
        'a string timeout',
        { ...input, timeoutMs: 'soon' },
        'decide: timeoutMs must be a positive integer number of milliseconds, got "soon"',
      ],
      [
        'a negative timeout',
        { ...input, timeoutMs: -5 },
        'decide: timeoutMs must be a positive integer number of milliseconds, got -5',
      ],
    ])('over MemoryStore, rejects %s with the same error as before', async (_, bad, message) => {
      const engine = new QuotaEngine({ store: new MemoryStore(), logger: recordingLogger() });
      await expect(engine.decide(bad as typeof input)).rejects.toThrow(
        expect.objectContaining({ code: 'QUOTA_INVALID_INPUT', message }),
      );
    });

    it('over MemoryStore, rejects a malformed peek, settle and plan', async () => {
      const engine = new QuotaEngine({ store: new MemoryStore(), logger: recordingLogger() });
      await expect(engine.peek('', plan, 'query')).rejects.toThrow(
        expect.objectContaining({ message: 'peek: client must be a non-empty string, got ""' }),
      );
      await expect(
        engine.settle({ client: 'alice', plan, operation: 'query', refund: -1, leaseId: null }),
      ).rejects.toThrow(
        expect.objectContaining({
          message: 'settle: refund must be a non-negative integer number of points, got -1',
        }),
      );
      await expect(
        engine.decide({
          ...input,
          plan: { name: 'x', limits: [{ kind: 'concurrency', name: 'c', max: 0 }] },
        }),
      ).rejects.toMatchObject({ code: 'QUOTA_INVALID_PLAN' });
    });

    it('checks a settle of a fallback lease before forgetting the lease', async () => {
      const engine = new QuotaEngine({
        store: { ...failingStore(), validatesInput: true },
        logger: recordingLogger(),
      });
      const decision = await engine.decide(input);
      expect(decision.source).toBe('fallback');
      const settle = {
        client: 'alice',
        plan,
        operation: 'query' as const,
        refund: 0,
        leaseId: decision.leaseId,
      };
      await expect(engine.settle({ ...settle, refund: -1 })).rejects.toMatchObject({
        code: 'QUOTA_INVALID_INPUT',
      });
      // The lease is still known as the fallback's: its release goes there and frees the slot.
      await engine.settle(settle);
      expect((await engine.peek('alice', plan, 'query')).limits[1]!.consumed).toBe(0);
    });
  });

  it.each<[string, object, string]>([
    [
      'a missing store',
      { store: undefined },
      'QuotaEngine: store must implement decide, settle, peek, block and unblock',
    ],
    [
      'a zero timeout',
      { timeoutMs: 0 },
      'QuotaEngine: timeoutMs must be a positive integer number of milliseconds, got 0',
    ],
    [
      'an unknown failure mode',
      { onStoreFailure: 'ignore' },
      "QuotaEngine: onStoreFailure must be 'allow', 'deny' or 'fallback', got ignore",
    ],
  ])('rejects %s at construction', (_, options, message) => {
    const store = new MemoryStore();
    expect(() => new QuotaEngine({ store, ...options })).toThrow(
      expect.objectContaining({ code: 'QUOTA_INVALID_OPTION', message }),
    );
  });
});
