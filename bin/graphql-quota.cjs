#!/usr/bin/env node
'use strict';
// Launcher of the `graphql-quota` command. An installed package runs the CommonJS build in dist/; a git
// checkout (no dist/cjs/cli yet) runs the TypeScript sources through tsx, a devDependency.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'cjs', 'cli', 'main.js');
const cli = existsSync(built)
  ? require(built)
  : require('tsx/cjs/api').require('../src/cli/main.ts', __filename);

cli.runCli(process.argv.slice(2), cli.createNodeIo(require('../package.json').version)).then(
  (code) => {
    // exitCode rather than exit(): let stdout drain when it is a pipe.
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(
      `graphql-quota: INTERNAL_ERROR: ${error && error.stack ? error.stack : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
