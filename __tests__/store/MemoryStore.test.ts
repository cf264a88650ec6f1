import { MemoryStore } from '../../src/store/MemoryStore.js';
import type { Plan } from '../../src/quota/types.js';
import { describeStoreContract, T0 } from './storeContract.js';

describeStoreContract('MemoryStore', (clock) => ({ store: new MemoryStore({ clock: () => clock.now }) }));

describe('MemoryStore', () => {
  const plan: Plan = {
    name: 'p',
    limits: [{ kind: 'fixed-window', name: 'w', counts: 'requests', limit: 1, windowMs: 60_000 }],
  };

  it('tracks at most maxClients, forgetting the least recently used', async () => {
    const now = T0;
    const store = new MemoryStore({ maxClients: 2, clock: () => now });
    for (const c of ['a', 'b', 'a', 'c'])
      await store.decide({ client: c, plan, cost: 1, operation: 'query' });
    expect(store.size).toBe(2);
    // 'b' was evicted, so it starts again; 'a' and 'c' are still at their limit.
    expect((await store.decide({ client: 'b', plan, cost: 1, operation: 'query' })).allowed).toBe(true);
    expect((await store.decide({ client: 'c', plan, cost: 1, operation: 'query' })).allowed).toBe(false);
  });

  it('does not track a client that was only refused or peeked at', async () => {
    const store = new MemoryStore({ clock: () => T0 });
    await store.peek('x', plan, 'query');
    await store.decide({ client: 'y', plan, cost: 1, operation: 'mutation', leaseId: 'l' });
    const big: Plan = { name: 'big', limits: [{ kind: 'fixed-window', name: 'w', limit: 1, windowMs: 1 }] };
    await store.decide({ client: 'z', plan: big, cost: 2, operation: 'query' });
    expect(store.size).toBe(1);
  });

  it('rejects a bad maxClients with QUOTA_INVALID_OPTION', () => {
    expect(() => new MemoryStore({ maxClients: 0 })).toThrow(
      expect.objectContaining({
        code: 'QUOTA_INVALID_OPTION',
        message: 'MemoryStore: maxClients must be a positive integer, got 0',
      }),
    );
  });
});
