/**
 * The few Redis commands the store sends, over either client library, typed structurally so that neither is
 * imported at runtime (both are optional for users).
 */

/** An ioredis `Redis` or `Cluster` (v5): anything with ioredis's `call(command, args)`. */
export interface IoRedisClientLike {
  call(command: string, args: string[]): Promise<unknown>;
}

/** A node-redis (v4 or v5) client made by `createClient()`: anything with `sendCommand(args)`. */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A Redis client the store accepts. */
export type RedisClientLike = IoRedisClientLike | NodeRedisClientLike;

/** Sends one command; resolves with the reply, rejects with an `Error`. */
export type RedisSend = (args: string[]) => Promise<unknown>;

/** Adapts a client; returns null when it is neither kind. */
export function redisSender(client: RedisClientLike): RedisSend | null {
  if (typeof client !== 'object' || client === null) return null;
  // ioredis also has a `sendCommand`, taking its own Command object, so `call` must be tested first.
  if ('call' in client && typeof client.call === 'function') {
    const io = client;
    return (args) => asErrors(io.call(args[0]!, args.slice(1)));
  }
  if ('sendCommand' in client && typeof client.sendCommand === 'function') {
    const node = client;
    return (args) => asErrors(node.sendCommand(args));
  }
  return null;
}

function asErrors(pending: Promise<unknown>): Promise<unknown> {
  return pending.catch((error: unknown) => {
    throw error instanceof Error ? error : new Error(String(error));
  });
}
