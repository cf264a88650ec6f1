/**
 * The size budget of graphql-quota/client: what it adds to a browser application, minified and gzipped, as
 * esbuild bundles it (tree-shaken, `graphql` external). Budget: 5 KB (5,120 bytes) min+gzip for
 * `quotaFetch` and `parseQuotaHeaders` without the analyzer. Also shown: parseQuotaHeaders alone, and
 * graphql-quota/client/cost (the analyzer, `graphql` itself still external). Fails (exit 1) over budget.
 */
import { bundleClient } from '../__tests__/client/bundle.js';

const BUDGET_BYTES = 5 * 1024;

async function main(): Promise<void> {
  const rows: [string, string][] = [
    [
      'quotaFetch + parseQuotaHeaders (the budget)',
      "export { quotaFetch, parseQuotaHeaders } from './src/client/index.ts';",
    ],
    ['parseQuotaHeaders alone', "export { parseQuotaHeaders } from './src/client/index.ts';"],
    ['everything in graphql-quota/client', "export * from './src/client/index.ts';"],
    ['graphql-quota/client/cost (analyzer; graphql external)', "export * from './src/client/cost.ts';"],
  ];
  console.log('entry                                                   min (B)   min+gzip (B)');
  let over = false;
  for (const [i, [name, contents]] of rows.entries()) {
    const b = await bundleClient(contents);
    console.log(`${name.padEnd(55)} ${String(b.minified).padStart(8)} ${String(b.gzipped).padStart(14)}`);
    if (i === 0) over = b.gzipped > BUDGET_BYTES;
  }
  console.log(`budget: ${BUDGET_BYTES} B min+gzip for the first row: ${over ? 'EXCEEDED' : 'met'}`);
  if (over) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
