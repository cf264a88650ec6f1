// Builds dist/esm (ES modules) and dist/cjs (CommonJS) from src/ with tsc, each with its own
// package.json "type" marker so Node loads each build in its own format.
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
const tsc = 'npx tsc -p tsconfig.build.json';
execSync(`${tsc} --module ES2022 --moduleResolution Bundler --outDir dist/esm`, { stdio: 'inherit' });
execSync(`${tsc} --module CommonJS --moduleResolution Node10 --outDir dist/cjs`, { stdio: 'inherit' });
writeFileSync('dist/esm/package.json', JSON.stringify({ type: 'module' }) + '\n');
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');

// graphql-quota/client runs in browsers: no Node built-in may reach its build (a bundler would fail on it).
for (const dir of ['dist/esm/client', 'dist/cjs/client']) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    if (/(from |require\()['"]node:/.test(readFileSync(`${dir}/${file}`, 'utf8')))
      throw new Error(`${dir}/${file} imports a Node built-in; the client must run in browsers`);
  }
}
