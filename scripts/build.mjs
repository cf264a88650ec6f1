// Builds dist/esm (ES modules) and dist/cjs (CommonJS) from src/ with tsc, each with its own
// package.json "type" marker so Node loads each build in its own format.
import { execSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
const tsc = 'npx tsc -p tsconfig.build.json';
execSync(`${tsc} --module ES2022 --moduleResolution Bundler --outDir dist/esm`, { stdio: 'inherit' });
execSync(`${tsc} --module CommonJS --moduleResolution Node10 --outDir dist/cjs`, { stdio: 'inherit' });
writeFileSync('dist/esm/package.json', JSON.stringify({ type: 'module' }) + '\n');
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
