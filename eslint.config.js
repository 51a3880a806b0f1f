import tseslint from 'typescript-eslint';
import appsync from '@aws-appsync/eslint-plugin';
import { readFileSync } from 'node:fs';

// Every file a resolver bundle includes (esbuild's metafile; `npm run resolver-sources` rewrites
// it, test/unit/api-resolvers.test.ts fails while it is stale): shared domain code runs in
// APPSYNC_JS too.
const resolverSources = JSON.parse(readFileSync(new URL('./lib/api/resolver-sources.json', import.meta.url), 'utf8'));

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
    // Resolvers and what they bundle run in AppSync's APPSYNC_JS runtime: the plugin enforces its JavaScript subset.
    files: ['lib/api/resolvers/**/*.ts', ...resolverSources],
    ...appsync.configs.recommended,
    languageOptions: { parserOptions: { project: './tsconfig.json' } },
  },
);
