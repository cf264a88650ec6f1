import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliErrorCode, ExitCode, USAGE, runCli } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/main.js';

const BOOKS = readFileSync(join(__dirname, 'fixtures', 'books.graphql'), 'utf8');

const QUERIES = `query Shelf($n: Int) { books(first: $n) { title author { name } reviews { stars } } }
mutation Add { addBook(title: "x") { title } }
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command against an in-memory file system. */
async function cli(argv: string[], files: Record<string, string> = {}): Promise<Run> {
  const all: Record<string, string> = { 'books.graphql': BOOKS, 'q.graphql': QUERIES, ...files };
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readFile: (path) => {
      const text = all[path];
      return text === undefined
        ? Promise.reject(new Error(`ENOENT: no such file or directory, open '${path}'`))
        : Promise.resolve(text);
    },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const BASE = ['cost', '--schema', 'books.graphql', '--query', 'q.graphql'];

/** A failing run: exit code and the one stderr line, nothing on stdout. */
function failed(code: number, line: string): Run {
  return { code, stdout: '', stderr: `${line}\n` };
}

describe('graphql-quota cost: reports', () => {
  it('prints the total and the breakdown, costliest first', async () => {
    // books: 2 Books (1 each) + 2 authors + 2 × 4 reviews + 8 × stars at 2 = 2 + 2 + 8 + 16 = 28.
    await expect(cli([...BASE, '--operation', 'Shelf', '--variables', '{"n": 2}'])).resolves.toEqual({
      code: ExitCode.OK,
      stderr: '',
      stdout: [
        'query Shelf',
        '  total  28 points',
        '  depth  3',
        '',
        '  cost  count  field',
        '    16      8  books.reviews.stars',
        '     8      2  books.reviews',
        '     2      1  books',
        '     2      2  books.author',
        '     0      2  books.title',
        '     0      2  books.author.name',
        '',
      ].join('\n'),
    });
  });

  it('shows a mutation base cost as its own row, and reads variables from @file', async () => {
    const run = await cli([...BASE, '--operation', 'Add', '--variables', '@vars.json'], {
      'vars.json': '{}',
    });
    expect(run).toEqual({
      code: ExitCode.OK,
      stderr: '',
      stdout: [
        'mutation Add',
        '  total  14 points',
        '  depth  2',
        '',
        '  cost  count  field',
        '     4      1  addBook',
        '     0      1  addBook.title',
        '    10         (mutation base cost)',
        '',
      ].join('\n'),
    });
  });

  it('uses the schema default of a slicing argument when the variable is absent', async () => {
    const run = await cli([...BASE, '--operation', 'Shelf', '--top', '1']);
    expect(run.stdout).toBe(
      [
        'query Shelf',
        '  total  140 points',
        '  depth  3',
        '',
        '  cost  count  field',
        '    80     40  books.reviews.stars',
        '  … 5 more fields (60 points); --top 0 lists all',
        '',
      ].join('\n'),
    );
  });

  it('prints one JSON document with --json', async () => {
    const run = await cli([
      ...BASE,
      '--operation',
      'Shelf',
      '--variables',
      '{"n": 1}',
      '--max-cost',
      '14',
      '--json',
    ]);
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      operationType: 'query',
      operationName: 'Shelf',
      total: 14,
      saturated: false,
      depth: 3,
      maxCost: 14,
      withinLimit: true,
      fields: [
        { path: 'books.reviews.stars', count: 4, cost: 8 },
        { path: 'books.reviews', count: 1, cost: 4 },
        { path: 'books', count: 1, cost: 1 },
        { path: 'books.author', count: 1, cost: 1 },
        { path: 'books.title', count: 1, cost: 0 },
        { path: 'books.author.name', count: 1, cost: 0 },
      ],
    });
  });

  it('exits 1 over --max-cost, still printing the report', async () => {
    const run = await cli([...BASE, '--operation', 'Shelf', '--max-cost', '139', '--top', '0']);
    expect(run.code).toBe(ExitCode.OVER_LIMIT);
    expect(run.stdout.split('\n').slice(0, 4)).toEqual([
      'query Shelf',
      '  total  140 points',
      '  limit  139, over by 1',
      '  depth  3',
    ]);
    expect(run.stderr).toBe(
      'graphql-quota: COST_LIMIT_EXCEEDED: the operation costs 140 points, more than --max-cost 139.\n',
    );
    const json = await cli([...BASE, '--operation', 'Shelf', '--max-cost', '139', '--json']);
    expect(json.code).toBe(ExitCode.OVER_LIMIT);
    expect(JSON.parse(json.stdout)).toMatchObject({ total: 140, maxCost: 139, withinLimit: false });
  });

  it('exits 1 beyond --max-depth', async () => {
    await expect(cli([...BASE, '--operation', 'Shelf', '--max-depth', '2'])).resolves.toEqual(
      failed(
        ExitCode.OVER_LIMIT,
        'graphql-quota: DEPTH_LIMIT_EXCEEDED: The operation is nested deeper than the maximum depth of 2.',
      ),
    );
  });

  it('applies --default-list-size to lists without @listSize', async () => {
    const schema = 'type Query { tags: [Tag!]! } type Tag { name: String! }';
    const run = await cli(
      ['cost', '--schema', 's.graphql', '--query', 't.graphql', '--default-list-size', '7', '--json'],
      { 's.graphql': schema, 't.graphql': '{ tags { name } }' },
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 7 });
  });

  it('merges a schema split over several files and keeps directive definitions it already has', async () => {
    const files = {
      'a.graphql':
        'directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR\ntype Query { a: A }',
      'b.graphql': 'type A { b: Int @cost(weight: 4) }',
      'q2.graphql': '{ a { b } }',
    };
    const run = await cli(
      ['cost', '--schema', 'a.graphql', '--schema', 'b.graphql', '--query', 'q2.graphql', '--json'],
      files,
    );
    expect(run.code).toBe(ExitCode.OK);
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 5 });
  });
});

describe('graphql-quota: help and usage errors', () => {
  it('prints the help on --help, with or without the command', async () => {
    await expect(cli(['--help'])).resolves.toEqual({ code: 0, stdout: USAGE, stderr: '' });
    await expect(cli(['cost', '-h'])).resolves.toEqual({ code: 0, stdout: USAGE, stderr: '' });
    expect(USAGE).toContain(
      '--max-depth <levels>       Exit 1 when fields nest deeper (default 64; 1 to 500).',
    );
  });

  it.each([
    [[], 'Missing command: cost, audit or annotate.'],
    [['price'], 'Unknown command "price".'],
    [['cost', '--query', 'q.graphql'], 'Missing --schema <file>.'],
    [['cost', '--schema', 'books.graphql'], 'Missing --query <file>.'],
    [[...BASE, '--bogus'], "Unknown option '--bogus'."],
    [[...BASE, 'extra'], 'Unexpected argument "extra".'],
    [[...BASE, '--max-cost', '-1'], "Option '--max-cost' argument is ambiguous."],
    [[...BASE, '--max-cost', '1.5'], '--max-cost must be a non-negative integer, got "1.5".'],
    [[...BASE, '--max-depth', '5000'], '--max-depth must be from 1 to 500, got 5000.'],
    [['cost', '--schema'], "Option '--schema <value>' argument missing."],
  ])('%j: %s', async (argv, message) => {
    await expect(cli(argv)).resolves.toEqual({
      code: ExitCode.ERROR,
      stdout: '',
      stderr: `graphql-quota: USAGE: ${message}\nRun graphql-quota --help for usage.\n`,
    });
  });
});

describe('graphql-quota cost: input errors', () => {
  it('names an unreadable file', async () => {
    await expect(cli(['cost', '--schema', 'missing.graphql', '--query', 'q.graphql'])).resolves.toEqual(
      failed(
        ExitCode.ERROR,
        `graphql-quota: FILE_NOT_READABLE: Cannot read --schema file "missing.graphql": ENOENT: no such file or directory, open 'missing.graphql'`,
      ),
    );
  });

  it('points at SDL syntax errors by file, line and column', async () => {
    const run = await cli(
      ['cost', '--schema', 'books.graphql', '--schema', 'bad.graphql', '--query', 'q.graphql'],
      {
        'bad.graphql': 'type Extra {\n  x: Int\n',
      },
    );
    expect(run).toEqual(
      failed(
        ExitCode.ERROR,
        'graphql-quota: INVALID_SCHEMA: bad.graphql:3:1: Syntax Error: Expected Name, found <EOF>.',
      ),
    );
  });

  it('reports a schema that does not build', async () => {
    const run = await cli(['cost', '--schema', 's.graphql', '--query', 'q.graphql'], {
      's.graphql': 'type Query { a: Missing }',
    });
    expect(run).toEqual(
      failed(ExitCode.ERROR, 'graphql-quota: INVALID_SCHEMA: s.graphql:1:17: Unknown type "Missing".'),
    );
  });

  it('reports a document nested too deeply for the parser as a parse failure (exit 1), never an internal error', async () => {
    // graphql-js's parser recurses per level and runs out of stack a few thousand levels down; the schema
    // too is parsed by it.
    const deep = `{ ${'books { author { '.repeat(5_000)}name${' } }'.repeat(5_000)} }`;
    await expect(cli([...BASE.slice(0, 3), '--query', 'x.graphql'], { 'x.graphql': deep })).resolves.toEqual(
      failed(
        ExitCode.ERROR,
        'graphql-quota: GRAPHQL_PARSE_FAILED: x.graphql: The document is nested too deeply to parse.',
      ),
    );
    const deepSchema = `type Query { a: ${'['.repeat(20_000)}Int${']'.repeat(20_000)} }`;
    await expect(
      cli(['cost', '--schema', 's.graphql', '--query', 'q.graphql'], { 's.graphql': deepSchema }),
    ).resolves.toEqual(
      failed(
        ExitCode.ERROR,
        'graphql-quota: INVALID_SCHEMA: s.graphql: The document is nested too deeply to parse.',
      ),
    );
  });

  it('reports query syntax and validation errors with their positions', async () => {
    await expect(
      cli([...BASE.slice(0, 3), '--query', 'x.graphql'], { 'x.graphql': '{ books {' }),
    ).resolves.toEqual(
      failed(
        ExitCode.ERROR,
        'graphql-quota: GRAPHQL_PARSE_FAILED: x.graphql:1:10: Syntax Error: Expected Name, found <EOF>.',
      ),
    );
    const invalid = '{ books { titel author } }';
    await expect(
      cli([...BASE.slice(0, 3), '--query', 'x.graphql'], { 'x.graphql': invalid }),
    ).resolves.toEqual({
      code: ExitCode.ERROR,
      stdout: '',
      stderr:
        'graphql-quota: GRAPHQL_VALIDATION_FAILED: x.graphql:1:11: Cannot query field "titel" on type "Book". Did you mean "title"?\n' +
        'x.graphql:1:17: Field "author" of type "Author!" must have a selection of subfields. Did you mean "author { ... }"?\n',
    });
  });

  it('asks for --operation when the document has several, and names the ones it has', async () => {
    await expect(cli(BASE)).resolves.toEqual(
      failed(
        ExitCode.ERROR,
        'graphql-quota: INVALID_OPERATION: q.graphql contains several operations (Shelf, Add): choose one with --operation.',
      ),
    );
    await expect(cli([...BASE, '--operation', 'Nope'])).resolves.toEqual(
      failed(
        ExitCode.ERROR,
        'graphql-quota: INVALID_OPERATION: q.graphql has no operation named Nope (it has Shelf, Add).',
      ),
    );
  });

  it('rejects variables that are not a JSON object or do not fit the operation', async () => {
    const shelf = [...BASE, '--operation', 'Shelf'];
    const run = await cli([...shelf, '--variables', '{"n": 2']);
    expect(run.code).toBe(ExitCode.ERROR);
    expect(run.stderr).toMatch(/^graphql-quota: INVALID_VARIABLES_JSON: --variables is not valid JSON: /);
    await expect(cli([...shelf, '--variables', '@v.json'], { 'v.json': '[1]' })).resolves.toEqual(
      failed(
        ExitCode.ERROR,
        'graphql-quota: INVALID_VARIABLES_JSON: v.json must be a JSON object of variable values.',
      ),
    );
    await expect(cli([...shelf, '--variables', '{"n": "two"}'])).resolves.toEqual(
      failed(
        ExitCode.ERROR,
        'graphql-quota: INVALID_VARIABLES: Variable "$n" got invalid value "two"; Int cannot represent non-integer value: "two"',
      ),
    );
  });

  it('puts errors in the JSON document with --json', async () => {
    const run = await cli([...BASE, '--json']);
    expect(run.code).toBe(ExitCode.ERROR);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        code: 'INVALID_OPERATION',
        message: 'q.graphql contains several operations (Shelf, Add): choose one with --operation.',
      },
    });
    const usage = await cli(['cost', '--json']);
    expect(JSON.parse(usage.stdout)).toEqual({
      error: { code: CliErrorCode.USAGE, message: 'Missing --schema <file>.' },
    });
  });
});
