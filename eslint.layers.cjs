/**
 * The layers of src/ and what each folder may import: the one table the lint rule is generated from.
 *
 * A request flows cost → quota → store → engine → lifecycle → adapters, and the headers (http) render what
 * the quota layer decided. Each folder may import only the folders listed in its row, and each only through
 * its front door, `../<folder>/index.js`; a file imports its own folder's files directly. `types` lists folders
 * it may import types from only (`import type`), nothing at run time. `packages` lists the packages it may
 * import (`ANY` = any but the server frameworks, which only their own adapter imports: its `frameworks`).
 *
 * A new folder gets a row here (__tests__/architecture/layers.test.ts fails until it has one). The rule is
 * ESLint's own `no-restricted-imports` (typescript-eslint's, for `allowTypeImports`), one override per
 * folder, so the reported errors name the import and the row that forbids it.
 */
'use strict';

/** Optional peer dependencies: importing the core must load none of them. */
const FRAMEWORKS = ['@apollo/server', 'graphql-yoga', '@envelop/core', 'mercurius', 'fastify'];
const ANY = '*';

/** Lowest first. A folder may import only folders above it in this table (the test checks that too). */
const LAYERS = [
  { folder: 'cost', imports: [], packages: ['graphql'] },
  { folder: 'quota', imports: [], packages: [] },
  { folder: 'http', imports: [], types: ['quota'], packages: [] },
  { folder: 'store', imports: ['quota'], packages: ['lru-cache', 'node:crypto'] },
  { folder: 'engine', imports: ['quota', 'store'], packages: ['lru-cache'] },
  { folder: 'observability', imports: ['quota', 'http', 'engine'], packages: ANY },
  { folder: 'history', imports: ['quota', 'store', 'observability'], packages: ['lru-cache'] },
  {
    folder: 'lifecycle',
    imports: ['cost', 'quota', 'http', 'store', 'engine', 'observability'],
    packages: ANY,
  },
  {
    folder: 'apollo',
    imports: ['cost', 'quota', 'http', 'store', 'engine', 'lifecycle'],
    packages: ANY,
    frameworks: ['@apollo/server'],
  },
  {
    folder: 'envelop',
    imports: ['cost', 'quota', 'http', 'lifecycle'],
    packages: ANY,
    // Yoga's plugin type adds its own hooks (onResponse...) to Envelop's.
    frameworks: ['@envelop/core', 'graphql-yoga'],
  },
  {
    folder: 'mercurius',
    imports: ['cost', 'quota', 'http', 'lifecycle'],
    packages: ANY,
    // Mercurius's hooks hand over Fastify's reply and request.
    frameworks: ['mercurius', 'fastify'],
  },
  {
    folder: 'dashboard',
    imports: ['quota', 'observability', 'history', 'lifecycle'],
    packages: ['node:crypto', 'node:http', 'node:zlib'],
  },
  { folder: 'client', imports: ['http', 'cost'], packages: ['graphql'] },
  { folder: 'cli', imports: ['cost', 'quota', 'http', 'store', 'engine', 'lifecycle'], packages: ANY },
];

/**
 * The package root, src/index.ts: the one public barrel. It re-exports the core, never an adapter (each is
 * its own subpath export), the CLI or the client.
 */
const ROOT = {
  imports: ['cost', 'quota', 'http', 'store', 'engine', 'observability', 'history', 'lifecycle'],
};

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Applies everywhere (tests and benchmarks too): deep imports of graphql load a second copy of it. */
const GRAPHQL_DEEP = {
  group: ['graphql/*'],
  message: "Import only from 'graphql' (deep imports load a second copy of graphql).",
};

/** The restricted-import patterns of one file location: `up` is the relative prefix that leaves it ('../' or './'). */
function patternsOf(name, row, up) {
  const from = `^${up === './' ? '\\./' : '(?:\\.\\./)+'}`;
  const allowed = new Set([...row.imports, ...(row.types ?? [])]);
  const patterns = [GRAPHQL_DEEP];
  for (const { folder } of LAYERS) {
    if (folder === name) continue;
    if (!allowed.has(folder)) {
      patterns.push({
        regex: `${from}${escape(folder)}(?:/|$)`,
        message: `Layers: ${name} may not import ${folder} (${name} imports ${list(row.imports)}${
          row.types ? `; types from ${list(row.types)}` : ''
        }). See eslint.layers.cjs.`,
      });
      continue;
    }
    patterns.push({
      regex: `${from}${escape(folder)}/(?!index\\.js$)`,
      message: `Front door: import ${folder} through '${up}${folder}/index.js', not its files.`,
    });
    if ((row.types ?? []).includes(folder)) {
      patterns.push({
        regex: `${from}${escape(folder)}/index\\.js$`,
        allowTypeImports: true,
        message: `Layers: ${name} may import only types from ${folder} (import type).`,
      });
    }
  }
  if (up !== './') {
    patterns.push({
      regex: `${from}index\\.js$`,
      message: 'Layers: the package root (src/index.ts) is for users; import the folder you need.',
    });
  }
  if (row.packages === ANY) {
    const forbidden = FRAMEWORKS.filter((f) => !(row.frameworks ?? []).includes(f));
    patterns.push({
      regex: `^(?:${forbidden.map(escape).join('|')})(?:/|$)`,
      message: `Layers: only a framework's own adapter imports it (${name} is not one).`,
    });
  } else if (row.packages !== undefined) {
    const allowedPackages = row.packages.map(escape).join('|');
    patterns.push({
      regex: allowedPackages === '' ? '^[^.]' : `^(?!(?:${allowedPackages})$)[^.]`,
      message: `Layers: ${name} imports only the packages ${list(row.packages)}.`,
    });
  }
  return patterns;
}

function list(items) {
  return items.length === 0 ? 'nothing' : items.join(', ');
}

const RULE = '@typescript-eslint/no-restricted-imports';

/** The flat-config blocks: one per folder of the table, one for src/index.ts. */
const layerConfigs = [
  ...LAYERS.map((row) => ({
    files: [`src/${row.folder}/**/*.ts`],
    rules: { [RULE]: ['error', { patterns: patternsOf(row.folder, row, '../') }] },
  })),
  {
    files: ['src/index.ts'],
    rules: {
      [RULE]: ['error', { patterns: patternsOf('the package root', { ...ROOT, packages: undefined }, './') }],
    },
  },
];

module.exports = { LAYERS, ROOT, FRAMEWORKS, RULE, GRAPHQL_DEEP, layerConfigs };
