/**
 * A `redis-server` of the suite's own, on a free port of 127.0.0.1, that fault tests may kill, restart on the
 * same port, or pause. The shared Redis (helpers/redis.ts) is never touched by them: other engineers' tests
 * run against it at the same time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './redis.js';

export interface PrivateRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** True between a `kill` and the next `restart`. */
  readonly down: boolean;
  /**
   * SIGKILL: connections drop at once and every key is lost (nothing is persisted), as when a Redis host
   * dies. Resolves once the process has exited.
   */
  kill(): Promise<void>;
  /** Starts an empty server on the same port; resolves once it answers PING. */
  restart(): Promise<void>;
  /**
   * `CLIENT PAUSE <ms> ALL`: Redis holds every command of every client for `ms` milliseconds, then runs them
   * all, as a Redis stalled by a slow command, a fork or a saturated host does.
   */
  pause(ms: number): Promise<void>;
  /** Sends one command and resolves with its raw reply line (for `DBSIZE`, `FLUSHALL`...). */
  command(...args: string[]): Promise<string>;
  /** Stops the server for good. Safe to call twice. */
  stop(): Promise<void>;
}

const HOW_TO_GET_REDIS_SERVER =
  'The fault tests start a redis-server of their own: install it on the PATH (e.g. `apt-get install redis-server`).';

/** Sends one RESP command over a fresh connection; resolves with the first reply line, rejects on failure. */
function send(port: number, args: readonly string[], timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`redis on port ${port}: no reply in ${timeoutMs} ms`)));
    socket.on('connect', () => {
      const parts = args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`);
      socket.write(`*${args.length}\r\n${parts.join('')}`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      const end = reply.indexOf('\r\n');
      if (end >= 0) {
        socket.destroy();
        if (reply.startsWith('-')) reject(new Error(reply.slice(1, end)));
        else resolve(reply.slice(0, end));
      }
    });
    socket.on('error', fail);
  });
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) break;
    if ((await send(port, ['PING'], 200).catch(() => '')) === '+PONG') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port}. ${HOW_TO_GET_REDIS_SERVER}`);
}

function spawnServer(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      // No persistence: a killed server comes back empty, so what it holds after a restart is exactly what
      // was charged since.
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    child.once('error', () => reject(new Error(HOW_TO_GET_REDIS_SERVER)));
    child.once('spawn', () => resolve(child));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a private redis-server; call `stop()` in `afterAll` (or `finally`). */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = await spawnServer(port);
  await waitForPing(port, child);
  let stopped = false;

  const kill = async () => {
    const current = child;
    child = null;
    if (current === null) return;
    current.kill('SIGKILL');
    await exited(current);
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get down() {
      return child === null;
    },
    kill,
    async restart() {
      if (stopped) throw new Error('this private redis was stopped');
      if (child !== null) return;
      const next = await spawnServer(port);
      child = next;
      await waitForPing(port, next);
    },
    async pause(ms) {
      await send(port, ['CLIENT', 'PAUSE', String(ms), 'ALL']);
    },
    command: (...args) => send(port, args),
    async stop() {
      stopped = true;
      await kill();
    },
  };
}
