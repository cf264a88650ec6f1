import { parseArgs } from 'node:util';
import {
  COST_MODELS,
  DEFAULT_AUDIT_DEPTH,
  DEFAULT_LIST_SIZE,
  DEFAULT_MAX_DEPTH,
  MAX_SUPPORTED_DEPTH,
} from '../cost/index.js';
import type { AuditSeverity, CostConventions, CostModelName } from '../cost/index.js';
import { CliError, CliErrorCode, messageOf } from './errors.js';

/** Breakdown rows the text output prints unless `--top` says otherwise. */
export const DEFAULT_TOP_FIELDS = 20;

/** The command line of `graphql-quota cost`, parsed. */
export interface CostCommand {
  readonly command: 'cost';
  readonly help: boolean;
  /** Schema files (SDL, or introspection JSON), in order; their definitions are merged. */
  readonly schemaFiles: readonly string[];
  /**
   * Where the operations come from: files, directories, globs (`ops/**\/*.graphql`), `-` for standard
   * input. Empty when `queryText` is given.
   */
  readonly queries: readonly string[];
  /** `-q '<document>'`; null when not given. */
  readonly queryText: string | null;
  /** Kept for the single-file form; the first of `queries`, or `''`. */
  readonly queryFile: string;
  /** Inline JSON or `@path`; null when not given. */
  readonly variables: string | null;
  readonly operationName: string | null;
  /** Points; null for no limit. */
  readonly maxCost: number | null;
  readonly maxDepth: number | null;
  readonly defaultListSize: number | null;
  /** `--connections`, `--default-page-size`, `--free-edges`, `--list-arguments`; null when none given. */
  readonly conventions: CostConventions | null;
  readonly model: CostModelName | null;
  /** Breakdown rows to print; 0 prints all. */
  readonly top: number;
  readonly json: boolean;
}

/** Findings at or above this severity fail `graphql-quota audit` (exit 1); `never` never fails. */
export type FailOn = AuditSeverity | 'never';

/** The conventions the flags ask for; null when no convention flag was given. */
function conventions(values: {
  readonly connections?: boolean;
  readonly 'default-page-size'?: string;
  readonly 'free-edges'?: boolean;
  readonly 'list-arguments'?: string;
}): CostConventions | null {
  const pageSize = count('default-page-size', values['default-page-size']);
  const listArguments = values['list-arguments']
    ?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (values.connections !== true && pageSize === null && values['free-edges'] !== true && !listArguments)
    return null;
  return {
    connections: values.connections === true,
    ...(pageSize === null ? {} : { defaultPageSize: pageSize }),
    freeEdges: values['free-edges'] === true,
    ...(listArguments ? { listArguments } : {}),
  };
}

/** The command line of `graphql-quota audit`, parsed. */
export interface AuditCommand {
  readonly command: 'audit';
  readonly help: boolean;
  readonly schemaFiles: readonly string[];
  readonly depth: number;
  readonly model: CostModelName | null;
  readonly defaultListSize: number | null;
  /** `--connections`, `--default-page-size`, `--free-edges`, `--list-arguments`; null when none given. */
  readonly conventions: CostConventions | null;
  readonly failOn: FailOn;
  readonly json: boolean;
}

/** The command line of `graphql-quota annotate`, parsed. */
export interface AnnotateCommand {
  readonly command: 'annotate';
  readonly help: boolean;
  /** The one SDL file to annotate. */
  readonly schemaFile: string;
  readonly model: CostModelName | null;
  /** The convention flags; `{ connections: true }` when none is given. */
  readonly conventions: CostConventions;
  /** Print a unified diff instead of the annotated SDL. */
  readonly diff: boolean;
  readonly json: boolean;
}

/** `--help` without a command. */
export interface HelpCommand {
  readonly command: 'help';
}

/** `--version`. */
export interface VersionCommand {
  readonly command: 'version';
}

export type Command = CostCommand | AuditCommand | AnnotateCommand | HelpCommand | VersionCommand;

export const USAGE = `Usage: graphql-quota cost --schema <file> --query <file|dir|glob|-> [options]
       graphql-quota audit <schema file>... [options]
       graphql-quota annotate <schema file> [options]
       graphql-quota --version

graphql-quota cost prices GraphQL operations with the schema's @cost and @listSize
annotations. One operation: the total and the per-field breakdown, costliest first.
Several (a directory, a glob, several --query, a persisted-query manifest): a table.

Options:
  --schema <file>            SDL of the schema, or introspection JSON (which carries no
                             annotations: default weights apply); repeat it for a schema
                             split over files. @cost, @listSize and Federation's
                             directives need not be declared.
  --query <file|dir|glob|->  The operations: a .graphql file, a directory or glob of them,
                             a .json persisted-query manifest, or - for standard input.
                             Repeatable.
  -q, --query-text <doc>     The operation document itself.
  --operation <name>         The operation to price, when the document has several.
  --variables <json|@file>   Variable values: inline JSON, or @ and a JSON file.
  --model <name>             Cost model: ${COST_MODELS.join(', ')} (default apollo).
  --max-cost <points>        Exit 1 when an operation costs more than this.
  --max-depth <levels>       Exit 1 when fields nest deeper (default ${DEFAULT_MAX_DEPTH}; 1 to ${MAX_SUPPORTED_DEPTH}).
  --default-list-size <n>    Items assumed for a list without @listSize (default ${DEFAULT_LIST_SIZE}).
  --connections              Size unannotated Cursor Connections by first/last (conventions).
  --default-page-size <n>    Items of a convention-sized list when no argument is given.
  --free-edges               Edge types (…Edge with node) cost 0.
  --list-arguments <a,b>     Arguments that size a plain list (e.g. limit,take,pageSize).
  --top <n>                  Breakdown rows to print (default ${DEFAULT_TOP_FIELDS}; 0 prints all).
  --json                     Print one JSON document on stdout: the report (or the table),
                             or {"error": {"code", "message"}}.
  -h, --help                 Print this help.
  -v, --version              Print the version.

graphql-quota audit lists what the schema's annotations leave unbounded or unpriced:
lists nothing bounds, slicing arguments without default, lists priced 0, mutations
without surcharge, conflicting annotations, the share of bounded lists, and the
costliest operation within a depth.

Audit options:
  --schema <file>            Also accepted instead of the positional files.
  --depth <levels>           Depth of the costliest-operation search (default ${DEFAULT_AUDIT_DEPTH}, up to 10).
  --model <name>             Cost model, as above.
  --fail-on <severity>       error, warning (default), info or never: exit 1 on findings
                             at or above it.
  --json                     Print the audit as one JSON document.

graphql-quota annotate writes the @listSize (and, with --free-edges, @cost) annotations
the conventions infer into the SDL, for review: the annotated schema prices every
operation without conventions as the original does with them. Explicit annotations
are kept. It prints the annotated SDL, or a unified diff.

Annotate options:
  --connections, --default-page-size <n>, --free-edges, --list-arguments <a,b>
                             The conventions, as above (default: --connections).
  --model <name>             Cost model, as above.
  --diff                     Print a unified diff (git apply / patch -p1) instead.
  --json                     Print {"annotations": [...], "sdl": "..."}.

Exit codes:
  0  priced, within the limits (audit: no finding at or above --fail-on)
  1  priced, but over --max-cost or --max-depth (audit: findings at or above --fail-on)
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

function model(value: string | undefined): CostModelName | null {
  if (value === undefined) return null;
  if (!(COST_MODELS as readonly string[]).includes(value)) {
    throw usage(`--model must be one of ${COST_MODELS.join(', ')}, got ${JSON.stringify(value)}.`);
  }
  return value as CostModelName;
}

const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'info', 'never'];

/**
 * Parses `graphql-quota` arguments (without the node and script paths).
 *
 * @throws CliError `USAGE` for an unknown command or option, or a missing or malformed value.
 */
export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        schema: { type: 'string', multiple: true },
        query: { type: 'string', multiple: true },
        'query-text': { type: 'string', short: 'q' },
        variables: { type: 'string' },
        operation: { type: 'string' },
        model: { type: 'string' },
        'max-cost': { type: 'string' },
        'max-depth': { type: 'string' },
        'default-list-size': { type: 'string' },
        connections: { type: 'boolean' },
        'default-page-size': { type: 'string' },
        'free-edges': { type: 'boolean' },
        'list-arguments': { type: 'string' },
        top: { type: 'string' },
        depth: { type: 'string' },
        'fail-on': { type: 'string' },
        json: { type: 'boolean' },
        diff: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
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
  if (command === undefined) {
    if (values.version === true) return { command: 'version' };
    if (help) return { command: 'help' };
    throw usage('Missing command: cost, audit or annotate.');
  }
  if (command === 'annotate') {
    const files = [...extra, ...(values.schema ?? [])];
    if (!help && files.length !== 1) {
      throw usage('annotate takes exactly one schema file: graphql-quota annotate <schema file>.');
    }
    return {
      command: 'annotate',
      help,
      schemaFile: files[0] ?? '',
      model: model(values.model),
      conventions: conventions(values) ?? { connections: true },
      diff: values.diff === true,
      json: values.json === true,
    };
  }
  if (command === 'audit') {
    const schemaFiles = [...extra, ...(values.schema ?? [])];
    if (!help && schemaFiles.length === 0)
      throw usage('Missing the schema file: graphql-quota audit <schema file>.');
    const depth = count('depth', values.depth) ?? DEFAULT_AUDIT_DEPTH;
    if (depth < 1 || depth > 10) throw usage(`--depth must be from 1 to 10, got ${depth}.`);
    const failOn = (values['fail-on'] ?? 'warning') as FailOn;
    if (!FAIL_ON.includes(failOn)) {
      throw usage(`--fail-on must be one of ${FAIL_ON.join(', ')}, got ${JSON.stringify(failOn)}.`);
    }
    return {
      command: 'audit',
      help,
      schemaFiles,
      depth,
      model: model(values.model),
      defaultListSize: count('default-list-size', values['default-list-size']),
      conventions: conventions(values),
      failOn,
      json: values.json === true,
    };
  }
  if (command !== 'cost') throw usage(`Unknown command ${JSON.stringify(command)}.`);
  if (extra.length > 0) throw usage(`Unexpected argument ${JSON.stringify(extra[0])}.`);
  const schemaFiles = values.schema ?? [];
  const queries = values.query ?? [];
  const queryText = values['query-text'] ?? null;
  if (!help && schemaFiles.length === 0) throw usage('Missing --schema <file>.');
  if (!help && queries.length === 0 && queryText === null) throw usage('Missing --query <file>.');
  if (queryText !== null && queries.length > 0) throw usage('Give --query or -q, not both.');
  const maxDepth = count('max-depth', values['max-depth']);
  if (maxDepth !== null && (maxDepth < 1 || maxDepth > MAX_SUPPORTED_DEPTH)) {
    throw usage(`--max-depth must be from 1 to ${MAX_SUPPORTED_DEPTH}, got ${maxDepth}.`);
  }
  return {
    command: 'cost',
    help,
    schemaFiles,
    queries,
    queryText,
    queryFile: queries[0] ?? '',
    variables: values.variables ?? null,
    operationName: values.operation ?? null,
    maxCost: count('max-cost', values['max-cost']),
    maxDepth,
    defaultListSize: count('default-list-size', values['default-list-size']),
    conventions: conventions(values),
    model: model(values.model),
    top: count('top', values.top) ?? DEFAULT_TOP_FIELDS,
    json: values.json === true,
  };
}
