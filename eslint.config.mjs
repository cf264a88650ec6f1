import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint.layers.cjs';

export default tseslint.config(
  { ignores: ['src/dashboard/vendor/**', 'dist/**', 'node_modules/**', 'coverage/**', 'bin/**', 'scripts/**', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' },
      ],
      // typescript-eslint's variant, for `allowTypeImports` in the layer rules (eslint.layers.cjs).
      'no-restricted-imports': 'off',
      [layers.RULE]: ['error', { patterns: [layers.GRAPHQL_DEEP] }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The layers of src/: what each folder may import, and only through its index.ts (eslint.layers.cjs).
  ...layers.layerConfigs,
  {
    // Tests, benchmarks and the demo may print and may poke at loosely typed peers.
    files: ['__tests__/**', 'bench/**', 'demo/**', 'jest.config.ts'],
    rules: {
      'no-console': 'off',
      'no-restricted-syntax': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['jest.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
