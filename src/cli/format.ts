import { MAX_COST as CEILING, pointsText } from '../cost/index.js';
import type { CostReport, SchemaAudit } from '../cost/index.js';

/** What the text report shows besides the report itself. */
export interface FormatOptions {
  /** Breakdown rows to print; 0 prints all. */
  readonly top: number;
  /** The `--max-cost` limit in points; null when none was given. */
  readonly maxCost: number | null;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A figure of points, `≥` prefixed when it is saturated (a lower bound, not the exact cost). */
function figure(points: number): string {
  return points >= CEILING ? `≥${CEILING}` : String(points);
}

/** A sum of rows that stops at the ceiling, as the analyzer's figures do. */
function sumCosts(fields: readonly { readonly cost: number }[]): number {
  let sum = 0;
  for (const field of fields) sum = Math.min(CEILING, sum + field.cost);
  return sum;
}

/**
 * The human-readable report: a header, then the breakdown as a right-aligned table. The operation's base
 * cost (a mutation's, say) is the part of the total no field accounts for, so it gets its own row.
 */
export function formatReport(report: CostReport, options: FormatOptions): string {
  const name = report.operationName ?? '(anonymous)';
  const saturated = report.saturated || report.total >= CEILING;
  // Under a points scale (the github model's), the points are what --max-cost and quotas compare, and the
  // total is the raw figure they come from (GitHub's connection requests).
  const total =
    report.points === undefined
      ? pointsText(report.total)
      : `${pointsText(report.total).replace(/ points?/, '')} before the points scale`;
  const lines = [`${report.operationType} ${name}`, `  total  ${total}`];
  if (report.points !== undefined) lines.push(`  points ${report.points}`);
  if (report.nodes !== undefined) lines.push(`  nodes  ${report.nodes}`);
  const points = charged(report);
  if (options.maxCost !== null) {
    const over = points - options.maxCost;
    const verdict =
      points > options.maxCost ? `over by ${saturated ? 'at least ' : ''}${over}` : 'within the limit';
    lines.push(`  limit  ${options.maxCost}, ${verdict}`);
  }
  lines.push(`  depth  ${report.depth}`);
  if (saturated) {
    lines.push(
      `  note   the total reached Number.MAX_SAFE_INTEGER and stopped there: the rows are lower bounds`,
      `         and need not add up to it`,
    );
  }

  const fieldPoints = sumCosts(report.fields);
  const shown = options.top === 0 ? report.fields : report.fields.slice(0, options.top);
  const rows: [string, string, string][] = shown.map((f) => [figure(f.cost), String(f.count), f.path]);
  // The base cost is what no field accounts for: known only when nothing saturated.
  const base = saturated ? 0 : report.total - fieldPoints;
  if (base > 0) rows.push([String(base), '', `(${report.operationType} base cost)`]);
  if (rows.length > 0) {
    const costWidth = Math.max(4, ...rows.map((r) => r[0].length));
    const countWidth = Math.max(5, ...rows.map((r) => r[1].length));
    lines.push('', `  ${'cost'.padStart(costWidth)}  ${'count'.padStart(countWidth)}  field`);
    for (const [cost, n, path] of rows)
      lines.push(`  ${cost.padStart(costWidth)}  ${n.padStart(countWidth)}  ${path}`);
  }
  const hidden = report.fields.length - shown.length;
  if (hidden > 0) {
    const hiddenPoints = sumCosts(report.fields.slice(shown.length));
    lines.push(
      `  … ${plural(hidden, 'more field', 'more fields')} (${pointsText(hiddenPoints)}); --top 0 lists all`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** What an operation is charged: its points under the analyzer's points scale, else its total. */
export function charged(report: CostReport): number {
  return report.points ?? report.total;
}

/** The `--json` report: the analyzer's report, plus the limit and verdict when `--max-cost` was given. */
export function jsonReport(report: CostReport, maxCost: number | null): string {
  const body = {
    operationType: report.operationType,
    operationName: report.operationName,
    total: report.total,
    ...(report.points === undefined ? {} : { points: report.points }),
    ...(report.nodes === undefined ? {} : { nodes: report.nodes }),
    saturated: report.saturated,
    depth: report.depth,
    ...(maxCost === null ? {} : { maxCost, withinLimit: charged(report) <= maxCost }),
    fields: report.fields,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** One row of the table of many operations: priced, or why not. */
export type PricedRow =
  | { readonly file: string; readonly operationName: string | null; readonly report: CostReport }
  | {
      readonly file: string;
      readonly operationName: string | null;
      readonly error: { readonly code: string; readonly message: string };
    };

/**
 * The table of many operations, costliest first, then the ones that could not be priced: cost, verdict
 * against `--max-cost` (`ok`, `over`, or `-` without a limit), operation and file; a summary line last.
 */
export function formatTable(rows: readonly PricedRow[], maxCost: number | null): string {
  const priced = rows.flatMap((row) => ('report' in row ? [row] : []));
  const failed = rows.flatMap((row) => ('error' in row ? [row] : []));
  priced.sort((a, b) => charged(b.report) - charged(a.report));
  const table: [string, string, string, string][] = [
    ...priced.map((row): [string, string, string, string] => [
      figure(charged(row.report)),
      maxCost === null ? '-' : charged(row.report) > maxCost ? 'over' : 'ok',
      row.operationName ?? '(anonymous)',
      row.file,
    ]),
    ...failed.map((row): [string, string, string, string] => [
      '',
      'error',
      row.operationName ?? '(anonymous)',
      `${row.file}: ${row.error.code}: ${row.error.message.split('\n')[0]}`,
    ]),
  ];
  const widths = [4, 5, 9].map((min, k) => Math.max(min, ...table.map((r) => r[k]!.length)));
  const line = (r: readonly string[]): string =>
    `  ${r[0]!.padStart(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padEnd(widths[2]!)}  ${r[3]}`.trimEnd();
  const over = maxCost === null ? 0 : priced.filter((row) => charged(row.report) > maxCost).length;
  const summary = [
    plural(rows.length, 'operation', 'operations'),
    ...(maxCost === null ? [] : [`${over} over --max-cost ${maxCost}`]),
    ...(failed.length === 0 ? [] : [`${failed.length} not priced`]),
  ].join(', ');
  return `${[line(['cost', 'limit', 'operation', 'file']), ...table.map(line), '', summary].join('\n')}\n`;
}

/** The text audit: a summary, the findings by severity, the share of bounded lists, the costliest shapes. */
export function formatAudit(audit: SchemaAudit, schemaName: string, depth: number): string {
  const by = (severity: string): number => audit.findings.filter((f) => f.severity === severity).length;
  const lines = [
    `${schemaName}: ${plural(audit.findings.length, 'finding', 'findings')} (${plural(by('error'), 'error', 'errors')}, ${plural(by('warning'), 'warning', 'warnings')}, ${plural(by('info'), 'info', 'infos')})`,
    `  ${audit.lists.bounded} of ${plural(audit.lists.total, 'list field', 'list fields')} bounded (${audit.lists.percentBounded}%)`,
  ];
  if (audit.findings.length > 0) {
    lines.push('');
    const codeWidth = Math.max(...audit.findings.map((f) => f.code.length));
    for (const finding of audit.findings) {
      lines.push(`  ${finding.severity.padEnd(7)}  ${finding.code.padEnd(codeWidth)}  ${finding.coordinate}`);
      lines.push(`  ${' '.repeat(7)}  ${finding.message}`);
      const at = finding.location;
      if (at) lines.push(`  ${' '.repeat(7)}  at ${at.source}:${at.line}:${at.column}`);
    }
  }
  for (const operation of audit.costliest) {
    lines.push(
      '',
      `  costliest ${operation.operationType} within depth ${depth}: ${pointsText(operation.cost)}`,
    );
    for (const field of operation.fields) lines.push(`    ${figure(field.cost).padStart(8)}  ${field.path}`);
  }
  return `${lines.join('\n')}\n`;
}
