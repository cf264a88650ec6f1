/**
 * The stores' one string hash: 52 bits, exact in a double, never 0. The high 32 bits are FNV-1a (32-bit,
 * http://www.isthe.com/chongo/tech/comp/fnv/), the low 20 a second lane with MurmurHash2's multiplier, so
 * that two lease ids of one client practically never collide. Not cryptographic: the inputs are our own.
 *
 * The in-memory store keys concurrency slots by `hash52(leaseId)` (0 marks a free slot); the Redis store names
 * a limit's hash field by the FNV-1a part of its signature ({@link fnv1a32}).
 */
export function hash52(text: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff) || 1;
}

/** FNV-1a, 32 bits, unsigned: the high part of {@link hash52}. */
export function fnv1a32(text: string): number {
  return Math.floor(hash52(text) / 0x100000);
}
