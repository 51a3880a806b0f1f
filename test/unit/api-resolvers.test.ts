/** Nothing in the API is silently missing: every root field has a resolver (or is a plain subscription). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { findResolverFiles, loadSchema, RESOLVERS_DIR } from '../../lib/api/resolver-files';
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
    const missing = ['Query', 'Mutation'].flatMap((r) => rootFields(r).map((f) => `${r}.${f.name}`)).filter((f) => !have.has(f));
    expect(missing).toEqual([]);
  });

  it('leaves only @aws_subscribe subscriptions without a resolver (AppSync filters them by argument)', () => {
    const missing = rootFields('Subscription').filter((f) => !have.has(`Subscription.${f.name}`)
      && !(f.astNode?.directives ?? []).some((d) => d.name.value === 'aws_subscribe')).map((f) => f.name);
    expect(missing).toEqual([]);
  });

  it('gives every Lambda-backed and NONE field a resolver file and every pipeline its functions', () => {
    const lambdaFields = FUNCTIONS.flatMap((f) => f.triggers.flatMap((t) => (t.kind === 'appsync' ? t.fields : [])));
    expect([...lambdaFields, ...NONE_DATA_SOURCE_FIELDS].filter((f) => !have.has(f))).toEqual([]);
    const missingFns = files.flatMap((f) => (resolverPipeline(f.path) ?? []).filter((n) => !existsSync(join(RESOLVERS_DIR, 'functions', `${n}.ts`))));
    expect(missingFns).toEqual([]);
  });
});
