/**
 * Local AppSync: executes GraphQL with the project's schema and APPSYNC_JS resolver files
 * (bundled exactly as for AppSync), enforcing @aws_iam / @aws_cognito_user_pools, running unit and
 * pipeline resolvers against the DynamoDB, Lambda and NONE data sources, and delivering
 * @aws_subscribe subscriptions after mutations. Reference: docs/local-appsync-runtime.md.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GraphQLError,
  GraphQLScalarType,
  Kind,
  execute as gqlExecute,
  getNamedType,
  isObjectType,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLFormattedError,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  defaultFieldResolver,
} from 'graphql';
import { NONE_DATA_SOURCE_FIELDS, functionForField } from '../../lib/functions/catalog';
import { RESOLVERS_DIR, SCHEMA_PATH, bundleResolver, findResolverFiles, loadSchema } from '../../lib/api/resolver-files';
import { createDynamoDbSource } from './dynamodb-source';
import { AppSyncError, EarlyReturn, loadResolverCode, withInvocation, type AppendedError, type ResolverModule } from './runtime';

export type AuthMode = 'AMAZON_COGNITO_USER_POOLS' | 'AWS_IAM';

/** Cognito identity as AppSync gives it to resolvers. */
export interface CognitoIdentity {
  sub: string;
  username: string;
  claims: Record<string, unknown>;
  groups: string[] | null;
  issuer: string;
  sourceIp: string[];
  defaultAuthStrategy: string;
}

/** IAM identity (guest or Lambda role) as AppSync gives it to resolvers. */
export interface IamIdentity {
  cognitoIdentityAuthType?: string;
  cognitoIdentityId?: string;
  cognitoIdentityPoolId?: string;
  accountId: string;
  sourceIp: string[];
  userArn: string;
  username: string;
}

export type LocalAuth = { mode: 'AMAZON_COGNITO_USER_POOLS'; identity: CognitoIdentity } | { mode: 'AWS_IAM'; identity: IamIdentity };

export interface EngineRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  auth: LocalAuth;
  /** Request headers visible as ctx.request.headers. */
  headers?: Record<string, string>;
}

export interface EngineOptions {
  dynamo: DynamoDBClient;
  tables: { Main: string; Idempotency: string };
  invokeLambda(functionName: string, payload: unknown): Promise<unknown>;
  schemaPath?: string;
  resolversDir?: string;
  /**
   * The API's environment variables besides the table names, as the stack sets them (the
   * economy's settings: lib/stacks/platform-stack.ts, economyEnvironment).
   * @default none
   */
  env?: Record<string, string>;
}

/** A formatted GraphQL error with AppSync's extra keys. */
export type AppSyncFormattedError = GraphQLFormattedError & { errorType?: string | null; errorInfo?: unknown; data?: unknown };
/** GraphQL answer: data plus AppSync-shaped errors. */
export interface EngineResult {
  data?: Record<string, unknown> | null;
  errors?: AppSyncFormattedError[];
}

export interface Engine {
  execute(req: EngineRequest): Promise<EngineResult>;
  subscribe(
    req: EngineRequest,
    onData: (result: EngineResult) => void,
  ): Promise<{ ok: true; unsubscribe(): void } | { ok: false; errors: AppSyncFormattedError[] }>;
  /** The schema served (AppSync prelude included). */
  readonly schema: GraphQLSchema;
}

const DEFAULT_MODE: AuthMode = 'AMAZON_COGNITO_USER_POOLS';
const DIRECTIVE_MODE: Record<string, AuthMode> = { aws_iam: 'AWS_IAM', aws_cognito_user_pools: 'AMAZON_COGNITO_USER_POOLS' };

function modesOf(node: { astNode?: { directives?: readonly { name: { value: string } }[] } | null | undefined }): AuthMode[] {
  return (node.astNode?.directives ?? []).map((d) => DIRECTIVE_MODE[d.name.value]).filter((m): m is AuthMode => m !== undefined);
}

/** AppSync's rule: field directives, else the parent type's, else the default mode. */
function allowedModes(type: GraphQLObjectType, field: GraphQLField<unknown, unknown>): AuthMode[] {
  const own = modesOf(field);
  if (own.length) return own;
  const typeModes = modesOf(type);
  return typeModes.length ? typeModes : [DEFAULT_MODE];
}

function awsJson(): GraphQLScalarType {
  return new GraphQLScalarType({
    name: 'AWSJSON',
    serialize: (v) => (typeof v === 'string' ? v : JSON.stringify(v)),
    parseValue: (v) => (typeof v === 'string' ? JSON.parse(v) : v),
    parseLiteral: (ast) => (ast.kind === Kind.STRING ? JSON.parse(ast.value) : null),
  });
}

function selectionSetList(nodes: readonly FieldNode[], info: GraphQLResolveInfo): string[] {
  const out: string[] = [];
  const walk = (set: SelectionSetNode | undefined, prefix: string): void => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        const path = prefix + sel.name.value;
        out.push(path);
        walk(sel.selectionSet, `${path}/`);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet, prefix);
      else walk(info.fragments[sel.name.value]?.selectionSet, prefix);
    }
  };
  for (const node of nodes) walk(node.selectionSet, '');
  return [...new Set(out)];
}

function formatError(err: GraphQLError): AppSyncFormattedError {
  const original = err.originalError;
  const formatted: AppSyncFormattedError = { message: err.message, locations: err.locations, path: err.path };
  if (original instanceof AppSyncError) {
    formatted.errorType = original.errorType;
    formatted.errorInfo = original.errorInfo;
    formatted.data = original.data;
  } else if (!original || !err.path) {
    // Errors without a path stop the request before any resolver runs (a document that does not
    // validate, variables that do not coerce: wrong type, null for a required value, bad AWSJSON).
    formatted.errorType = 'ValidationError';
  }
  return formatted;
}

/** graphql-js context of one request. */
interface RequestContext {
  auth: LocalAuth;
  headers: Record<string, string>;
  appended: (AppendedError & { path: (string | number)[] })[];
}

interface Subscriber {
  field: string;
  args: Record<string, unknown>;
  document: DocumentNode;
  operationName?: string;
  variables?: Record<string, unknown>;
  auth: LocalAuth;
  onData: (result: EngineResult) => void;
}

/** Builds the engine; resolver files are bundled and loaded once, at creation. */
export function createEngine(opts: EngineOptions): Engine {
  const schema = loadSchema(opts.schemaPath ?? SCHEMA_PATH);
  const jsonType = schema.getType('AWSJSON') as GraphQLScalarType;
  Object.assign(jsonType, { serialize: awsJson().serialize, parseValue: awsJson().parseValue, parseLiteral: awsJson().parseLiteral });
  const resolversDir = opts.resolversDir ?? RESOLVERS_DIR;
  const modules = new Map<string, ResolverModule>();
  for (const file of findResolverFiles(resolversDir, schema)) {
    modules.set(file.field, loadResolverCode(bundleResolver(file.path), file.path));
  }
  const functionModules = new Map<string, ResolverModule>();
  const pipelineFunction = (name: string): ResolverModule => {
    let mod = functionModules.get(name);
    if (!mod) {
      const path = join(resolversDir, 'functions', `${name}.ts`);
      if (!existsSync(path)) throw new Error(`Pipeline function ${name} not found at ${path}`);
      mod = loadResolverCode(bundleResolver(path), path);
      functionModules.set(name, mod);
    }
    return mod;
  };
  const dynamo = createDynamoDbSource(opts.dynamo, opts.tables.Main);
  const env = { ...opts.env, TABLE_NAME: opts.tables.Main, IDEMPOTENCY_TABLE_NAME: opts.tables.Idempotency };
  const subscribers = new Set<Subscriber>();

  const dataSource = async (field: string, request: unknown): Promise<{ result: unknown; error: { message: string; type: string } | null }> => {
    if (NONE_DATA_SOURCE_FIELDS.includes(field)) {
      return { result: (request as { payload?: unknown } | null)?.payload ?? null, error: null };
    }
    const fn = functionForField(field);
    if (fn) {
      try {
        return { result: await opts.invokeLambda(fn.name, (request as { payload?: unknown }).payload), error: null };
      } catch (err) {
        return { result: null, error: { message: (err as Error).message, type: 'Lambda:Unhandled' } };
      }
    }
    return dynamo.execute(request);
  };

  type Ctx = Record<string, unknown> & { stash: Record<string, unknown>; prev: { result: unknown } };

  /** Runs one handler; util.error propagates, appended errors are collected. */
  const call = (fn: ((ctx: unknown) => unknown) | undefined, ctx: Ctx, errors: AppendedError[], fallback: unknown): unknown =>
    fn ? withInvocation(errors, () => fn(ctx)) : fallback;

  /** request → data source → response for one unit resolver or pipeline function. */
  const runStep = async (field: string, mod: ResolverModule, ctx: Ctx, errors: AppendedError[]): Promise<unknown> => {
    let request: unknown;
    try {
      request = call(mod.request, ctx, errors, {});
    } catch (err) {
      if (err instanceof EarlyReturn) return err.value;
      throw err;
    }
    const outcome = await dataSource(field, request);
    ctx.result = outcome.result;
    ctx.error = outcome.error ?? undefined;
    try {
      return call(mod.response, ctx, errors, outcome.result);
    } finally {
      delete ctx.error;
    }
  };

  const resolveWith =
    (field: string, mod: ResolverModule): GraphQLFieldResolver<unknown, RequestContext> =>
    async (source, args, context, info) => {
      const errors: AppendedError[] = [];
      const ctx: Ctx = {
        arguments: args,
        args,
        identity: context.auth.identity,
        source: source ?? null,
        stash: {},
        prev: { result: null },
        env,
        request: { headers: context.headers, domainName: null },
        info: {
          fieldName: info.fieldName,
          parentTypeName: info.parentType.name,
          variables: info.variableValues,
          selectionSetList: cachedSelectionSetList(info),
          selectionSetGraphQL: '',
        },
      };
      let value: unknown;
      if (mod.pipeline) {
        try {
          ctx.prev.result = call(mod.request, ctx, errors, {});
        } catch (err) {
          if (!(err instanceof EarlyReturn)) throw err;
          value = err.value;
          return finish(value, errors, info, context);
        }
        for (const name of mod.pipeline) {
          ctx.prev.result = await runStep(field, pipelineFunction(name), ctx, errors);
        }
        ctx.result = ctx.prev.result;
        value = call(mod.response, ctx, errors, ctx.prev.result);
      } else {
        value = await runStep(field, mod, ctx, errors);
      }
      return finish(value, errors, info, context);
    };

  const finish = (value: unknown, errors: AppendedError[], info: GraphQLResolveInfo, context: RequestContext): unknown => {
    // appendError: the field keeps its value and the errors are reported beside it.
    for (const e of errors) context.appended.push({ ...e, path: pathOf(info) });
    return value;
  };
  const pathOf = (info: GraphQLResolveInfo): (string | number)[] => {
    const out: (string | number)[] = [];
    for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) out.unshift(p.key);
    return out;
  };

  const resolvers = new Map<string, GraphQLFieldResolver<unknown, RequestContext>>();
  for (const [field, mod] of modules) resolvers.set(field, resolveWith(field, mod));

  // Auth modes per type.field, computed once (the schema is fixed); introspection fields are open.
  const ANY_MODE: AuthMode[] = ['AWS_IAM', 'AMAZON_COGNITO_USER_POOLS'];
  const modesByField = new Map<string, AuthMode[]>();
  const modesFor = (parent: GraphQLObjectType, fieldName: string): AuthMode[] => {
    const key = `${parent.name}.${fieldName}`;
    let modes = modesByField.get(key);
    if (!modes) {
      const def = parent.getFields()[fieldName];
      modes = def && !fieldName.startsWith('__') ? allowedModes(parent, def) : ANY_MODE;
      modesByField.set(key, modes);
    }
    return modes;
  };
  // ctx.info.selectionSetList per field node of a (cached) document; fragments resolve the same way
  // for a given document, so the first field node identifies the list.
  const selectionLists = new WeakMap<FieldNode, string[]>();
  const cachedSelectionSetList = (info: GraphQLResolveInfo): string[] => {
    const first = info.fieldNodes[0];
    if (!first || info.fieldNodes.length > 1) return selectionSetList(info.fieldNodes, info);
    let list = selectionLists.get(first);
    if (!list) {
      list = selectionSetList(info.fieldNodes, info);
      selectionLists.set(first, list);
    }
    return [...list];
  };

  const fieldResolver: GraphQLFieldResolver<unknown, RequestContext> = (source, args, context, info) => {
    const parent = info.parentType;
    if (!modesFor(parent, info.fieldName).includes(context.auth.mode)) {
      throw new AppSyncError(`Not Authorized to access ${info.fieldName} on type ${parent.name}`, 'Unauthorized');
    }
    const resolver = resolvers.get(`${parent.name}.${info.fieldName}`);
    if (resolver) return resolver(source, args, context, info);
    return defaultFieldResolver(source, args, context, info);
  };

  // Parsed + validated documents by query text (and operation name): the schema never changes, so a
  // document valid once is valid always; invalid ones are not cached (their errors are rebuilt).
  const prepared = new Map<string, { document: DocumentNode; operation: OperationDefinitionNode }>();
  const PREPARED_MAX = 500;
  const prepare = (req: EngineRequest): { document: DocumentNode; operation: OperationDefinitionNode } | { errors: AppSyncFormattedError[] } => {
    const cacheKey = `${req.operationName ?? ''}\u0000${req.query}`;
    const hit = prepared.get(cacheKey);
    if (hit) return hit;
    const fresh = prepareUncached(req);
    if (!('errors' in fresh)) {
      if (prepared.size >= PREPARED_MAX) prepared.delete(prepared.keys().next().value as string);
      prepared.set(cacheKey, fresh);
    }
    return fresh;
  };
  const prepareUncached = (req: EngineRequest): { document: DocumentNode; operation: OperationDefinitionNode } | { errors: AppSyncFormattedError[] } => {
    let document: DocumentNode;
    try {
      document = parse(req.query);
    } catch (err) {
      return { errors: [formatError(err as GraphQLError)] };
    }
    const problems = validate(schema, document);
    if (problems.length) return { errors: problems.map(formatError) };
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation = req.operationName ? operations.find((o) => o.name?.value === req.operationName) : operations[0];
    if (!operation) return { errors: [{ message: 'Operation not found', errorType: 'ValidationError' }] };
    return { document, operation };
  };

  const run = async (req: EngineRequest, document: DocumentNode, rootValue?: unknown): Promise<EngineResult> => {
    // Appended errors are collected per request (documents are cached and shared by concurrent requests).
    const appended: (AppendedError & { path: (string | number)[] })[] = [];
    const result = await gqlExecute({
      schema,
      document,
      rootValue,
      contextValue: { auth: req.auth, headers: req.headers ?? {}, appended } satisfies RequestContext,
      variableValues: req.variables,
      operationName: req.operationName,
      fieldResolver: rootValue ? defaultFieldResolver : fieldResolver,
    });
    const errors: AppSyncFormattedError[] = [
      ...(result.errors ?? []).map(formatError),
      ...appended.map((e) => ({ message: e.message, path: e.path, errorType: e.errorType, errorInfo: e.errorInfo, data: e.data })),
    ];
    return { data: result.data ?? null, ...(errors.length ? { errors } : {}) };
  };

  const publish = async (operation: OperationDefinitionNode, result: EngineResult): Promise<void> => {
    if (!subscribers.size || !result.data) return;
    const subscriptionType = schema.getSubscriptionType();
    if (!subscriptionType) return;
    for (const sel of operation.selectionSet.selections) {
      if (sel.kind !== Kind.FIELD) continue;
      const mutation = sel.name.value;
      const value = (result.data as Record<string, unknown>)[sel.alias?.value ?? mutation];
      const failed = (result.errors ?? []).some((e) => e.path?.[0] === (sel.alias?.value ?? mutation));
      if (value === null || value === undefined || failed) continue;
      for (const sub of subscribers) {
        const subField = subscriptionType.getFields()[sub.field];
        const mutations = subField?.astNode?.directives
          ?.find((d) => d.name.value === 'aws_subscribe')
          ?.arguments?.find((a) => a.name.value === 'mutations')?.value;
        const names = mutations?.kind === Kind.LIST ? mutations.values.map((v) => (v.kind === Kind.STRING ? v.value : '')) : [];
        if (!names.includes(mutation)) continue;
        const record = value as Record<string, unknown>;
        if (!Object.entries(sub.args).every(([k, v]) => v === null || v === undefined || record[k] === v)) continue;
        const projected = await run(
          { query: '', variables: sub.variables, operationName: sub.operationName, auth: sub.auth },
          sub.document,
          { [sub.field]: value },
        );
        sub.onData(projected);
      }
    }
  };

  return {
    schema,
    async execute(req) {
      const prepared = prepare(req);
      if ('errors' in prepared) return { data: null, errors: prepared.errors };
      if (prepared.operation.operation === 'subscription') {
        return { data: null, errors: [{ message: 'Subscriptions are served by subscribe()', errorType: 'ValidationError' }] };
      }
      const result = await run(req, prepared.document);
      if (prepared.operation.operation === 'mutation') await publish(prepared.operation, result);
      return result;
    },
    async subscribe(req, onData) {
      const prepared = prepare(req);
      if ('errors' in prepared) return { ok: false, errors: prepared.errors };
      const { document, operation } = prepared;
      const fields = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
      const first = fields[0];
      if (operation.operation !== 'subscription' || fields.length !== 1 || !first) {
        return { ok: false, errors: [{ message: 'A subscription request selects exactly one subscription field', errorType: 'ValidationError' }] };
      }
      // Runs the subscription field as AppSync does at connect time: auth rules and its resolver.
      const check = await run(req, document);
      if (check.errors?.length) return { ok: false, errors: check.errors };
      const subscriptionType = schema.getSubscriptionType() as GraphQLObjectType;
      const fieldDef = subscriptionType.getFields()[first.name.value];
      if (!fieldDef || !isObjectType(getNamedType(fieldDef.type))) return { ok: false, errors: [{ message: 'Unknown subscription field' }] };
      const args: Record<string, unknown> = {};
      for (const arg of first.arguments ?? []) {
        const v = arg.value;
        args[arg.name.value] = v.kind === Kind.VARIABLE ? req.variables?.[v.name.value] : v.kind === Kind.NULL ? null : 'value' in v ? v.value : undefined;
      }
      const sub: Subscriber = { field: first.name.value, args, document, operationName: req.operationName, variables: req.variables, auth: req.auth, onData };
      subscribers.add(sub);
      return { ok: true, unsubscribe: () => void subscribers.delete(sub) };
    },
  };
}
