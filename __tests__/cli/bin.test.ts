import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'graphql-quota.cjs');

function spawnBin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe('bin/graphql-quota.cjs', () => {
  it('prices a query on the demo schema from a real process', async () => {
    const run = await spawnBin([
      'cost',
      '--schema',
      'schema/pim.graphql',
      '--query',
      '__tests__/cli/fixtures/product-page.graphql',
      '--variables',
      '{"channel": "Channel:1", "first": 10}',
      '--top',
      '3',
    ]);
    // 1 connection + 10 products + 10 × fromPrice (Money 1 + @cost 2) + 10 variant connections
    // + 50 variants + 50 × 4 inventory levels at @cost 3 = 1 + 10 + 30 + 10 + 50 + 600 = 701.
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'query ProductPage',
        '  total  701 points',
        '  depth  6',
        '',
        '  cost  count  field',
        '   600     50  products.nodes.variants.nodes.inventory',
        '    50     10  products.nodes.variants.nodes',
        '    30     10  products.nodes.fromPrice',
        '  … 9 more fields (21 points); --top 0 lists all',
        '',
      ].join('\n'),
    });
  });

  it('exits with the error code of a failure', async () => {
    const run = await spawnBin(['cost', '--schema', 'schema/pim.graphql']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: 'graphql-quota: USAGE: Missing --query <file>.\nRun graphql-quota --help for usage.\n',
    });
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    await expect(spawnBin(['--version'])).resolves.toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
