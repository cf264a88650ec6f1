/**
 * Public schemas (issue 15), side by side in one run: for each schema fixture in bench/fixtures/schemas
 * (reduced GitHub, GitLab and Saleor schemas, real SDL), (1) load time: graphql-quota's loading (parse, cost
 * directive declarations, buildASTSchema, then `new CostAnalyzer` with `conventions`) against graphql-js
 * `buildSchema` of the same SDL, and (2) the cold analysis of each documented operation (a freshly parsed
 * DocumentNode every call, with conventions) as a ratio to graphql-js `validate()` of the same document on
 * the same schema. Figures: the median of ROUNDS interleaved rounds, and their spread (min–max).
 *
 * Full schemas: set SCHEMAS_FULL=github=/path/to/schema.graphql,saleor=/path/to/schema.graphql to load
 * and analyze against the whole public schema instead of the reduced copy (the operations are the same).
 * Run with `npm run bench -- schemas`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildASTSchema, buildSchema, parse, validate } from 'graphql';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { CostAnalyzer, withCostDirectives } from '../src/cost/index.js';
import type { CostOptions } from '../src/cost/index.js';

const ROUNDS = 9;
/** Time per round of each variant, in milliseconds. */
const ROUND_MS = 60;
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const DIR = join(__dirname, 'fixtures', 'schemas');
const OPTIONS: Record<string, CostOptions> = {
  github: { conventions: { connections: true } },
  gitlab: { conventions: { connections: true, defaultPageSize: 100, freeEdges: true } },
  saleor: { conventions: { connections: true } },
};
const VARIABLES = { first: 2, channel: 'default-channel', slug: 'juices' };
const full = new Map(
  (process.env['SCHEMAS_FULL'] ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string]),
);

/**
 * A timed variant: each call runs one round and returns its ns per call. Batches (inputs made by `prepare`,
 * untimed, then a collection) are sized to about a fifth of a round, the size kept from round to round.
 */
function timed<T>(prepare: () => T, run: (input: T) => unknown): () => number {
  let batch = 1;
  return () => {
    let elapsed = 0;
    let calls = 0;
    while (elapsed < ROUND_MS) {
      const inputs = Array.from({ length: batch }, prepare);
      gc();
      const start = performance.now();
      for (const input of inputs) run(input);
      const ms = performance.now() - start;
      elapsed += ms;
      calls += batch;
      batch = Math.max(1, Math.min(5_000, Math.round((batch * ROUND_MS) / 5 / Math.max(ms, 0.01))));
    }
    return (elapsed * 1e6) / calls;
  };
}

/** Each variant's per-round figures, rounds interleaved. */
function interleave(variants: readonly (() => number)[]): number[][] {
  for (let w = 0; w < 3; w++) for (const variant of variants) variant(); // warm-up rounds
  const rounds: number[][] = variants.map(() => []);
  for (let r = 0; r < ROUNDS; r++) variants.forEach((variant, k) => rounds[k]!.push(variant()));
  return rounds;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (ns: number): string => `${(ns / 1e6).toFixed(2)} ms`;
const us = (ns: number): string => `${(ns / 1e3).toFixed(1)} µs`;
/** Median ratio of paired rounds, and the spread of the per-round ratios. */
function ratio(a: readonly number[], b: readonly number[]): string {
  const ratios = a.map((x, k) => x / b[k]!);
  const sorted = [...ratios].sort((x, y) => x - y);
  return `${median(ratios).toFixed(3)}x (${sorted[0]!.toFixed(3)}–${sorted[sorted.length - 1]!.toFixed(3)})`;
}

for (const name of readdirSync(DIR)
  .filter((d) => !d.includes('.'))
  .sort()) {
  const path = full.get(name) ?? join(DIR, name, 'schema.graphql');
  const sdl = readFileSync(path, 'utf8');
  const options = OPTIONS[name] ?? {};
  console.log(
    `\n${name}: ${path === join(DIR, name, 'schema.graphql') ? 'reduced fixture' : path}, ${(sdl.length / 1024).toFixed(0)} KiB`,
  );
  const [ours, graphqlJs] = interleave([
    timed(
      () => sdl,
      (text) => new CostAnalyzer(buildASTSchema(withCostDirectives(parse(text))), options),
    ),
    timed(
      () => sdl,
      (text) => buildSchema(text),
    ),
  ]) as [number[], number[]];
  console.log(
    `  load    graphql-quota ${ms(median(ours))} (schema + analyzer), graphql-js buildSchema ${ms(median(graphqlJs))}: ${ratio(ours, graphqlJs)}`,
  );
  const schema: GraphQLSchema = buildASTSchema(withCostDirectives(sdl));
  const analyzer = new CostAnalyzer(schema, options);
  const operations = readdirSync(join(DIR, name)).filter(
    (f) => f.endsWith('.graphql') && f !== 'schema.graphql',
  );
  for (const file of operations.sort()) {
    const source = readFileSync(join(DIR, name, file), 'utf8');
    const total = analyzer.analyze(parse(source), { variables: VARIABLES }).total;
    const [cold, validation] = interleave([
      timed(
        () => parse(source),
        (document: DocumentNode) => analyzer.analyze(document, { variables: VARIABLES }),
      ),
      timed(
        () => parse(source),
        (document: DocumentNode) => validate(schema, document),
      ),
    ]) as [number[], number[]];
    console.log(
      `  ${file.padEnd(28)} total ${String(total).padStart(7)}  cold ${us(median(cold))}  validate ${us(median(validation))}  cold/validate ${ratio(cold, validation)}`,
    );
  }
}
