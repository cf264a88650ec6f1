/**
 * Cost analysis speed, side by side in one run, as a ratio to graphql-js `validate()` of the same document
 * (which every server runs anyway): this library's CostAnalyzer cold (a DocumentNode it has never seen) and
 * cached (the same DocumentNode, new variables), graphql-query-complexity 2.x, this library cold in the
 * 'ibm' model (two costs, so two plans per document), and graphql-armor's cost limit. Run with
 * `npm run bench -- cost`.
 *
 * Method: every variant gets a one-call probe (a throw is reported, not fatal) and a warm-up, then the
 * variants of a case take turns for ROUNDS rounds of batched calls; each reports its median round.
 * Documents are parsed before each batch, outside the timed region: "cold" calls each get a distinct,
 * freshly parsed DocumentNode, so no per-document cache can help.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { buildASTSchema, parse, validate, visit } from 'graphql';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { directiveEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { withCostDirectives } from '../src/cost/index.js';
import { CostAnalyzer } from '../src/cost/index.js';
import { aliasesQuery, deepQuery, fanOutQuery } from './fixtures/generate.js';

/** Time spent measuring each variant of each case, in milliseconds, split into ROUNDS rounds. */
const BUDGET_MS = 300;
/** Interleaved rounds per case; each variant's median round is reported. */
const ROUNDS = 5;
/** Untimed calls before measuring, in milliseconds. */
const WARMUP_MS = 100;
/** A single call slower than this is reported as such and not repeated, in milliseconds. */
const SLOW_MS = 5_000;

const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

interface Case {
  readonly name: string;
  readonly source: string;
  /** Variables of call `i`; the cached variant gets new ones on every call. */
  readonly variables: (i: number) => Record<string, unknown>;
}

type Outcome =
  | { readonly kind: 'ok'; readonly nsPerOp: number; readonly result: unknown }
  | { readonly kind: 'throws'; readonly message: string }
  | { readonly kind: 'slow'; readonly msPerOp: number };

interface Variant {
  readonly name: string;
  /** True when every call gets the same DocumentNode (the cache-friendly case). */
  readonly sameDocument: boolean;
  readonly run: (document: DocumentNode, variables: Record<string, unknown>) => unknown;
}

function fixture(name: string): string {
  return readFileSync(join(__dirname, 'fixtures', name), 'utf8');
}

function countFields(document: DocumentNode): number {
  let n = 0;
  visit(document, { Field: () => void n++ });
  return n;
}

/** A variant ready to be timed on a case, or the reason it cannot be. */
type Runner =
  { readonly kind: 'ready'; readonly result: unknown; readonly round: (ms: number) => number } | Outcome;

/** Probes the variant once (a throw or a very slow call ends there), then warms it up. */
function prepare(c: Case, variant: Variant): Runner {
  const first = parse(c.source);
  let result: unknown;
  const probeStart = performance.now();
  try {
    result = variant.run(first, c.variables(0));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { kind: 'throws', message: message.length > 60 ? `${message.slice(0, 57)}...` : message };
  }
  const probeMs = performance.now() - probeStart;
  if (probeMs > SLOW_MS) return { kind: 'slow', msPerOp: probeMs };

  // Batches sized to take about a fifth of a round (few collections, negligible timer error), re-estimated
  // after every batch; cold batches are also capped so that their parsed documents fit in memory.
  const maxDocs = variant.sameDocument
    ? 100_000
    : Math.max(16, Math.min(10_000, Math.floor(1e6 / c.source.length)));
  let perOpMs = Math.max(probeMs, 0.0001);
  const roundMs = BUDGET_MS / ROUNDS;
  const batchSize = (): number => Math.max(1, Math.min(maxDocs, Math.floor(roundMs / 5 / perOpMs)));
  const documents = (n: number): DocumentNode[] =>
    variant.sameDocument
      ? new Array<DocumentNode>(n).fill(first)
      : Array.from({ length: n }, () => parse(c.source));
  let call = 1;
  const runBatch = (docs: DocumentNode[]): number => {
    const variables = docs.map(() => c.variables(call++));
    const start = performance.now();
    for (let k = 0; k < docs.length; k++) variant.run(docs[k]!, variables[k]!);
    const ms = performance.now() - start;
    perOpMs = Math.max(ms / docs.length, 0.0001);
    return ms;
  };
  let warm = 0;
  while (warm < WARMUP_MS) warm += runBatch(documents(batchSize()));
  const round = (ms: number): number => {
    let elapsed = 0;
    let ops = 0;
    while (elapsed < ms) {
      const docs = documents(batchSize());
      gc();
      elapsed += runBatch(docs);
      ops += docs.length;
    }
    return (elapsed * 1e6) / ops;
  };
  return { kind: 'ready', result, round };
}

/**
 * Times every variant of a case in interleaved rounds and keeps each one's median round, so that a burst
 * of load from elsewhere on the machine skews one round of every variant rather than one variant.
 */
function measureCase(c: Case, variants: readonly Variant[]): Outcome[] {
  const runners = variants.map((v) => prepare(c, v));
  const rounds: number[][] = runners.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    runners.forEach((runner, k) => {
      if (runner.kind === 'ready') rounds[k]!.push(runner.round(BUDGET_MS / ROUNDS));
    });
  }
  return runners.map((runner, k) => {
    if (runner.kind !== 'ready') return runner;
    const sorted = [...rounds[k]!].sort((a, b) => a - b);
    return { kind: 'ok', nsPerOp: sorted[Math.floor(sorted.length / 2)]!, result: runner.result };
  });
}

function microseconds(ns: number): string {
  const us = ns / 1000;
  return us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2);
}

function cell(outcome: Outcome, baseline: Outcome): string {
  if (outcome.kind === 'throws') return `throws: ${outcome.message}`;
  if (outcome.kind === 'slow') return `> ${SLOW_MS / 1000} s (${(outcome.msPerOp / 1000).toFixed(1)} s)`;
  const us = `${microseconds(outcome.nsPerOp)} µs`;
  if (baseline.kind !== 'ok') return us;
  return `${(outcome.nsPerOp / baseline.nsPerOp).toFixed(outcome.nsPerOp < baseline.nsPerOp / 100 ? 4 : 3)}x (${us})`;
}

function main(): void {
  const schema: GraphQLSchema = buildASTSchema(withCostDirectives(fixture('../../schema/pim.graphql')));
  // Depth 100 is one of the cases: priced rather than refused at the default maxDepth of 64.
  const analyzer = new CostAnalyzer(schema, { maxDepth: 200 });
  // The 'ibm' model prices each document twice (field cost and type cost): its own row.
  const ibm = new CostAnalyzer(schema, { maxDepth: 200, model: 'ibm' });
  const estimators = [directiveEstimator(), simpleEstimator({ defaultComplexity: 1 })];
  let armorCost = 0;
  const armorRule = costLimitRule({
    maxCost: Number.POSITIVE_INFINITY,
    onAccept: [(_context, { n }) => void (armorCost = n)],
  });

  const none = (): Record<string, unknown> => ({});
  const cases: Case[] = [
    { name: 'tiny', source: fixture('tiny.graphql'), variables: none },
    {
      name: 'typical page',
      source: fixture('typical.graphql'),
      variables: (i) => ({
        categoryId: 'Category:3',
        channel: 'Channel:1',
        currency: 'EUR',
        first: 1 + (i % 100),
      }),
    },
    {
      name: 'export',
      source: fixture('export.graphql'),
      variables: (i) => ({ first: 1 + (i % 100), variantsPerProduct: 1 + (i % 50) }),
    },
    { name: 'fan-out 2^10', source: fanOutQuery(10), variables: none },
    { name: 'fan-out 2^24', source: fanOutQuery(24), variables: none },
    { name: '2,000 aliases', source: aliasesQuery(2000), variables: none },
    { name: 'depth 100', source: deepQuery(100), variables: none },
  ];
  const variants: Variant[] = [
    { name: 'validate()', sameDocument: false, run: (doc) => validate(schema, doc) },
    {
      name: 'this, cold',
      sameDocument: false,
      run: (doc, variables) => analyzer.analyze(doc, { variables }).total,
    },
    {
      name: 'this, cached',
      sameDocument: true,
      run: (doc, variables) => analyzer.analyze(doc, { variables }).total,
    },
    {
      name: 'graphql-query-complexity',
      sameDocument: false,
      run: (doc, variables) => getComplexity({ schema, query: doc, variables, estimators }),
    },
    {
      name: 'this, cold, model ibm',
      sameDocument: false,
      run: (doc, variables) => ibm.analyze(doc, { variables }).total,
    },
    {
      name: 'graphql-armor cost-limit',
      sameDocument: false,
      run: (doc) => {
        const errors = validate(schema, doc, [armorRule]);
        if (errors.length > 0) throw errors[0]!;
        return armorCost;
      },
    },
  ];

  const cpu = cpus();
  console.log(
    `Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}; ${ROUNDS} interleaved rounds, ${BUDGET_MS} ms per cell, median round` +
      `${(globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for steadier numbers)'}\n`,
  );
  const results = new Map<string, Outcome[]>();
  for (const c of cases) {
    const document = parse(c.source);
    const outcomes = measureCase(c, variants);
    results.set(c.name, outcomes);
    const [base, ...rest] = outcomes as [Outcome, ...Outcome[]];
    const costs = outcomes
      .slice(1)
      .map((o, k) => `${variants[k + 1]!.name}: ${o.kind === 'ok' ? String(o.result) : '-'}`)
      .filter((_, k) => k !== 1);
    console.log(`${c.name} (${countFields(document)} fields in the document, ${c.source.length} bytes)`);
    console.log(`  ${'validate()'.padEnd(26)} ${cell(base, base)}`);
    rest.forEach((o, k) => console.log(`  ${variants[k + 1]!.name.padEnd(26)} ${cell(o, base)}`));
    console.log(`  costs (each tool's own model): ${costs.join('; ')}\n`);
  }

  console.log('Ratio to validate() of the same document (lower is better):\n');
  const header = ['case', 'validate()', ...variants.slice(1).map((v) => v.name)];
  const rows = cases.map((c) => {
    const outcomes = results.get(c.name)!;
    const base = outcomes[0]!;
    return [
      c.name,
      base.kind === 'ok' ? `${microseconds(base.nsPerOp)} µs` : cell(base, base),
      ...outcomes
        .slice(1)
        .map((o) =>
          o.kind === 'ok' && base.kind === 'ok'
            ? `${(o.nsPerOp / base.nsPerOp).toFixed(o.nsPerOp < base.nsPerOp / 100 ? 4 : 3)}x`
            : o.kind === 'throws'
              ? 'throws'
              : cell(o, base),
        ),
    ];
  });
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (r: string[]): string => `| ${r.map((x, k) => x.padEnd(widths[k]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));

  const ratio = (name: string, variant: number): number => {
    const outcomes = results.get(name)!;
    const [base, o] = [outcomes[0]!, outcomes[variant]!];
    return base.kind === 'ok' && o.kind === 'ok' ? o.nsPerOp / base.nsPerOp : Number.POSITIVE_INFINITY;
  };
  const targets: [string, number, number][] = [
    ['cold, typical page', ratio('typical page', 1), 0.1],
    ['cold, export', ratio('export', 1), 0.1],
    ['cached with new variables, typical page', ratio('typical page', 2), 0.01],
    ['cached with new variables, export', ratio('export', 2), 0.01],
    ['cold, fan-out 2^24', ratio('fan-out 2^24', 1), 0.2],
  ];
  console.log('\nTargets (ratio to validate()):');
  for (const [name, value, limit] of targets) {
    console.log(
      `  ${value <= limit ? 'met   ' : 'MISSED'} ${name}: ${value.toFixed(4)}x (target ≤ ${limit}x)`,
    );
  }
}

main();
