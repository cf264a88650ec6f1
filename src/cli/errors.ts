import type { GraphQLError } from 'graphql';

/**
 * Exit codes of the `graphql-quota` command. Scripts and CI can tell "priced but too expensive" (1) from
 * "could not be priced at all" (2).
 */
export const ExitCode = {
  /** The operation was priced and is within `--max-cost`. */
  OK: 0,
  /** The operation was priced and costs more than `--max-cost`, or nests deeper than `--max-depth`. */
  OVER_LIMIT: 1,
  /** Nothing was priced: bad usage, an unreadable file, an invalid schema, query or variables. */
  ERROR: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Stable codes of the command's own failures, printed (and in `--json` output, returned as
 * `error.code`) next to the analyzer's `CostErrorCode`s.
 */
export const CliErrorCode = {
  /** Unknown command or option, a missing or malformed option value. */
  USAGE: 'USAGE',
  /** A `--schema`, `--query` or `--variables @file` file cannot be read. */
  FILE_NOT_READABLE: 'FILE_NOT_READABLE',
  /** The SDL does not parse or does not build a valid schema. */
  INVALID_SCHEMA: 'INVALID_SCHEMA',
  /** The query document does not parse. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The query parses but is not valid against the schema (graphql-js `validate()`). */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** `--variables` is not a JSON object. */
  INVALID_VARIABLES_JSON: 'INVALID_VARIABLES_JSON',
  /** A bug in graphql-quota; the message carries the stack trace to report. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

/** A failure of the command, with the code and exit code it reports. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode = ExitCode.ERROR) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** `file:line:column: message`, the form editors and terminals turn into links. */
export function describeGraphQLError(error: GraphQLError): string {
  const location = error.locations?.[0];
  const name = error.source?.name;
  if (location === undefined || name === undefined) return error.message;
  return `${name}:${location.line}:${location.column}: ${error.message}`;
}

/**
 * The message of anything thrown. Not `instanceof Error`: errors from Node's internals or another realm
 * (a vm context, a test runner) fail that check while still carrying a message.
 */
export function messageOf(error: unknown): string {
  if (
    typeof error === 'object' &&
    error !== null &&
    'message' in error &&
    typeof error.message === 'string'
  ) {
    return error.message;
  }
  return String(error);
}
