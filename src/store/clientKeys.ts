/**
 * A client's key in a store: identified and anonymous clients live in separate key spaces, so an id can never
 * land in the anonymous quota. The lifecycle names clients so; the Redis usage history reads the names back.
 */
export function storeKey(id: string, anonymous: boolean): string {
  return anonymous ? `anon:${id}` : `id:${id}`;
}

/** The client a {@link storeKey} names; null for a key of another form (a caller's own, through the engine). */
export function clientOfStoreKey(key: string): { readonly id: string; readonly anonymous: boolean } | null {
  if (key.startsWith('id:')) return { id: key.slice(3), anonymous: false };
  if (key.startsWith('anon:')) return { id: key.slice(5), anonymous: true };
  return null;
}
