import { runCli } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/main.js';

/** What one run of the command printed, and its exit code. */
export interface MemoryRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr, interleaved as written. */
  readonly out: string;
}

/** Runs `graphql-quota` against an in-memory file system: `files` maps each path to its text. */
export async function memoryCli(argv: readonly string[], files: Record<string, string>): Promise<MemoryRun> {
  let stdout = '';
  let stderr = '';
  let out = '';
  const io: CliIo = {
    stdout: (t) => void ((stdout += t), (out += t)),
    stderr: (t) => void ((stderr += t), (out += t)),
    readFile: (path) => {
      const text = files[path];
      return text === undefined ? Promise.reject(new Error(`ENOENT: ${path}`)) : Promise.resolve(text);
    },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, out };
}
