/**
 * The demo server (demo/server.ts) in a child process of its own, for proofs that need two server processes
 * sharing one Redis. It prints its URL at start; `stop` kills it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface DemoProcess {
  readonly url: string;
  readonly stop: () => Promise<void>;
}

export function startDemoProcess(env: Record<string, string>): Promise<DemoProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '../../demo/server.ts')],
    {
      // A generous store deadline: these proofs are about sharing Redis, not about a slow one, and a loaded
      // machine must not turn them into failure-mode decisions.
      env: { ...process.env, PORT: '0', QUOTA_STORE_TIMEOUT_MS: '10000', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`demo process did not start within 60 s:\n${output}`));
    }, 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /graphql-quota demo on (http:\/\/\S+)/.exec(output)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve({ url, stop });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo process exited (${code}):\n${output}`));
    });
  });
}
