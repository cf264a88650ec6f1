/**
 * A real Redis for the tests: REDIS_URL, else 127.0.0.1:6379, else a private `redis-server` started on a free
 * port (stopped by `stop`), else one clear error saying how to get Redis. Never a mock.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';

export interface TestRedis {
  readonly url: string;
  readonly stop: () => Promise<void>;
}

const HOW_TO_GET_REDIS =
  'Redis tests need a Redis server: set REDIS_URL, run one on 127.0.0.1:6379 (e.g. `docker run -p 6379:6379 redis:7`), or install redis-server on the PATH (e.g. `apt-get install redis-server`).';

/** Resolves when something at host:port answers PING with PONG. */
function pings(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Finds or starts a Redis; call `stop` in `afterAll`. */
export async function startRedis(): Promise<TestRedis> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv !== undefined && fromEnv !== '') return { url: fromEnv, stop: () => Promise.resolve() };
  if (await pings('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379', stop: () => Promise.resolve() };
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = await new Promise<ChildProcess>((resolve, reject) => {
      const c = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      c.once('error', reject);
      c.once('spawn', () => resolve(c));
    });
  } catch {
    throw new Error(HOW_TO_GET_REDIS);
  }
  for (let i = 0; i < 100 && !(await pings('127.0.0.1', port)); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!(await pings('127.0.0.1', port))) {
    child.kill();
    throw new Error(`redis-server did not start on port ${port}. ${HOW_TO_GET_REDIS}`);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

export function ioredisClient(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
}

export async function nodeRedisClient(url: string) {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** A key prefix no other test file uses. */
export function uniquePrefix(name: string): string {
  return `gq-test:${name}:${process.pid}:${Date.now().toString(36)}:`;
}

/** Every key under `prefix` on one server, found with SCAN (never KEYS, never FLUSH), sorted. */
export async function keysUnder(redis: Pick<Redis, 'scan'>, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
      'COUNT',
      500,
    );
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found.sort();
}

/**
 * Deletes every key under `prefix` on one server, walking with SCAN (never KEYS, never FLUSH). One DEL per
 * key, so that it also serves a Redis Cluster master (keys of one SCAN page may be in different slots).
 */
export async function deleteKeys(redis: Pick<Redis, 'scan' | 'del'>, prefix: string): Promise<number> {
  let deleted = 0;
  for (const key of await keysUnder(redis, prefix)) deleted += await redis.del(key);
  return deleted;
}

/** The test Redis as seen by one test file or `describe` block; read its fields inside tests and hooks. */
export interface SharedTestRedis {
  readonly server: TestRedis;
  readonly io: Redis;
  /** A key prefix of this block's own; every key under it is deleted after the block. */
  readonly prefix: string;
}

/**
 * Registers the usual `beforeAll`/`afterAll` pair: start (or reach) the test Redis and connect ioredis
 * before the block; delete the block's keys, disconnect and stop after it.
 */
export function useTestRedis(name: string): SharedTestRedis {
  const prefix = uniquePrefix(name);
  let server: TestRedis | undefined;
  let io: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    io = ioredisClient(server.url);
  });
  afterAll(async () => {
    if (io !== undefined) {
      await deleteKeys(io, prefix);
      io.disconnect();
    }
    await server?.stop();
  });
  const ready = inTest('useTestRedis');
  return {
    prefix,
    get server() {
      return ready(server);
    },
    get io() {
      return ready(io);
    },
  };
}

/** For fixtures set in `beforeAll`: returns the value, or says it was read outside a test or hook. */
export function inTest(helper: string): <T>(value: T | undefined) => T {
  return (value) => {
    if (value === undefined) throw new Error(`${helper}: read the fixture inside a test or hook`);
    return value;
  };
}
