import { fnv1a32, hash52 } from '../../src/store/hash.js';

describe('the stores’ one hash', () => {
  it('fnv1a32 is FNV-1a 32-bit (published test vectors), so Redis hash field names did not change', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    // Field suffixes RedisStore wrote before the hash was shared (`${name}/${suffix}`), computed with the
    // former inline FNV-1a: state stored under them is still found.
    expect(fnv1a32('f:cost:3600000:0:points').toString(36)).toBe('qp7lfw');
    expect(fnv1a32('t:requests:1000:rate').toString(36)).toBe('1trjfhc');
  });

  it('hash52 is an integer below 2^52, never 0, with fnv1a32 as its high 32 bits', () => {
    for (const text of ['', 'a', 'm1a2b3.1', 'm1a2b3.2', '550e8400-e29b-41d4-a716-446655440000']) {
      const h = hash52(text);
      expect(Number.isSafeInteger(h) && h > 0 && h < 2 ** 52).toBe(true);
      expect(Math.floor(h / 2 ** 20)).toBe(fnv1a32(text));
    }
    expect(hash52('m1a2b3.1')).not.toBe(hash52('m1a2b3.2'));
  });
});
