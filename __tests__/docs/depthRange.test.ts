/**
 * Issue 15: the README once said `--max-depth` accepts 1 to 1,000 while the CLI refused anything above
 * 500. The whole class: every line of the README and docs/ that states a range or a ceiling for the depth
 * limit (`--max-depth`, `maxDepth`) states the code's own, `MAX_SUPPORTED_DEPTH`, and the CLI's usage and
 * refusal agree.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_SUPPORTED_DEPTH } from '../../src/cost/index.js';
import { memoryCli } from '../helpers/memoryCli.js';

const root = join(__dirname, '..', '..');
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Every depth ceiling a page states on a line about the depth limit: "1 to N", "at most N", "up to N". */
function statedCeilings(): { page: string; line: string; ceiling: number }[] {
  const found: { page: string; line: string; ceiling: number }[] = [];
  for (const page of pages) {
    for (const line of readFileSync(join(root, page), 'utf8').split('\n')) {
      if (!/max-depth|maxDepth|MAX_SUPPORTED_DEPTH/.test(line)) continue;
      for (const match of line.matchAll(/(?:\b1 to|at most|up to)\s+([\d,]+)/g)) {
        found.push({ page, line: line.trim(), ceiling: Number(match[1]!.replace(/,/g, '')) });
      }
    }
  }
  return found;
}

test('every stated depth ceiling is MAX_SUPPORTED_DEPTH (500), in docs/cli.md and docs/cost.md at least', () => {
  const found = statedCeilings();
  expect(found.filter((f) => f.ceiling !== MAX_SUPPORTED_DEPTH)).toEqual([]);
  expect(new Set(found.map((f) => f.page))).toEqual(new Set(['docs/cli.md', 'docs/cost.md']));
  expect(MAX_SUPPORTED_DEPTH).toBe(500);
});

test('the CLI takes 1 to MAX_SUPPORTED_DEPTH and refuses one more, as its usage says', async () => {
  const files = { 's.graphql': 'type Query { a: Int }', 'q.graphql': '{ a }' };
  const base = ['cost', '--schema', 's.graphql', '--query', 'q.graphql', '--max-depth'];
  expect((await memoryCli([...base, String(MAX_SUPPORTED_DEPTH)], files)).code).toBe(0);
  const over = await memoryCli([...base, String(MAX_SUPPORTED_DEPTH + 1)], files);
  expect(over.stderr).toContain(
    `--max-depth must be from 1 to ${MAX_SUPPORTED_DEPTH}, got ${MAX_SUPPORTED_DEPTH + 1}.`,
  );
  expect((await memoryCli(['--help'], {})).stdout).toContain(`1 to ${MAX_SUPPORTED_DEPTH}`);
});
