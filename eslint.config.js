import tseslint from 'typescript-eslint';
import appsync from '@aws-appsync/eslint-plugin';
import svelte from 'eslint-plugin-svelte';
import astro from 'eslint-plugin-astro';
import globals from 'globals';
import { readFileSync } from 'node:fs';

// Every file a resolver bundle includes (esbuild's metafile; `npm run resolver-sources` rewrites
// it, test/unit/api-resolvers.test.ts fails while it is stale): shared domain code runs in
// APPSYNC_JS too.
const resolverSources = JSON.parse(readFileSync(new URL('./lib/api/resolver-sources.json', import.meta.url), 'utf8'));

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'cdk.out/**',
      '.local/**',
      'test-output/**',
      'frontend/dist/**',
      'frontend/.astro/**',
      'frontend/node_modules/**',
      '**/*.js',
      '!eslint.config.js',
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
    files: ['local/**/*.ts', 'test/**/*.ts', 'bin/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Resolvers and what they bundle run in AppSync's APPSYNC_JS runtime: the plugin enforces its JavaScript subset.
    files: ['lib/api/resolvers/**/*.ts', ...resolverSources],
    ...appsync.configs.recommended,
    languageOptions: { parserOptions: { project: './tsconfig.json' } },
  },
  // The web app: TypeScript, Svelte components (script in TypeScript) and Astro pages, in the browser.
  ...svelte.configs.recommended.map((c) => ({ ...c, files: ['frontend/**/*.svelte'] })),
  ...astro.configs.recommended.map((c) => ({ ...c, files: c.files ?? ['frontend/**/*.astro'] })),
  {
    files: ['frontend/**/*.ts', 'frontend/**/*.svelte', 'frontend/**/*.astro'],
    languageOptions: { globals: { ...globals.browser } },
    // It asks for SvelteSet/SvelteURLSearchParams wherever a Set or URLSearchParams is created, also
    // for a timer set or a query string built and thrown away: state is declared with $state here.
    rules: { 'svelte/prefer-svelte-reactivity': 'off' },
  },
  {
    files: ['frontend/**/*.svelte'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
);
