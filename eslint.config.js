// Lint rules run by `npm test` (and so by CI). Type-aware: a promise nobody awaits or catches is
// an error, the habit that lost uploads in other servers of this kind.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['eslint.config.js', 'dist/**', 'node_modules/**', 'apps/console/dist/**', 'test/reliability/corpus/**', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      // A timer a callback clears before it is set is a read before the assignment, not a constant.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Tests and benchmarks handle arbitrary JSON answers.
    files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // SQL lives in the data-access modules: the database layer (db/, with one module per table
    // under db/repositories) and the blob store. Services call them; nothing else writes SQL.
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'src/**/*.ts'],
    ignores: ['libs/sync-core/src/db/**', 'libs/sync-core/src/ingest/blob-store.ts', '**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'Literal[value=/^\\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\\s/]', message: 'SQL belongs in a data-access module (libs/sync-core/src/db/repositories).' },
        { selector: 'TemplateElement[value.raw=/^\\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\\s/]', message: 'SQL belongs in a data-access module (libs/sync-core/src/db/repositories).' },
        { selector: "CallExpression[callee.property.name='createQueryBuilder']", message: 'Query building belongs in a data-access module (libs/sync-core/src/db/repositories).' },
      ],
    },
  },
);
