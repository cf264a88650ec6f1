/**
 * Where `graphql-quota cost` finds its operations: files, directories, globs, standard input, `-q`, and
 * persisted-query manifests (Apollo's `apollo-persisted-query-manifest` JSON, or a plain `{ id: document }`
 * map as Relay, GraphQL Hive and trusted-documents tooling write).
 */
import type { CostCommand } from './args.js';
import { CliError, CliErrorCode, messageOf } from './errors.js';
import type { CliIo } from './io.js';

/** One document to price, named for messages and the table. */
export interface OperationSource {
  readonly name: string;
  readonly text: string;
}

/** The extensions a directory or glob contributes. */
const OPERATION_FILE = /\.(graphql|gql|json)$/;

/** Reads a file for an option, as a `FILE_NOT_READABLE` failure when it cannot be read. */
export async function readText(io: CliIo, path: string, what: string): Promise<string> {
  try {
    return await io.readFile(path);
  } catch (error) {
    throw new CliError(
      CliErrorCode.FILE_NOT_READABLE,
      `Cannot read ${what} file ${JSON.stringify(path)}: ${messageOf(error)}`,
    );
  }
}

function isGlob(path: string): boolean {
  return /[*?[\]{}]/.test(path);
}

/** A glob as a regular expression over `/`-separated paths: `**` any depth, `*` and `?` within a name. */
function globRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

async function filesOf(io: CliIo, path: string): Promise<string[] | null> {
  if (io.listFiles === undefined) return null;
  return io.listFiles(path);
}

/** The files a `--query` value names: itself, a directory's operation files, or a glob's matches. */
async function expand(io: CliIo, query: string): Promise<string[]> {
  if (isGlob(query)) {
    const segments = query.split('/');
    const first = segments.findIndex(isGlob);
    const base = segments.slice(0, first).join('/') || '.';
    const all = (await filesOf(io, base)) ?? [];
    const pattern = globRegExp(query.startsWith('./') ? query.slice(2) : query);
    const normal = (file: string): string => (file.startsWith('./') ? file.slice(2) : file);
    const matches = all.filter((file) => pattern.test(normal(file)));
    if (matches.length === 0) {
      throw new CliError(CliErrorCode.FILE_NOT_READABLE, `No file matches --query ${JSON.stringify(query)}.`);
    }
    return matches;
  }
  const listed = await filesOf(io, query);
  if (listed === null) return [query];
  return listed.filter((file) => OPERATION_FILE.test(file));
}

/** The documents of a persisted-query manifest, each named `file#id`. */
function manifest(file: string, text: string): OperationSource[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(CliErrorCode.GRAPHQL_PARSE_FAILED, `${file} is not valid JSON: ${messageOf(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(CliErrorCode.GRAPHQL_PARSE_FAILED, `${file} is not a persisted-query manifest.`);
  }
  const operations = (parsed as { operations?: unknown }).operations;
  if (Array.isArray(operations)) {
    return operations.map((entry: unknown, index) => {
      const { id, body } = (entry ?? {}) as { id?: unknown; body?: unknown };
      if (typeof body !== 'string') {
        throw new CliError(CliErrorCode.GRAPHQL_PARSE_FAILED, `${file}: operations[${index}] has no body.`);
      }
      return { name: `${file}#${typeof id === 'string' ? id : index}`, text: body };
    });
  }
  return Object.entries(parsed as Record<string, unknown>).map(([id, body]) => {
    if (typeof body !== 'string') {
      throw new CliError(CliErrorCode.GRAPHQL_PARSE_FAILED, `${file}: "${id}" is not a document string.`);
    }
    return { name: `${file}#${id}`, text: body };
  });
}

async function stdin(io: CliIo): Promise<OperationSource> {
  if (io.readStdin === undefined) throw new CliError(CliErrorCode.USAGE, 'Standard input is not available.');
  return { name: '<stdin>', text: await io.readStdin() };
}

/**
 * The operations a `cost` command prices. `single` when one document was named (one file, `-`, `-q`):
 * then it gets the detailed report; otherwise every operation of every source goes in a table.
 */
export async function operationSources(
  io: CliIo,
  command: CostCommand,
): Promise<{ single: boolean; sources: OperationSource[] }> {
  if (command.queryText !== null) return { single: true, sources: [{ name: '-q', text: command.queryText }] };
  const queries = command.queries;
  if (queries.length === 1 && queries[0] === '-') return { single: true, sources: [await stdin(io)] };
  const files: string[] = [];
  for (const query of queries) {
    if (query === '-') continue;
    files.push(...(await expand(io, query)));
  }
  const single =
    queries.length === 1 &&
    files.length === 1 &&
    files[0] === queries[0] &&
    !(queries[0] ?? '').endsWith('.json');
  const sources: OperationSource[] = queries.includes('-') ? [await stdin(io)] : [];
  for (const file of files) {
    const text = await readText(io, file, '--query');
    if (file.endsWith('.json')) sources.push(...manifest(file, text));
    else sources.push({ name: file, text });
  }
  return { single, sources };
}
