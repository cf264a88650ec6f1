import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true, diagnostics: false }],
    // ES-module-only packages that Node lets CommonJS code load (require() of @fastify/static's
    // content-disposition, Mercurius's import() of quick-lru) and jest's CommonJS runtime does not:
    // compiled to CommonJS for the tests, with mercurius/index.js, whose import() becomes a require().
    '/node_modules/(.+/)?(content-disposition|quick-lru)/.+\\.js$|/node_modules/mercurius/index\\.js$':
      '<rootDir>/__tests__/helpers/esmToCommonJs.cjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!((.*/)?(content-disposition|quick-lru)/|mercurius/index\\.js$))'],
  // Sources import siblings as './x.js' (NodeNext ESM); jest resolves the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // Redis and HTTP tests share one real server; a bounded worker count keeps the 2-core CI machine steady.
  maxWorkers: 2,
  // A hang guard, never a speed bound: on a 2-core machine under load (npm test must pass beside two CPU-burning
  // processes) the heaviest tests, thousands of HTTP requests or several tsx child processes, take minutes.
  testTimeout: 180_000,
};

export default config;
