import { readFile } from 'node:fs/promises';

/** Everything the command touches outside itself, injected so tests run it in-process. */
export interface CliIo {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Reads a UTF-8 text file; rejects when it cannot. */
  readFile(path: string): Promise<string>;
}

/** The real process's standard streams and file system, for bin/graphql-quota.cjs. */
export function createNodeIo(): CliIo {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    readFile: (path) => readFile(path, 'utf8'),
  };
}
