import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** The optional peers a fresh Node process has loaded after requiring `entry`. */
function peersLoadedBy(entry: string): string[] {
  const script =
    `require(${JSON.stringify(join(root, entry))});` +
    `const peers = new Set(Object.keys(require.cache).map((p) => (p.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/) || [])[1]).filter(Boolean));` +
    `process.stdout.write(JSON.stringify([...peers].filter((p) => /^(prom-client|@opentelemetry\\/|@apollo\\/server|pino)/.test(p)).sort()));`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as string[];
}

describe('optional peers', () => {
  it('importing the core (observability included) loads neither prom-client nor @opentelemetry/api', () => {
    expect(peersLoadedBy('src/index.ts')).toEqual([]);
    expect(peersLoadedBy('src/observability/index.ts')).toEqual([]);
  });

  it('each exporter entry point loads its own peer only', () => {
    // prom-client 15 itself depends on @opentelemetry/api (for exemplars).
    expect(peersLoadedBy('src/observability/prometheus.ts')).toEqual(['@opentelemetry/api', 'prom-client']);
    expect(peersLoadedBy('src/observability/opentelemetry.ts')).toEqual(['@opentelemetry/api']);
  });
});
