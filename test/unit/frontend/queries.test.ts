import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { C, M, Q, S } from '../../../frontend/src/lib/queries';

// AppSync's built-in scalars and auth directives, so graphql-js accepts the schema as written.
const APPSYNC_PRELUDE = `
scalar AWSDateTime scalar AWSJSON scalar AWSDate scalar AWSTime scalar AWSTimestamp scalar AWSEmail scalar AWSURL scalar AWSPhone scalar AWSIPAddress
directive @aws_iam on OBJECT | FIELD_DEFINITION
directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION
directive @aws_api_key on OBJECT | FIELD_DEFINITION
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
`;
const schema = buildSchema(APPSYNC_PRELUDE + readFileSync(join(import.meta.dirname, '../../../lib/api/schema.graphql'), 'utf8'));

describe('every GraphQL document the web app sends is valid against lib/api/schema.graphql', () => {
  const docs = { ...Object.fromEntries(Object.entries(Q).map(([k, v]) => [`Q.${k}`, v])), ...Object.fromEntries(Object.entries(M).map(([k, v]) => [`M.${k}`, v])), ...Object.fromEntries(Object.entries(S).map(([k, v]) => [`S.${k}`, v])), ...Object.fromEntries(Object.entries(C).map(([k, v]) => [`C.${k}`, v])) };
  it.each(Object.entries(docs))('%s', (_name, doc) => {
    expect(validate(schema, parse(doc)).map((e) => e.message)).toEqual([]);
  });
});
