import type { CostReport } from '../cost/index.js';

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

/**
 * The human-readable report: a header, then the breakdown as a right-aligned table. The operation's base
 * cost (a mutation's, say) is the part of the total no field accounts for, so it gets its own row.
 */
export function formatReport(report: CostReport, options: FormatOptions): string {
  const name = report.operationName ?? '(anonymous)';
  const lines = [`${report.operationType} ${name}`, `  total  ${plural(report.total, 'point', 'points')}`];
  if (options.maxCost !== null) {
    const verdict =
      report.total > options.maxCost ? `over by ${report.total - options.maxCost}` : 'within the limit';
    lines.push(`  limit  ${options.maxCost}, ${verdict}`);
  }
  lines.push(`  depth  ${report.depth}`);

  const fieldPoints = report.fields.reduce((sum, f) => sum + f.cost, 0);
  const shown = options.top === 0 ? report.fields : report.fields.slice(0, options.top);
  const rows: [string, string, string][] = shown.map((f) => [String(f.cost), String(f.count), f.path]);
  const base = report.total - fieldPoints;
  if (base !== 0) rows.push([String(base), '', `(${report.operationType} base cost)`]);
  if (rows.length > 0) {
    const costWidth = Math.max(4, ...rows.map((r) => r[0].length));
    const countWidth = Math.max(5, ...rows.map((r) => r[1].length));
    lines.push('', `  ${'cost'.padStart(costWidth)}  ${'count'.padStart(countWidth)}  field`);
    for (const [cost, n, path] of rows)
      lines.push(`  ${cost.padStart(costWidth)}  ${n.padStart(countWidth)}  ${path}`);
  }
  const hidden = report.fields.length - shown.length;
  if (hidden > 0) {
    const hiddenPoints = report.fields.slice(shown.length).reduce((sum, f) => sum + f.cost, 0);
    lines.push(
      `  … ${plural(hidden, 'more field', 'more fields')} (${plural(hiddenPoints, 'point', 'points')}); --top 0 lists all`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The `--json` report: the analyzer's report, plus the limit and verdict when `--max-cost` was given. */
export function jsonReport(report: CostReport, maxCost: number | null): string {
  const body = {
    operationType: report.operationType,
    operationName: report.operationName,
    total: report.total,
    depth: report.depth,
    ...(maxCost === null ? {} : { maxCost, withinLimit: report.total <= maxCost }),
    fields: report.fields,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}
