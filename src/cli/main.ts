/**
 * The `graphql-quota` command: `graphql-quota cost --schema <sdl> --query <file>` prices an operation and
 * prints the total and the breakdown. {@link runCli} does everything through an injected {@link CliIo}, so
 * tests run it in-process; bin/graphql-quota.cjs wires it to the real process.
 */
import { GraphQLError, Kind, Source, buildASTSchema, parse, validate, validateSchema } from 'graphql';
import type { DefinitionNode, DocumentNode, GraphQLSchema } from 'graphql';
import { CostAnalyzer, CostError, CostErrorCode, withCostDirectives } from '../cost/index.js';
import type { CostOptions, CostReport } from '../cost/index.js';
import { parseCostCommand, USAGE } from './args.js';
import type { CostCommand } from './args.js';
import { CliError, CliErrorCode, ExitCode, describeGraphQLError, messageOf } from './errors.js';
import { formatReport, jsonReport } from './format.js';
import type { CliIo } from './io.js';

export { CliError, CliErrorCode, ExitCode } from './errors.js';
export { DEFAULT_TOP_FIELDS, USAGE } from './args.js';
export { createNodeIo } from './io.js';
export type { CliIo } from './io.js';

async function readText(io: CliIo, path: string, what: string): Promise<string> {
  try {
    return await io.readFile(path);
  } catch (error) {
    const reason = messageOf(error);
    throw new CliError(
      CliErrorCode.FILE_NOT_READABLE,
      `Cannot read ${what} file ${JSON.stringify(path)}: ${reason}`,
    );
  }
}

function parseGraphQL(text: string, name: string, code: string): DocumentNode {
  try {
    return parse(new Source(text, name));
  } catch (error) {
    if (error instanceof GraphQLError) throw new CliError(code, describeGraphQLError(error));
    throw error;
  }
}

async function loadSchema(io: CliIo, files: readonly string[]): Promise<GraphQLSchema> {
  // Each file is parsed on its own so that errors point into the right file, then the definitions merge.
  const definitions: DefinitionNode[] = [];
  for (const file of files) {
    const document = parseGraphQL(await readText(io, file, '--schema'), file, CliErrorCode.INVALID_SCHEMA);
    definitions.push(...document.definitions);
  }
  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema(withCostDirectives({ kind: Kind.DOCUMENT, definitions }));
  } catch (error) {
    throw new CliError(CliErrorCode.INVALID_SCHEMA, messageOf(error));
  }
  const errors = validateSchema(schema);
  if (errors.length > 0) {
    throw new CliError(CliErrorCode.INVALID_SCHEMA, errors.map(describeGraphQLError).join('\n'));
  }
  return schema;
}

async function loadVariables(io: CliIo, value: string | null): Promise<Record<string, unknown> | null> {
  if (value === null) return null;
  const fromFile = value.startsWith('@');
  const text = fromFile ? await readText(io, value.slice(1), '--variables') : value;
  const where = fromFile ? value.slice(1) : '--variables';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = messageOf(error);
    throw new CliError(CliErrorCode.INVALID_VARIABLES_JSON, `${where} is not valid JSON: ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(
      CliErrorCode.INVALID_VARIABLES_JSON,
      `${where} must be a JSON object of variable values.`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** The operation to price, checked here so the message can speak of `--operation`. */
function chooseOperation(document: DocumentNode, file: string, name: string | null): string | null {
  const names = document.definitions.flatMap((d) =>
    d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value ?? '(anonymous)'] : [],
  );
  const listed = names.join(', ');
  if (names.length === 0) {
    throw new CliError(CostErrorCode.INVALID_OPERATION, `${file} contains no operation, only fragments.`);
  }
  if (name === null && names.length > 1) {
    throw new CliError(
      CostErrorCode.INVALID_OPERATION,
      `${file} contains several operations (${listed}): choose one with --operation.`,
    );
  }
  if (name !== null && !names.includes(name)) {
    throw new CliError(
      CostErrorCode.INVALID_OPERATION,
      `${file} has no operation named ${name} (it has ${listed}).`,
    );
  }
  return name;
}

function analyzerOptions(command: CostCommand): CostOptions {
  return {
    ...(command.maxDepth === null ? {} : { maxDepth: command.maxDepth }),
    ...(command.defaultListSize === null ? {} : { defaultListSize: command.defaultListSize }),
  };
}

async function price(io: CliIo, command: CostCommand): Promise<CostReport> {
  const schema = await loadSchema(io, command.schemaFiles);
  let analyzer: CostAnalyzer;
  try {
    analyzer = new CostAnalyzer(schema, analyzerOptions(command));
  } catch (error) {
    // Option values passed the syntax check above; a range the analyzer refuses is still a usage error.
    if (error instanceof TypeError) throw new CliError(CliErrorCode.USAGE, error.message);
    throw error;
  }
  const document = parseGraphQL(
    await readText(io, command.queryFile, '--query'),
    command.queryFile,
    CliErrorCode.GRAPHQL_PARSE_FAILED,
  );
  const errors = validate(schema, document);
  if (errors.length > 0) {
    throw new CliError(CliErrorCode.GRAPHQL_VALIDATION_FAILED, errors.map(describeGraphQLError).join('\n'));
  }
  const operationName = chooseOperation(document, command.queryFile, command.operationName);
  const variables = await loadVariables(io, command.variables);
  return analyzer.analyze(document, { operationName, variables });
}

function failureOf(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof CostError) {
    const exit = error.code === CostErrorCode.DEPTH_LIMIT_EXCEEDED ? ExitCode.OVER_LIMIT : ExitCode.ERROR;
    return new CliError(error.code, error.message, exit);
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return new CliError(CliErrorCode.INTERNAL_ERROR, `Unexpected failure (please report it): ${detail}`);
}

/**
 * Runs `graphql-quota` with `argv` (the arguments after the script path) and returns the exit code:
 * 0 priced and within the limits, 1 over `--max-cost` or `--max-depth`, 2 anything that prevented pricing.
 * Never throws and never exits the process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  try {
    const command = parseCostCommand(argv);
    if (command.help) {
      io.stdout(USAGE);
      return ExitCode.OK;
    }
    const report = await price(io, command);
    const over = command.maxCost !== null && report.total > command.maxCost;
    if (json) {
      io.stdout(jsonReport(report, command.maxCost));
    } else {
      io.stdout(formatReport(report, { top: command.top, maxCost: command.maxCost }));
      if (over) {
        io.stderr(
          `graphql-quota: ${CostErrorCode.COST_LIMIT_EXCEEDED}: the operation costs ${report.total} points, more than --max-cost ${command.maxCost}.\n`,
        );
      }
    }
    return over ? ExitCode.OVER_LIMIT : ExitCode.OK;
  } catch (error) {
    const failure = failureOf(error);
    if (json) {
      io.stdout(`${JSON.stringify({ error: { code: failure.code, message: failure.message } }, null, 2)}\n`);
    } else {
      const hint = failure.code === CliErrorCode.USAGE ? '\nRun graphql-quota --help for usage.' : '';
      io.stderr(`graphql-quota: ${failure.code}: ${failure.message}${hint}\n`);
    }
    return failure.exitCode;
  }
}
