import { IncrementalData } from '../../src/lifecycle/index.js';

describe('IncrementalData: the data of an incremental response, put back together', () => {
  it('merges deferred fragments at their paths, inside lists too, and appends streamed items', () => {
    const initial = {
      data: { shop: { name: 'a', items: [{ id: 1 }, { id: 2 }] }, list: [1] },
      hasNext: true,
    };
    const later = {
      incremental: [
        { data: { price: 10 }, path: ['shop', 'items', 1] },
        { data: { shop: { owner: 'o' } }, path: [] },
        { items: [2, 3], path: ['list', 1] },
      ],
      hasNext: false,
    };
    const delivered = new IncrementalData();
    delivered.add(initial);
    delivered.add(later);
    expect(delivered.data).toEqual({
      shop: { name: 'a', owner: 'o', items: [{ id: 1 }, { id: 2, price: 10 }] },
      list: [1, 2, 3],
    });
    // The payloads the server sends are never changed.
    expect(initial).toEqual({
      data: { shop: { name: 'a', items: [{ id: 1 }, { id: 2 }] }, list: [1] },
      hasNext: true,
    });
  });

  it('ignores parts with no place in the tree, and anything before the initial data', () => {
    const delivered = new IncrementalData();
    delivered.add({ incremental: [{ data: { x: 1 }, path: [] }] });
    expect(delivered.data).toBeNull();
    delivered.add({ data: { a: null, list: [] } });
    delivered.add({
      incremental: [
        { data: { b: 1 }, path: ['a'] },
        { data: { c: 1 }, path: ['missing', 0] },
        { items: [1], path: ['a', 0] },
        { items: [1], path: ['list', 'x'] },
        { data: null, path: [] },
      ],
    });
    expect(delivered.data).toEqual({ a: null, list: [] });
  });
});
