/**
 * The layer rule (eslint.layers.cjs) fires: ESLint's Node API lints small in-memory sources placed in src/
 * folders, with the rule's own config blocks, and the exact errors are asserted. The real src/ passes it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

interface LayerRow {
  readonly folder: string;
  readonly imports: readonly string[];
  readonly types?: readonly string[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const layers = require('../../eslint.layers.cjs') as {
  readonly LAYERS: readonly LayerRow[];
  readonly ROOT: { readonly imports: readonly string[] };
  readonly RULE: string;
  readonly layerConfigs: unknown[];
};

const ROOT_DIR = join(__dirname, '..', '..');

function eslint(): ESLint {
  return new ESLint({
    cwd: ROOT_DIR,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { '@typescript-eslint': tseslint.plugin },
      },
      ...(layers.layerConfigs as ESLint.Options['overrideConfig'][]),
    ] as ESLint.Options['overrideConfig'],
  });
}

/** `rule: message` of every problem ESLint reports for `code` as the file `file` (relative to the repo). */
async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint().lintText(code, { filePath: join(ROOT_DIR, file) });
  return result!.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

const restricted = (source: string, message: string) =>
  `${layers.RULE}: '${source}' import is restricted from being used by a pattern. ${message}`;

describe('the layer rule', () => {
  it('rejects an upward import: quota importing the store', async () => {
    expect(
      await problems(
        'src/quota/fixture.ts',
        "import { MemoryStore } from '../store/index.js';\nexport const s = MemoryStore;\n",
      ),
    ).toEqual([
      restricted(
        '../store/index.js',
        'Layers: quota may not import store (quota imports nothing). See eslint.layers.cjs.',
      ),
    ]);
  });

  it('rejects an upward import: the store importing the engine, and a re-export counts as an import', async () => {
    expect(
      await problems('src/store/fixture.ts', "export { QuotaEngine } from '../engine/index.js';\n"),
    ).toEqual([
      restricted(
        '../engine/index.js',
        'Layers: store may not import engine (store imports quota). See eslint.layers.cjs.',
      ),
    ]);
  });

  it('rejects a deep import into another folder, and accepts the same name through its index.ts', async () => {
    expect(
      await problems(
        'src/store/fixture.ts',
        "import { compilePlan } from '../quota/compilePlan.js';\nexport const c = compilePlan;\n",
      ),
    ).toEqual([
      restricted(
        '../quota/compilePlan.js',
        "Front door: import quota through '../quota/index.js', not its files.",
      ),
    ]);
    expect(
      await problems(
        'src/store/fixture.ts',
        "import { compilePlan } from '../quota/index.js';\nimport { settled } from './settled.js';\nexport const c = [compilePlan, settled];\n",
      ),
    ).toEqual([]);
  });

  it('holds cost to graphql alone', async () => {
    expect(
      await problems(
        'src/cost/fixture.ts',
        "import { parse } from 'graphql';\nimport { LRUCache } from 'lru-cache';\nimport type { Plan } from '../quota/index.js';\nexport type X = [typeof parse, typeof LRUCache, Plan];\n",
      ),
    ).toEqual([
      restricted('lru-cache', 'Layers: cost imports only the packages graphql.'),
      restricted(
        '../quota/index.js',
        'Layers: cost may not import quota (cost imports nothing). See eslint.layers.cjs.',
      ),
    ]);
  });

  it('lets http import only types from quota, and nothing of the store', async () => {
    expect(
      await problems(
        'src/http/fixture.ts',
        "import type { Decision } from '../quota/index.js';\nexport type D = Decision;\n",
      ),
    ).toEqual([]);
    expect(
      await problems(
        'src/http/fixture.ts',
        "import { ALL_CLIENTS } from '../quota/index.js';\nimport { MemoryStore } from '../store/index.js';\nexport const x = [ALL_CLIENTS, MemoryStore];\n",
      ),
    ).toEqual([
      restricted('../quota/index.js', 'Layers: http may import only types from quota (import type).'),
      restricted(
        '../store/index.js',
        'Layers: http may not import store (http imports nothing; types from quota). See eslint.layers.cjs.',
      ),
    ]);
  });

  it('keeps the store free of GraphQL and adapters', async () => {
    expect(
      await problems(
        'src/store/fixture.ts',
        "import { parse } from 'graphql';\nimport { quotaPlugin } from '../apollo/index.js';\nexport const x = [parse, quotaPlugin];\n",
      ),
    ).toEqual([
      restricted('graphql', 'Layers: store imports only the packages lru-cache, node:crypto.'),
      restricted(
        '../apollo/index.js',
        'Layers: store may not import apollo (store imports quota). See eslint.layers.cjs.',
      ),
    ]);
  });

  it('keeps server frameworks in their own adapter, and adapters out of the lifecycle', async () => {
    expect(
      await problems(
        'src/lifecycle/fixture.ts',
        "import type { ApolloServerPlugin } from '@apollo/server';\nimport { quotaPlugin } from '../apollo/index.js';\nexport type X = [ApolloServerPlugin, typeof quotaPlugin];\n",
      ),
    ).toEqual([
      restricted(
        '@apollo/server',
        "Layers: only a framework's own adapter imports it (lifecycle is not one).",
      ),
      restricted(
        '../apollo/index.js',
        'Layers: lifecycle may not import apollo (lifecycle imports cost, quota, http, store, engine, observability). See eslint.layers.cjs.',
      ),
    ]);
    expect(
      await problems(
        'src/apollo/fixture.ts',
        "import type { ApolloServerPlugin } from '@apollo/server';\nexport type X = ApolloServerPlugin;\n",
      ),
    ).toEqual([]);
    expect(
      await problems(
        'src/envelop/fixture.ts',
        "import type { ApolloServerPlugin } from '@apollo/server';\nexport type X = ApolloServerPlugin;\n",
      ),
    ).toEqual([
      restricted('@apollo/server', "Layers: only a framework's own adapter imports it (envelop is not one)."),
    ]);
  });

  it('keeps server code out of the client, and the client, CLI and other adapters out of the package root', async () => {
    expect(
      await problems(
        'src/client/fixture.ts',
        "import type { Decision } from '../quota/index.js';\nimport { xRateLimitHeaders } from '../http/index.js';\nexport type X = [Decision, typeof xRateLimitHeaders];\n",
      ),
    ).toEqual([
      restricted(
        '../quota/index.js',
        'Layers: client may not import quota (client imports http, cost). See eslint.layers.cjs.',
      ),
    ]);
    expect(
      await problems(
        'src/index.ts',
        "export * from './mercurius/index.js';\nexport * from './apollo/index.js';\nexport * from './cost/index.js';\n",
      ),
    ).toEqual([
      restricted(
        './mercurius/index.js',
        'Layers: the package root may not import mercurius (the package root imports cost, quota, http, store, engine, observability, lifecycle). See eslint.layers.cjs.',
      ),
      restricted(
        './apollo/index.js',
        'Layers: the package root may not import apollo (the package root imports cost, quota, http, store, engine, observability, lifecycle). See eslint.layers.cjs.',
      ),
    ]);
    expect(await problems('src/index.ts', "export { compilePlan } from './quota/compilePlan.js';\n")).toEqual(
      [
        restricted(
          './quota/compilePlan.js',
          "Front door: import quota through './quota/index.js', not its files.",
        ),
      ],
    );
  });

  it('rejects importing the package root from inside src', async () => {
    expect(
      await problems(
        'src/engine/fixture.ts',
        "import { definePlan } from '../index.js';\nexport const d = definePlan;\n",
      ),
    ).toEqual([
      restricted(
        '../index.js',
        'Layers: the package root (src/index.ts) is for users; import the folder you need.',
      ),
    ]);
  });

  it('passes on the real src/', async () => {
    // lintText per file: lintFiles' globbing needs a dynamic import that jest's VM does not provide.
    const files = readdirSync(join(ROOT_DIR, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(files.length).toBeGreaterThan(40);
    const linter = eslint();
    const found: string[] = [];
    for (const file of files) {
      const path = join(ROOT_DIR, 'src', file);
      const [result] = await linter.lintText(readFileSync(path, 'utf8'), { filePath: path });
      for (const m of result!.messages) found.push(`src/${file}: ${m.message}`);
    }
    expect(found).toEqual([]);
  });
});

describe('the layer table', () => {
  it('has a row for every folder of src/', () => {
    const folders = readdirSync(join(ROOT_DIR, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    const rows = new Set(layers.LAYERS.map((l) => l.folder));
    expect(folders.filter((f) => !rows.has(f))).toEqual([]);
  });

  it('lists layers lowest first: every folder imports only folders listed before it', () => {
    const seen = new Set<string>();
    const upward: string[] = [];
    for (const row of layers.LAYERS) {
      for (const dep of [...row.imports, ...(row.types ?? [])])
        if (!seen.has(dep)) upward.push(`${row.folder} → ${dep}`);
      seen.add(row.folder);
    }
    expect(upward).toEqual([]);
    expect(layers.ROOT.imports.filter((f) => !seen.has(f))).toEqual([]);
  });
});
