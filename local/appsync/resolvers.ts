/**
 * The project's APPSYNC_JS resolver files as graphql-js field resolvers: each file bundled exactly
 * as for AppSync and loaded once, unit resolvers run request → data source → response, pipeline
 * resolvers run their functions (`resolvers/functions/<name>.ts`) in order over one `ctx.stash`, and
 * the data source is the field's Lambda, NONE, or DynamoDB.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLFieldResolver, GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { NONE_DATA_SOURCE_FIELDS, functionForField } from '../../lib/functions/catalog';
import {
  ACCOUNT_GATE,
  accountGatedFields,
  bundleResolver,
  findResolverFiles,
  PASS_THROUGH_CODE,
} from '../../lib/api/resolver-files';
import { createDynamoDbSource } from './dynamodb-source';
import type { EngineOptions, LocalAuth } from './engine';
import { EarlyReturn, loadResolverCode, withInvocation, type AppendedError, type ResolverModule } from './runtime';
import { cachedSelectionSetLists } from './selection-set';

/** graphql-js context of one request. */
export interface RequestContext {
  auth: LocalAuth;
  headers: Record<string, string>;
  /** util.appendError errors, with the path of the field that appended them. */
  appended: (AppendedError & { path: (string | number)[] })[];
}

export type FieldResolver = GraphQLFieldResolver<unknown, RequestContext>;

type Ctx = Record<string, unknown> & { stash: Record<string, unknown>; prev: { result: unknown } };
type DataSourceOutcome = { result: unknown; error: { message: string; type: string } | null };

/** Runs one handler; util.error propagates, appended errors are collected. */
const call = (
  fn: ((ctx: unknown) => unknown) | undefined,
  ctx: Ctx,
  errors: AppendedError[],
  fallback: unknown,
): unknown => (fn ? withInvocation(errors, () => fn(ctx)) : fallback);

const pathOf = (info: GraphQLResolveInfo): (string | number)[] => {
  const out: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) out.unshift(p.key);
  return out;
};

/** The field resolvers by `Type.field`, for every resolver file in `resolversDir`. */
export function loadFieldResolvers(
  opts: EngineOptions,
  schema: GraphQLSchema,
  resolversDir: string,
): Map<string, FieldResolver> {
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
  const selectionSetList = cachedSelectionSetLists();

  const dataSource = async (field: string, request: unknown): Promise<DataSourceOutcome> => {
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

  /**
   * request → data source → response for one unit resolver or pipeline function; the data source is
   * the field's, or the table for the account gate (as the stack wires it: lib/constructs/api.ts).
   */
  const runStep = async (
    field: string,
    mod: ResolverModule,
    ctx: Ctx,
    errors: AppendedError[],
    onTable = false,
  ): Promise<unknown> => {
    let request: unknown;
    try {
      request = call(mod.request, ctx, errors, {});
    } catch (err) {
      if (err instanceof EarlyReturn) return err.value;
      throw err;
    }
    const outcome = onTable ? await dynamo.execute(request) : await dataSource(field, request);
    ctx.result = outcome.result;
    ctx.error = outcome.error ?? undefined;
    try {
      return call(mod.response, ctx, errors, outcome.result);
    } finally {
      delete ctx.error;
    }
  };

  const finish = (
    value: unknown,
    errors: AppendedError[],
    info: GraphQLResolveInfo,
    context: RequestContext,
  ): unknown => {
    // appendError: the field keeps its value and the errors are reported beside it.
    for (const e of errors) context.appended.push({ ...e, path: pathOf(info) });
    return value;
  };

  const resolveWith =
    (field: string, mod: ResolverModule): FieldResolver =>
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
          selectionSetList: selectionSetList(info),
          selectionSetGraphQL: '',
        },
      };
      if (!mod.pipeline) return finish(await runStep(field, mod, ctx, errors), errors, info, context);
      try {
        ctx.prev.result = call(mod.request, ctx, errors, {});
      } catch (err) {
        if (!(err instanceof EarlyReturn)) throw err;
        return finish(err.value, errors, info, context);
      }
      for (const name of mod.pipeline) {
        ctx.prev.result = await runStep(field, pipelineFunction(name), ctx, errors, name === ACCOUNT_GATE);
      }
      ctx.result = ctx.prev.result;
      return finish(call(mod.response, ctx, errors, ctx.prev.result), errors, info, context);
    };

  // Every mutation a signed-in user can call runs the account gate first; a unit resolver among them
  // runs as the pipeline's last function behind a pass-through resolver, as in AppSync.
  const gated = accountGatedFields(schema);
  const passThrough = loadResolverCode(PASS_THROUGH_CODE, 'pass-through resolver');
  const resolvers = new Map<string, FieldResolver>();
  for (const file of findResolverFiles(resolversDir, schema)) {
    const mod = loadResolverCode(bundleResolver(file.path), file.path);
    if (!gated.has(file.field)) {
      resolvers.set(file.field, resolveWith(file.field, mod));
    } else if (mod.pipeline) {
      resolvers.set(file.field, resolveWith(file.field, { ...mod, pipeline: [ACCOUNT_GATE, ...mod.pipeline] }));
    } else {
      const own = `${file.typeName}${file.fieldName}`;
      functionModules.set(own, mod);
      resolvers.set(file.field, resolveWith(file.field, { ...passThrough, pipeline: [ACCOUNT_GATE, own] }));
    }
  }
  return resolvers;
}
