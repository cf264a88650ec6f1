/**
 * The complete examples of docs/yoga.md and docs/mercurius.md, run as they are written: the first `ts` block
 * of each page, its `graphql-quota` imports pointed at src/, in a child Node process (tsx) on a free port,
 * then one request over HTTP with the exact quota headers the page shows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/redis.js';
import { gql } from '../helpers/serverClient.js';

const root = join(__dirname, '..', '..');
const scratch = join(root, 'node_modules', '.cache', 'graphql-quota-docs');

function example(page: string): string {
  const text = readFileSync(join(root, 'docs', page), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
  if (code === undefined) throw new Error(`docs/${page} has no ts example`);
  return code
    .replace(
      /from 'graphql-quota\/(\w+)'/g,
      (_m, entry: string) => `from '${join(root, 'src', entry, 'index.ts')}'`,
    )
    .replace(/from 'graphql-quota'/g, `from '${join(root, 'src', 'index.ts')}'`);
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

describe.each([
  ['docs/yoga.md', 'yoga.md', '/graphql'],
  ['docs/mercurius.md', 'mercurius.md', '/graphql'],
])('the example of %s', (_name, page, path) => {
  it('serves books with the quota headers the page shows', async () => {
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, page.replace('.md', '.example.mts'));
    writeFileSync(file, example(page));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const seen = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('GraphQL on')) resolve();
      };
      child.stdout.on('data', seen);
      child.stderr.on('data', seen);
      child.once('exit', (code) => reject(new Error(`example exited (${code}): ${output}`)));
    });
    const url = `http://127.0.0.1:${port}${path}`;
    const query = '{ books(first: 3) { title author { name } } }';
    const known = await gql(url, query, { apiKey: 'key-123' });
    expect([known.status, known.body.data.books.length, known.headers['x-rate-limit-remaining']]).toEqual([
      200,
      3,
      '982',
    ]);
    expect(known.headers['ratelimit-policy']).toMatch(/^"hourly";q=1000;qu="graphql-cost";w=3600;pk=:/);
    const tooCostly = await gql(url, '{ books(first: 100) { title author { name } } }', {
      apiKey: 'key-123',
    });
    expect([tooCostly.status, tooCostly.body.errors[0].extensions.code]).toEqual([
      400,
      'COST_LIMIT_EXCEEDED',
    ]);
    child.kill('SIGTERM');
  }, 60_000);
});
