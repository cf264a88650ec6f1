/**
 * Servers in child processes (serverWorker.ts): start one per ServerConfig, ask it for its numbers, move its
 * clock, kill it. Every child started here is killed by `stopServerProcesses()` (call it in `afterAll` or
 * `finally`), and by this process's exit at the latest.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ServerConfig } from './serverApp.js';
import type { WorkerReply, WorkerRequest, WorkerStats } from './serverProtocol.js';

type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  stats(options?: { decisions?: boolean; gc?: boolean }): Promise<WorkerStats>;
  /** Moves the server's manual clock (`clockStartMs`) forward; resolves with its new time. */
  advanceClock(ms: number): Promise<number>;
  /** Lets held operations finish; resolves with how many were released. */
  release(count?: number): Promise<number>;
  /** Resolves once `count` operations in all have reached the `hold` resolver. */
  arrived(count: number): Promise<void>;
  /** SIGKILL, as a crashed host: nothing is settled, nothing is released. */
  kill(): Promise<void>;
  /** Stops the server cleanly, then the process. */
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** Extra Node flags, e.g. `--expose-gc` or `--max-old-space-size=256`. */
  readonly nodeFlags?: readonly string[];
  /** Milliseconds to wait for the server to listen. Default 120,000 (tsx compiles the sources first, on a machine that may be busy). */
  readonly startTimeoutMs?: number;
}

const WORKER = join(__dirname, 'serverWorker.ts');
const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a server in a child process and resolves once it listens. */
export async function startServerProcess(
  config: ServerConfig,
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const child = fork(WORKER, [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx', ...(options.nodeFlags ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Express (under Apollo's standalone server) prints the stack of every malformed body it refuses unless
    // NODE_ENV is 'test'; the hostile-input proof sends thousands.
    env: { ...process.env, NODE_ENV: process.env['NODE_ENV'] ?? 'test' },
  });
  live.add(child);
  child.once('exit', () => live.delete(child));

  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const failAll = (why: string) => {
    for (const { reject } of pending.values()) reject(new Error(why));
    pending.clear();
  };
  child.on('exit', (code, signal) => failAll(`server process ${child.pid} exited (${signal ?? code})`));

  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server process did not start within ${options.startTimeoutMs ?? 120_000} ms`));
    }, options.startTimeoutMs ?? 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server process exited with ${code} before listening`));
    });
    child.on('message', (reply: WorkerReply) => {
      if (reply.id === 0) {
        clearTimeout(timer);
        if (reply.ok) resolve((reply.result as { url: string }).url);
        else reject(new Error(`server process failed to start: ${reply.error}`));
        return;
      }
      const waiter = pending.get(reply.id);
      if (waiter === undefined) return;
      pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(reply.error));
    });
  });
  const url = await ready;

  const ask = <T>(body: RequestBody): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) {
        reject(new Error(`server process ${child.pid} is gone`));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...body, id });
    });

  return {
    url,
    pid: child.pid!,
    stats: (o = {}) => ask<WorkerStats>({ type: 'stats', ...o }),
    advanceClock: (ms) => ask<number>({ type: 'advance', ms }),
    release: (count) => ask<number>(count === undefined ? { type: 'release' } : { type: 'release', count }),
    arrived: (count) => ask<unknown>({ type: 'arrived', count }).then(() => undefined),
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      if (child.connected) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await ask({ type: 'stop' }).catch(() => undefined);
        child.disconnect();
        await exited(child);
        clearTimeout(timer);
      } else {
        child.kill('SIGKILL');
        await exited(child);
      }
    },
  };
}

/** Kills every server process this process started that is still running. */
export async function stopServerProcesses(): Promise<void> {
  const children = [...live];
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
}
