/** Nothing in the API is silently missing: every root field has a resolver (or is a plain subscription). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { buildSchema, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  accountGatedFields,
  APPSYNC_PRELUDE,
  findResolverFiles,
  loadSchema,
  RESOLVER_SOURCES_PATH,
  RESOLVERS_DIR,
  resolverSourceFiles,
} from '../../lib/api/resolver-files';
import { resolverPipeline } from '../../lib/constructs/api';
import { FUNCTIONS, NONE_DATA_SOURCE_FIELDS } from '../../lib/functions/catalog';

const schema = loadSchema();
const files = findResolverFiles(RESOLVERS_DIR, schema);
const have = new Set(files.map((f) => f.field));
const rootFields = (root: string) => {
  const type = schema.getType(root);
  return isObjectType(type) ? Object.values(type.getFields()) : [];
};

describe('schema fields without resolvers', () => {
  it('lists none for queries and mutations', () => {
    const missing = ['Query', 'Mutation']
      .flatMap((r) => rootFields(r).map((f) => `${r}.${f.name}`))
      .filter((f) => !have.has(f));
    expect(missing).toEqual([]);
  });

  it('leaves only @aws_subscribe subscriptions without a resolver (AppSync filters them by argument)', () => {
    const missing = rootFields('Subscription')
      .filter(
        (f) =>
          !have.has(`Subscription.${f.name}`) &&
          !(f.astNode?.directives ?? []).some((d) => d.name.value === 'aws_subscribe'),
      )
      .map((f) => f.name);
    expect(missing).toEqual([]);
  });

  it('gives every Lambda-backed and NONE field a resolver file and every pipeline its functions', () => {
    const lambdaFields = FUNCTIONS.flatMap((f) => f.triggers.flatMap((t) => (t.kind === 'appsync' ? t.fields : [])));
    expect([...lambdaFields, ...NONE_DATA_SOURCE_FIELDS].filter((f) => !have.has(f))).toEqual([]);
    const missingFns = files.flatMap((f) =>
      (resolverPipeline(f.path) ?? []).filter((n) => !existsSync(join(RESOLVERS_DIR, 'functions', `${n}.ts`))),
    );
    expect(missingFns).toEqual([]);
  });
});

describe('the account gate', () => {
  it('covers the mutations a user pool token may call: no directive (the default mode) or user pools, not IAM only', () => {
    const fixture = buildSchema(
      `${APPSYNC_PRELUDE} type Query { q: String } type Mutation { plain: String iamOnly: String @aws_iam both: String @aws_iam @aws_cognito_user_pools pools: String @aws_cognito_user_pools }`,
    );
    expect([...accountGatedFields(fixture)].sort()).toEqual(['Mutation.both', 'Mutation.plain', 'Mutation.pools']);
  });

  it('has its pipeline function beside the others, reading the suspension item', () => {
    const code = readFileSync(join(RESOLVERS_DIR, 'functions', 'accountGate.ts'), 'utf8');
    expect(code).toContain('suspensionKey(identity.sub)');
    expect(accountGatedFields(schema).has('Mutation.publishGift')).toBe(false);
    expect(accountGatedFields(schema).has('Mutation.createChatToken')).toBe(true);
  });
});

describe('the AppSync lint covers every file a resolver bundle includes', () => {
  const listed = JSON.parse(readFileSync(RESOLVER_SOURCES_PATH, 'utf8')) as string[];

  it("resolver-sources.json is esbuild's list for the resolver bundles (run `npm run resolver-sources` when this fails)", () => {
    const computed = resolverSourceFiles();
    expect(computed).toContain('lambdas/shared/domain/auctions.ts');
    expect(listed).toEqual(computed);
  });

  it('eslint.config.js applies @aws-appsync/eslint-plugin to each of them, shared domain code included', async () => {
    const eslint = new ESLint();
    const unlinted: string[] = [];
    for (const file of listed) {
      const config = (await eslint.calculateConfigForFile(file)) as { rules?: Record<string, unknown> };
      if (!config.rules?.['@aws-appsync/no-try'] || !config.rules['@aws-appsync/no-function-passing'])
        unlinted.push(file);
    }
    expect(unlinted).toEqual([]);
    const lambdaOnly = (await eslint.calculateConfigForFile('lambdas/shared/domain/sales.ts')) as {
      rules?: Record<string, unknown>;
    };
    expect(lambdaOnly.rules?.['@aws-appsync/no-try']).toBeUndefined();
  });
});
