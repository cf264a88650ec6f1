import { bundleClient } from './bundle.js';

describe('graphql-quota/client in a browser bundle', () => {
  it('bundles for the browser: no Node built-in, no server code, only the header constants of src/http ship', async () => {
    const bundle = await bundleClient("export * from './src/client/index.ts';");
    expect(bundle.inputs).toEqual([
      'src/client/operations.ts',
      'src/client/pacer.ts',
      'src/client/parseQuotaHeaders.ts',
      'src/client/quotaFetch.ts',
      'src/client/structuredFields.ts',
      'src/http/ietfRateLimit.ts',
    ]);
  });

  it('bundles graphql-quota/client/cache on its own: its file and the request reader, nothing of quotaFetch', async () => {
    const bundle = await bundleClient("export * from './src/client/cache.ts';");
    expect(bundle.inputs).toEqual(['src/client/cache.ts', 'src/client/operations.ts']);
  });

  it('bundles graphql-quota/client/usage on its own: its one file, nothing of quotaFetch', async () => {
    const bundle = await bundleClient("export * from './src/client/usage.ts';");
    expect(bundle.inputs).toEqual(['src/client/usage.ts']);
  });

  it('bundles graphql-quota/client/cost for the browser too (the analyzer imports only graphql)', async () => {
    const bundle = await bundleClient("export * from './src/client/cost.ts';");
    expect(bundle.inputs.every((f) => f.startsWith('src/client/') || f.startsWith('src/cost/'))).toBe(true);
  });
});
