import type {
  Decision,
  DecideInput,
  OperationType,
  Plan,
  QuotaStore,
  SettleInput,
} from '../../src/quota/index.js';

/** A store whose every call fails, as a Redis that refuses connections would. */
export class FailingStore implements QuotaStore {
  decide(_input: DecideInput): Promise<Decision> {
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  }
  settle(_input: SettleInput): Promise<void> {
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  }
  peek(_client: string, _plan: Plan, _operation: OperationType): Promise<Decision> {
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  }
  block(_client: string, _durationMs: number): Promise<void> {
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  }
  unblock(_client: string): Promise<void> {
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  }
}

/** A store that never answers, as a Redis behind a dropped connection would. */
export class HangingStore implements QuotaStore {
  decide(): Promise<Decision> {
    return new Promise(() => undefined);
  }
  settle(): Promise<void> {
    return new Promise(() => undefined);
  }
  peek(): Promise<Decision> {
    return new Promise(() => undefined);
  }
  block(): Promise<void> {
    return new Promise(() => undefined);
  }
  unblock(): Promise<void> {
    return new Promise(() => undefined);
  }
}

/** Delegates to a real store and records the calls the plugin makes. */
export class CountingStore implements QuotaStore {
  readonly calls = { decide: 0, settle: 0 };
  readonly settled: SettleInput[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];
  constructor(private readonly inner: QuotaStore) {}
  decide(input: DecideInput): Promise<Decision> {
    this.calls.decide += 1;
    return this.inner.decide(input);
  }
  async settle(input: SettleInput): Promise<void> {
    this.calls.settle += 1;
    this.settled.push(input);
    await this.inner.settle(input);
    this.#waiters = this.#waiters.filter((w) => (this.calls.settle >= w.count ? (w.resolve(), false) : true));
  }
  /** Resolves once `count` settles have completed: lets a test wait for the server, not for time. */
  settles(count: number): Promise<void> {
    if (this.calls.settle >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
  peek(client: string, plan: Plan, operation: OperationType): Promise<Decision> {
    return this.inner.peek(client, plan, operation);
  }
  block(client: string, durationMs: number): Promise<void> {
    return this.inner.block(client, durationMs);
  }
  unblock(client: string): Promise<void> {
    return this.inner.unblock(client);
  }
}
