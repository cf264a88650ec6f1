/**
 * Hostile input for the demo schema: a corpus of the nastiest documents (fragment cycles and fan-out, alias
 * and field floods, deep nesting, huge and negative list sizes, wrong variables, oversized documents, batches
 * of them, bodies that are not GraphQL requests at all), and a fast-check generator of random operations
 * against the schema, valid and invalid. `runHostile` sends each to a server and checks every answer: 200,
 * 400 or 429, a JSON body whose every error has a string `extensions.code`, within a stated bound.
 */
import fc from 'fast-check';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { startServerProcess } from '../../__tests__/helpers/serverProcess.js';
import { createDemoSchema } from '../../demo/schema.js';
import { DEMO_MAX_COST, DEMO_PLANS } from '../../demo/server.js';
import { drive, percentile, type Shot, type ShotRequest } from './driver.js';

/** One hostile request: a name for the report and the raw body. */
export interface HostileCase {
  readonly name: string;
  readonly body: string;
}

const request = (query: string, variables?: unknown, operationName?: string) =>
  JSON.stringify({
    query,
    ...(variables !== undefined ? { variables } : {}),
    ...(operationName ? { operationName } : {}),
  });

/** `n` fragments, each spreading the next twice at two places: 2^n paths through one small document. */
function fragmentFanOut(n: number): string {
  const fragments = Array.from({ length: n }, (_, i) =>
    i === n - 1
      ? `fragment F${i} on Product { sku }`
      : `fragment F${i} on Product { ...F${i + 1} related(first: 2) { ...F${i + 1} } }`,
  );
  return `{ products(first: 2) { nodes { ...F0 } } } ${fragments.join(' ')}`;
}

/** The corpus: each case is built, not stored, so its size is visible here. */
export function hostileCorpus(): HostileCase[] {
  const nested = (depth: number) =>
    `{ category(id: "Category:3") { ${'parent { '.repeat(depth)}code${' }'.repeat(depth)} } }`;
  const aliases = (n: number) =>
    `{ ${Array.from({ length: n }, (_, i) => `a${i}: product(sku: "OUT-0000${i % 10}") { sku }`).join(' ')} }`;
  const big = (bytes: number) => `{ products(first: 1) { nodes { sku } } } # ${'x'.repeat(bytes)}`;
  const bomb = `query($f: Int = 100) { products(first: $f) { nodes { variants(first: $f) { nodes { prices { amount { amount } } } } } } }`;
  const cases: HostileCase[] = [
    // Fragments
    {
      name: 'fragment cycle',
      body: request('{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }'),
    },
    {
      name: 'fragment self-spread',
      body: request('{ ...A } fragment A on Query { categoryTree { code } ...A }'),
    },
    { name: 'fragment fan-out 2^20', body: request(fragmentFanOut(20)) },
    { name: 'fragment fan-out 2^40', body: request(fragmentFanOut(40)) },
    { name: 'unknown fragment', body: request('{ ...Nope }') },
    // Floods
    { name: '2,000 aliases of a priced field', body: request(aliases(2_000)) },
    { name: '10,000 aliases of a priced field', body: request(aliases(10_000)) },
    { name: '3,000 copies of one field', body: request(`{ categoryTree { ${'code '.repeat(3_000)}} }`) },
    { name: '20,000 __typename', body: request(`{ ${'__typename '.repeat(20_000)}}`) },
    {
      name: '1,000 operations in one document',
      body: request(
        Array.from({ length: 1_000 }, (_, i) => `query Q${i} { categoryTree { code } }`).join(' '),
        undefined,
        'Q999',
      ),
    },
    {
      name: '1,000 operations, none chosen',
      body: request(Array.from({ length: 1_000 }, (_, i) => `query Q${i} { __typename }`).join(' ')),
    },
    {
      name: 'repeated directive',
      body: request(`{ categoryTree { code ${'@include(if: true) '.repeat(500)}} }`),
    },
    // Depth
    { name: 'nesting 60 deep', body: request(nested(60)) },
    { name: 'nesting 100 deep', body: request(nested(100)) },
    { name: 'nesting 2,000 deep', body: request(nested(2_000)) },
    { name: 'nesting 20,000 deep', body: request(nested(20_000)) },
    { name: 'brackets 100,000 deep', body: request(`{ ${'a { '.repeat(100_000)}`) },
    // List sizes
    { name: 'first: 2^31-1', body: request('{ products(first: 2147483647) { nodes { sku } } }') },
    {
      name: 'first: beyond Int',
      body: request('{ products(first: 99999999999999999999) { nodes { sku } } }'),
    },
    { name: 'first: -5', body: request('{ products(first: -5) { nodes { sku } } }') },
    { name: 'first: -2^31', body: request('{ products(first: -2147483648) { nodes { sku } } }') },
    {
      name: 'first from a variable: 10^9',
      body: request('query($n: Int) { products(first: $n) { nodes { sku } } }', { n: 1_000_000_000 }),
    },
    {
      name: 'first from a variable: -1',
      body: request('query($n: Int) { products(first: $n) { nodes { sku } } }', { n: -1 }),
    },
    { name: 'defaults multiplied: 100 x 100', body: request(bomb) },
    // Variables
    {
      name: 'variable of the wrong type',
      body: request('query($n: Int!) { products(first: $n) { nodes { sku } } }', { n: 'ten' }),
    },
    {
      name: 'variable missing',
      body: request('query($n: Int!) { products(first: $n) { nodes { sku } } }', {}),
    },
    {
      name: 'variable a float',
      body: request('query($n: Int!) { products(first: $n) { nodes { sku } } }', { n: 1.5 }),
    },
    { name: 'variables not an object', body: JSON.stringify({ query: '{ __typename }', variables: [1, 2] }) },
    {
      name: 'input object of the wrong shape',
      body: request('query($f: ProductFilter) { products(first: 1, filter: $f) { nodes { sku } } }', {
        f: { status: 'NOPE', extra: { deep: [1, 2, 3] } },
      }),
    },
    {
      name: '100,000 list items in a variable',
      body: request(
        'mutation($items: [ProductImportInput!]!) { bulkImportProducts(items: $items) { created } }',
        { items: Array.from({ length: 100_000 }, (_, i) => ({ sku: `S-${i}`, name: 'x' })) },
      ),
    },
    // Size
    { name: 'document of 1 MB', body: request(big(1_000_000)) },
    { name: 'document of 4 MB', body: request(big(4_000_000)) },
    {
      name: 'string literal of 2 MB',
      body: request(`{ search(query: "${'y'.repeat(2_000_000)}") { totalCount } }`),
    },
    // Not GraphQL requests
    { name: 'empty body', body: '' },
    { name: 'JSON null', body: 'null' },
    { name: 'JSON number', body: '42' },
    { name: 'query not a string', body: JSON.stringify({ query: { evil: true } }) },
    { name: 'empty query', body: JSON.stringify({ query: '' }) },
    { name: 'truncated JSON', body: '{"query": "{ categoryTree { code } }' },
    { name: 'syntax error', body: request('{ categoryTree { code }') },
    { name: 'subscription', body: request('subscription { __typename }') },
    { name: 'unknown operationName', body: request('query A { __typename }', undefined, 'B') },
    {
      name: 'introspection',
      body: request(
        '{ __schema { types { name fields { name args { name type { name ofType { name ofType { name } } } } } } } }',
      ),
    },
    // Batches (the test server accepts batched requests)
    {
      name: 'batch of 100 cheap operations',
      body: JSON.stringify(Array.from({ length: 100 }, () => ({ query: '{ categoryTree { code } }' }))),
    },
    {
      name: 'batch of hostile documents',
      body: JSON.stringify([
        { query: fragmentFanOut(30) },
        { query: aliases(2_000) },
        { query: nested(100) },
        { query: '{ ...A } fragment A on Query { ...A }' },
        { query: 'nonsense' },
      ]),
    },
    {
      // Before the plugin folded a batch's decisions as they came, this took 20 s (it was O(n²)).
      name: 'batch of 3,000 trivial operations',
      body: JSON.stringify(Array.from({ length: 3_000 }, () => ({ query: '{ __typename }' }))),
    },
    {
      name: 'batch of 1,000 expensive operations',
      body: JSON.stringify(
        Array.from({ length: 1_000 }, () => ({ query: '{ products(first: 100) { nodes { sku } } }' })),
      ),
    },
    { name: 'empty batch', body: '[]' },
    { name: 'batch of nulls', body: '[null, null]' },
  ];
  return cases;
}

//#region Generated operations

/** A deterministic chooser over a fast-check tape of integers (so failures shrink to small tapes). */
class Tape {
  #i = 0;
  constructor(private readonly values: readonly number[]) {}
  next(n: number): number {
    const v = this.values.length === 0 ? 0 : this.values[this.#i++ % this.values.length]!;
    return n <= 0 ? 0 : v % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.next(items.length)]!;
  }
  chance(percent: number): boolean {
    return this.next(100) < percent;
  }
}

const INTS = [0, 1, 3, 10, 100, 101, -1, -100, 2_147_483_647, -2_147_483_648];
const STRINGS = [
  '',
  'x',
  'OUT-00001',
  'Product:1',
  'Category:3',
  'Channel:1',
  '🦄',
  'a'.repeat(300),
  '"',
  '\\',
];

function literal(type: GraphQLInputType, tape: Tape, depth: number): string {
  const nullable = getNullableType(type);
  if (!isNonNullType(type) && tape.chance(5)) return 'null';
  if (isListType(nullable)) {
    const n = tape.next(4);
    return `[${Array.from({ length: n }, () => literal(nullable.ofType, tape, depth + 1)).join(', ')}]`;
  }
  if (isEnumType(nullable)) return tape.chance(90) ? tape.pick(nullable.getValues()).name : 'NOT_A_VALUE';
  if (isInputObjectType(nullable)) {
    if (depth > 3) return '{}';
    const fields = Object.values(nullable.getFields()).filter(
      (f) => isNonNullType(f.type) || tape.chance(40),
    );
    return `{ ${fields.map((f) => `${f.name}: ${literal(f.type, tape, depth + 1)}`).join(', ')} }`;
  }
  if (isScalarType(nullable)) {
    switch (nullable.name) {
      case 'Int':
        return String(tape.pick(INTS));
      case 'Float':
        return tape.pick(['0.5', '-1e300', '3']);
      case 'Boolean':
        return tape.pick(['true', 'false']);
      default:
        return JSON.stringify(tape.pick(STRINGS));
    }
  }
  return 'null';
}

function argumentsOf(args: readonly GraphQLArgument[], tape: Tape): string {
  const given = args.filter((a) => isNonNullType(a.type) || tape.chance(50));
  if (given.length === 0) return '';
  return `(${given.map((a) => `${a.name}: ${literal(a.type, tape, 0)}`).join(', ')})`;
}

function selection(type: GraphQLNamedType, tape: Tape, depth: number, maxDepth: number): string {
  if (isUnionType(type)) {
    return `{ __typename ${type
      .getTypes()
      .filter(() => tape.chance(60))
      .map((member) => `... on ${member.name} ${selection(member, tape, depth, maxDepth)}`)
      .join(' ')} }`;
  }
  if (!isObjectType(type) && !isInterfaceType(type)) return '';
  const fields = Object.values(type.getFields());
  const count = 1 + tape.next(4);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const field = tape.pick(fields);
    const named = getNamedType(field.type);
    const alias = tape.chance(15) ? `a${tape.next(1_000)}: ` : '';
    const args = argumentsOf(field.args, tape);
    if (isLeafType(named)) parts.push(`${alias}${field.name}${args}`);
    else if (depth >= maxDepth) parts.push('__typename');
    else parts.push(`${alias}${field.name}${args} ${selection(named, tape, depth + 1, maxDepth)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

/** How a generated operation is spoiled, if at all. */
const SPOILERS = [
  'valid',
  'valid',
  'valid',
  'unknown field',
  'truncated',
  'garbage',
  'wrong variable',
] as const;

/** A random operation against `schema` from a tape: half valid as far as the generator knows, half spoiled. */
export function generatedRequest(schema: GraphQLSchema, values: readonly number[]): string {
  const tape = new Tape(values);
  const mutation = schema.getMutationType();
  const root =
    mutation !== null && mutation !== undefined && tape.chance(15) ? mutation : schema.getQueryType()!;
  const keyword = root === mutation ? 'mutation' : 'query';
  let query = `${keyword} ${selection(root, tape, 1, 2 + tape.next(4))}`;
  let variables: unknown;
  switch (tape.pick(SPOILERS)) {
    case 'unknown field':
      query = query.replace('{ ', '{ noSuchField ');
      break;
    case 'truncated':
      query = query.slice(0, 1 + tape.next(query.length));
      break;
    case 'garbage':
      query = Array.from({ length: 1 + tape.next(60) }, () =>
        tape.pick(['{', '}', '(', ')', ':', '$', '!', '...', '@', 'x', '"', '#', '\n']),
      ).join('');
      break;
    case 'wrong variable':
      query = `query($n: Int!) { products(first: $n) { nodes { sku } } }`;
      variables = { n: tape.pick<unknown>(['ten', 1.5, null, [], { n: 1 }, 2 ** 40, true]) };
      break;
    default:
      break;
  }
  return request(query, variables);
}

/** `count` generated requests for the demo schema, reproducible from `seed`. */
export function generatedCorpus(count: number, seed: number): HostileCase[] {
  const schema = createDemoSchema();
  return fc
    .sample(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 20, maxLength: 300 }), { numRuns: count, seed })
    .map((tape, i) => ({ name: `generated #${i} (seed ${seed})`, body: generatedRequest(schema, tape) }));
}

//#endregion

export interface HostileOptions {
  readonly cases: readonly HostileCase[];
  /** Concurrent senders. */
  readonly lanes: number;
  /**
   * The bound each answer must come within, ms (`npm run proof`). Unset in `npm test`, which asserts no
   * duration (it must pass on a busy machine): answers then only have to come, within a 2-minute hang guard.
   */
  readonly boundMs?: number;
}

/** What was wrong with one answer. */
export interface HostileFinding {
  readonly name: string;
  readonly status: number;
  readonly ms: number;
  readonly why: string;
}

export interface HostileReport {
  readonly documents: number;
  readonly statuses: Record<number, number>;
  /** Error codes seen, with counts. */
  readonly codes: Record<string, number>;
  readonly maxMs: number;
  readonly p99Ms: number;
  /** The slowest cases, slowest first. */
  readonly slowest: readonly { name: string; ms: number; status: number }[];
  /** Answers that broke a rule: a status other than 200/400/429, no JSON, an error without a code, too slow. */
  readonly findings: readonly HostileFinding[];
}

/** The server the hostile documents are sent to: the demo schema and plans, batching on, `maxCost` as the demo. */
export async function runHostile(options: HostileOptions): Promise<HostileReport> {
  const server = await startServerProcess({
    schema: 'demo',
    plans: DEMO_PLANS,
    defaultPlan: 'enterprise',
    maxCost: DEMO_MAX_COST,
    allowBatchedHttpRequests: true,
    exposeCost: 'on-request',
  });
  try {
    let cursor = 0;
    const run = await drive({
      urls: [server.url],
      lanes: options.lanes,
      count: options.cases.length,
      requestTimeoutMs: options.boundMs === undefined ? 120_000 : Math.max(options.boundMs * 5, 30_000),
      // Each case exactly once, whichever lane is free: the driver asks for requests one at a time.
      request: (): ShotRequest => {
        const c = options.cases[cursor++]!;
        return { query: '', body: c.body, operationName: c.name, bearer: 'hostile' };
      },
    });
    const shots = run.shots;
    const statuses: Record<number, number> = {};
    const codes: Record<string, number> = {};
    const findings: HostileFinding[] = [];
    for (const shot of shots) {
      statuses[shot.status] = (statuses[shot.status] ?? 0) + 1;
      for (const code of shot.codes) codes[code] = (codes[code] ?? 0) + 1;
      const why = judge(shot, options.boundMs);
      if (why !== null)
        findings.push({ name: shot.operationName ?? '?', status: shot.status, ms: shot.ms, why });
    }
    const ms = shots.map((s) => s.ms);
    return {
      documents: shots.length,
      statuses,
      codes,
      maxMs: Math.max(...ms),
      p99Ms: percentile(ms, 99),
      slowest: [...shots]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5)
        .map((s) => ({ name: s.operationName ?? '?', ms: s.ms, status: s.status })),
      findings,
    };
  } finally {
    await server.kill();
  }
}

function judge(shot: Shot, boundMs: number | undefined): string | null {
  if (shot.status === 0) return `no answer: ${shot.failure ?? ''}`;
  if (![200, 400, 429].includes(shot.status)) return `status ${shot.status}`;
  if (boundMs !== undefined && shot.ms > boundMs)
    return `answered in ${Math.round(shot.ms)} ms, over the ${boundMs} ms bound`;
  if (shot.codes.includes('undefined')) return 'an error without extensions.code';
  if (shot.codes.includes('INTERNAL_SERVER_ERROR')) return 'INTERNAL_SERVER_ERROR';
  // A body that is not a GraphQL request at all (not JSON, JSON null) is refused by Apollo's HTTP layer with a
  // plain-text 400 ("POST body missing, invalid Content-Type, or JSON object has no keys."): clear enough.
  if (shot.status === 400 && !shot.json) return shot.text === '' ? 'a 400 with an empty body' : null;
  if (shot.status !== 200 && shot.codes.length === 0) return `status ${shot.status} without an error code`;
  return null;
}
