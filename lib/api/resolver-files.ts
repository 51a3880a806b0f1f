/**
 * Resolver files: one per field, named `<Type>.<field>.ts` in `lib/api/resolvers/`. This module
 * finds them, checks each names a field the schema has, and bundles them into APPSYNC_JS code.
 * Both the CDK API construct and the local GraphQL runtime use it, so they run the same code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { buildSchema, isObjectType, type GraphQLSchema } from 'graphql';

export const API_DIR = resolve(import.meta.dirname);
export const SCHEMA_PATH = join(API_DIR, 'schema.graphql');
export const RESOLVERS_DIR = join(API_DIR, 'resolvers');

export interface ResolverFile {
  readonly typeName: string;
  readonly fieldName: string;
  /** `Type.field` */
  readonly field: string;
  readonly path: string;
}

const FILE_PATTERN = /^([A-Z][A-Za-z0-9]*)\.([a-z][A-Za-z0-9]*)\.ts$/;

/** AppSync's built-in scalars and directives, which plain GraphQL tools do not know. */
export const APPSYNC_PRELUDE = `
scalar AWSDate
scalar AWSTime
scalar AWSDateTime
scalar AWSTimestamp
scalar AWSEmail
scalar AWSJSON
scalar AWSURL
scalar AWSPhone
scalar AWSIPAddress
directive @aws_iam on OBJECT | FIELD_DEFINITION
directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION
directive @aws_api_key on OBJECT | FIELD_DEFINITION
directive @aws_oidc on OBJECT | FIELD_DEFINITION
directive @aws_lambda on OBJECT | FIELD_DEFINITION
directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
`;

/** The schema as plain GraphQL tools see it (AppSync prelude added). */
export function loadSchema(path: string = SCHEMA_PATH): GraphQLSchema {
  return buildSchema(APPSYNC_PRELUDE + readFileSync(path, 'utf8'));
}

/** Every `Type.field` the schema declares on object types (Query, Mutation, Subscription, others). */
export function schemaFields(schema: GraphQLSchema = loadSchema()): string[] {
  const fields: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.keys(type.getFields())) fields.push(`${type.name}.${field}`);
  }
  return fields.sort();
}

/**
 * Lists resolver files; throws if a file names a field the schema lacks or a file name does not
 * follow `Type.field.ts` (helpers shared by resolvers live in `resolvers/lib/`).
 */
export function findResolverFiles(dir: string = RESOLVERS_DIR, schema: GraphQLSchema = loadSchema()): ResolverFile[] {
  const known = new Set(schemaFields(schema));
  const files: ResolverFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const match = FILE_PATTERN.exec(entry.name);
    if (!match) {
      throw new Error(`Resolver file ${entry.name} is not named <Type>.<field>.ts`);
    }
    const [, typeName, fieldName] = match as unknown as [string, string, string];
    const field = `${typeName}.${fieldName}`;
    if (!known.has(field)) {
      throw new Error(`Resolver file ${entry.name} names ${field}, which schema.graphql does not declare`);
    }
    files.push({ typeName, fieldName, field, path: join(dir, entry.name) });
  }
  return files.sort((a, b) => a.field.localeCompare(b.field));
}

const bundleCache = new Map<string, string>();

/** Bundles one resolver file as AppSync expects: ESM, `@aws-appsync/utils` left external. */
export function bundleResolver(path: string): string {
  const cached = bundleCache.get(path);
  if (cached !== undefined) return cached;
  const result = buildSync({
    entryPoints: [path],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    sourcemap: 'inline',
    sourcesContent: false,
    external: ['@aws-appsync/utils'],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error(`esbuild produced no output for ${path}`);
  bundleCache.set(path, code);
  return code;
}
