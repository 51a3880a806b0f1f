import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { NestedStack } from 'aws-cdk-lib';
import {
  AppsyncFunction,
  AuthorizationType,
  BaseDataSource,
  Code,
  Definition,
  DynamoDbDataSource,
  FieldLogLevel,
  FunctionRuntime,
  GraphqlApi,
  IamResource,
  LambdaDataSource,
  Resolver,
} from 'aws-cdk-lib/aws-appsync';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { iamAccess } from '../api/access';
import {
  ACCOUNT_GATE,
  accountGatedFields,
  bundleResolver,
  findResolverFiles,
  PASS_THROUGH_CODE,
  loadSchema,
  RESOLVERS_DIR,
  SCHEMA_PATH,
  type ResolverFile,
} from '../api/resolver-files';
import { FUNCTIONS, NONE_DATA_SOURCE_FIELDS, functionForField } from '../functions/catalog';
import { ENV } from '../../lambdas/shared/env';

export interface ApiProps {
  /** Prefix of the API's name (`<prefix>-api`). */
  readonly prefix: string;
  /** Signs in the callers of the default authorization mode. */
  readonly userPool: IUserPool;
  /** The main table, data source of the resolvers that need no Lambda. */
  readonly table: ITableV2;
  /** Lambda data sources by catalog name. */
  readonly functions: (name: string) => IFunction;
  /** How long the API's log group keeps entries. */
  readonly logRetention: RetentionDays;
  /**
   * Resolver environment variables besides TABLE_NAME (the economy's settings and gift catalog).
   * @default none
   */
  readonly environment?: Record<string, string>;
}

/** `export const pipeline = ['fnA', 'fnB']` in a resolver file makes it a pipeline resolver. */
export function resolverPipeline(path: string): string[] | undefined {
  const m = /export\s+const\s+pipeline\s*=\s*\[([^\]]*)\]/.exec(readFileSync(path, 'utf8'));
  if (!m) return undefined;
  return [...(m[1] ?? '').matchAll(/['"]([A-Za-z0-9]+)['"]/g)].map((x) => x[1] as string);
}

/**
 * The GraphQL API: the whole product's schema, Cognito user pools by default and IAM for guests
 * and backend publishes, X-Ray and logs on, and one APPSYNC_JS resolver per file in
 * `lib/api/resolvers/` (the same bundles the local mode runs), on the DynamoDB table, a Lambda
 * from the function catalog, or the NONE data source.
 *
 * Two nested stacks keep the platform's main template under CloudFormation's size and resource
 * limits: `Roles` holds the data sources' service roles and their grants, `Pipeline` the pipeline
 * resolvers' functions (their inline code is most of the template's bytes). The data sources and
 * resolvers stay in the main stack: AppSync allows one data source per name and one resolver per
 * field, so creating them in a new stack before the old ones are deleted would fail. The roles are
 * unnamed and AppSync functions are addressed by id, so moving them replaces them safely. Two
 * stacks, not one: the roles come before the data sources and the functions after them.
 */
export class Api extends Construct {
  readonly api: GraphqlApi;
  readonly resolvers: Resolver[] = [];

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.api = new GraphqlApi(this, 'Api', {
      name: `${props.prefix}-api`,
      definition: Definition.fromFile(SCHEMA_PATH),
      authorizationConfig: {
        defaultAuthorization: {
          authorizationType: AuthorizationType.USER_POOL,
          userPoolConfig: { userPool: props.userPool },
        },
        additionalAuthorizationModes: [{ authorizationType: AuthorizationType.IAM }],
      },
      xrayEnabled: true,
      logConfig: { fieldLogLevel: FieldLogLevel.ERROR, excludeVerboseContent: true, retention: props.logRetention },
      environmentVariables: { ...props.environment, TABLE_NAME: props.table.tableName },
    });

    const roles = new NestedStack(this, 'Roles', {
      description: `${props.prefix}: the GraphQL API's data source roles`,
    });
    const pipeline = new NestedStack(this, 'Pipeline', {
      description: `${props.prefix}: the GraphQL API's pipeline functions`,
    });
    const sourceRole = (id: string): Role =>
      new Role(roles, `${id}Role`, { assumedBy: new ServicePrincipal('appsync.amazonaws.com') });
    // The data sources keep their construct ids under the API (their logical ids are unchanged).
    const tableSource = new DynamoDbDataSource(this.api, 'Table', {
      api: this.api,
      table: props.table,
      serviceRole: sourceRole('TableSource'),
    });
    const noneSource = this.api.addNoneDataSource('None');
    const lambdaSources = new Map<string, BaseDataSource>();
    for (const spec of FUNCTIONS) {
      if (!spec.triggers.some((t) => t.kind === 'appsync')) continue;
      const name = spec.name
        .split('-')
        .map((p) => p[0]?.toUpperCase() + p.slice(1))
        .join('');
      lambdaSources.set(
        spec.name,
        new LambdaDataSource(this.api, `${name}Source`, {
          api: this.api,
          lambdaFunction: props.functions(spec.name),
          serviceRole: sourceRole(`${name}Source`),
        }),
      );
    }
    const sourceFor = (field: string): BaseDataSource => {
      if (NONE_DATA_SOURCE_FIELDS.includes(field)) return noneSource;
      const fn = functionForField(field);
      return fn ? (lambdaSources.get(fn.name) as BaseDataSource) : tableSource;
    };

    const pipelineFns = new Map<string, AppsyncFunction>();
    const pipelineFn = (name: string, source: BaseDataSource): AppsyncFunction => {
      let fn = pipelineFns.get(name);
      if (!fn) {
        fn = new AppsyncFunction(pipeline, `Fn${name[0]?.toUpperCase()}${name.slice(1)}`, {
          api: this.api,
          name,
          dataSource: source,
          runtime: FunctionRuntime.JS_1_0_0,
          code: Code.fromInline(bundleResolver(`${RESOLVERS_DIR}/functions/${name}.ts`, { sourceMap: false })),
        });
        pipelineFns.set(name, fn);
      }
      return fn;
    };

    const schema = loadSchema();
    // Every mutation a signed-in user can call runs the account gate first (a banned account's
    // unexpired token changes nothing); a unit resolver among them runs as the pipeline's last function.
    const gated = accountGatedFields(schema);
    const gateFn = (): AppsyncFunction => pipelineFn(ACCOUNT_GATE, tableSource);
    const ownFn = (file: ResolverFile, source: BaseDataSource): AppsyncFunction => {
      const name = basename(file.path, '.ts').replace('.', '');
      return new AppsyncFunction(pipeline, `Fn${name}`, {
        api: this.api,
        name,
        dataSource: source,
        runtime: FunctionRuntime.JS_1_0_0,
        code: Code.fromInline(bundleResolver(file.path, { sourceMap: false })),
      });
    };
    for (const file of findResolverFiles(RESOLVERS_DIR, schema)) {
      const gate = gated.has(file.field) ? { gateFn, ownFn } : undefined;
      this.resolvers.push(this.resolver(file, sourceFor(file.field), pipelineFn, gate));
    }

    // Lambdas and the identity pool reach the API through IAM; see lib/api/access.ts.
    this.access = iamAccess(schema);
  }

  private readonly access: ReturnType<typeof iamAccess>;

  private resolver(
    file: ResolverFile,
    source: BaseDataSource,
    pipelineFn: (n: string, s: BaseDataSource) => AppsyncFunction,
    gate?: {
      gateFn: () => AppsyncFunction;
      ownFn: (f: ResolverFile, s: BaseDataSource) => AppsyncFunction;
    },
  ): Resolver {
    const pipeline = resolverPipeline(file.path);
    const id = basename(file.path, '.ts').replace('.', '');
    const common = {
      api: this.api,
      typeName: file.typeName,
      fieldName: file.fieldName,
      runtime: FunctionRuntime.JS_1_0_0,
    };
    if (gate && !pipeline) {
      return new Resolver(this, id, {
        ...common,
        code: Code.fromInline(PASS_THROUGH_CODE),
        pipelineConfig: [gate.gateFn(), gate.ownFn(file, source)],
      });
    }
    const code = Code.fromInline(bundleResolver(file.path, { sourceMap: false }));
    const steps = pipeline ? pipeline.map((n) => pipelineFn(n, source)) : undefined;
    return new Resolver(this, id, {
      ...common,
      code,
      ...(steps ? { pipelineConfig: gate ? [gate.gateFn(), ...steps] : steps } : { dataSource: source }),
    });
  }

  /** Lets signed-out visitors (the identity pool's guest role) call the public fields. */
  grantGuest(grantee: IGrantable): void {
    this.grantFields(grantee, this.access.guest);
  }

  /** Lets `fn` call the `publish*` mutations that fan events out to subscribers, at the URL it is given. */
  grantPublish(fn: LambdaFunction): void {
    this.grantFields(fn, this.access.backend);
    fn.addEnvironment(ENV.GRAPHQL_URL, this.api.graphqlUrl);
  }

  private grantFields(grantee: IGrantable, fields: readonly string[]): void {
    const byType = new Map<string, string[]>();
    for (const f of fields) {
      const [type, field] = f.split('.') as [string, string];
      byType.set(type, [...(byType.get(type) ?? []), field]);
    }
    for (const [type, names] of byType) this.api.grant(grantee, IamResource.ofType(type, ...names), 'appsync:GraphQL');
  }
}
