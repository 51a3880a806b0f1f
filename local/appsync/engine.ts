/**
 * Local AppSync: executes GraphQL with the project's schema and APPSYNC_JS resolver files
 * (bundled exactly as for AppSync: resolvers.ts), enforcing @aws_iam / @aws_cognito_user_pools
 * (auth-modes.ts), running unit and pipeline resolvers against the DynamoDB, Lambda and NONE data
 * sources, and delivering @aws_subscribe subscriptions after mutations (subscriptions.ts).
 * Reference: docs/local-appsync-runtime.md.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GraphQLScalarType,
  Kind,
  defaultFieldResolver,
  execute as gqlExecute,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { RESOLVERS_DIR, SCHEMA_PATH, loadSchema } from '../../lib/api/resolver-files';
import { authModesOfFields } from './auth-modes';
import { documentCache, formatError } from './documents';
import { loadFieldResolvers, type FieldResolver, type RequestContext } from './resolvers';
import { AppSyncError } from './runtime';
import { subscriptions } from './subscriptions';

export type { AuthMode } from './auth-modes';

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

export type LocalAuth =
  { mode: 'AMAZON_COGNITO_USER_POOLS'; identity: CognitoIdentity } | { mode: 'AWS_IAM'; identity: IamIdentity };

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
export type AppSyncFormattedError = GraphQLFormattedError & {
  errorType?: string | null;
  errorInfo?: unknown;
  data?: unknown;
};
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

/** AppSync's AWSJSON: JSON text on the wire, a value in resolvers. */
function useAwsJson(schema: GraphQLSchema): void {
  Object.assign(schema.getType('AWSJSON') as GraphQLScalarType, {
    serialize: (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)),
    parseValue: (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v),
    parseLiteral: (ast: { kind: string; value?: string }) =>
      ast.kind === Kind.STRING ? JSON.parse(ast.value as string) : null,
  });
}

/** Builds the engine; resolver files are bundled and loaded once, at creation. */
export function createEngine(opts: EngineOptions): Engine {
  const schema = loadSchema(opts.schemaPath ?? SCHEMA_PATH);
  useAwsJson(schema);
  const resolvers = loadFieldResolvers(opts, schema, opts.resolversDir ?? RESOLVERS_DIR);
  const modesFor = authModesOfFields();
  const prepare = documentCache(schema);

  const fieldResolver: FieldResolver = (source, args, context, info) => {
    const parent = info.parentType;
    if (!modesFor(parent, info.fieldName).includes(context.auth.mode)) {
      throw new AppSyncError(`Not Authorized to access ${info.fieldName} on type ${parent.name}`, 'Unauthorized');
    }
    const resolver = resolvers.get(`${parent.name}.${info.fieldName}`);
    if (resolver) return resolver(source, args, context, info);
    return defaultFieldResolver(source, args, context, info);
  };

  const run = async (req: EngineRequest, document: DocumentNode, rootValue?: unknown): Promise<EngineResult> => {
    // Appended errors are collected per request (documents are cached and shared by concurrent requests).
    const appended: RequestContext['appended'] = [];
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
      ...appended.map((e) => ({
        message: e.message,
        path: e.path,
        errorType: e.errorType,
        errorInfo: e.errorInfo,
        data: e.data,
      })),
    ];
    return { data: result.data ?? null, ...(errors.length ? { errors } : {}) };
  };
  const subs = subscriptions(schema, run);

  return {
    schema,
    async execute(req) {
      const prepared = prepare(req);
      if ('errors' in prepared) return { data: null, errors: prepared.errors };
      if (prepared.operation.operation === 'subscription') {
        return {
          data: null,
          errors: [{ message: 'Subscriptions are served by subscribe()', errorType: 'ValidationError' }],
        };
      }
      const result = await run(req, prepared.document);
      if (prepared.operation.operation === 'mutation') await subs.publish(prepared.operation, result);
      return result;
    },
    async subscribe(req, onData) {
      const prepared = prepare(req);
      if ('errors' in prepared) return { ok: false, errors: prepared.errors };
      return subs.subscribe(req, prepared, onData);
    },
  };
}
