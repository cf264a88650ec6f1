/**
 * Bundles a client entry as a browser application would (esbuild, platform browser, minified, tree-shaken),
 * for the no-Node-built-ins test and the size budget of bench/client-size.bench.ts.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const ROOT = join(__dirname, '..', '..');

export interface ClientBundle {
  /** Minified bytes. */
  readonly minified: number;
  /** Minified then gzipped (level 9) bytes. */
  readonly gzipped: number;
  /** Source files that reached the bundle, relative to the repository. */
  readonly inputs: readonly string[];
}

/**
 * Bundles `contents` (an ES module importing from the repository, e.g.
 * `export { quotaFetch } from './src/client/index.js'`). `graphql` stays external: an application has its own
 * copy. Throws when esbuild fails, for example on a Node built-in, which platform `browser` cannot resolve.
 */
export async function bundleClient(
  contents: string,
  external: readonly string[] = ['graphql'],
): Promise<ClientBundle> {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: [...external],
  });
  const code = result.outputFiles[0]!.contents;
  return {
    minified: code.byteLength,
    gzipped: gzipSync(code, { level: 9 }).byteLength,
    // The files that put code into the bundle: a file reached through an index but tree-shaken away
    // contributes no bytes and ships nothing.
    inputs: Object.values(result.metafile.outputs)
      .flatMap((output) => Object.entries(output.inputs))
      .filter(([f, use]) => f !== 'entry.ts' && use.bytesInOutput > 0)
      .map(([f]) => f)
      .sort(),
  };
}
