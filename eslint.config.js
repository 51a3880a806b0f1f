import tseslint from 'typescript-eslint';
import appsync from '@aws-appsync/eslint-plugin';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**', 'cdk.out/**', '.local/**', 'frontend/**', 'test-output/**',
      '**/*.js', '!eslint.config.js',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['local/**/*.ts', 'test/**/*.ts', 'bin/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Resolvers run in AppSync's APPSYNC_JS runtime: the plugin enforces its JavaScript subset.
    files: ['lib/api/resolvers/**/*.ts'],
    ...appsync.configs.recommended,
    languageOptions: { parserOptions: { project: './tsconfig.json' } },
  },
);
