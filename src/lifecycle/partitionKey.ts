import { createHmac, randomBytes } from 'node:crypto';

/** Bytes kept from the HMAC-SHA-256 of a client key: 128 bits, 24 base64 characters in a header. */
export const PARTITION_KEY_BYTES = 16;

/**
 * The `pk` parameter for a client: a keyed hash, so the header identifies the quota partition without
 * revealing the client key. A plain hash would not do: client keys such as IP addresses are few enough to
 * be reversed by enumeration, so the hash is keyed with a server-side secret.
 *
 * @param client The client key the quota is charged to.
 * @param secret The HMAC key; the same secret on every instance gives a client the same `pk` everywhere.
 */
export function partitionKey(client: string, secret: string | Uint8Array): Uint8Array {
  return createHmac('sha256', secret).update(client, 'utf8').digest().subarray(0, PARTITION_KEY_BYTES);
}

/** A random secret for {@link partitionKey}, for servers that configure none (stable for one process). */
export function randomPartitionKeySecret(): Uint8Array {
  return randomBytes(32);
}
