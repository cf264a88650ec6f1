/**
 * graphql-quota for CI: many operations as a table against --max-cost (directories, globs, persisted-query
 * manifests), a query from standard input or -q, introspection JSON, --model, --version, and the audit.
 */
import { buildSchema, graphqlSync, getIntrospectionQuery } from 'graphql';
import { createNodeIo, runCli } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/main.js';

const FIXTURES = '__tests__/cli/fixtures';
const SCHEMA = ['--schema', `${FIXTURES}/books.graphql`];

/** The real file system, standard input replaced by `stdin`, output captured. */
async function cli(argv: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    ...createNodeIo('9.9.9'),
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: () => Promise.resolve(stdin),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('graphql-quota cost: many operations as a table', () => {
  test('a directory: every .graphql and .json file, recursively, costliest first', async () => {
    const run = await cli(['cost', ...SCHEMA, '--query', `${FIXTURES}/ops`, '--max-cost', '50']);
    expect(run).toEqual({
      code: 1,
      stderr: '',
      stdout: [
        '  cost  limit  operation  file',
        `   100  over   Many       ${FIXTURES}/ops/manifest.json#many-books`,
        `    39  ok     Shelf      ${FIXTURES}/ops/shelf.graphql`,
        `    14  ok     Add        ${FIXTURES}/ops/nested/add.graphql`,
        `     1  ok     One        ${FIXTURES}/ops/manifest.json#one-book`,
        '',
        '4 operations, 1 over --max-cost 50',
        '',
      ].join('\n'),
    });
  });

  test('within the limit exits 0; --json gives one document', async () => {
    const run = await cli(['cost', ...SCHEMA, '--query', `${FIXTURES}/ops`, '--max-cost', '100', '--json']);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as {
      maxCost: number;
      operations: { total: number; withinLimit: boolean }[];
    };
    expect(body.maxCost).toBe(100);
    expect(body.operations.map((o) => [o.total, o.withinLimit])).toEqual([
      [1, true],
      [100, true],
      [14, true],
      [39, true],
    ]);
  });

  test('a glob, and several --query', async () => {
    const glob = await cli(['cost', ...SCHEMA, '--query', `${FIXTURES}/ops/**/*.graphql`]);
    expect(glob.code).toBe(0);
    expect(glob.stdout).toContain(`    39  -      Shelf      ${FIXTURES}/ops/shelf.graphql`);
    expect(glob.stdout).toContain(`    14  -      Add        ${FIXTURES}/ops/nested/add.graphql`);
    expect(glob.stdout).toContain('2 operations');
    const two = await cli([
      'cost',
      ...SCHEMA,
      '--query',
      `${FIXTURES}/ops/shelf.graphql`,
      '--query',
      `${FIXTURES}/ops/nested/add.graphql`,
    ]);
    expect(two.stdout.endsWith('\n2 operations\n')).toBe(true);
  });

  test('an operation that cannot be priced is a row with its reason, and exits 2', async () => {
    const run = await cli([
      'cost',
      ...SCHEMA,
      '--query',
      `${FIXTURES}/ops`,
      '--query',
      `${FIXTURES}/books.graphql`,
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/error {2}\(anonymous\)|5 operations, 0 not priced|not priced/);
  });

  test('a glob that matches nothing is an error', async () => {
    const run = await cli(['cost', ...SCHEMA, '--query', `${FIXTURES}/nothing/*.graphql`]);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: `graphql-quota: FILE_NOT_READABLE: No file matches --query "${FIXTURES}/nothing/*.graphql".\n`,
    });
  });
});

describe('graphql-quota cost: one operation from standard input or -q', () => {
  test('--query - reads standard input', async () => {
    const run = await cli(['cost', ...SCHEMA, '--query', '-', '--json'], '{ books(first: 2) { title } }');
    expect((JSON.parse(run.stdout) as { total: number }).total).toBe(2);
  });

  test('-q takes the document itself', async () => {
    const run = await cli(['cost', ...SCHEMA, '-q', '{ books(first: 4) { title } }', '--json']);
    expect((JSON.parse(run.stdout) as { total: number }).total).toBe(4);
  });

  test('--model ibm reports the field and type costs', async () => {
    const run = await cli([
      'cost',
      ...SCHEMA,
      '-q',
      '{ books(first: 4) { title } }',
      '--model',
      'ibm',
      '--json',
    ]);
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 1 + 5 });
    const bad = await cli(['cost', ...SCHEMA, '-q', '{ a }', '--model', 'nope']);
    expect(bad.stderr).toBe(
      'graphql-quota: USAGE: --model must be one of apollo, ibm, graphql-query-complexity, github, got "nope".\nRun graphql-quota --help for usage.\n',
    );
  });
});

describe('graphql-quota cost: introspection JSON', () => {
  test('prices against a schema from its introspection result (default weights: no annotations survive)', async () => {
    const schema = buildSchema('type Query { books(first: Int): [Book] } type Book { title: String }');
    const introspection = JSON.stringify(graphqlSync({ schema, source: getIntrospectionQuery() }));
    const files: Record<string, string> = { 'schema.json': introspection };
    let stdout = '';
    const io: CliIo = {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stdout += t),
      readFile: (p) =>
        files[p] === undefined ? Promise.reject(new Error('ENOENT')) : Promise.resolve(files[p]),
    };
    const code = await runCli(['cost', '--schema', 'schema.json', '-q', '{ books { title } }', '--json'], io);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { total: number }).total).toBe(10);
    files['bad.json'] = '{"data": {}}';
    stdout = '';
    expect(await runCli(['cost', '--schema', 'bad.json', '-q', '{ a }'], io)).toBe(2);
    expect(stdout).toBe(
      'graphql-quota: INVALID_SCHEMA: bad.json is JSON but not an introspection result (no __schema).\n',
    );
  });
});

describe('graphql-quota --version and audit', () => {
  test('--version prints the package version', async () => {
    await expect(cli(['--version'])).resolves.toEqual({ code: 0, stdout: '9.9.9\n', stderr: '' });
    await expect(cli(['-v'])).resolves.toEqual({ code: 0, stdout: '9.9.9\n', stderr: '' });
  });

  test('audit prints findings and exits 1 on warnings by default', async () => {
    const run = await cli(['audit', `${FIXTURES}/audit.graphql`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        `${FIXTURES}/audit.graphql: 3 findings (0 errors, 2 warnings, 1 info)`,
        '  1 of 2 list fields bounded (50%)',
        '',
        '  warning  UNBOUNDED_LIST                    Query.everything',
        '           Query.everything returns a list that nothing bounds: it is priced at defaultListSize (10) items; add @listSize(slicingArguments:) or @listSize(assumedSize:).',
        '  warning  LIST_PRICED_ZERO                  Query.tags',
        '           Query.tags returns a list of String, which weighs 0: any length costs 0 point(s); put @cost on the field or on String if its length matters.',
        '  info     SLICING_ARGUMENT_WITHOUT_DEFAULT  Query.tags(first:)',
        '           Slicing argument "first" of Query.tags has no default: an operation that omits it is refused (requireOneSlicingArgument).',
        '',
        '  costliest query within depth 3: 10 points',
        '          10  everything',
        '           0  everything.id',
        '           0  tags',
        '',
      ].join('\n'),
    );
    // The annotated demo fixture has nothing to report at warning level.
    expect((await cli(['audit', `${FIXTURES}/books.graphql`])).code).toBe(0);
  });

  test('--fail-on sets the threshold; --json prints the audit', async () => {
    expect((await cli(['audit', `${FIXTURES}/audit.graphql`, '--fail-on', 'error'])).code).toBe(0);
    expect((await cli(['audit', `${FIXTURES}/audit.graphql`, '--fail-on', 'info'])).code).toBe(1);
    const run = await cli([
      'audit',
      '--schema',
      `${FIXTURES}/books.graphql`,
      '--json',
      '--fail-on',
      'never',
      '--depth',
      '2',
    ]);
    expect(run.code).toBe(0);
    const audit = JSON.parse(run.stdout) as {
      lists: unknown;
      findings: { code: string }[];
      costliest: { cost: number }[];
    };
    expect(audit.lists).toEqual({ total: 3, bounded: 3, percentBounded: 100 });
    expect(audit.costliest.map((c) => c.cost)).toEqual([expect.any(Number), expect.any(Number)]);
  });

  test('audit usage errors', async () => {
    expect((await cli(['audit'])).stderr).toBe(
      'graphql-quota: USAGE: Missing the schema file: graphql-quota audit <schema file>.\nRun graphql-quota --help for usage.\n',
    );
    expect((await cli(['audit', 'x.graphql', '--fail-on', 'sometimes'])).code).toBe(2);
  });
});
