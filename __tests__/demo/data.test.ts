import { createDemoData, DEFAULT_DEMO_PRODUCT_COUNT } from '../../demo/data.js';
import { createPrng } from '../../demo/prng.js';

describe('createPrng', () => {
  it('is deterministic per seed and stays in range', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const c = createPrng(43);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const ints = Array.from({ length: 1000 }, () => a.int(3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
  });

  it('refuses to pick from an empty array', () => {
    expect(() => createPrng(1).pick([])).toThrow(RangeError);
  });
});

describe('createDemoData', () => {
  const data = createDemoData();

  it('generates the documented catalogue', () => {
    expect(DEFAULT_DEMO_PRODUCT_COUNT).toBe(2000);
    expect(data.products.size).toBe(2000);
    expect(data.variants.size).toBe(4373);
    expect(data.assets.size).toBe(4709);
    expect(data.categories).toHaveLength(126);
    expect(data.categories.filter((c) => c.depth === 0)).toHaveLength(6);
    expect(data.attributes).toHaveLength(11);
    expect(data.suppliers).toHaveLength(40);
    expect(data.channels.map((c) => c.code)).toEqual(['web-eu', 'web-us', 'marketplace-uk', 'retail-jp']);
    // Every variant is priced in each of the 5 channel currencies and stocked in the 4 warehouses.
    for (const v of data.variants.values()) {
      expect(v.prices).toHaveLength(5);
      expect(v.inventory).toHaveLength(4);
    }
  });

  it('is the same catalogue for the same seed, and another for another seed', () => {
    const again = createDemoData();
    expect([...again.products.values()]).toEqual([...data.products.values()]);
    const other = createDemoData({ seed: 7 });
    expect(other.products.get('Product:1')!.names).not.toEqual(data.products.get('Product:1')!.names);
  });

  it('keeps its indexes consistent', () => {
    for (const p of data.products.values()) {
      expect(data.productsBySku.get(p.sku)).toBe(p);
      expect(data.nodes.get(p.id)).toBe(p);
      for (const vid of p.variantIds) expect(data.variants.get(vid)!.productId).toBe(p.id);
      for (const aid of p.assetIds) expect(data.assets.get(aid)!.productIds).toContain(p.id);
      for (const cid of p.categoryIds) expect(data.nodes.get(cid)!.__typename).toBe('Category');
      expect(p.relatedIds).not.toContain(p.id);
    }
  });

  it('generates GTIN-13 codes with a valid check digit', () => {
    for (const v of data.variants.values()) {
      const digits = [...v.gtin!].map(Number);
      const sum = digits.reduce((s, d, i) => s + d * (i % 2 === 0 ? 1 : 3), 0);
      expect(sum % 10).toBe(0);
    }
  });

  it('rejects an invalid product count', () => {
    expect(() => createDemoData({ productCount: 0 })).toThrow(
      'productCount must be an integer in [1, 99999], got 0',
    );
    expect(() => createDemoData({ productCount: 1.5 })).toThrow(RangeError);
  });
});
