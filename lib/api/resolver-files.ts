/**
 * Resolver files: one per field, named `<Type>.<field>.ts` in `lib/api/resolvers/`. This module
 * finds them, checks each names a field the schema has, and bundles them into APPSYNC_JS code.
 * Both the CDK API construct and the local GraphQL runtime use it, so they run the same code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';
import { buildSchema, isObjectType, type GraphQLSchema } from 'graphql';

export const API_DIR = resolve(import.meta.dirname);
export const SCHEMA_PATH = join(API_DIR, 'schema.graphql');
export const RESOLVERS_DIR = join(API_DIR, 'resolvers');
/** Every source file any resolver bundle includes, repo-relative: eslint.config.js lints them with the AppSync plugin. */
export const RESOLVER_SOURCES_PATH = join(API_DIR, 'resolver-sources.json');
const REPO_ROOT = resolve(API_DIR, '..', '..');

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

/**
 * The pipeline function every mutation a signed-in user can call runs first
 * (`resolvers/functions/accountGate.ts`, on the table): a banned account is refused there whatever
 * token it still holds, in one place rather than in each resolver (docs/safety.md, "Bans").
 */
export const ACCOUNT_GATE = 'accountGate';

/**
 * The resolver code of a unit resolver the account gate turns into a pipeline: the field's own file
 * runs as the pipeline's last function, on the field's data source, and its result is the answer.
 */
export const PASS_THROUGH_CODE = `export function request() {
  return {};
}
export function response(ctx) {
  return ctx.prev.result;
}
`;

/**
 * The Mutation fields a Cognito user pool token may call (AppSync's rule: the field's auth
 * directives, else the default mode, user pools): every one of them runs ACCOUNT_GATE first. The
 * IAM-only `publish*` mutations (the Lambdas' own) do not.
 */
export function accountGatedFields(schema: GraphQLSchema = loadSchema()): Set<string> {
  const gated = new Set<string>();
  const mutation = schema.getMutationType();
  if (!mutation) return gated;
  for (const field of Object.values(mutation.getFields())) {
    const directives = (field.astNode?.directives ?? [])
      .map((d) => d.name.value)
      .filter((n) => n === 'aws_iam' || n === 'aws_cognito_user_pools');
    if (!directives.length || directives.includes('aws_cognito_user_pools')) gated.add(`Mutation.${field.name}`);
  }
  return gated;
}

/** How AppSync code is bundled: ESM, `@aws-appsync/utils` left external (AppSync provides it). */
const RESOLVER_BUILD: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2020',
  external: ['@aws-appsync/utils'],
  logLevel: 'silent',
};

const bundleCache = new Map<string, string>();

/**
 * Bundles one resolver file as AppSync expects: ESM, `@aws-appsync/utils` left external. With an
 * inline source map by default (the local runtime's stack traces); `{ sourceMap: false }` for the
 * stack, where every bundle is inlined into the CloudFormation template and the maps alone took a
 * third of the template's 1 MB limit (the code itself stays unminified, readable in the console).
 */
export function bundleResolver(path: string, opts: { sourceMap?: boolean } = {}): string {
  const sourceMap = opts.sourceMap !== false;
  const cacheKey = `${sourceMap ? 'map' : 'plain'}:${path}`;
  const cached = bundleCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const result = buildSync({
    ...RESOLVER_BUILD,
    entryPoints: [path],
    write: false,
    ...(sourceMap ? { sourcemap: 'inline', sourcesContent: false } : {}),
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error(`esbuild produced no output for ${path}`);
  bundleCache.set(cacheKey, code);
  return code;
}

/** Every file CDK bundles into AppSync code: the field resolvers and the pipeline functions. */
export function resolverEntryPoints(dir: string = RESOLVERS_DIR): string[] {
  const functionsDir = join(dir, 'functions');
  const functions = existsSync(functionsDir)
    ? readdirSync(functionsDir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(functionsDir, f))
    : [];
  return [...findResolverFiles(dir).map((f) => f.path), ...functions.sort()];
}

/**
 * Every source file (repo-relative, sorted) that some resolver bundle includes, read from
 * esbuild's metafile for the very build bundleResolver runs: shared modules such as
 * `lambdas/shared/domain/auctions.ts` run in APPSYNC_JS too, so the AppSync lint must cover them.
 */
export function resolverSourceFiles(dir: string = RESOLVERS_DIR): string[] {
  const result = buildSync({
    ...RESOLVER_BUILD,
    entryPoints: resolverEntryPoints(dir),
    write: false,
    outdir: 'out',
    metafile: true,
    absWorkingDir: REPO_ROOT,
  });
  return Object.keys(result.metafile.inputs)
    .filter((input) => !input.includes('node_modules/'))
    .map((input) => relative(REPO_ROOT, resolve(REPO_ROOT, input)))
    .sort();
}
