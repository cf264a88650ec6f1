import { parseArgs } from 'node:util';
import { DEFAULT_LIST_SIZE, DEFAULT_MAX_DEPTH, MAX_SUPPORTED_DEPTH } from '../cost/index.js';
import { CliError, CliErrorCode, messageOf } from './errors.js';

/** Breakdown rows the text output prints unless `--top` says otherwise. */
export const DEFAULT_TOP_FIELDS = 20;

/** The command line of `graphql-quota cost`, parsed. */
export interface CostCommand {
  readonly help: boolean;
  /** SDL files, in order; their definitions are merged. */
  readonly schemaFiles: readonly string[];
  readonly queryFile: string;
  /** Inline JSON or `@path`; null when not given. */
  readonly variables: string | null;
  readonly operationName: string | null;
  /** Points; null for no limit. */
  readonly maxCost: number | null;
  readonly maxDepth: number | null;
  readonly defaultListSize: number | null;
  /** Breakdown rows to print; 0 prints all. */
  readonly top: number;
  readonly json: boolean;
}

export const USAGE = `Usage: graphql-quota cost --schema <file> --query <file> [options]

Prices a GraphQL operation with the schema's @cost and @listSize annotations and
prints the total and the per-field breakdown, costliest first.

Options:
  --schema <file>            SDL of the schema; repeat it for a schema split over
                             files. @cost and @listSize need not be declared.
  --query <file>             The document holding the operation.
  --operation <name>         The operation to price, when the document has several.
  --variables <json|@file>   Variable values: inline JSON, or @ and a JSON file.
  --max-cost <points>        Exit 1 when the operation costs more than this.
  --max-depth <levels>       Exit 1 when fields nest deeper (default ${DEFAULT_MAX_DEPTH}).
  --default-list-size <n>    Items assumed for a list without @listSize (default ${DEFAULT_LIST_SIZE}).
  --top <n>                  Breakdown rows to print (default ${DEFAULT_TOP_FIELDS}; 0 prints all).
  --json                     Print one JSON document on stdout: the report, or
                             {"error": {"code", "message"}}.
  -h, --help                 Print this help.

Exit codes:
  0  priced, within the limits
  1  priced, but over --max-cost or --max-depth
  2  not priced: bad usage, unreadable file, invalid schema, query or variables
`;

function usage(message: string): CliError {
  return new CliError(CliErrorCode.USAGE, message);
}

function count(name: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^\d{1,15}$/.test(value))
    throw usage(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}.`);
  return Number(value);
}

/**
 * Parses `graphql-quota` arguments (without the node and script paths).
 *
 * @throws CliError `USAGE` for an unknown command or option, or a missing or malformed value.
 */
export function parseCostCommand(argv: readonly string[]): CostCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        schema: { type: 'string', multiple: true },
        query: { type: 'string' },
        variables: { type: 'string' },
        operation: { type: 'string' },
        'max-cost': { type: 'string' },
        'max-depth': { type: 'string' },
        'default-list-size': { type: 'string' },
        top: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // Node's messages go on to explain `--` and `=`; their first sentence is the useful part.
    const first = messageOf(error).split('\n')[0]!.split('. ')[0]!;
    throw usage(first.endsWith('.') ? first : `${first}.`);
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  const [command, ...extra] = positionals;
  if (!help || command !== undefined) {
    if (command !== 'cost') {
      throw usage(
        command === undefined ? 'Missing command: cost.' : `Unknown command ${JSON.stringify(command)}.`,
      );
    }
    if (extra.length > 0) throw usage(`Unexpected argument ${JSON.stringify(extra[0])}.`);
  }
  const schemaFiles = values.schema ?? [];
  const queryFile = values.query ?? '';
  if (!help && schemaFiles.length === 0) throw usage('Missing --schema <file>.');
  if (!help && queryFile === '') throw usage('Missing --query <file>.');
  const maxDepth = count('max-depth', values['max-depth']);
  if (maxDepth !== null && (maxDepth < 1 || maxDepth > MAX_SUPPORTED_DEPTH)) {
    throw usage(`--max-depth must be from 1 to ${MAX_SUPPORTED_DEPTH}, got ${maxDepth}.`);
  }
  return {
    help,
    schemaFiles,
    queryFile,
    variables: values.variables ?? null,
    operationName: values.operation ?? null,
    maxCost: count('max-cost', values['max-cost']),
    maxDepth,
    defaultListSize: count('default-list-size', values['default-list-size']),
    top: count('top', values.top) ?? DEFAULT_TOP_FIELDS,
    json: values.json === true,
  };
}
