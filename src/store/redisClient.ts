/**
 * The few Redis commands the store sends, over either client library, typed structurally so that neither is
 * imported at runtime (both are optional for users). Four kinds of client are driven, and each is recognised
 * by its shape when the store is built; anything else is refused there, with the reason.
 */

/**
 * An ioredis (v5) `Redis` or `Cluster`: anything with ioredis's `call(command, args)`. A `Cluster` (its
 * `isCluster` is true) routes each command by its keys itself.
 */
export interface IoRedisClientLike {
  call(command: string, args: string[]): Promise<unknown>;
  readonly isCluster?: boolean;
}

/** A node-redis (v4 or v5) client made by `createClient()`: `sendCommand(args)`. */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * A node-redis (v4 or v5) cluster made by `createCluster()`: `sendCommand(firstKey, isReadonly, args)`, which
 * sends the command to the master of `firstKey`'s slot. Recognised by its `getSlotMaster` method.
 */
export interface NodeRedisClusterLike {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
  ): Promise<unknown>;
  getSlotMaster(slot: number): unknown;
}

/** A Redis client the store accepts. */
export type RedisClientLike = IoRedisClientLike | NodeRedisClientLike | NodeRedisClusterLike;

/** Which library, and whether it is a cluster client. */
export type RedisClientKind = 'ioredis' | 'ioredis-cluster' | 'node-redis' | 'node-redis-cluster';

/**
 * Sends one command whose keys all hash to `key`'s slot (a cluster client routes it there); resolves with the
 * reply, rejects with an `Error`.
 */
export type RedisSend = (key: string, args: string[]) => Promise<unknown>;

/** A client the store can drive. */
export interface RedisAdapter {
  readonly kind: RedisClientKind;
  /** True for a Redis Cluster client: keys of different hash slots may live on different servers. */
  readonly cluster: boolean;
  readonly send: RedisSend;
}

/**
 * Raised by {@link RedisSend} when the client itself misbehaves (it threw instead of rejecting, or returned
 * something other than a promise): a client the store cannot drive, never a Redis outage.
 */
export class RedisClientMisuse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisClientMisuse';
  }
}

/** The adapter for `client`, or the reason it cannot be driven. */
export function redisAdapter(client: unknown): RedisAdapter | string {
  if (typeof client !== 'object' || client === null) {
    return `client must be an ioredis Redis or Cluster, or a node-redis createClient() or createCluster() client, got ${client === null ? 'null' : typeof client}`;
  }
  const c = client as Record<string, unknown>;
  // ioredis also has a `sendCommand`, taking its own Command object, so `call` must be tested first.
  if (typeof c['call'] === 'function') {
    const io = client as IoRedisClientLike;
    const cluster = c['isCluster'] === true;
    return {
      kind: cluster ? 'ioredis-cluster' : 'ioredis',
      cluster,
      send: (_key, args) => guarded(() => io.call(args[0]!, args.slice(1))),
    };
  }
  if (typeof c['sendCommand'] === 'function') {
    if (typeof c['getSlotMaster'] === 'function') {
      const node = client as NodeRedisClusterLike;
      // Routed by the key: every key of one command shares its hash tag, so its first key names the slot.
      return {
        kind: 'node-redis-cluster',
        cluster: true,
        send: (key, args) => guarded(() => node.sendCommand(key, false, args)),
      };
    }
    const node = client as NodeRedisClientLike;
    return {
      kind: 'node-redis',
      cluster: false,
      send: (_key, args) => guarded(() => node.sendCommand(args)),
    };
  }
  return 'client must be an ioredis Redis or Cluster (with call), or a node-redis createClient() or createCluster() client (with sendCommand); got an object with neither';
}

function guarded(send: () => unknown): Promise<unknown> {
  let pending: unknown;
  try {
    pending = send();
  } catch (error) {
    return Promise.reject(
      new RedisClientMisuse(
        `the Redis client threw instead of answering: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  }
  if (typeof (pending as { then?: unknown } | null)?.then !== 'function') {
    return Promise.reject(
      new RedisClientMisuse(
        'the Redis client returned no promise (a node-redis v3 client, or a v4 one in legacyMode?)',
      ),
    );
  }
  return (pending as Promise<unknown>).catch((error: unknown) => {
    throw error instanceof Error ? error : new Error(String(error));
  });
}
