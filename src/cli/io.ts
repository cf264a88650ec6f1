import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Everything the command touches outside itself, injected so tests run it in-process. */
export interface CliIo {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Reads a UTF-8 text file; rejects when it cannot. */
  readFile(path: string): Promise<string>;
  /** Reads standard input to its end (`--query -`); absent: standard input is not available. */
  readStdin?(): Promise<string>;
  /**
   * Every file under a directory, recursively, as paths joined to `path`; null when `path` is not a
   * directory. Absent: directories and globs are not available.
   */
  listFiles?(path: string): Promise<string[] | null>;
  /** The package version `--version` prints. */
  readonly version?: string;
}

async function listFiles(path: string): Promise<string[] | null> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return null;
  }
  if (!info.isDirectory()) return null;
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The real process's standard streams and file system, for bin/graphql-quota.cjs. */
export function createNodeIo(version?: string): CliIo {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    readFile: (path) => readFile(path, 'utf8'),
    readStdin,
    listFiles,
    ...(version === undefined ? {} : { version }),
  };
}
