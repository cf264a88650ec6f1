/**
 * The `graphql-quota` command: `graphql-quota cost --schema <sdl> --query <file>` prices operations and
 * prints the total and the breakdown (or, for many operations, a table); `graphql-quota audit <sdl>`
 * audits the schema's annotations. {@link runCli} does everything through an injected {@link CliIo}, so
 * tests run it in-process; bin/graphql-quota.cjs wires it to the real process.
 */
import {
  GraphQLError,
  Kind,
  Source,
  buildASTSchema,
  buildClientSchema,
  getLocation,
  printSchema,
  validate,
  validateSchema,
  visit,
} from 'graphql';
import type { ASTNode, DefinitionNode, DocumentNode, GraphQLSchema, IntrospectionQuery } from 'graphql';
import {
  CostAnalyzer,
  CostError,
  CostErrorCode,
  annotateSchema,
  auditSchema,
  parseDocument,
  pointsText,
  withCostDirectives,
} from '../cost/index.js';
import type { CostOptions, CostReport } from '../cost/index.js';
import { USAGE, parseCommand } from './args.js';
import type { AnnotateCommand, AuditCommand, CostCommand } from './args.js';
import { unifiedDiff } from './diff.js';
import { CliError, CliErrorCode, ExitCode, describeGraphQLError, messageOf } from './errors.js';
import { charged, formatAudit, formatReport, formatTable, jsonReport } from './format.js';
import type { PricedRow } from './format.js';
import type { CliIo } from './io.js';
import { operationSources, readText } from './sources.js';

export { CliError, CliErrorCode, ExitCode } from './errors.js';
export { DEFAULT_TOP_FIELDS, USAGE } from './args.js';
export { createNodeIo } from './io.js';
export type { CliIo } from './io.js';

function parseGraphQL(text: string, name: string, code: string): DocumentNode {
  try {
    return parseDocument(new Source(text, name));
  } catch (error) {
    if (!(error instanceof CostError)) throw error;
    const cause = error.originalError;
    throw new CliError(
      code,
      cause instanceof GraphQLError ? describeGraphQLError(cause) : `${name}: ${error.message}`,
    );
  }
}

/** The SDL of an introspection result (`{ data: { __schema } }` or `{ __schema }`), without annotations. */
function introspectionSDL(text: string, file: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(CliErrorCode.INVALID_SCHEMA, `${file} is not valid JSON: ${messageOf(error)}`);
  }
  const root = (parsed as { data?: unknown } | null)?.data ?? parsed;
  if (typeof root !== 'object' || root === null || !('__schema' in root)) {
    throw new CliError(
      CliErrorCode.INVALID_SCHEMA,
      `${file} is JSON but not an introspection result (no __schema).`,
    );
  }
  try {
    return printSchema(buildClientSchema(root as IntrospectionQuery));
  } catch (error) {
    throw new CliError(CliErrorCode.INVALID_SCHEMA, `${file}: ${messageOf(error)}`);
  }
}

/**
 * graphql-js's SDL validation (inside `buildASTSchema`) throws one Error whose message joins every error
 * with a blank line and drops their locations. Each message names what it is about in quotes (`Unknown
 * type "Foo".`, `Unknown directive "@bar".`): the first node of that name, a directive or a type
 * reference or definition, gives it back its `file:line:column`.
 */
function locateSchemaErrors(message: string, definitions: readonly DefinitionNode[]): string {
  const messages = message.split('\n\n').filter((m) => m.trim() !== '');
  const lines = messages.map((text) => {
    const name = /"([^"]+)"/.exec(text)?.[1];
    const node = name === undefined ? undefined : nodeNamed(name, definitions);
    const loc = node?.loc;
    if (!loc) return text;
    const { line, column } = getLocation(loc.source, loc.start);
    return `${loc.source.name}:${line}:${column}: ${text}`;
  });
  return lines.length > 1 ? `${lines.length} schema errors:\n${lines.join('\n')}` : (lines[0] ?? message);
}

/** The first directive (`@name`), type reference or definition of that name, in document order. */
function nodeNamed(name: string, definitions: readonly DefinitionNode[]): ASTNode | undefined {
  const directive = name.startsWith('@') ? name.slice(1) : null;
  let found: ASTNode | undefined;
  for (const definition of definitions) {
    visit(definition, {
      enter(node) {
        if (found) return false;
        const matches =
          directive === null
            ? (node.kind === Kind.NAMED_TYPE && node.name.value === name) ||
              ('name' in node && node.kind.endsWith('Definition') && node.name?.value === name)
            : node.kind === Kind.DIRECTIVE && node.name.value === directive;
        if (matches) found = node;
        return undefined;
      },
    });
    if (found) return found;
  }
  return undefined;
}

async function loadSchema(io: CliIo, files: readonly string[]): Promise<GraphQLSchema> {
  // Each file is parsed on its own so that errors point into the right file, then the definitions merge.
  const definitions: DefinitionNode[] = [];
  for (const file of files) {
    let text = await readText(io, file, '--schema');
    if (file.endsWith('.json') || text.trimStart().startsWith('{')) text = introspectionSDL(text, file);
    const document = parseGraphQL(text, file, CliErrorCode.INVALID_SCHEMA);
    definitions.push(...document.definitions);
  }
  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema(withCostDirectives({ kind: Kind.DOCUMENT, definitions }));
  } catch (error) {
    throw new CliError(CliErrorCode.INVALID_SCHEMA, locateSchemaErrors(messageOf(error), definitions));
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

function analyzerOptions(command: CostCommand | AuditCommand): CostOptions {
  return {
    ...(command.command === 'cost' && command.maxDepth !== null ? { maxDepth: command.maxDepth } : {}),
    ...(command.defaultListSize === null ? {} : { defaultListSize: command.defaultListSize }),
    ...(command.model === null ? {} : { model: command.model }),
    ...(command.conventions === null ? {} : { conventions: command.conventions }),
  };
}

function createAnalyzer(schema: GraphQLSchema, command: CostCommand): CostAnalyzer {
  try {
    return new CostAnalyzer(schema, analyzerOptions(command));
  } catch (error) {
    // Option values passed the syntax check above; a range the analyzer refuses is still a usage error.
    if (error instanceof TypeError) throw new CliError(CliErrorCode.USAGE, error.message);
    throw error;
  }
}

async function price(
  io: CliIo,
  command: CostCommand,
  source: { name: string; text: string },
): Promise<CostReport> {
  const schema = await loadSchema(io, command.schemaFiles);
  const analyzer = createAnalyzer(schema, command);
  const document = parseGraphQL(source.text, source.name, CliErrorCode.GRAPHQL_PARSE_FAILED);
  const errors = validate(schema, document);
  if (errors.length > 0) {
    throw new CliError(CliErrorCode.GRAPHQL_VALIDATION_FAILED, errors.map(describeGraphQLError).join('\n'));
  }
  const operationName = chooseOperation(document, source.name, command.operationName);
  const variables = await loadVariables(io, command.variables);
  return analyzer.analyze(document, { operationName, variables });
}

function failureOf(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof CostError) {
    const exit = error.code === CostErrorCode.DEPTH_LIMIT_EXCEEDED ? ExitCode.OVER_LIMIT : ExitCode.ERROR;
    if (error.errors.length > 1) {
      // Every invalid annotation, one per line, each as file:line:column: message.
      const lines = error.errors.map((problem) => describeGraphQLError(problem));
      return new CliError(error.code, `${lines.length} invalid cost annotations:\n${lines.join('\n')}`, exit);
    }
    return new CliError(error.code, describeGraphQLError(error), exit);
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return new CliError(CliErrorCode.INTERNAL_ERROR, `Unexpected failure (please report it): ${detail}`);
}

/** Prices every operation of every source, one row each; a row that cannot be priced says why. */
async function priceAll(
  io: CliIo,
  command: CostCommand,
  sources: readonly { name: string; text: string }[],
): Promise<PricedRow[]> {
  const schema = await loadSchema(io, command.schemaFiles);
  const analyzer = createAnalyzer(schema, command);
  const variables = await loadVariables(io, command.variables);
  const rows: PricedRow[] = [];
  for (const source of sources) {
    let document: DocumentNode;
    try {
      document = parseGraphQL(source.text, source.name, CliErrorCode.GRAPHQL_PARSE_FAILED);
    } catch (error) {
      const failure = failureOf(error);
      rows.push({
        file: source.name,
        operationName: null,
        error: { code: failure.code, message: failure.message },
      });
      continue;
    }
    const errors = validate(schema, document);
    if (!document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION)) {
      const message = `${source.name} contains no operation.`;
      rows.push({
        file: source.name,
        operationName: null,
        error: { code: CostErrorCode.INVALID_OPERATION, message },
      });
      continue;
    }
    const operations = document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d] : []));
    for (const operation of operations) {
      const operationName = operation.name?.value ?? null;
      if (command.operationName !== null && operationName !== command.operationName) continue;
      if (errors.length > 0) {
        const message = errors.map(describeGraphQLError).join('\n');
        rows.push({
          file: source.name,
          operationName,
          error: { code: CliErrorCode.GRAPHQL_VALIDATION_FAILED, message },
        });
        continue;
      }
      try {
        const report = analyzer.analyze(document, {
          operationName: operations.length > 1 ? operationName : null,
          variables,
        });
        rows.push({ file: source.name, operationName, report });
      } catch (error) {
        const failure = failureOf(error);
        rows.push({
          file: source.name,
          operationName,
          error: { code: failure.code, message: failure.message },
        });
      }
    }
  }
  return rows;
}

async function runCost(io: CliIo, command: CostCommand): Promise<number> {
  const { single, sources } = await operationSources(io, command);
  if (single) {
    const report = await price(io, command, sources[0]!);
    const over = command.maxCost !== null && charged(report) > command.maxCost;
    if (command.json) {
      io.stdout(jsonReport(report, command.maxCost));
    } else {
      io.stdout(formatReport(report, { top: command.top, maxCost: command.maxCost }));
      if (over) {
        io.stderr(
          `graphql-quota: ${CostErrorCode.COST_LIMIT_EXCEEDED}: the operation costs ${pointsText(charged(report))}, more than --max-cost ${command.maxCost}.\n`,
        );
      }
    }
    return over ? ExitCode.OVER_LIMIT : ExitCode.OK;
  }
  const rows = await priceAll(io, command, sources);
  const max = command.maxCost;
  io.stdout(command.json ? `${JSON.stringify(tableJson(rows, max), null, 2)}\n` : formatTable(rows, max));
  if (rows.some((row) => 'error' in row)) return ExitCode.ERROR;
  return rows.some((row) => 'report' in row && max !== null && charged(row.report) > max)
    ? ExitCode.OVER_LIMIT
    : ExitCode.OK;
}

function tableJson(rows: readonly PricedRow[], maxCost: number | null): unknown {
  return {
    ...(maxCost === null ? {} : { maxCost }),
    operations: rows.map((row) =>
      'report' in row
        ? {
            file: row.file,
            operationName: row.operationName,
            operationType: row.report.operationType,
            total: row.report.total,
            ...(row.report.points === undefined ? {} : { points: row.report.points }),
            ...(row.report.fieldCost === undefined
              ? {}
              : { fieldCost: row.report.fieldCost, typeCost: row.report.typeCost }),
            ...(maxCost === null ? {} : { withinLimit: charged(row.report) <= maxCost }),
          }
        : { file: row.file, operationName: row.operationName, error: row.error },
    ),
  };
}

const SEVERITY_RANK = { error: 0, warning: 1, info: 2, never: -1 } as const;

async function runAudit(io: CliIo, command: AuditCommand): Promise<number> {
  const schema = await loadSchema(io, command.schemaFiles);
  let audit;
  try {
    audit = auditSchema(schema, { ...analyzerOptions(command), depth: command.depth });
  } catch (error) {
    if (error instanceof TypeError) throw new CliError(CliErrorCode.USAGE, error.message);
    throw error;
  }
  io.stdout(
    command.json
      ? `${JSON.stringify({ schema: command.schemaFiles, ...audit }, null, 2)}\n`
      : formatAudit(audit, command.schemaFiles.join(', '), command.depth),
  );
  const threshold = SEVERITY_RANK[command.failOn];
  const failing = audit.findings.some((finding) => SEVERITY_RANK[finding.severity] <= threshold);
  return failing ? ExitCode.OVER_LIMIT : ExitCode.OK;
}

async function runAnnotate(io: CliIo, command: AnnotateCommand): Promise<number> {
  const file = command.schemaFile;
  const text = await readText(io, file, 'schema');
  if (file.endsWith('.json') || text.trimStart().startsWith('{')) {
    throw new CliError(
      CliErrorCode.INVALID_SCHEMA,
      `${file}: annotate needs SDL (an introspection result has no text to annotate).`,
    );
  }
  // The same checks, and the same located errors, as every other command's schema.
  await loadSchema(io, [file]);
  let annotated;
  try {
    annotated = annotateSchema(text, {
      conventions: command.conventions,
      ...(command.model === null ? {} : { model: command.model }),
    });
  } catch (error) {
    if (error instanceof TypeError) throw new CliError(CliErrorCode.USAGE, error.message);
    throw error;
  }
  if (command.json) io.stdout(`${JSON.stringify(annotated, null, 2)}\n`);
  else if (command.diff) io.stdout(unifiedDiff(text, annotated.sdl, file));
  else io.stdout(annotated.sdl);
  return ExitCode.OK;
}

/**
 * Runs `graphql-quota` with `argv` (the arguments after the script path) and returns the exit code:
 * 0 priced and within the limits, 1 over `--max-cost` or `--max-depth` (audit: findings at or above
 * `--fail-on`), 2 anything that prevented pricing. Never throws and never exits the process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  try {
    const command = parseCommand(argv);
    if (command.command === 'version') {
      io.stdout(`${io.version ?? 'unknown'}\n`);
      return ExitCode.OK;
    }
    if (command.command === 'help') {
      io.stdout(USAGE);
      return ExitCode.OK;
    }
    if (command.help) {
      io.stdout(USAGE);
      return ExitCode.OK;
    }
    if (command.command === 'annotate') return await runAnnotate(io, command);
    return command.command === 'audit' ? await runAudit(io, command) : await runCost(io, command);
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
